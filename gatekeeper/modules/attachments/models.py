"""Files attached to a request. The bytes live outside the web root, named by their SHA-256."""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gatekeeper.core.db import UTCDateTime, enum_column
from gatekeeper.extensions import db
from gatekeeper.modules.accounts.models import User


class AttachmentKind(enum.StrEnum):
    LEGAL_BASIS = "legal_basis"  # the law, regulation or document the request relies on
    PLAN = "plan"  # the department's work plan (工作方案)
    FUNDING = "funding"  # the budget or funding document
    OTHER = "other"


class Attachment(db.Model):
    __tablename__ = "attachments"
    __table_args__ = (
        sa.CheckConstraint("size > 0", name="not_empty"),
        sa.Index("ix_attachments_request_id_deleted_at", "request_id", "deleted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(sa.ForeignKey("admission_requests.id"), nullable=False)
    kind: Mapped[AttachmentKind] = enum_column(AttachmentKind, nullable=False)
    #: The uploader's file name, cleaned (no path, no control characters).
    filename: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    #: The type found in the file's own bytes, never the one the browser claimed.
    content_type: Mapped[str] = mapped_column(sa.String(100), nullable=False)
    size: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    sha256: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    uploaded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False)
    uploaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)
    #: Removed from the request (the row and the bytes stay: revisions may refer to it).
    deleted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    uploaded_by: Mapped[User] = relationship(lazy="joined")
