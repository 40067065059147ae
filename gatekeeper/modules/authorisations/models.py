"""Authorisations (准入许可): numbered per gate and year, scope materialised as communities.

``CommunityLoad`` keeps, per community, what is active there now (plaques, ledgers, reports a
year). It is maintained by the operations that change an authorisation's status, so the pre-check
reads one row per community instead of counting thousands of authorisations.
"""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from gatekeeper.core.db import UTCDateTime, enum_column
from gatekeeper.extensions import db
from gatekeeper.modules.catalogue.models import Kind
from gatekeeper.modules.jurisdictions.models import Department, Gate, Jurisdiction
from gatekeeper.modules.requests.models import AdmissionRequest, FundingBasis


class AuthorisationStatus(enum.StrEnum):
    ACTIVE = "active"
    EXPIRED = "expired"
    REVOKED = "revoked"
    SUPERSEDED = "superseded"


class Authorisation(db.Model):
    __tablename__ = "authorisations"
    __table_args__ = (
        sa.UniqueConstraint("gate_id", "year", "seq"),
        sa.CheckConstraint("valid_to >= valid_from", name="dates_ordered"),
        sa.CheckConstraint(
            "status != 'revoked' OR (revoked_at IS NOT NULL AND length(revoke_reason) > 0)",
            name="revocation_has_reason",
        ),
        sa.Index("ix_authorisations_department_kind_status", "department_id", "kind", "status"),
        sa.Index("ix_authorisations_status_valid_to", "status", "valid_to"),
        sa.CheckConstraint("status != 'superseded' OR superseded_by_id IS NOT NULL", name="superseded_by"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(40), unique=True, nullable=False)
    gate_id: Mapped[int] = mapped_column(sa.ForeignKey("gates.id"), nullable=False)
    year: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    seq: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    request_id: Mapped[int] = mapped_column(
        sa.ForeignKey("admission_requests.id"), unique=True, nullable=False
    )
    department_id: Mapped[int] = mapped_column(sa.ForeignKey("departments.id"), nullable=False)
    kind: Mapped[Kind] = enum_column(Kind, nullable=False)
    title: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    catalogue_entry: Mapped[str | None] = mapped_column(sa.String(40))
    status: Mapped[AuthorisationStatus] = enum_column(
        AuthorisationStatus, nullable=False, default=AuthorisationStatus.ACTIVE, index=True
    )
    valid_from: Mapped[dt.date] = mapped_column(sa.Date, nullable=False)
    valid_to: Mapped[dt.date] = mapped_column(sa.Date, nullable=False)
    conditions: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")
    reports_per_year: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    funding_basis: Mapped[FundingBasis] = enum_column(FundingBasis, nullable=False)
    funding_amount_fen: Mapped[int] = mapped_column(sa.BigInteger, nullable=False, default=0)
    community_count: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revoke_reason: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")
    revoked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    #: When it stopped being in force (expiry, revocation or supersession).
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    #: The authorisation that replaced this one through a variation.
    superseded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("authorisations.id"))

    gate: Mapped[Gate] = relationship(lazy="joined")
    department: Mapped[Department] = relationship(lazy="joined")
    request: Mapped[AdmissionRequest] = relationship(
        foreign_keys=[request_id], backref=backref("authorisation", uselist=False, viewonly=True)
    )
    #: The authorisation that replaced this one (a variation), loaded with it.
    superseded_by: Mapped[Authorisation | None] = relationship(
        remote_side=[id], foreign_keys=[superseded_by_id], lazy="joined", join_depth=1
    )

    def __repr__(self) -> str:
        return f"<Authorisation {self.number} {self.status}>"


def load_deltas(kind: Kind, reports_per_year: int) -> dict[str, int]:
    """What one authorisation adds to each of its communities' ``CommunityLoad``."""
    deltas = {}
    if kind == Kind.SIGN:
        deltas["signs"] = 1
    elif kind == Kind.LEDGER:
        deltas["ledgers"] = 1
    if reports_per_year:
        deltas["reports_per_year"] = reports_per_year
    return deltas


class AuthorisationCommunity(db.Model):
    __tablename__ = "authorisation_communities"

    authorisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("authorisations.id", ondelete="CASCADE"), primary_key=True
    )
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("jurisdictions.id"), primary_key=True, index=True)

    community: Mapped[Jurisdiction] = relationship()


class NumberSequence(db.Model):
    """The last number issued per gate and year; incremented under a row lock."""

    __tablename__ = "number_sequences"

    gate_id: Mapped[int] = mapped_column(sa.ForeignKey("gates.id"), primary_key=True)
    year: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    last: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)


class CommunityLoad(db.Model):
    __tablename__ = "community_loads"
    __table_args__ = (
        sa.CheckConstraint("signs >= 0 AND ledgers >= 0 AND reports_per_year >= 0", name="not_negative"),
    )

    community_id: Mapped[int] = mapped_column(sa.ForeignKey("jurisdictions.id"), primary_key=True)
    signs: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    ledgers: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    reports_per_year: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)


#: The authorisation a variation request would replace (defined here: requests cannot import us).
AdmissionRequest.varies = relationship(
    Authorisation, foreign_keys=[AdmissionRequest.varies_id], lazy="joined"
)
