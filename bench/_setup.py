"""Shared plumbing of the benchmarks: a fresh database, the app on it, bulk inserts, SQL counting.

Nothing here is imported by the application or the tests. Each benchmark builds its own database
(a SQLite file in a temporary folder, or a fresh schema of a PostgreSQL database named with
``--database-url``), runs the migrations on it and removes it when it ends, even on an error.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import functools
import importlib
import io
import os
import platform
import re
import statistics
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event

#: The benchmarks' "today": a Monday with no holiday near it (the tests' ``TODAY`` too).
TODAY = dt.date(2026, 6, 1)
#: Password of the demo users (the hash method below makes loading them fast).
PASSWORD = "bench-password-1"
#: Rows per INSERT batch of the bulk loads.
CHUNK = 5000

_TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


@dataclass
class Database:
    """A fresh, empty database: its URL and a description for the report."""

    url: str
    backend: str
    label: str
    folder: Path


@contextlib.contextmanager
def fresh_database(postgresql_url: str | None, label: str) -> Iterator[Database]:
    """A fresh database for one benchmark; dropped (schema) or deleted (file) at the end.

    ``postgresql_url`` names a PostgreSQL database in which a new schema is created and put first on
    the ``search_path`` of every connection; without it, a SQLite file in a temporary folder.
    """
    with tempfile.TemporaryDirectory(prefix=f"gatekeeper-bench-{label}-") as folder:
        if not postgresql_url:
            path = Path(folder) / "gatekeeper.sqlite3"
            yield Database(f"sqlite:///{path}", "sqlite", f"SQLite {_sqlite_version()}", Path(folder))
            return
        if not postgresql_url.startswith("postgresql"):
            raise SystemExit(f"--database-url must be a PostgreSQL URL, not {postgresql_url!r}")
        schema = f"gk_bench_{label}_{uuid.uuid4().hex[:8]}"
        admin = sa.create_engine(postgresql_url)
        try:
            with admin.begin() as conn:
                server = conn.execute(sa.text("SHOW server_version")).scalar()
                conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
            separator = "&" if "?" in postgresql_url else "?"
            url = f"{postgresql_url}{separator}options=-csearch_path%3D{schema}"
            try:
                yield Database(url, "postgresql", f"PostgreSQL {server}, schema {schema}", Path(folder))
            finally:
                with admin.begin() as conn:
                    conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        finally:
            admin.dispose()


def _sqlite_version() -> str:
    import sqlite3

    return sqlite3.sqlite_version


def make_app(database: Database):
    """The app on ``database``, with its instance folder in the benchmark's temporary folder."""
    os.environ["GATEKEEPER_INSTANCE_PATH"] = str(database.folder / "instance")
    from gatekeeper import create_app

    return create_app(
        {
            "DATABASE_URL": database.url,
            "SECRET_KEY": "bench-secret",
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            "BASE_URL": "http://gatekeeper.bench",
            "DEFAULT_LOCALE": "zh",
        }
    )


def dispose(app) -> None:
    """Close the app's connections (before the database is dropped)."""
    from gatekeeper.extensions import db

    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def migrate(app) -> None:
    """Run the Alembic migrations (their INFO log lines are kept out of the report)."""
    from flask_migrate import upgrade

    with app.app_context(), contextlib.redirect_stderr(io.StringIO()):
        upgrade()


def bulk_insert(model, rows: Iterable[dict]) -> int:
    """INSERT ``rows`` (dicts of column values) into ``model``'s table in batches; returns the count."""
    from gatekeeper.extensions import db

    table = model.__table__
    batch: list[dict] = []
    count = 0
    for row in rows:
        batch.append(row)
        if len(batch) >= CHUNK:
            db.session.execute(table.insert(), batch)
            count += len(batch)
            batch = []
    if batch:
        db.session.execute(table.insert(), batch)
        count += len(batch)
    return count


def fix_sequences() -> None:
    """On PostgreSQL, move every id sequence past the ids a bulk load gave explicitly."""
    from gatekeeper.extensions import db

    if db.session.get_bind().dialect.name != "postgresql":
        return
    for table in db.metadata.sorted_tables:
        if "id" in table.c and table.c.id.primary_key:
            sequence = f"pg_get_serial_sequence('{table.name}', 'id')"
            db.session.execute(
                sa.text(
                    f'SELECT setval({sequence}, max(id)) FROM "{table.name}" '
                    f"WHERE {sequence} IS NOT NULL HAVING max(id) IS NOT NULL"
                )
            )


def password_hash() -> str:
    """The hash of ``PASSWORD`` with the benchmarks' fast method, for bulk-inserted users."""
    from werkzeug.security import generate_password_hash

    return generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")


def user_row(id_: int | None, username: str, name: str, role: str, hashed: str, **attachment) -> dict:
    """A ``users`` row for a bulk insert (``attachment``: department_id, jurisdiction_id, gate_id)."""
    row = {
        "username": username,
        "name": name,
        "password_hash": hashed,
        "role": role,
        "department_id": None,
        "jurisdiction_id": None,
        "gate_id": None,
        "active": True,
        "session_version": 1,
        "created_at": aware(TODAY),
        **attachment,
    }
    if id_ is not None:
        row["id"] = id_
    return row


def place_row(id_: int, code: str, name: str, level: str, parent_id: int | None, path: str, **facts) -> dict:
    """A ``jurisdictions`` row for a bulk insert (``facts``: community_type, households, areas)."""
    row = dict.fromkeys(("community_type", "households", "area_m2", "office_area_m2"))
    return {
        **row,
        "id": id_,
        "code": code,
        "name": name,
        "level": level,
        "parent_id": parent_id,
        "path": path,
        **facts,
    }


def settle(app) -> str:
    """After a bulk load: on PostgreSQL, VACUUM ANALYZE the schema's tables; says what was done.

    A live server's autovacuum does the same within a minute of such a load; left to it, it runs
    during the timing and competes with the benchmark for the CPUs, and the planner works without
    statistics until it has finished. SQLite keeps no statistics unless told to, so it is left as is.
    """
    from gatekeeper.extensions import db

    with app.app_context():
        db.session.commit()
        if db.engine.dialect.name != "postgresql":
            return "no ANALYZE (as deployed)"
        start = time.perf_counter()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            for table in db.metadata.sorted_tables:
                conn.execute(sa.text(f'VACUUM ANALYZE "{table.name}"'))
        return f"VACUUM ANALYZE {time.perf_counter() - start:.1f} s"


def aware(day: dt.date, hour: int = 10) -> dt.datetime:
    """10:00 local time (Asia/Shanghai) on ``day``, as an aware datetime."""
    from gatekeeper.core import clock

    return dt.datetime.combine(day, dt.time(hour, 0), tzinfo=clock.timezone())


class StatementCounter:
    """Counts the SQL statements sent to ``engine`` while active (transaction control left out)."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self.statements: list[str] = []
        self.active = False
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, _conn, _cursor, statement, _parameters, _context, _executemany) -> None:
        if self.active and not statement.lstrip().upper().startswith(_TRANSACTION_CONTROL):
            self.statements.append(statement)

    @contextlib.contextmanager
    def counting(self) -> Iterator[list[str]]:
        """Record the statements of the block into the yielded list."""
        self.statements = []
        self.active = True
        try:
            yield self.statements
        finally:
            self.active = False

    def close(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._seen)


class FunctionTimer:
    """Adds up the wall time spent in some of the app's functions while ``recording``.

    ``targets`` holds ``(module, attribute, label)``: the module's attribute is replaced by a wrapper
    (so only calls that look it up on the module are seen); ``close`` puts the originals back.
    Times are inclusive: a timed function called by another is counted in both.
    """

    def __init__(self, targets: Iterable[tuple[str, str, str]]) -> None:
        self.spent: dict[str, float] = defaultdict(float)
        self.active = False
        self._originals = []
        for module_name, attribute, label in targets:
            module = importlib.import_module(module_name)
            original = getattr(module, attribute)
            self._originals.append((module, attribute, original))
            setattr(module, attribute, self._timed(original, label))

    def _timed(self, function, label):
        @functools.wraps(function)
        def timed(*args, **kwargs):
            if not self.active:
                return function(*args, **kwargs)
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.spent[label] += time.perf_counter() - start

        return timed

    @contextlib.contextmanager
    def recording(self) -> Iterator[dict[str, float]]:
        self.spent = defaultdict(float)
        self.active = True
        try:
            yield self.spent
        finally:
            self.active = False

    def close(self) -> None:
        for module, attribute, original in self._originals:
            setattr(module, attribute, original)


#: Three or more bound parameters in parentheses (an expanded IN list, a VALUES row), either driver.
_PARAMETERS = re.compile(
    r"\((?:\s*(?:\?|%\(\w+\)s(?:::[A-Z ]+)?)\s*,){2,}\s*(?:\?|%\(\w+\)s(?:::[A-Z ]+)?)\s*\)"
)


def one_line(statement: str, head: int = 80, tail: int = 60) -> str:
    """An SQL statement on one line, its parameter lists collapsed to ``(…)`` (an IN list grows with
    its values), cut in the middle when long (the start and the WHERE ... tail tell it apart)."""
    text = _PARAMETERS.sub("(…)", " ".join(statement.split()))
    return text if len(text) <= head + tail + 5 else f"{text[:head]} … {text[-tail:]}"


def span(values) -> str:
    """``3`` or ``3–5``: the range of a set of counts."""
    values = sorted(values)
    return f"{values[0]:,}" if len(values) == 1 else f"{values[0]:,}–{values[-1]:,}"


def summary(values_ms: list[float]) -> dict[str, float]:
    """Median, 95th percentile and maximum of a list of milliseconds."""
    ordered = sorted(values_ms)
    p95 = statistics.quantiles(ordered, n=100, method="inclusive")[94] if len(ordered) > 1 else ordered[0]
    return {"median": statistics.median(ordered), "p95": p95, "max": ordered[-1], "min": ordered[0]}


def machine() -> str:
    """One line about where the numbers come from."""
    return (
        f"{dt.date.today().isoformat()}, Python {platform.python_version()}, SQLAlchemy {sa.__version__}, "
        f"{os.cpu_count()} CPUs, {platform.machine()}, load average {load()}"
    )


def load() -> str:
    """The 1-minute load average (other work on the machine inflates every timing)."""
    return f"{os.getloadavg()[0]:.2f}" if hasattr(os, "getloadavg") else "n/a"


class Stopwatch:
    """Wall-clock seconds of named set-up steps, for the report."""

    def __init__(self) -> None:
        self.steps: list[tuple[str, float]] = []

    @contextlib.contextmanager
    def step(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.steps.append((name, time.perf_counter() - start))

    def line(self) -> str:
        return "; ".join(f"{name} {seconds:.1f} s" for name, seconds in self.steps)


def flush_print(*args, **kwargs) -> None:
    print(*args, **kwargs)
    sys.stdout.flush()


@contextlib.contextmanager
def benchmark(postgresql_url: str | None, label: str, title: str, watch: Stopwatch) -> Iterator:
    """A fresh database and its migrated app, the header printed; everything removed afterwards."""
    with fresh_database(postgresql_url, label) as database:
        app = make_app(database)
        try:
            flush_print(f"Gatekeeper {title} — {database.label}")
            flush_print(f"  {machine()}; clock frozen at {TODAY}")
            with watch.step("migrations"):
                migrate(app)
            yield app, database
        finally:
            dispose(app)


def arguments(doc: str, seed: int | None = None) -> argparse.ArgumentParser:
    """The command line every benchmark shares: ``--database-url`` (and ``--seed``)."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL database in which a fresh schema is made, used and dropped "
        "(default: a SQLite file in a temporary folder)",
    )
    if seed is not None:
        parser.add_argument("--seed", type=int, default=seed)
    return parser


def log_in(app, username: str):
    """A test client logged in through the log-in form, as a browser would."""
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    answer = client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
    if answer.status_code != 303:
        raise SystemExit(f"log-in of {username} failed: {answer.status_code}")
    return client


def time_get(client, path: str, counter: StatementCounter, gets: int) -> dict:
    """One warm-up GET, one counting the SQL statements, then ``gets`` timed: status, statements and
    the summary of the times (ms)."""
    client.get(path)
    with counter.counting() as statements:
        answer = client.get(path)
    times = []
    for _ in range(gets):
        start = time.perf_counter()
        answer = client.get(path)
        times.append((time.perf_counter() - start) * 1000)
    return {"status": answer.status_code, "statements": list(statements), **summary(times)}


def row_counts(app, models: dict[str, type]) -> str:
    """``"1,040 requests, 530 authorisations, …"``: the rows of each model, named."""
    from gatekeeper.extensions import db

    with app.app_context():
        return ", ".join(
            f"{db.session.scalar(sa.select(sa.func.count()).select_from(model)):,} {name}"
            for name, model in models.items()
        )


def demo_then_grown(
    app, watch: Stopwatch, *, counts, measure, grow, label: str
) -> list[tuple[str, str, dict]]:
    """Load the demo and measure (``measure(counter)``), grow the data (``grow()``) and measure again;
    print the set-up and the row counts (``counts()``) of both rounds. Returns the two rounds:
    (label, counts, results)."""
    from gatekeeper.core import clock
    from gatekeeper.core.db import write_intent
    from gatekeeper.extensions import db
    from gatekeeper.modules.demo.loader import load_demo

    with watch.step("demo"), app.app_context(), clock.frozen(TODAY), write_intent():
        load_demo(PASSWORD)
        db.session.commit()
    settle(app)
    with app.app_context():
        counter = StatementCounter(db.engine)
    rounds = []
    with clock.frozen(TODAY):
        rounds.append(("1×", counts(), measure(counter)))
    grow()
    settle(app)
    with clock.frozen(TODAY):
        rounds.append((label, counts(), measure(counter)))
    counter.close()
    flush_print(f"  set-up: {watch.line()}")
    for name, what, _results in rounds:
        flush_print(f"  {name} the demo: {what}")
    return rounds
