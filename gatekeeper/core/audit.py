"""Append-only, hash-chained audit trail.

Operations call :func:`record` for every change and every automated check. Entries wait in the
session until it commits; then, under a lock that serialises writers (an advisory lock on
PostgreSQL, the ``BEGIN IMMEDIATE`` write lock on SQLite), each is chained to the last one:
``hash = sha256(prev_hash + canonical JSON of the entry)``. Database triggers (see the migrations)
refuse UPDATE and DELETE on the table. :func:`verify_chain` recomputes the chain and names the first
entry that does not match.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapped, Session, mapped_column

from gatekeeper.core import clock
from gatekeeper.core.db import UTCDateTime
from gatekeeper.extensions import db

GENESIS = "0" * 64
_PENDING = "gatekeeper_audit_pending"
_ADVISORY_KEY = 0x6A7E  # any constant: one chain per database


class AuditEntry(db.Model):
    __tablename__ = "audit_entries"
    __table_args__ = (sa.Index("ix_audit_entries_object", "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    actor_name: Mapped[str] = mapped_column(sa.String(120), nullable=False)
    action: Mapped[str] = mapped_column(sa.String(64), nullable=False, index=True)
    object_type: Mapped[str] = mapped_column(sa.String(40), nullable=False)
    object_id: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    before: Mapped[Any | None] = mapped_column(sa.JSON)
    after: Mapped[Any | None] = mapped_column(sa.JSON)
    prev_hash: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    hash: Mapped[str] = mapped_column(sa.String(64), nullable=False, unique=True)

    def payload(self) -> list:
        return [
            self.at.astimezone(dt.UTC).isoformat(),
            self.actor_id,
            self.actor_name,
            self.action,
            self.object_type,
            self.object_id,
            self.before,
            self.after,
        ]

    def compute_hash(self, prev_hash: str) -> str:
        return chain_hash(prev_hash, self.payload())


def chain_hash(prev_hash: str, payload: list) -> str:
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256((prev_hash + text).encode("utf-8")).hexdigest()


def jsonable(value: Any) -> Any:
    """Plain JSON types only, so what is stored is exactly what was hashed."""
    if value is None:
        return None
    return json.loads(json.dumps(value, default=str, ensure_ascii=False))


@dataclass
class _Pending:
    action: str
    obj: Any
    object_type: str
    object_id: Any
    actor: Any
    before: Any
    after: Any
    at: dt.datetime


def record(
    action: str,
    obj: Any = None,
    *,
    actor: Any,
    object_type: str | None = None,
    object_id: Any = None,
    before: Any = None,
    after: Any = None,
) -> None:
    """Queue an audit entry for ``obj`` (or ``object_type``/``object_id``); written at commit.

    ``actor`` is the user who acted, or ``None`` for the system (scheduled jobs, the demo loader).
    """
    if obj is not None and object_type is None:
        object_type = getattr(obj, "__tablename__", type(obj).__name__)
    if object_type is None:
        raise ValueError("record() needs an object or an object_type")
    pending = db.session.info.setdefault(_PENDING, [])
    pending.append(
        _Pending(action, obj, object_type, object_id, actor, jsonable(before), jsonable(after), clock.now())
    )


def _actor_name(actor: Any) -> str:
    return getattr(actor, "username", None) or "system"


@event.listens_for(Session, "before_commit")
def _write_pending(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    session.flush()  # new objects get their ids
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        session.execute(sa.select(sa.func.pg_advisory_xact_lock(_ADVISORY_KEY)))
    prev = session.scalar(sa.select(AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1)) or GENESIS
    for item in pending:
        object_id = item.object_id if item.object_id is not None else getattr(item.obj, "id", None)
        entry = AuditEntry(
            at=item.at,
            actor_id=getattr(item.actor, "id", None),
            actor_name=_actor_name(item.actor),
            action=item.action,
            object_type=item.object_type,
            object_id=str(object_id if object_id is not None else "-"),
            before=item.before,
            after=item.after,
        )
        entry.prev_hash = prev
        entry.hash = prev = entry.compute_hash(prev)
        session.add(entry)


@event.listens_for(Session, "after_soft_rollback")
def _drop_pending(session: Session, previous_transaction) -> None:
    # Only a rollback of the whole session transaction discards the queue, not a savepoint's.
    if previous_transaction.parent is None:
        session.info.pop(_PENDING, None)


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    first_broken_id: int | None = None
    reason: str = ""


def verify_chain(session: Session, batch: int = 2000) -> ChainReport:
    """Recompute the chain in id order; report the first entry whose links or contents changed.

    Reads in keyset batches, so memory stays flat however long the trail is.
    """
    prev = GENESIS
    checked = 0
    last_id = 0
    while True:
        entries = session.scalars(
            sa.select(AuditEntry).where(AuditEntry.id > last_id).order_by(AuditEntry.id).limit(batch)
        ).all()
        if not entries:
            return ChainReport(True, checked)
        for entry in entries:
            if entry.prev_hash != prev:
                return ChainReport(False, checked, entry.id, "link to the previous entry is broken")
            if entry.compute_hash(prev) != entry.hash:
                return ChainReport(False, checked, entry.id, "contents do not match the hash")
            prev = entry.hash
            checked += 1
            last_id = entry.id
            session.expunge(entry)
