"""Allocations (one per community of an authorisation) and the disbursements paid against them.

An allocation keeps running totals (``disbursed_fen``, ``confirmed_fen``) updated under a row lock
with every disbursement, so balances are sums of columns and over-payment is refused by a CHECK
constraint as well as by the operation.

``AllocationSum`` holds those balances summed per authorisation and due date, kept by database
triggers on ``allocations`` (migration 0007) in the same transaction as every change, whatever makes
it (an operation, a set-based UPDATE, a bulk load): the statistics read a few thousand sums instead
of every allocation.
"""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gatekeeper.core.db import UTCDateTime, enum_column
from gatekeeper.extensions import db
from gatekeeper.modules.accounts.models import User
from gatekeeper.modules.jurisdictions.models import Jurisdiction


class AllocationState(enum.StrEnum):
    ACTIVE = "active"
    CANCELLED = "cancelled"  # the authorisation was revoked; what was paid stays on record
    SUPERSEDED = "superseded"  # a variation replaced the authorisation; its money carried over


class Allocation(db.Model):
    __tablename__ = "allocations"
    __table_args__ = (
        sa.UniqueConstraint("authorisation_id", "community_id"),
        sa.CheckConstraint(
            "amount_fen >= 0 AND carried_fen >= 0 AND disbursed_fen >= 0 AND confirmed_fen >= 0",
            name="not_negative",
        ),
        sa.CheckConstraint("confirmed_fen <= carried_fen + disbursed_fen", name="confirmed_within_paid"),
        # Never pay more than allocated (money carried over from a varied authorisation may exceed a
        # reduced amount; then nothing more may be paid).
        sa.CheckConstraint(
            "disbursed_fen = 0 OR carried_fen + disbursed_fen <= amount_fen", name="no_over_payment"
        ),
        sa.Index("ix_allocations_state_due_date", "state", "due_date"),
        # the money of some communities (a street's) read from the index alone: every column the
        # balances need, after the community and the due date
        sa.Index(
            "ix_allocations_community_money",
            "community_id",
            "due_date",
            "authorisation_id",
            "state",
            "amount_fen",
            "carried_fen",
            "disbursed_fen",
            "confirmed_fen",
            "carried_forward",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    authorisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("authorisations.id", ondelete="CASCADE"), nullable=False, index=True
    )
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("jurisdictions.id"), nullable=False, index=True)
    #: What the community is owed over the authorisation's whole validity.
    amount_fen: Mapped[int] = mapped_column(sa.BigInteger, nullable=False)
    #: Paid under the authorisation this one varies, for this community (counted as already paid).
    carried_fen: Mapped[int] = mapped_column(sa.BigInteger, nullable=False, default=0)
    disbursed_fen: Mapped[int] = mapped_column(sa.BigInteger, nullable=False, default=0)
    #: Of what was paid (carried or disbursed), how much the community confirmed it received.
    confirmed_fen: Mapped[int] = mapped_column(sa.BigInteger, nullable=False, default=0)
    #: When the money must have been paid (the gate's funding schedule).
    due_date: Mapped[dt.date] = mapped_column(sa.Date, nullable=False)
    state: Mapped[AllocationState] = enum_column(
        AllocationState, nullable=False, default=AllocationState.ACTIVE
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    #: Superseded, and what was paid here is carried by the successor's allocation to the same
    #: community: the money is counted there, not here (``funds.balances``, "Where the money is").
    carried_forward: Mapped[bool] = mapped_column(
        sa.Boolean, nullable=False, default=False, server_default=sa.false()
    )

    community: Mapped[Jurisdiction] = relationship(lazy="joined")

    @property
    def paid_fen(self) -> int:
        return self.carried_fen + self.disbursed_fen

    @property
    def outstanding_fen(self) -> int:
        return max(0, self.amount_fen - self.paid_fen) if self.state == AllocationState.ACTIVE else 0


class AllocationSum(db.Model):
    """The balances of ``funds.balances`` summed over the allocations of one authorisation due on one
    date (those it counts: not ``carried_forward``), with how many there are and how many are short
    (active and paid less than their amount). Written only by the triggers on ``allocations``."""

    __tablename__ = "allocation_sums"

    authorisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("authorisations.id", ondelete="CASCADE"), primary_key=True
    )
    due_date: Mapped[dt.date] = mapped_column(sa.Date, primary_key=True)
    allocated_fen: Mapped[int] = mapped_column(sa.BigInteger, nullable=False)
    disbursed_fen: Mapped[int] = mapped_column(sa.BigInteger, nullable=False)
    confirmed_fen: Mapped[int] = mapped_column(sa.BigInteger, nullable=False)
    outstanding_fen: Mapped[int] = mapped_column(sa.BigInteger, nullable=False)
    allocations: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    short: Mapped[int] = mapped_column(sa.Integer, nullable=False)


class DisbursementState(enum.StrEnum):
    RECORDED = "recorded"  # the department says it paid
    CONFIRMED = "confirmed"  # the community head confirms receipt
    DISPUTED = "disputed"  # the community head says it did not arrive (with a reason)


class Disbursement(db.Model):
    __tablename__ = "disbursements"
    __table_args__ = (sa.CheckConstraint("amount_fen > 0", name="positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    allocation_id: Mapped[int] = mapped_column(sa.ForeignKey("allocations.id"), nullable=False, index=True)
    amount_fen: Mapped[int] = mapped_column(sa.BigInteger, nullable=False)
    paid_on: Mapped[dt.date] = mapped_column(sa.Date, nullable=False)
    reference: Mapped[str] = mapped_column(sa.String(120), nullable=False)
    #: Disbursements recorded together against a whole authorisation share a batch.
    batch: Mapped[str | None] = mapped_column(sa.String(36), index=True)
    state: Mapped[DisbursementState] = enum_column(
        DisbursementState, nullable=False, default=DisbursementState.RECORDED
    )
    recorded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False)
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)
    answered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    answered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    dispute_reason: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")

    allocation: Mapped[Allocation] = relationship(lazy="joined")
    recorded_by: Mapped[User] = relationship(foreign_keys=[recorded_by_id], lazy="joined")
    answered_by: Mapped[User | None] = relationship(foreign_keys=[answered_by_id], lazy="joined")
