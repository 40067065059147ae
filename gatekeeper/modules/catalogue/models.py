"""Catalogue versions (目录版本), their entries and the reasoned changes between versions (立改废释).

A version is a draft until published; from then on it and its entries are immutable (guarded in
``operations`` and by a flush hook below). The next version starts as a copy of the last published
one; every change to a draft is recorded with its reason.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from gatekeeper.core.db import UTCDateTime, enum_column
from gatekeeper.extensions import db
from gatekeeper.modules.jurisdictions.models import Gate

if TYPE_CHECKING:
    from gatekeeper.modules.accounts.models import User


class Kind(enum.StrEnum):
    DUTY = "duty"  # 工作事项/任务指标
    SIGN = "sign"  # 机构牌子
    LEDGER = "ledger"  # 台账
    APPRAISAL = "appraisal"  # 创建评比达标/考核
    CERTIFICATE = "certificate"  # 证明/盖章
    MECHANISM = "mechanism"  # 组织机构/工作机制
    SYSTEM = "system"  # 信息系统/APP/报表


class Standing(enum.StrEnum):
    PERMITTED = "permitted"
    BANNED = "banned"


class DutyRole(enum.StrEnum):
    PERFORM = "perform"  # the community performs it by law (依法履职)
    ASSIST = "assist"  # the community assists the government (依法协助)


class StandardBasis(enum.StrEnum):
    NONE = "none"
    PER_100_HOUSEHOLDS = "per_100_households"
    PER_COMMUNITY = "per_community"


class VersionState(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"


class ChangeAction(enum.StrEnum):
    ADD = "add"  # 立
    AMEND = "amend"  # 改
    REMOVE = "remove"  # 废
    INTERPRET = "interpret"  # 释: notes or legal basis clarified, meaning unchanged


class CatalogueVersion(db.Model):
    __tablename__ = "catalogue_versions"
    __table_args__ = (
        sa.UniqueConstraint("gate_id", "number"),
        sa.CheckConstraint("(state = 'published') = (published_at IS NOT NULL)", name="published_has_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    gate_id: Mapped[int] = mapped_column(sa.ForeignKey("gates.id"), nullable=False, index=True)
    number: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    label: Mapped[str] = mapped_column(sa.String(120), nullable=False)
    # active_history: the flush guard needs the stored state even when the attribute was expired.
    state: Mapped[VersionState] = enum_column(
        VersionState, nullable=False, default=VersionState.DRAFT, active_history=True
    )
    based_on_id: Mapped[int | None] = mapped_column(sa.ForeignKey("catalogue_versions.id"))
    notes: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    published_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    gate: Mapped[Gate] = relationship(lazy="joined")
    based_on: Mapped[CatalogueVersion | None] = relationship(remote_side=[id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    published_by: Mapped[User | None] = relationship(foreign_keys=[published_by_id])
    entries: Mapped[list[CatalogueEntry]] = relationship(
        back_populates="version", order_by="CatalogueEntry.code", cascade="all, delete-orphan"
    )
    changes: Mapped[list[CatalogueChange]] = relationship(
        back_populates="version", order_by="CatalogueChange.id", cascade="all, delete-orphan"
    )

    @property
    def is_published(self) -> bool:
        return self.state == VersionState.PUBLISHED

    def __repr__(self) -> str:
        return f"<CatalogueVersion {self.gate_id}#{self.number} {self.state}>"


class CatalogueEntry(db.Model):
    __tablename__ = "catalogue_entries"
    __table_args__ = (
        sa.UniqueConstraint("version_id", "code"),
        sa.CheckConstraint("funding_amount_fen >= 0", name="funding_not_negative"),
        sa.CheckConstraint(
            "(funding_basis = 'none') = (funding_amount_fen = 0)", name="funding_basis_amount"
        ),
        sa.CheckConstraint("kind = 'duty' OR role IS NULL", name="role_only_for_duties"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        sa.ForeignKey("catalogue_versions.id", ondelete="CASCADE"), nullable=False, index=True
    )
    code: Mapped[str] = mapped_column(sa.String(40), nullable=False)
    title: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    kind: Mapped[Kind] = enum_column(Kind, nullable=False)
    standing: Mapped[Standing] = enum_column(Standing, nullable=False)
    role: Mapped[DutyRole | None] = enum_column(DutyRole)
    legal_basis: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")
    #: The responsible department as the published list names it (free text).
    department: Mapped[str] = mapped_column(sa.String(200), nullable=False, default="")
    funding_basis: Mapped[StandardBasis] = enum_column(
        StandardBasis, nullable=False, default=StandardBasis.NONE
    )
    #: Yearly amount in fen per 100 households or per community.
    funding_amount_fen: Mapped[int] = mapped_column(sa.BigInteger, nullable=False, default=0)
    requires_premises: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    requires_staff: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    list_name: Mapped[str] = mapped_column(sa.String(200), nullable=False, default="")
    source: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")
    notes: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")
    #: Pinyin initials of the title, for search by initials.
    initials: Mapped[str] = mapped_column(sa.String(200), nullable=False, default="")

    version: Mapped[CatalogueVersion] = relationship(back_populates="entries")

    #: Columns that make up an entry's content (compared by diffs, written by exports).
    CONTENT = (
        "code",
        "title",
        "kind",
        "standing",
        "role",
        "legal_basis",
        "department",
        "funding_basis",
        "funding_amount_fen",
        "requires_premises",
        "requires_staff",
        "list_name",
        "source",
        "notes",
    )

    def content(self) -> dict[str, Any]:
        out = {}
        for name in self.CONTENT:
            value = getattr(self, name)
            out[name] = value.value if isinstance(value, enum.Enum) else value
        return out

    def __repr__(self) -> str:
        return f"<CatalogueEntry {self.code} {self.title}>"


class CatalogueChange(db.Model):
    __tablename__ = "catalogue_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        sa.ForeignKey("catalogue_versions.id", ondelete="CASCADE"), nullable=False, index=True
    )
    code: Mapped[str] = mapped_column(sa.String(40), nullable=False)
    action: Mapped[ChangeAction] = enum_column(ChangeAction, nullable=False)
    reason: Mapped[str] = mapped_column(sa.Text, nullable=False)
    before: Mapped[dict | None] = mapped_column(sa.JSON)
    after: Mapped[dict | None] = mapped_column(sa.JSON)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    version: Mapped[CatalogueVersion] = relationship(back_populates="changes")
    actor: Mapped[User | None] = relationship()


class PublishedVersionChanged(Exception):
    """Raised by the flush hook when code tries to alter a published version."""


#: Key of ``session.info``: ids of versions published in the current, uncommitted transaction
#: (whoever caches published versions must wait until it commits).
PUBLISHING = "gatekeeper_publishing_versions"


@event.listens_for(Session, "after_commit")
def _published(session: Session) -> None:
    session.info.pop(PUBLISHING, None)


@event.listens_for(Session, "after_soft_rollback")
def _not_published(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:
        session.info.pop(PUBLISHING, None)


@event.listens_for(Session, "before_flush")
def _guard_published(session: Session, _context, _instances) -> None:
    """Refuse any change to a published version or its entries and changes, whoever tries it."""
    with session.no_autoflush:
        for obj in list(session.dirty) + list(session.deleted) + list(session.new):
            if isinstance(obj, CatalogueVersion):
                if obj in session.new:
                    continue
                history = sa.inspect(obj).attrs.state.history
                # Published before this flush: its stored state (the old value if it is changing).
                was_published = (
                    VersionState.PUBLISHED in history.deleted if history.has_changes() else obj.is_published
                )
                if was_published and (obj in session.deleted or session.is_modified(obj)):
                    raise PublishedVersionChanged(f"version {obj.id} is published")
            elif isinstance(obj, CatalogueEntry | CatalogueChange):
                version = obj.version
                if version is None and obj.version_id is not None:
                    # A row given only a version id: pending rows do not load the relationship.
                    version = session.get(CatalogueVersion, obj.version_id)
                if version is None or not version.is_published:
                    continue
                # Rows may be written in the flush that publishes their version, never after it.
                if not sa.inspect(version).attrs.state.history.has_changes() and (
                    obj in session.new or obj in session.deleted or session.is_modified(obj)
                ):
                    raise PublishedVersionChanged(f"version {version.id} is published")
