"""The current time, in one place, so tests and the demo loader can move it.

``now()`` is aware UTC; ``today()`` is the date in the installation's time zone (decision due
dates, validity and lead times are counted in local dates). ``frozen(at)`` sets the time for the
current thread or task only.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
from collections.abc import Iterator
from zoneinfo import ZoneInfo

_frozen: contextvars.ContextVar[dt.datetime | None] = contextvars.ContextVar("gatekeeper_now", default=None)
_zone = ZoneInfo("Asia/Shanghai")


def set_timezone(name: str) -> None:
    """Set the installation's time zone (called by the app factory from the config)."""
    global _zone
    _zone = ZoneInfo(name)


def timezone() -> ZoneInfo:
    return _zone


def now() -> dt.datetime:
    """The current instant, aware UTC."""
    return _frozen.get() or dt.datetime.now(dt.UTC)


def today() -> dt.date:
    """Today's date in the installation's time zone."""
    return now().astimezone(_zone).date()


def local_date(instant: dt.datetime) -> dt.date:
    return instant.astimezone(_zone).date()


@contextlib.contextmanager
def frozen(at: dt.datetime | dt.date) -> Iterator[dt.datetime]:
    """Pretend it is ``at`` (a date means 10:00 local time that day) inside the block."""
    if not isinstance(at, dt.datetime):
        at = dt.datetime.combine(at, dt.time(10, 0), tzinfo=_zone)
    if at.tzinfo is None:
        raise ValueError("frozen() needs an aware datetime")
    instant = at.astimezone(dt.UTC)
    token = _frozen.set(instant)
    try:
        yield instant
    finally:
        _frozen.reset(token)
