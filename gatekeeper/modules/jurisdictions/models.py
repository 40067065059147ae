"""The jurisdiction tree (city → district → street → community), gates, departments, the calendar.

A jurisdiction keeps its materialised ``path`` of codes (``/C01/D01/S03/X0301/``), so "everything
inside the gate's jurisdiction" is one indexed prefix test.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gatekeeper.core.db import enum_column
from gatekeeper.extensions import db


class Level(enum.StrEnum):
    CITY = "city"
    DISTRICT = "district"
    STREET = "street"
    COMMUNITY = "community"


class CommunityType(enum.StrEnum):
    URBAN = "urban"
    RURAL = "rural"


class Jurisdiction(db.Model):
    __tablename__ = "jurisdictions"
    __table_args__ = (
        sa.CheckConstraint(
            "level != 'community' OR (community_type IS NOT NULL AND households IS NOT NULL)",
            name="community_facts",
        ),
        sa.CheckConstraint("households IS NULL OR households >= 0", name="households_not_negative"),
        sa.CheckConstraint(
            "area_m2 IS NULL OR (area_m2 > 0 AND (office_area_m2 IS NULL OR office_area_m2 >= 0))",
            name="areas_positive",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(sa.String(120), nullable=False)
    level: Mapped[Level] = enum_column(Level, nullable=False, index=True)
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("jurisdictions.id"), index=True)
    path: Mapped[str] = mapped_column(sa.String(255), nullable=False, index=True)
    community_type: Mapped[CommunityType | None] = enum_column(CommunityType)
    households: Mapped[int | None] = mapped_column(sa.Integer)
    area_m2: Mapped[int | None] = mapped_column(sa.Integer)
    office_area_m2: Mapped[int | None] = mapped_column(sa.Integer)

    #: Loaded with the row, one level up (a community with its street): lists stay one query.
    parent: Mapped[Jurisdiction | None] = relationship(remote_side=[id], lazy="joined", join_depth=1)

    def contains(self, other: Jurisdiction) -> bool:
        return other.path.startswith(self.path)

    @property
    def street(self) -> Jurisdiction | None:
        """The street (or town) a community belongs to."""
        return self.parent if self.level == Level.COMMUNITY else None

    def __repr__(self) -> str:
        return f"<Jurisdiction {self.code} {self.name}>"


class Department(db.Model):
    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(sa.String(120), nullable=False)
    #: Pinyin initials of the name, for search ("mzj" finds 民政局).
    initials: Mapped[str] = mapped_column(sa.String(60), nullable=False, default="")
    jurisdiction_id: Mapped[int] = mapped_column(
        sa.ForeignKey("jurisdictions.id"), nullable=False, index=True
    )

    jurisdiction: Mapped[Jurisdiction] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<Department {self.code} {self.name}>"


class Gate(db.Model):
    """The admission point of one jurisdiction: its committee, escalation body and settings."""

    __tablename__ = "gates"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(sa.String(120), nullable=False)
    jurisdiction_id: Mapped[int] = mapped_column(
        sa.ForeignKey("jurisdictions.id"), unique=True, nullable=False
    )
    committee_name: Mapped[str] = mapped_column(sa.String(120), nullable=False)
    escalation_body_name: Mapped[str] = mapped_column(sa.String(120), nullable=False)
    #: Prefix of authorisation numbers, e.g. ``XQ`` gives ``XQ-2026-0042``.
    number_prefix: Mapped[str] = mapped_column(sa.String(12), nullable=False)
    #: Time limits, caps, quorum and majority rules, funding schedule: see ``GateSettingsSchema``.
    settings: Mapped[dict[str, Any]] = mapped_column(sa.JSON, nullable=False, default=dict)

    jurisdiction: Mapped[Jurisdiction] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<Gate {self.code}>"


class DayKind(enum.StrEnum):
    HOLIDAY = "holiday"  # a weekday off (法定节假日)
    WORKDAY = "workday"  # a weekend day worked (调休上班)


class CalendarDay(db.Model):
    """An exception to Monday-Friday in the official calendar, loaded per year by the admin."""

    __tablename__ = "calendar_days"

    day: Mapped[dt.date] = mapped_column(sa.Date, primary_key=True)
    kind: Mapped[DayKind] = enum_column(DayKind, nullable=False)
    name: Mapped[str] = mapped_column(sa.String(60), nullable=False, default="")
