"""Helpers several test modules share: counting SQL statements, and races with real commits."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

from sqlalchemy import event

from gatekeeper.core import clock
from gatekeeper.core.auth import issue_token
from gatekeeper.extensions import db
from tests import factories
from tests.conftest import ApiClient, build_app, make_database, prepare

_TRANSACTION_CONTROL = ("SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "COMMIT")


def count_statements(run: Callable[[], object]) -> list[str]:
    """The SQL statements ``run()`` sends (savepoints and transaction control left out)."""
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        if not statement.lstrip().upper().startswith(_TRANSACTION_CONTROL):
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        run()
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return statements


def committed_app(tmp_path_factory, label: str) -> Iterator:
    """An app on its own PostgreSQL schema whose transactions really commit (for races)."""
    url, drop = make_database("postgresql", tmp_path_factory, label)
    app = build_app(url)
    prepare(app)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    drop()


def token(app, username: str) -> str:
    with app.app_context():
        clear, _row = issue_token(factories.user(username), label="race")
        db.session.commit()
        return clear


def race(app, calls: list[tuple[str, str, dict]]) -> list[tuple[int, dict]]:
    """Send the calls (token, url, body) at the same moment, one thread each: status and body.

    ``body`` is JSON, or a function giving the keyword arguments of the POST (a multipart file is
    made afresh for each thread)."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)
    errors: list[BaseException] = []

    def run(index: int, bearer: str, url: str, body: dict) -> None:
        try:
            client = ApiClient(app, app.response_class)
            client.token = bearer
            barrier.wait()
            with clock.frozen(factories.TODAY):
                answer = client.post(url, **(body() if callable(body) else {"json": body}))
                results[index] = (answer.status_code, answer.get_json())
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i, *call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    if errors:
        raise errors[0]
    return results


def allocation_sums_drift(connection) -> list[tuple]:
    """Where the sums the triggers keep (``allocation_sums``) differ from the allocations summed
    afresh with ``funds.balances``'s own expressions: ``(key, kept, fresh)`` per authorisation and
    due date (rows of zeros left behind by deletions count as absent). Empty when they agree."""
    import sqlalchemy as sa

    from gatekeeper.modules.funds import balances
    from gatekeeper.modules.funds.models import Allocation, AllocationSum

    fresh_stmt = (
        sa.select(Allocation.authorisation_id, Allocation.due_date, *balances.summed())
        .where(balances.where_the_money_is())
        .group_by(Allocation.authorisation_id, Allocation.due_date)
    )
    kept_stmt = sa.select(
        AllocationSum.authorisation_id,
        AllocationSum.due_date,
        *(getattr(AllocationSum, key) for key in balances.SUMMED),
    )

    def keyed(rows) -> dict:
        return {(row[0], row[1]): tuple(int(v) for v in row[2:]) for row in rows if any(row[2:])}

    fresh = keyed(connection.execute(fresh_stmt))
    kept = keyed(connection.execute(kept_stmt))
    return [
        (key, kept.get(key), fresh.get(key))
        for key in sorted(fresh.keys() | kept.keys())
        if kept.get(key) != fresh.get(key)
    ]
