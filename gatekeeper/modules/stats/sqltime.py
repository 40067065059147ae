"""Dates in SQL that mean the same on SQLite and PostgreSQL: local days and months of UTC timestamps,
day numbers, and working days counted with the official calendar table.

Timestamps are stored in UTC (``UTCDateTime``); what a person calls "the day it was decided" is the
local day (``TIMEZONE``, Asia/Shanghai by default). PostgreSQL converts with the zone's rules
(``timezone(zone, ts)``); SQLite keeps naive UTC text and is given the zone's offset now (China has
no daylight saving time, so the offset never changes there).

A *day number* is the number of days since Monday 1970-01-05, so ``day_number % 7`` is 0 on a
Monday and 5 or 6 on a weekend, on both databases.

Working days follow ``rules.context.Calendar``: a day is a working day when it is a make-up working
day (``calendar_days.kind = 'workday'``), or a Monday-Friday that is not a holiday. A day's *working
day number* is the count of working days from the first day number up to and including it::

    weekdays up to the day  -  holidays on weekdays up to it  +  make-up days on weekends up to it

the first by arithmetic on day numbers, the other two by counting rows of the (small) calendar table;
the working days *after* ``start`` up to and including ``end`` are the difference of the two numbers.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from gatekeeper.core import clock
from gatekeeper.extensions import db
from gatekeeper.modules.jurisdictions.models import CalendarDay, DayKind

MONDAY = dt.date(1970, 1, 5)


def dialect() -> str:
    """``"sqlite"`` or ``"postgresql"``: the database the session talks to."""
    return db.session.get_bind().dialect.name


def _sqlite_offset() -> str:
    minutes = int(clock.now().astimezone(clock.timezone()).utcoffset().total_seconds() // 60)
    return f"{minutes:+d} minutes"


def local_date(timestamp) -> sa.ColumnElement:
    """The local day of a UTC timestamp column, as a date (text ``YYYY-MM-DD`` on SQLite)."""
    if dialect() == "postgresql":
        return sa.cast(sa.func.timezone(clock.timezone().key, timestamp), sa.Date)
    return sa.func.date(timestamp, _sqlite_offset())


def local_month(timestamp) -> sa.ColumnElement[str]:
    """``YYYY-MM`` of the local day of a UTC timestamp column."""
    if dialect() == "postgresql":
        return sa.func.to_char(sa.func.timezone(clock.timezone().key, timestamp), "YYYY-MM")
    return sa.func.strftime("%Y-%m", timestamp, _sqlite_offset())


def day_number(day) -> sa.ColumnElement[int]:
    """Days since Monday 1970-01-05 of a date expression (a column, ``local_date(...)``, a literal)."""
    if dialect() == "postgresql":
        return sa.cast(day, sa.Date) - sa.cast(sa.literal(MONDAY.isoformat()), sa.Date)
    return sa.cast(sa.func.julianday(day) - sa.func.julianday(MONDAY.isoformat()), sa.Integer)


def _weekdays_before(n) -> sa.ColumnElement[int]:
    """Monday-Fridays among day numbers ``0 .. n-1`` (``n >= 0``)."""
    rest = n % 7
    return (n // 7) * 5 + sa.case((rest < 5, rest), else_=5)


def working_day_number(day) -> sa.ColumnElement[int]:
    """The working days from Monday 1970-01-05 up to and including ``day`` (a date expression): the
    working days after ``a`` up to ``b`` are ``working_day_number(b) - working_day_number(a)``, so a
    query can number each distinct day once instead of counting the calendar for every pair."""
    dn = day_number(CalendarDay.day)
    up_to = CalendarDay.day <= day
    off = (
        sa.select(sa.func.count())
        .where(up_to, CalendarDay.kind == DayKind.HOLIDAY, dn % 7 < 5)
        .scalar_subquery()
    )
    on = (
        sa.select(sa.func.count())
        .where(up_to, CalendarDay.kind == DayKind.WORKDAY, dn % 7 >= 5)
        .scalar_subquery()
    )
    return _weekdays_before(day_number(day) + 1) - off + on


def working_days(start, end) -> sa.ColumnElement[int]:
    """Working days after ``start`` up to and including ``end`` (date expressions); 0 when
    ``end <= start``. Same answer as ``Calendar.working_days_between``."""
    later = day_number(end) > day_number(start)
    return sa.case((later, working_day_number(end) - working_day_number(start)), else_=0)


def year_of(day) -> sa.ColumnElement[int]:
    """The year of a date column, as an integer, computed cheaply for grouping many rows:
    PostgreSQL's ``date_part`` (``EXTRACT`` makes a numeric, slower to compute and to hash); the
    first four characters of SQLite's ``YYYY-MM-DD`` text (cheaper than ``strftime``)."""
    if dialect() == "postgresql":
        return sa.cast(sa.func.date_part("year", day), sa.Integer)
    return sa.cast(sa.func.substr(day, 1, 4), sa.Integer)


def year_bounds(year: int) -> tuple[dt.datetime, dt.datetime]:
    """The UTC instants where the local year starts and where the next one starts (for indexed
    ``>= start AND < end`` tests on timestamp columns)."""
    zone = clock.timezone()
    return (
        dt.datetime(year, 1, 1, tzinfo=zone).astimezone(dt.UTC),
        dt.datetime(year + 1, 1, 1, tzinfo=zone).astimezone(dt.UTC),
    )


def in_year(timestamp, year: int) -> sa.ColumnElement[bool]:
    start, end = year_bounds(year)
    return sa.and_(timestamp >= start, timestamp < end)


def date_in_year(day, year: int) -> sa.ColumnElement[bool]:
    return day.between(dt.date(year, 1, 1), dt.date(year, 12, 31))
