"""Shared plumbing of the benchmarks: a fresh database, the app on it, bulk inserts, SQL counting.

Nothing here is imported by the application or the tests. Each benchmark builds its own database
(a SQLite file in a temporary folder, or a fresh schema of a PostgreSQL database named with
``--database-url``), runs the migrations on it and removes it when it ends, even on an error.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import os
import platform
import statistics
import sys
import tempfile
import time
import uuid
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
