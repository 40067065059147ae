"""The steering committee's record: votes, recusals, the chair's decision, the escalation ruling.

Votes and decisions belong to one review round of a request (a request returned at decision and
resubmitted is voted on afresh). The unique constraints are the database's guarantee that a member
votes once per round and that a round has exactly one decision, whatever the race.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gatekeeper.core.db import UTCDateTime, enum_column
from gatekeeper.extensions import db
from gatekeeper.modules.accounts.models import User


class VoteChoice(enum.StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    ABSTAIN = "abstain"


class DecisionOutcome(enum.StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    RETURN = "return"


class RulingOutcome(enum.StrEnum):
    APPROVE = "approve"
    REJECT = "reject"


class Vote(db.Model):
    __tablename__ = "votes"
    __table_args__ = (sa.UniqueConstraint("request_id", "round", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        sa.ForeignKey("admission_requests.id"), nullable=False, index=True
    )
    round: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    #: The committee seat: the member whose vote this is.
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False)
    #: Who cast it: the member, or their deputy acting for them.
    cast_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False)
    choice: Mapped[VoteChoice] = enum_column(VoteChoice, nullable=False)
    comment: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")
    cast_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)

    member: Mapped[User] = relationship(foreign_keys=[member_id], lazy="joined")
    cast_by: Mapped[User] = relationship(foreign_keys=[cast_by_id], lazy="joined")


class Recusal(db.Model):
    """A member's declared conflict of interest (automatic recusals are derived, not stored)."""

    __tablename__ = "recusals"
    __table_args__ = (sa.UniqueConstraint("request_id", "round", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        sa.ForeignKey("admission_requests.id"), nullable=False, index=True
    )
    round: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False)
    reason: Mapped[str] = mapped_column(sa.Text, nullable=False)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)

    member: Mapped[User] = relationship(lazy="joined")


class Decision(db.Model):
    __tablename__ = "decisions"
    __table_args__ = (
        sa.UniqueConstraint("request_id", "round"),
        sa.CheckConstraint("outcome = 'approve' OR length(reason) > 0", name="negative_needs_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        sa.ForeignKey("admission_requests.id"), nullable=False, index=True
    )
    round: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    outcome: Mapped[DecisionOutcome] = enum_column(DecisionOutcome, nullable=False)
    reason: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")
    conditions: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")
    #: The tally at the moment of decision (votes, recusals, quorum), kept as it was.
    tally: Mapped[dict[str, Any]] = mapped_column(sa.JSON, nullable=False)
    decided_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False)
    acting_for_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)

    decided_by: Mapped[User] = relationship(foreign_keys=[decided_by_id], lazy="joined")
    acting_for: Mapped[User | None] = relationship(foreign_keys=[acting_for_id], lazy="joined")


class Ruling(db.Model):
    """The escalation body's ruling on a referred request, as recorded by the secretariat."""

    __tablename__ = "rulings"
    __table_args__ = (
        sa.UniqueConstraint("request_id", "round"),
        sa.CheckConstraint("outcome = 'approve' OR length(reason) > 0", name="negative_needs_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        sa.ForeignKey("admission_requests.id"), nullable=False, index=True
    )
    round: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    outcome: Mapped[RulingOutcome] = enum_column(RulingOutcome, nullable=False)
    reference: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    reason: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")
    ruled_on: Mapped[dt.date] = mapped_column(sa.Date, nullable=False)
    add_to_catalogue: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    catalogue_version_id: Mapped[int | None] = mapped_column(sa.ForeignKey("catalogue_versions.id"))
    catalogue_code: Mapped[str | None] = mapped_column(sa.String(40))
    recorded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)

    recorded_by: Mapped[User] = relationship(lazy="joined")


class MeetingKind(enum.StrEnum):
    MEETING = "meeting"  # 会议: members vote at a sitting on a given day
    WRITTEN = "written"  # 书面表决: members vote in writing until a deadline


class Meeting(db.Model):
    """A sitting of the committee, or a written vote, to which the office schedules requests in review.

    ``on_date`` is the day of the sitting, or the last day of a written vote (votes in writing are
    refused after it). Which requests it takes up is ``MeetingItem``.
    """

    __tablename__ = "meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    gate_id: Mapped[int] = mapped_column(sa.ForeignKey("gates.id"), nullable=False, index=True)
    kind: Mapped[MeetingKind] = enum_column(MeetingKind, nullable=False)
    title: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    on_date: Mapped[dt.date] = mapped_column(sa.Date, nullable=False, index=True)
    location: Mapped[str] = mapped_column(sa.String(200), nullable=False, default="")
    notes: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)

    created_by: Mapped[User] = relationship(lazy="joined")
    items: Mapped[list[MeetingItem]] = relationship(
        back_populates="meeting", order_by="MeetingItem.position", cascade="all, delete-orphan"
    )


class MeetingItem(db.Model):
    """A request on a meeting's agenda (or in a written vote) for one review round."""

    __tablename__ = "meeting_items"
    __table_args__ = (
        # One review round of a request is taken up once: moving it means unscheduling first.
        sa.UniqueConstraint("request_id", "round"),
        sa.UniqueConstraint("meeting_id", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("meetings.id"), nullable=False, index=True)
    request_id: Mapped[int] = mapped_column(
        sa.ForeignKey("admission_requests.id"), nullable=False, index=True
    )
    round: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    position: Mapped[int] = mapped_column(sa.Integer, nullable=False)

    meeting: Mapped[Meeting] = relationship(back_populates="items")
