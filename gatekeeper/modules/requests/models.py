"""Admission requests (准入申请), their revisions, check runs with findings, and their timeline."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gatekeeper.core.db import UTCDateTime, enum_column
from gatekeeper.extensions import db
from gatekeeper.modules.accounts.models import User
from gatekeeper.modules.catalogue.models import DutyRole, Kind
from gatekeeper.modules.jurisdictions.models import CommunityType, Department, Gate


class RequestState(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    IN_REVIEW = "in_review"
    RETURNED = "returned"
    REFERRED = "referred"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class ScopeType(enum.StrEnum):
    ALL = "all"
    STREETS = "streets"
    COMMUNITIES = "communities"


class FundingBasis(enum.StrEnum):
    NONE = "none"
    PER_100_HOUSEHOLDS = "per_100_households"
    PER_COMMUNITY = "per_community"
    LUMP_SUM = "lump_sum"


class Outcome(enum.StrEnum):
    ADMISSIBLE = "admissible"
    REFER = "refer"
    BLOCKED = "blocked"


class Severity(enum.StrEnum):
    BLOCK = "block"
    REFER = "refer"
    WARN = "warn"
    INFO = "info"


class AdmissionRequest(db.Model):
    __tablename__ = "admission_requests"
    __table_args__ = (
        sa.CheckConstraint("funding_amount_fen >= 0", name="funding_not_negative"),
        sa.CheckConstraint(
            "(funding_basis = 'none') = (funding_amount_fen = 0)", name="funding_basis_amount"
        ),
        sa.CheckConstraint("end_date >= start_date", name="dates_ordered"),
        sa.CheckConstraint("reports_per_year >= 0", name="reports_not_negative"),
        sa.CheckConstraint("workload_hours >= 0", name="workload_not_negative"),
        sa.CheckConstraint("premises_area_m2 IS NULL OR premises_area_m2 > 0", name="premises_area_positive"),
        sa.CheckConstraint("kind = 'duty' OR role IS NULL", name="role_only_for_duties"),
        sa.CheckConstraint(
            "state NOT IN ('in_review', 'referred', 'approved', 'rejected') OR due_date IS NOT NULL",
            name="reviewed_has_due_date",
        ),
        sa.Index("ix_admission_requests_gate_state", "gate_id", "state"),
        sa.Index("ix_admission_requests_department_state", "department_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    gate_id: Mapped[int] = mapped_column(sa.ForeignKey("gates.id"), nullable=False)
    department_id: Mapped[int] = mapped_column(sa.ForeignKey("departments.id"), nullable=False)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False)
    state: Mapped[RequestState] = enum_column(RequestState, nullable=False, default=RequestState.DRAFT)

    kind: Mapped[Kind] = enum_column(Kind, nullable=False)
    title: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    description: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")
    legal_basis: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")
    catalogue_entry: Mapped[str | None] = mapped_column(sa.String(40))
    role: Mapped[DutyRole | None] = enum_column(DutyRole)
    scope_type: Mapped[ScopeType] = enum_column(ScopeType, nullable=False)
    scope_codes: Mapped[list[str]] = mapped_column(sa.JSON, nullable=False, default=list)
    scope_community_type: Mapped[CommunityType | None] = enum_column(CommunityType, name="scopecommunitytype")
    start_date: Mapped[dt.date] = mapped_column(sa.Date, nullable=False)
    end_date: Mapped[dt.date] = mapped_column(sa.Date, nullable=False)
    #: The scope as resolved when last saved: how many communities and households it reaches.
    scope_communities: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    scope_households: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    #: Estimated hours of work per community per month.
    workload_hours: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)

    dedicated_premises: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    premises_area_m2: Mapped[int | None] = mapped_column(sa.Integer)
    dedicated_staff: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    separate_ranking: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    veto: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    responsibility_letter: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    reports_per_year: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)

    funding_basis: Mapped[FundingBasis] = enum_column(FundingBasis, nullable=False, default=FundingBasis.NONE)
    funding_amount_fen: Mapped[int] = mapped_column(sa.BigInteger, nullable=False, default=0)
    funding_source: Mapped[str] = mapped_column(sa.String(200), nullable=False, default="")

    #: Outcome of the latest recorded check run (``None`` before the first).
    outcome: Mapped[Outcome | None] = enum_column(Outcome)
    latest_check_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey(
            "check_runs.id", use_alter=True, name="fk_admission_requests_latest_check_id_check_runs"
        )
    )
    #: Bumped at every submission: revision N is what the department submitted the N-th time.
    revision: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    #: Bumped at every acceptance: votes and decisions belong to one review round.
    review_round: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    accepted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    due_date: Mapped[dt.date | None] = mapped_column(sa.Date, index=True)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)
    #: A variation: the authorisation this request would replace (its scope, dates or money).
    varies_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey(
            "authorisations.id", use_alter=True, name="fk_admission_requests_varies_id_authorisations"
        ),
        index=True,
    )
    #: Optimistic lock: a concurrent change of the same row fails instead of being lost.
    version: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=1)

    gate: Mapped[Gate] = relationship(lazy="joined")
    department: Mapped[Department] = relationship(lazy="joined")
    created_by: Mapped[User] = relationship()
    latest_check: Mapped[CheckRun | None] = relationship(foreign_keys=[latest_check_id], post_update=True)

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<AdmissionRequest {self.id} {self.state}>"


class RequestRevision(db.Model):
    """What the department submitted, each time it submitted."""

    __tablename__ = "request_revisions"
    __table_args__ = (sa.UniqueConstraint("request_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        sa.ForeignKey("admission_requests.id"), nullable=False, index=True
    )
    number: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    snapshot: Mapped[dict[str, Any]] = mapped_column(sa.JSON, nullable=False)
    #: The department's answer submitted with this revision (to a return's reason, to findings).
    response: Mapped[str] = mapped_column(sa.Text, nullable=False, default="", server_default=sa.text("''"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))


class CheckRun(db.Model):
    """One run of the rules over one revision, against one published catalogue version."""

    __tablename__ = "check_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        sa.ForeignKey("admission_requests.id"), nullable=False, index=True
    )
    revision: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    catalogue_version_id: Mapped[int | None] = mapped_column(sa.ForeignKey("catalogue_versions.id"))
    outcome: Mapped[Outcome] = enum_column(Outcome, nullable=False)
    trigger: Mapped[str] = mapped_column(sa.String(20), nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    findings: Mapped[list[Finding]] = relationship(
        back_populates="check_run", order_by="Finding.position", cascade="all, delete-orphan"
    )


class Finding(db.Model):
    __tablename__ = "findings"

    id: Mapped[int] = mapped_column(primary_key=True)
    check_run_id: Mapped[int] = mapped_column(sa.ForeignKey("check_runs.id"), nullable=False, index=True)
    position: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    code: Mapped[str] = mapped_column(sa.String(40), nullable=False)
    severity: Mapped[Severity] = enum_column(Severity, nullable=False)
    message_zh: Mapped[str] = mapped_column(sa.Text, nullable=False)
    message_en: Mapped[str] = mapped_column(sa.Text, nullable=False)
    citation: Mapped[str] = mapped_column(sa.Text, nullable=False)
    fields: Mapped[list[str]] = mapped_column(sa.JSON, nullable=False, default=list)
    entry_code: Mapped[str | None] = mapped_column(sa.String(40))
    details: Mapped[dict[str, str]] = mapped_column(sa.JSON, nullable=False, default=dict)

    check_run: Mapped[CheckRun] = relationship(back_populates="findings")


class RequestEvent(db.Model):
    """The request's timeline: every action, who took it (and for whom), and why."""

    __tablename__ = "request_events"
    __table_args__ = (
        # a request's history, and the statistics' counts of actions and outcomes read from the index
        sa.Index("ix_request_events_request_action", "request_id", "action", "to_state", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(sa.ForeignKey("admission_requests.id"), nullable=False)
    action: Mapped[str] = mapped_column(sa.String(30), nullable=False)
    from_state: Mapped[RequestState | None] = enum_column(RequestState, name="fromstate")
    to_state: Mapped[RequestState | None] = enum_column(RequestState, name="tostate")
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    acting_for_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)
    #: On a committee decision: when the round it decides was (last) submitted and accepted, so
    #: decision times are read off the decision itself (statistics).
    round_submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    round_accepted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id], lazy="joined")
    acting_for: Mapped[User | None] = relationship(foreign_keys=[acting_for_id], lazy="joined")
