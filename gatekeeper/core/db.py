"""Database plumbing shared by every feature: the model base, column types and engine set-up.

- One naming convention for constraints, so Alembic migrations name them the same on SQLite and
  PostgreSQL and batch migrations can alter them.
- ``UTCDateTime`` stores aware UTC timestamps on both databases (SQLite has no time zones).
- ``enum_column`` stores a ``StrEnum`` as text with a CHECK constraint listing its values.
- SQLite runs in WAL mode with a busy timeout and foreign keys on. Write transactions start with
  ``BEGIN IMMEDIATE`` so two writers queue on the busy timeout instead of failing when a read
  transaction is upgraded; reads stay ``BEGIN DEFERRED`` and never block.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import enum
from collections.abc import Iterator

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import DeclarativeBase, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base of every model."""

    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(sa.types.TypeDecorator):
    """A timestamp that is always timezone-aware UTC in Python, whatever the database keeps."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        value = value.astimezone(dt.UTC)
        # SQLite keeps text: store naive UTC so values sort and compare as text.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


def enum_column(enum_cls: type[enum.Enum], name: str | None = None, **kwargs):
    """A text column holding ``enum_cls`` values, guarded by a CHECK constraint."""
    return mapped_column(
        sa.Enum(
            enum_cls,
            native_enum=False,
            create_constraint=True,
            length=max(len(m.value) for m in enum_cls),
            values_callable=lambda e: [m.value for m in e],
            name=name or enum_cls.__name__.lower(),
            validate_strings=True,
        ),
        **kwargs,
    )


_write_intent: contextvars.ContextVar[bool] = contextvars.ContextVar("gatekeeper_write_intent", default=False)


@contextlib.contextmanager
def write_intent() -> Iterator[None]:
    """Mark the transactions begun inside the block as writers (``BEGIN IMMEDIATE`` on SQLite)."""
    token = _write_intent.set(True)
    try:
        yield
    finally:
        _write_intent.reset(token)


def set_write_intent(value: bool) -> contextvars.Token:
    return _write_intent.set(value)


def configure_engine(engine: sa.engine.Engine, busy_timeout_ms: int = 15000) -> None:
    """Attach the per-dialect connection set-up to ``engine``."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _sqlite_connect(dbapi_connection, _record):
        # Let SQLAlchemy, not pysqlite, emit BEGIN, so SAVEPOINT and BEGIN IMMEDIATE work.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys = ON")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _sqlite_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _write_intent.get() else "BEGIN")


def refers_to_code(column, model, code: str) -> sa.ColumnElement[bool]:
    """``column`` (a foreign key) points at the ``model`` row with this ``code``: a list filter."""
    return column.in_(sa.select(model.id).where(model.code == code))


def contains(text: str, *columns) -> sa.ColumnElement[bool]:
    """Any of ``columns`` contains ``text``, ignoring case; LIKE wildcards in ``text`` match themselves
    (a search box's filter)."""
    pattern = contains_pattern(text)
    return sa.or_(*(column.ilike(pattern, escape="\\") for column in columns))


def contains_pattern(text: str) -> str:
    """A LIKE pattern matching ``text`` anywhere, its wildcards escaped (use ``escape="\\"``)."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def lock_row(model, row_id):
    """Reload the ``model`` row ``row_id`` under a row lock (``FOR UPDATE OF`` its table only, so
    eager outer joins do not matter); SQLite's write transaction is already exclusive. ``None`` when
    it does not exist."""
    from gatekeeper.extensions import db

    return db.session.scalar(
        sa.select(model)
        .where(model.id == row_id)
        .with_for_update(of=model)
        .execution_options(populate_existing=True)
    )
