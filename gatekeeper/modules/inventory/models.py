"""Existing items in communities (the cleanup baseline) and the imports that brought them in."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gatekeeper.core.db import UTCDateTime, enum_column
from gatekeeper.extensions import db
from gatekeeper.modules.accounts.models import User
from gatekeeper.modules.catalogue.models import Kind
from gatekeeper.modules.jurisdictions.models import Department, Gate, Jurisdiction


class CleanupStatus(enum.StrEnum):
    KEEP = "keep"  # the check found it admissible: it stays
    REMOVE = "remove"  # the check says it must go; not yet removed
    REMOVED = "removed"  # its removal is recorded


class InventoryImport(db.Model):
    """One imported file: every row went in, or none did."""

    __tablename__ = "inventory_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    gate_id: Mapped[int] = mapped_column(sa.ForeignKey("gates.id"), nullable=False, index=True)
    filename: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    sha256: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    rows: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    #: The catalogue version the items were checked against.
    catalogue_version_id: Mapped[int | None] = mapped_column(sa.ForeignKey("catalogue_versions.id"))
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)

    gate: Mapped[Gate] = relationship(lazy="joined")
    created_by: Mapped[User] = relationship(lazy="joined")


class InventoryItem(db.Model):
    """An item found in a community before (or outside) the admission regime, and its cleanup."""

    __tablename__ = "inventory_items"
    __table_args__ = (
        sa.CheckConstraint("(status = 'removed') = (removed_on IS NOT NULL)", name="removed_has_date"),
        sa.Index("ix_inventory_items_gate_status", "gate_id", "status"),
        sa.Index("ix_inventory_items_community_kind", "community_id", "kind"),
        # the reduction per kind of a gate, and of a street in it: an index-only scan instead of
        # reading every item (the community is tested in the index)
        sa.Index(
            "ix_inventory_items_gate_kind_status_community", "gate_id", "kind", "status", "community_id"
        ),
        # One item per community, kind and title: two imports of the same rows at once cannot both land.
        sa.UniqueConstraint("community_id", "kind", "title", name="uq_inventory_items_community_kind_title"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    gate_id: Mapped[int] = mapped_column(sa.ForeignKey("gates.id"), nullable=False)
    import_id: Mapped[int] = mapped_column(
        sa.ForeignKey("inventory_imports.id", ondelete="CASCADE"), nullable=False, index=True
    )
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("jurisdictions.id"), nullable=False)
    kind: Mapped[Kind] = enum_column(Kind, nullable=False)
    title: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    department_id: Mapped[int | None] = mapped_column(sa.ForeignKey("departments.id"), index=True)
    department_name: Mapped[str] = mapped_column(sa.String(120), nullable=False, default="")
    #: The catalogue entry the item was matched to, when one was.
    catalogue_entry: Mapped[str | None] = mapped_column(sa.String(40))
    since: Mapped[dt.date | None] = mapped_column(sa.Date)
    notes: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")
    status: Mapped[CleanupStatus] = enum_column(CleanupStatus, nullable=False)
    #: The findings of the check ([{code, severity, message, citation}, ...]): why it stays or goes.
    findings: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, nullable=False, default=list)
    removed_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    removed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    removal_note: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)

    community: Mapped[Jurisdiction] = relationship(lazy="joined")
    department: Mapped[Department | None] = relationship(lazy="joined")
