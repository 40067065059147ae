"""Operations on gates, the jurisdiction tree and the official working-day calendar."""

from __future__ import annotations

import csv
import datetime as dt
import io

import sqlalchemy as sa
from flask_babel import gettext as _
from marshmallow import ValidationError as MarshmallowValidationError

from gatekeeper.core import audit, clock
from gatekeeper.core.errors import Conflict, NotFound, ValidationFailed, flatten_messages
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
from gatekeeper.modules.jurisdictions.schemas import CalendarDaySchema, GateSettingsSchema, gate_settings
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


def department_options() -> list[tuple[str, str]]:
    """Every department of the register as (code, name), by the pinyin of the name: filters and forms."""
    rows = db.session.execute(sa.select(Department.code, Department.name).order_by(Department.initials))
    return [(code, name) for code, name in rows]


def paths_above(place: Jurisdiction) -> list[str]:
    """The materialised paths of ``place`` and of every jurisdiction above it (``/C/`` ``/C/D/`` ...):
    "holds ``place``" is then an exact, indexed ``path IN (...)``."""
    parts = [part for part in place.path.split("/") if part]
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def gate_over(place: Jurisdiction) -> Gate | None:
    """The nearest gate whose jurisdiction holds ``place`` (the place itself or one above it): where
    its requests are filed and its reports go."""
    return db.session.scalar(
        sa.select(Gate)
        .join(Jurisdiction, Gate.jurisdiction_id == Jurisdiction.id)
        .where(Jurisdiction.path.in_(paths_above(place)))
        .order_by(sa.func.length(Jurisdiction.path).desc())
        .limit(1)
    )


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


# --- departments ------------------------------------------------------------------------------


def _department_view(dept: Department) -> dict:
    return {"code": dept.code, "name": dept.name, "jurisdiction": dept.jurisdiction.code}


def _home_of_department(code: str | None) -> Jurisdiction:
    """The city, district or street a department belongs to (never a community)."""
    if not code or not code.strip():
        raise ValidationFailed(fields={"jurisdiction": [_("choose where it belongs")]})
    found = get_jurisdiction(code.strip())
    if found is None:
        raise ValidationFailed(fields={"jurisdiction": [_("unknown code %(code)s", code=code)]})
    if found.level == Level.COMMUNITY:
        raise ValidationFailed(
            fields={"jurisdiction": [_("a department belongs to a city, district or street")]}
        )
    return found


def _code_taken(model, code: str) -> None:
    taken = db.session.scalar(sa.select(model.code).where(sa.func.lower(model.code) == code.lower()))
    if taken is not None:
        raise Conflict(
            _("The code %(code)s is taken.", code=taken),
            code="code_taken",
            fields={"code": [_("already taken by %(code)s", code=taken)]},
        )


def create_department(data: dict, *, actor) -> Department:
    """A new department (code, name, jurisdiction code); its pinyin initials are computed for search."""
    from gatekeeper.modules.catalogue.planning import initials

    code = data["code"].strip()
    _code_taken(Department, code)
    name = data["name"].strip()
    dept = Department(
        code=code, name=name, initials=initials(name), jurisdiction=_home_of_department(data["jurisdiction"])
    )
    db.session.add(dept)
    db.session.flush()
    audit.record("department.create", dept, actor=actor, after=_department_view(dept))
    return dept


def update_department(dept: Department, data: dict, *, actor) -> Department:
    """Rename a department or move it to another jurisdiction; the initials follow the name."""
    from gatekeeper.modules.catalogue.planning import initials

    before = _department_view(dept)
    if "jurisdiction" in data:
        dept.jurisdiction = _home_of_department(data["jurisdiction"])
    if "name" in data:
        dept.name = data["name"].strip()
        dept.initials = initials(dept.name)
    after = _department_view(dept)
    if after != before:
        audit.record("department.update", dept, actor=actor, before=before, after=after)
    return dept


def departments_query(q: str | None = None) -> sa.Select:
    """Departments whose name contains ``q`` or whose pinyin initials start with it (``mzj``), or whose
    code is ``q``."""
    from gatekeeper.core.db import contains

    stmt = sa.select(Department)
    if q and q.strip():
        q = q.strip()
        stmt = stmt.where(
            sa.or_(
                contains(q, Department.name),
                Department.initials.startswith(q.lower(), autoescape=True),
                sa.func.lower(Department.code) == q.lower(),
            )
        )
    return stmt


# --- the jurisdiction tree ---------------------------------------------------------------------

#: The level a street's and a community's parent has.
PARENT_LEVEL = {Level.STREET: Level.DISTRICT, Level.COMMUNITY: Level.STREET}
PATH_MAX = 255


def _jurisdiction_view(j: Jurisdiction) -> dict:
    return {
        "code": j.code,
        "name": j.name,
        "level": j.level.value,
        "parent": j.parent.code if j.parent else None,
        "path": j.path,
        "type": j.community_type.value if j.community_type else None,
        "households": j.households,
        "area_m2": j.area_m2,
        "office_area_m2": j.office_area_m2,
    }


def _parent_for(level: Level, code: str | None) -> Jurisdiction:
    wanted = PARENT_LEVEL.get(level)
    if not code or not code.strip():
        raise ValidationFailed(fields={"parent": [_("choose where it belongs")]})
    parent = get_jurisdiction(code.strip())
    if parent is None:
        raise ValidationFailed(fields={"parent": [_("unknown code %(code)s", code=code)]})
    if wanted is None or parent.level != wanted:
        message = (
            _("a street belongs to a district")
            if level == Level.STREET
            else _("a community belongs to a street")
        )
        raise ValidationFailed(fields={"parent": [message]})
    return parent


def _facts(j: Jurisdiction, data: dict) -> None:
    """Set a community's type, households and areas from ``data``; check what the table requires."""
    if j.level != Level.COMMUNITY:
        return  # a street has no households or areas of its own
    if "type" in data:
        j.community_type = data["type"]
    if "households" in data:
        j.households = data["households"]
    for key in ("area_m2", "office_area_m2"):
        if key in data:
            setattr(j, key, data[key])
    problems: dict[str, list[str]] = {}
    if j.community_type is None:
        problems["type"] = [_("a community is urban or rural")]
    if j.households is None:
        problems["households"] = [_("how many households live here (0 or more)")]
    elif j.households < 0:
        problems["households"] = [_("0 or more")]
    if j.area_m2 is not None and j.area_m2 <= 0:
        problems["area_m2"] = [_("more than 0")]
    if j.office_area_m2 is not None:
        if j.office_area_m2 < 0:
            problems["office_area_m2"] = [_("0 or more")]
        elif j.area_m2 is not None and j.office_area_m2 > j.area_m2:
            problems["office_area_m2"] = [_("the office cannot be larger than the building")]
    if problems:
        raise ValidationFailed(fields=problems)


def create_jurisdiction(data: dict, *, actor) -> Jurisdiction:
    """A new street (below a district) or community (below a street, with its type and households)."""
    level = data["level"]
    if level not in PARENT_LEVEL:
        raise ValidationFailed(fields={"level": [_("only streets and communities are created here")]})
    code = data["code"].strip()
    _code_taken(Jurisdiction, code)
    parent = _parent_for(level, data.get("parent"))
    path = parent.path + code + "/"
    if len(path) > PATH_MAX:
        raise ValidationFailed(fields={"code": [_("too long for its place in the tree")]})
    row = Jurisdiction(code=code, name=data["name"].strip(), level=level, parent=parent, path=path)
    _facts(row, data)
    db.session.add(row)
    db.session.flush()
    audit.record("jurisdiction.create", row, actor=actor, after=_jurisdiction_view(row))
    return row


def move_jurisdiction(row: Jurisdiction, parent: Jurisdiction) -> int:
    """Put ``row`` below ``parent``: its path and the paths of everything below it change; returns
    how many rows moved (itself included)."""
    old, new = row.path, parent.path + row.code + "/"
    if old == new:
        return 0
    if parent.path.startswith(old):
        raise ValidationFailed(fields={"parent": [_("cannot move below itself")]})
    below = db.session.scalars(
        sa.select(Jurisdiction).where(
            Jurisdiction.path.startswith(old, autoescape=True), Jurisdiction.id != row.id
        )
    ).all()
    if any(len(new + item.path[len(old) :]) > PATH_MAX for item in below) or len(new) > PATH_MAX:
        raise ValidationFailed(fields={"parent": [_("the tree would be too deep")]})
    row.parent = parent
    row.path = new
    for item in below:
        item.path = new + item.path[len(old) :]
    return 1 + len(below)


def update_jurisdiction(row: Jurisdiction, data: dict, *, actor) -> Jurisdiction:
    """Change a street's or community's name, facts or place (``parent``: moving a community to
    another street, or a street to another district, moves the paths of everything below)."""
    before = _jurisdiction_view(row)
    if "parent" in data:
        if row.level not in PARENT_LEVEL:
            raise ValidationFailed(fields={"parent": [_("only streets and communities move")]})
        moved = move_jurisdiction(row, _parent_for(row.level, data["parent"]))
    else:
        moved = 0
    if "name" in data:
        row.name = data["name"].strip()
    _facts(row, data)
    after = _jurisdiction_view(row)
    if after != before:
        audit.record("jurisdiction.update", row, actor=actor, before=before, after={**after, "moved": moved})
    return row


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


#: A calendar file is a few dozen lines; anything bigger is not one.
CALENDAR_CSV_MAX_BYTES = 256 * 1024


def calendar_days_from_csv(year: int, content: bytes) -> list[dict]:
    """The days of a ``day,kind,name`` CSV file (UTF-8, with or without BOM) for ``year``.

    Every problem is reported with its line; with any problem, nothing is returned (ValidationFailed
    on the field ``file``).
    """
    fail = _("The file has errors; nothing was loaded.")
    if not content:
        raise ValidationFailed(fail, fields={"file": [_("choose a CSV file")]})
    if len(content) > CALENDAR_CSV_MAX_BYTES:
        raise ValidationFailed(fail, fields={"file": [_("the file is too large for a calendar")]})
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationFailed(fail, fields={"file": [_("the file is not UTF-8 text")]}) from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [(name or "").strip().lower() for name in (reader.fieldnames or [])]
    if "day" not in header or "kind" not in header:
        raise ValidationFailed(
            fail, fields={"file": [_("the first line must name the columns day,kind,name")]}
        )
    reader.fieldnames = header
    problems: list[str] = []
    days: list[dict] = []
    seen: dict[dt.date, int] = {}
    schema = CalendarDaySchema()
    for row in reader:
        line = reader.line_num
        raw = {key: (row.get(key) or "").strip() for key in ("day", "kind", "name")}
        try:
            item = schema.load(raw)
        except MarshmallowValidationError as exc:
            columns = {"day": _("day"), "kind": _("kind"), "name": _("name")}
            for field, messages in flatten_messages(exc.messages).items():
                problems.extend(
                    _(
                        "Line %(line)s, %(column)s: %(problem)s",
                        line=line,
                        column=columns.get(field, field),
                        problem=p,
                    )
                    for p in messages
                )
            continue
        day = item["day"]
        if day.year != year:
            problems.append(
                _("Line %(line)s: %(day)s is not in %(year)s", line=line, day=day.isoformat(), year=year)
            )
        elif item["kind"] == DayKind.WORKDAY and day.weekday() < 5:
            problems.append(
                _(
                    "Line %(line)s: %(day)s is a weekday; a make-up working day is a Saturday or Sunday",
                    line=line,
                    day=day.isoformat(),
                )
            )
        elif day in seen:
            problems.append(
                _(
                    "Line %(line)s: %(day)s is already on line %(first)s",
                    line=line,
                    day=day.isoformat(),
                    first=seen[day],
                )
            )
        else:
            seen[day] = line
            days.append(item)
    if problems:
        raise ValidationFailed(fail, fields={"file": problems})
    if not days:
        raise ValidationFailed(fail, fields={"file": [_("the file lists no day")]})
    return days


def calendar_year_counts() -> list[tuple[int, int, int]]:
    """Each loaded year with its number of holidays and of make-up working days."""
    rows = db.session.execute(sa.select(CalendarDay.day, CalendarDay.kind)).all()
    counts: dict[int, list[int]] = {}
    for day, kind in rows:
        entry = counts.setdefault(day.year, [0, 0])
        entry[0 if kind == DayKind.HOLIDAY else 1] += 1
    return [(year, h, w) for year, (h, w) in sorted(counts.items())]
