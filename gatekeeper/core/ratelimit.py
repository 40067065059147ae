"""A rate limit kept in the database, so it holds across every worker process.

``hit(bucket, key, limit, window)`` records one event and raises ``RateLimited`` (429) when ``key``
already had ``limit`` events in ``bucket`` within ``window``. Old events are pruned as it goes.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from gatekeeper.core import clock
from gatekeeper.core.db import UTCDateTime
from gatekeeper.core.errors import RateLimited
from gatekeeper.extensions import db


class RateEvent(db.Model):
    __tablename__ = "rate_events"
    __table_args__ = (sa.Index("ix_rate_events_bucket_key_at", "bucket", "key", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bucket: Mapped[str] = mapped_column(sa.String(40), nullable=False)
    key: Mapped[str] = mapped_column(sa.String(100), nullable=False)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False, index=True)


def hit(bucket: str, key: str, *, limit: int, window: dt.timedelta) -> None:
    """Count one event for ``key``; 429 when it is over ``limit`` events in ``window``."""
    now = clock.now()
    since = now - window
    recent = db.session.scalar(
        sa.select(sa.func.count(RateEvent.id)).where(
            RateEvent.bucket == bucket, RateEvent.key == key, RateEvent.at > since
        )
    )
    if recent >= limit:
        raise RateLimited()
    db.session.add(RateEvent(bucket=bucket, key=key, at=now))
    if now.second == 0:  # about once a minute per busy bucket: forget what no window can count
        db.session.execute(sa.delete(RateEvent).where(RateEvent.at < now - dt.timedelta(days=1)))
