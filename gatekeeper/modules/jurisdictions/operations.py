"""Operations on gates, the jurisdiction tree and the official working-day calendar."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask_babel import gettext as _

from gatekeeper.core import audit, clock
from gatekeeper.core.errors import NotFound, ValidationFailed
from gatekeeper.extensions import db
from gatekeeper.modules.jurisdictions.models import (
    CalendarDay,
    CommunityType,
    DayKind,
    Department,
    Gate,
    Jurisdiction,
    Level,
)
from gatekeeper.modules.jurisdictions.schemas import GateSettingsSchema, gate_settings
from gatekeeper.rules.context import Calendar


def get_gate(code: str) -> Gate:
    gate = db.session.scalar(sa.select(Gate).where(Gate.code == code))
    if gate is None:
        raise NotFound(_("No gate with code %(code)s.", code=code), fields={"gate": [_("unknown gate")]})
    return gate


def get_department(code: str) -> Department:
    dept = db.session.scalar(sa.select(Department).where(Department.code == code))
    if dept is None:
        raise NotFound(_("No department with code %(code)s.", code=code))
    return dept


def get_jurisdiction(code: str, level: Level | None = None) -> Jurisdiction | None:
    stmt = sa.select(Jurisdiction).where(Jurisdiction.code == code)
    if level is not None:
        stmt = stmt.where(Jurisdiction.level == level)
    return db.session.scalar(stmt)


def communities_query(
    *,
    within: Jurisdiction | None = None,
    street_codes=None,
    codes=None,
    community_type: CommunityType | None = None,
) -> sa.Select:
    """Communities inside ``within`` (prefix of the path), optionally of streets/codes/type."""
    stmt = sa.select(Jurisdiction).where(Jurisdiction.level == Level.COMMUNITY)
    if within is not None:
        stmt = stmt.where(Jurisdiction.path.startswith(within.path, autoescape=True))
    if street_codes is not None:
        streets = sa.select(Jurisdiction.id).where(
            Jurisdiction.code.in_(list(street_codes)), Jurisdiction.level == Level.STREET
        )
        stmt = stmt.where(Jurisdiction.parent_id.in_(streets))
    if codes is not None:
        stmt = stmt.where(Jurisdiction.code.in_(list(codes)))
    if community_type is not None:
        stmt = stmt.where(Jurisdiction.community_type == community_type)
    return stmt


def update_gate(gate: Gate, data: dict, *, actor) -> Gate:
    """Change a gate's names, number prefix or settings (the settings are merged, then checked)."""
    before = {
        "name": gate.name,
        "committee_name": gate.committee_name,
        "escalation_body_name": gate.escalation_body_name,
        "number_prefix": gate.number_prefix,
        "settings": dict(gate.settings or {}),
    }
    for key in ("name", "committee_name", "escalation_body_name", "number_prefix"):
        if key in data:
            setattr(gate, key, data[key])
    if "settings" in data:
        merged = {**(gate.settings or {}), **data["settings"]}
        errors = GateSettingsSchema().validate(merged)
        if errors:
            raise ValidationFailed(fields={f"settings.{k}": v for k, v in errors.items()})
        gate.settings = GateSettingsSchema().dump(gate_settings(merged))
    after = {
        "name": gate.name,
        "committee_name": gate.committee_name,
        "escalation_body_name": gate.escalation_body_name,
        "number_prefix": gate.number_prefix,
        "settings": gate.settings,
    }
    audit.record("gate.update", gate, actor=actor, before=before, after=after)
    return gate


# --- the official calendar -------------------------------------------------------------------


def working_calendar(around: dt.date | None = None) -> Calendar:
    """The calendar's exceptions from a year before to two years after ``around`` (default today)."""
    year = (around or clock.today()).year
    rows = db.session.execute(
        sa.select(CalendarDay.day, CalendarDay.kind).where(
            CalendarDay.day >= dt.date(year - 1, 1, 1), CalendarDay.day <= dt.date(year + 2, 12, 31)
        )
    ).all()
    return Calendar(
        holidays=frozenset(day for day, kind in rows if kind == DayKind.HOLIDAY),
        workdays=frozenset(day for day, kind in rows if kind == DayKind.WORKDAY),
    )


def loaded_years() -> list[int]:
    days = db.session.scalars(sa.select(CalendarDay.day)).all()
    return sorted({d.year for d in days})


def load_calendar_year(year: int, days: list[dict], *, actor) -> int:
    """Replace the calendar's exceptions of ``year`` with ``days``; returns how many were stored."""
    existing = db.session.scalars(
        sa.select(CalendarDay).where(
            CalendarDay.day >= dt.date(year, 1, 1), CalendarDay.day <= dt.date(year, 12, 31)
        )
    ).all()
    before = len(existing)
    for row in existing:
        db.session.delete(row)
    db.session.flush()
    seen = set()
    for item in days:
        if item["day"] in seen:
            raise ValidationFailed(
                fields={"days": [_("%(day)s is listed twice", day=item["day"].isoformat())]}
            )
        seen.add(item["day"])
        db.session.add(CalendarDay(day=item["day"], kind=item["kind"], name=item.get("name", "")))
    audit.record(
        "calendar.load",
        actor=actor,
        object_type="calendar_days",
        object_id=str(year),
        before={"days": before},
        after={"days": len(days)},
    )
    return len(days)


def official_year(year: int) -> list[dict]:
    """The State Council's holidays and make-up workdays of ``year``, from ``chinese-calendar``.

    Raises ValidationFailed when the library has no data for that year (then the admin imports it).
    """
    import chinese_calendar

    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    try:
        chinese_calendar.get_holiday_detail(start)
    except NotImplementedError as exc:
        raise ValidationFailed(
            _(
                "The built-in calendar has no data for %(year)s; import the official notice instead.",
                year=year,
            ),
            fields={"year": [str(exc)]},
        ) from exc
    days = []
    current = start
    while current <= end:
        is_holiday, name = chinese_calendar.get_holiday_detail(current)
        weekend = current.weekday() >= 5
        if is_holiday and not weekend:
            days.append({"day": current, "kind": DayKind.HOLIDAY, "name": name or ""})
        elif not is_holiday and weekend:
            days.append({"day": current, "kind": DayKind.WORKDAY, "name": name or ""})
        current += dt.timedelta(days=1)
    return days
