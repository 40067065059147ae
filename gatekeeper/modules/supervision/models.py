"""Reports (举报/反馈) of an item pushed into a community without authorisation, or of a broken condition.

A community head files one from the community's page; it is stored with the gate whose jurisdiction
holds the community, and reaches that gate's office. The review steps of DESIGN §7 (investigating,
upheld or unfounded, rectified, closed) are states of the same row.
"""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gatekeeper.core.db import UTCDateTime, enum_column
from gatekeeper.extensions import db
from gatekeeper.modules.accounts.models import User
from gatekeeper.modules.catalogue.models import Kind
from gatekeeper.modules.jurisdictions.models import Department, Gate, Jurisdiction


class ReportState(enum.StrEnum):
    RECEIVED = "received"
    INVESTIGATING = "investigating"
    UPHELD = "upheld"
    UNFOUNDED = "unfounded"
    RECTIFIED = "rectified"
    CLOSED = "closed"


class Report(db.Model):
    __tablename__ = "reports"
    __table_args__ = (
        sa.CheckConstraint(
            "department_id IS NOT NULL OR length(department_name) > 0", name="names_a_department"
        ),
        sa.Index("ix_reports_gate_state", "gate_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    gate_id: Mapped[int] = mapped_column(sa.ForeignKey("gates.id"), nullable=False)
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("jurisdictions.id"), nullable=False, index=True)
    #: The department that pushed the item, when it is one of the register's departments ...
    department_id: Mapped[int | None] = mapped_column(sa.ForeignKey("departments.id"), index=True)
    #: ... or its name as the reporter gave it.
    department_name: Mapped[str] = mapped_column(sa.String(120), nullable=False, default="")
    kind: Mapped[Kind] = enum_column(Kind, nullable=False)
    title: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    occurred_on: Mapped[dt.date] = mapped_column(sa.Date, nullable=False)
    description: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")
    #: The authorisation whose conditions were broken, when the report is about one.
    authorisation_number: Mapped[str | None] = mapped_column(sa.String(40))
    state: Mapped[ReportState] = enum_column(ReportState, nullable=False, default=ReportState.RECEIVED)
    reporter_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)

    gate: Mapped[Gate] = relationship(lazy="joined")
    community: Mapped[Jurisdiction] = relationship(lazy="joined")
    department: Mapped[Department | None] = relationship(lazy="joined")
    reporter: Mapped[User | None] = relationship(lazy="joined")
