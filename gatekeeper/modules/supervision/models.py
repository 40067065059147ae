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


class ReportSource(enum.StrEnum):
    COMMUNITY = "community"  # a community head, logged in
    PUBLIC = "public"  # anyone, through the public page: who filed it is never shown to the department


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
    source: Mapped[ReportSource] = enum_column(
        ReportSource, nullable=False, default=ReportSource.COMMUNITY, server_default="community"
    )
    #: A public reporter's name and way to reach them (optional); shown to the office only.
    contact: Mapped[str] = mapped_column(
        sa.String(200), nullable=False, default="", server_default=sa.text("''")
    )
    #: The authorisation the report names, when it is one in force (linked on filing).
    authorisation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("authorisations.id"), index=True)
    #: The last day of the current step (working days from the gate's settings); none once closed.
    step_due_on: Mapped[dt.date | None] = mapped_column(sa.Date, index=True)
    #: The department's answer: what it did to rectify.
    department_response: Mapped[str] = mapped_column(
        sa.Text, nullable=False, default="", server_default=sa.text("''")
    )
    responded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)

    gate: Mapped[Gate] = relationship(lazy="joined")
    community: Mapped[Jurisdiction] = relationship(lazy="joined")
    department: Mapped[Department | None] = relationship(lazy="joined")
    reporter: Mapped[User | None] = relationship(lazy="joined")


class ReportEvent(db.Model):
    """One step of a report (filed, investigating, upheld …, the department's answer), with its note."""

    __tablename__ = "report_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(
        sa.ForeignKey("reports.id", ondelete="CASCADE"), nullable=False, index=True
    )
    action: Mapped[str] = mapped_column(sa.String(40), nullable=False)
    from_state: Mapped[ReportState | None] = enum_column(ReportState, name="reportstatefrom")
    to_state: Mapped[ReportState] = enum_column(ReportState, nullable=False, name="reportstateto")
    note: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)

    actor: Mapped[User | None] = relationship(lazy="joined")


class ReportFile(db.Model):
    """Evidence of a report (a photo, a notice received), stored by SHA-256 like attachments."""

    __tablename__ = "report_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(
        sa.ForeignKey("reports.id", ondelete="CASCADE"), nullable=False, index=True
    )
    filename: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    content_type: Mapped[str] = mapped_column(sa.String(100), nullable=False)
    size: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    sha256: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    uploaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)


class NoticeState(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"


class Notice(db.Model):
    """A supervision notice (督查通报): the upheld reports of a period, published for everyone."""

    __tablename__ = "notices"
    __table_args__ = (
        sa.CheckConstraint("period_from <= period_to", name="period_in_order"),
        sa.CheckConstraint("(state = 'published') = (published_at IS NOT NULL)", name="published_has_date"),
        sa.UniqueConstraint("gate_id", "number", name="uq_notices_gate_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    gate_id: Mapped[int] = mapped_column(sa.ForeignKey("gates.id"), nullable=False, index=True)
    #: Given on publication, e.g. ``LJ督〔2026〕3号``.
    number: Mapped[str | None] = mapped_column(sa.String(60))
    title: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    period_from: Mapped[dt.date] = mapped_column(sa.Date, nullable=False)
    period_to: Mapped[dt.date] = mapped_column(sa.Date, nullable=False)
    body: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")
    state: Mapped[NoticeState] = enum_column(NoticeState, nullable=False, default=NoticeState.DRAFT)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    published_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    gate: Mapped[Gate] = relationship(lazy="joined")


class NoticeReport(db.Model):
    """A report a notice names (only upheld, rectified or closed-after-upheld ones)."""

    __tablename__ = "notice_reports"

    notice_id: Mapped[int] = mapped_column(sa.ForeignKey("notices.id", ondelete="CASCADE"), primary_key=True)
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("reports.id"), primary_key=True, index=True)
