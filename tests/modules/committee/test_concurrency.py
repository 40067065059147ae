"""Races on PostgreSQL, with real commits and threads: one decision per request, one number each."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from gatekeeper.core import clock
from gatekeeper.core.auth import issue_token
from gatekeeper.extensions import db
from gatekeeper.modules.authorisations.models import Authorisation
from gatekeeper.modules.committee.models import Decision
from tests import factories
from tests.conftest import PG_URL, ApiClient, build_app, make_database, prepare

pytestmark = pytest.mark.skipif(not PG_URL, reason="concurrency is tested on PostgreSQL")


@pytest.fixture(scope="module")
def committed_app(tmp_path_factory):
    """An app on its own PostgreSQL schema whose transactions really commit."""
    url, drop = make_database("postgresql", tmp_path_factory, "race")
    app = build_app(url)
    prepare(app)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    drop()


def _token(app, username: str) -> str:
    with app.app_context():
        token, _row = issue_token(factories.user(username), label="race")
        db.session.commit()
        return token


def _race(app, calls: list[tuple[str, str, dict]]) -> list[int]:
    """Send the calls (token, url, body) at the same moment from one thread each; the status codes."""
    barrier = threading.Barrier(len(calls))
    results: list[int | None] = [None] * len(calls)

    errors: list[BaseException] = []

    def run(index: int, token: str, url: str, body: dict) -> None:
        try:
            client = ApiClient(app, app.response_class)
            client.token = token
            barrier.wait()
            with clock.frozen(factories.TODAY):
                results[index] = client.post(url, json=body).status_code
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


def test_two_simultaneous_decisions_yield_exactly_one(committed_app):
    chair = _token(committed_app, "chair")
    for _attempt in range(5):
        with committed_app.app_context():
            req_id = factories.voted(factories.in_review()).id
        url = f"/api/v1/requests/{req_id}/decide"
        codes = _race(
            committed_app, [(chair, url, {"outcome": "approve"}), (chair, url, {"outcome": "approve"})]
        )
        assert sorted(codes) == [200, 409]
        with committed_app.app_context():
            assert db.session.scalar(sa.select(sa.func.count()).where(Decision.request_id == req_id)) == 1
            assert (
                db.session.scalar(sa.select(sa.func.count()).where(Authorisation.request_id == req_id)) == 1
            )


def test_simultaneous_approvals_get_distinct_consecutive_numbers(committed_app):
    chair = _token(committed_app, "chair")
    with committed_app.app_context():
        ids = [
            factories.voted(factories.in_review(title=f"协助开展传染病防控和健康教育（第{n}批）")).id
            for n in range(4)
        ]
    codes = _race(
        committed_app, [(chair, f"/api/v1/requests/{i}/decide", {"outcome": "approve"}) for i in ids]
    )
    assert codes == [200] * 4
    with committed_app.app_context():
        numbers = sorted(
            db.session.scalars(sa.select(Authorisation.number).where(Authorisation.request_id.in_(ids)))
        )
        seqs = [int(n.rsplit("-", 1)[1]) for n in numbers]
        assert len(set(numbers)) == 4 and seqs == list(range(seqs[0], seqs[0] + 4))
