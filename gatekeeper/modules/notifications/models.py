"""In-app notifications: what needs my action, what changed on my requests, what was authorised here.

A notification stores its kind and parameters, not a text: it is worded when read, in the reader's
language.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from gatekeeper.core.db import UTCDateTime, enum_column
from gatekeeper.extensions import db


class NotificationKind(enum.StrEnum):
    TO_ACCEPT = "to_accept"  # the office: a request was submitted
    TO_VOTE = "to_vote"  # a member: a request awaits the vote
    TO_DECIDE = "to_decide"  # the chair: the votes support a decision
    TO_RULE = "to_rule"  # the office: a request was referred to the escalation body
    REQUEST_CHANGED = "request_changed"  # the filing department: accepted, returned, decided, ruled
    AUTHORISED_HERE = "authorised_here"  # a community head / street officer: a new authorisation
    REVOKED_HERE = "revoked_here"  # a community head / street officer: an authorisation revoked
    FUNDS_PAID = "funds_paid"  # a community head: money recorded as paid, to confirm or dispute
    FUNDS_DISPUTED = "funds_disputed"  # the filing department: a community says the money did not arrive
    REPORT_FILED = "report_filed"  # the gate's office: a new report to follow
    REPORT_UPHELD = "report_upheld"  # the department named: a report about it was upheld, to answer
    REPORT_ANSWERED = "report_answered"  # the gate's office: the department answered with its rectification
    REPORT_CHANGED = "report_changed"  # the head who filed it: the report took a step


class Notification(db.Model):
    __tablename__ = "notifications"
    __table_args__ = (sa.Index("ix_notifications_user_id_read_at", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False)
    kind: Mapped[NotificationKind] = enum_column(NotificationKind, nullable=False)
    request_id: Mapped[int | None] = mapped_column(sa.ForeignKey("admission_requests.id"))
    authorisation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("authorisations.id"))
    report_id: Mapped[int | None] = mapped_column(sa.ForeignKey("reports.id"))
    #: What the words need: a title, a number, the new state, who acted...
    params: Mapped[dict[str, Any]] = mapped_column(sa.JSON, nullable=False, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False, index=True)
    read_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
