"""Reading inventory files: CSV or XLSX, one existing item per row.

Columns (English names, or the Chinese headings in ``HEADING_ALIASES``): ``community`` (code or
name), ``kind`` (a kind's code or its Chinese name), ``title``, ``department`` (code or name;
optional: a name the system does not know is kept as text), ``since`` (a date, optional) and
``notes`` (optional). Reading never half-succeeds: every problem of every row is collected, named
by row (as a spreadsheet numbers it, heading = row 1) and column, and the whole file is refused.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from gatekeeper.core.errors import ValidationFailed
from gatekeeper.extensions import db
from gatekeeper.modules.catalogue import tables
from gatekeeper.modules.catalogue.io import CONTROL_CHARACTERS, Problem, refuse
from gatekeeper.modules.catalogue.models import Kind
from gatekeeper.modules.jurisdictions.models import Department, Gate, Jurisdiction, Level

COLUMNS = ("community", "kind", "title", "department", "since", "notes")
REQUIRED = ("community", "kind", "title")
HEADING_ALIASES = {
    "社区": "community",
    "社区名称": "community",
    "社区编码": "community",
    "村社区": "community",
    "类别": "kind",
    "类型": "kind",
    "名称": "title",
    "事项名称": "title",
    "部门": "department",
    "责任部门": "department",
    "设立部门": "department",
    "设立时间": "since",
    "设立日期": "since",
    "备注": "notes",
}
#: Kinds as files name them: the code, the Chinese names of the catalogue and common variants.
KIND_ALIASES = {
    "职责事项": Kind.DUTY,
    "工作事项": Kind.DUTY,
    "机构牌子": Kind.SIGN,
    "牌子": Kind.SIGN,
    "挂牌": Kind.SIGN,
    "plaque": Kind.SIGN,
    "台账": Kind.LEDGER,
    "创建评比": Kind.APPRAISAL,
    "评比": Kind.APPRAISAL,
    "考核评比": Kind.APPRAISAL,
    "创建评比达标": Kind.APPRAISAL,
    "证明事项": Kind.CERTIFICATE,
    "证明": Kind.CERTIFICATE,
    "工作机制": Kind.MECHANISM,
    "组织机构": Kind.MECHANISM,
    "机构": Kind.MECHANISM,
    "信息系统": Kind.SYSTEM,
    "app": Kind.SYSTEM,
    "报表": Kind.SYSTEM,
}
#: The most rows one file may hold (a district of several hundred communities fits many times).
MAX_ROWS = 5000
_LIMITS = {"title": 200, "department": 120, "notes": 2000}
_DATE = re.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?")
#: The key of a parsed row that holds its row number in the file.
ROW = "_row"


@dataclass(frozen=True)
class Places:
    """The gate's communities and the departments, by code and by name (names may be ambiguous)."""

    by_code: dict[str, Jurisdiction]
    by_name: dict[str, list[Jurisdiction]]
    departments: dict[str, Department]

    @classmethod
    def of(cls, gate: Gate) -> Places:
        communities = db.session.scalars(
            sa.select(Jurisdiction).where(
                Jurisdiction.level == Level.COMMUNITY,
                Jurisdiction.path.startswith(gate.jurisdiction.path, autoescape=True),
            )
        ).all()
        by_name: dict[str, list[Jurisdiction]] = {}
        for community in communities:
            by_name.setdefault(community.name, []).append(community)
        departments: dict[str, Department] = {}
        for department in db.session.scalars(sa.select(Department)):
            departments.setdefault(department.code.upper(), department)
            departments.setdefault(department.name, department)
        return cls({c.code.upper(): c for c in communities}, by_name, departments)


def parse_kind(text: str) -> Kind | None:
    """The kind a cell names (``sign``, ``机构牌子``, ``牌子`` ...), or ``None``."""
    value = text.strip()
    try:
        return Kind(value.lower())
    except ValueError:
        return KIND_ALIASES.get(value) or KIND_ALIASES.get(value.lower())


def parse_date(text: str) -> dt.date | None:
    """``2021-03-01``, ``2021/3/1``, ``2021.03.01``, ``2021年3月1日`` (an XLSX time of day is ignored)."""
    found = _DATE.fullmatch(text.strip())
    if not found:
        raise ValueError(text)
    return dt.date(*(int(part) for part in found.groups()))


def _header(row: list[str]) -> tuple[dict[str, int], list[Problem]]:
    columns: dict[str, int] = {}
    problems = []
    for position, cell in enumerate(row):
        heading = cell.strip().lstrip("\ufeff")
        name = HEADING_ALIASES.get(heading, heading.lower())
        if name in COLUMNS and name not in columns:
            columns[name] = position
    for name in REQUIRED:
        if name not in columns:
            problems.append(Problem(1, name, _("the column is missing")))
    return columns, problems


def read_rows(data: bytes, filename: str) -> list[tuple[int, dict[str, str]]]:
    """The file's rows as ``(row number, {column: text})``; refuses an unreadable or headless file."""
    table = tables.read_table(data, filename, max_rows=MAX_ROWS)
    while table and not any(c.strip() for c in table[-1]):
        table.pop()
    if not table:
        raise ValidationFailed(_("The file is empty."), code="invalid_file", fields={"file": [_("empty")]})
    columns, problems = _header(table[0])
    if problems:
        raise refuse(problems)
    body = [(number, row) for number, row in enumerate(table[1:], start=2) if any(c.strip() for c in row)]
    if len(body) > MAX_ROWS:
        raise refuse([Problem(MAX_ROWS + 2, "file", _("more than %(max)s rows", max=MAX_ROWS))])
    if not body:
        raise refuse([Problem(2, "file", _("no rows below the heading"))])
    out = []
    for number, row in body:
        cells = {name: (row[i] if i < len(row) else "").strip() for name, i in columns.items()}
        out.append((number, cells))
    return out


def parse(data: bytes, filename: str, gate: Gate) -> list[dict[str, Any]]:
    """Read and check an inventory file for ``gate``: one dict per item (``community``, ``kind``,
    ``title``, ``department``, ``department_name``, ``since``, ``notes``, ``_row``).

    Every problem is named by row and column and the whole file is refused (422 ``invalid_file``).
    """
    places = Places.of(gate)
    problems: list[Problem] = []
    items: list[dict[str, Any]] = []
    seen: dict[tuple[int, str, str], int] = {}
    for number, cells in read_rows(data, filename):
        item, row_problems = _row(number, cells, places)
        problems.extend(row_problems)
        if row_problems:
            continue
        key = (item["community"].id, item["kind"].value, item["title"])
        if key in seen:
            problems.append(Problem(number, "title", _("the same item as row %(row)s", row=seen[key])))
            continue
        seen[key] = number
        items.append(item)
    if problems:
        raise refuse(problems)
    return items


def _row(number: int, cells: dict[str, str], places: Places) -> tuple[dict[str, Any], list[Problem]]:
    problems: list[Problem] = []

    def problem(column: str, message: str) -> None:
        problems.append(Problem(number, column, message))

    for column, text in cells.items():
        if CONTROL_CHARACTERS.search(text):
            problem(column, _("control characters are not allowed"))
        elif column in _LIMITS and len(text) > _LIMITS[column]:
            problem(column, _("at most %(max)s characters", max=_LIMITS[column]))
    community = _community(cells.get("community", ""), places, problem)
    kind = None
    if not cells.get("kind"):
        problem("kind", _("a kind is required"))
    else:
        kind = parse_kind(cells["kind"])
        if kind is None:
            problem("kind", _("unknown kind %(value)s", value=cells["kind"]))
    title = cells.get("title", "")
    if not title:
        problem("title", _("a title is required"))
    since = None
    if cells.get("since"):
        try:
            since = parse_date(cells["since"])
        except ValueError:
            problem("since", _("not a date (write it as 2021-03-01): %(value)s", value=cells["since"]))
    department_text = cells.get("department", "")
    department = places.departments.get(department_text.upper()) or places.departments.get(department_text)
    item = {
        ROW: number,
        "community": community,
        "kind": kind,
        "title": title,
        "department": department,
        "department_name": department.name if department else department_text,
        "since": since,
        "notes": cells.get("notes", ""),
    }
    return item, problems


def _community(text: str, places: Places, problem) -> Jurisdiction | None:
    if not text:
        problem("community", _("a community is required"))
        return None
    found = places.by_code.get(text.upper())
    if found is not None:
        return found
    named = places.by_name.get(text, [])
    if len(named) == 1:
        return named[0]
    if named:
        problem("community", _("several communities are called %(name)s: give the code", name=text))
    else:
        problem("community", _("no community %(value)s in this gate's jurisdiction", value=text))
    return None
