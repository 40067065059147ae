"""Reading and writing catalogue files: CSV and XLSX, in two formats.

- The **native** format, which export writes: one row per entry with the columns of
  ``NATIVE_COLUMNS`` (English names, or the Chinese headings in ``HEADING_ALIASES``). Money is in 元
  with at most two decimals (``funding_amount_yuan``), read exactly into integer fen.
- The **published-list** format of collected government lists
  (``list_name,item_name,category,department,legal_basis,role,note,source_url``): a row is banned when
  its category says 负面 or its note says NEGATIVE; ``role`` holds the kind, or ``assist``/``perform``
  for duties. Such rows have no codes; the import assigns them.

The spreadsheet files themselves are read and written by ``tables``. Reading never
half-succeeds: every problem of every row is collected, named by row (as a spreadsheet numbers it,
heading = row 1) and column, and the whole file is refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext

from gatekeeper.core.errors import ValidationFailed
from gatekeeper.core.money import parse_yuan, yuan
from gatekeeper.modules.catalogue import tables
from gatekeeper.modules.catalogue.models import CatalogueEntry, DutyRole, Kind, StandardBasis, Standing

#: The entry's content columns; money is written in 元 (exact), not fen.
NATIVE_COLUMNS = tuple(
    "funding_amount_yuan" if column == "funding_amount_fen" else column for column in CatalogueEntry.CONTENT
)
REQUIRED_NATIVE = ("code", "title", "kind", "standing")
SAMPLE_COLUMNS = (
    "list_name",
    "item_name",
    "category",
    "department",
    "legal_basis",
    "role",
    "note",
    "source_url",
)

HEADING_ALIASES = {
    "编码": "code",
    "名称": "title",
    "事项名称": "title",
    "类别": "kind",
    "性质": "standing",
    "角色": "role",
    "法律依据": "legal_basis",
    "责任部门": "department",
    "经费标准类型": "funding_basis",
    "经费标准(元)": "funding_amount_yuan",
    "经费标准（元）": "funding_amount_yuan",
    "需专门场所": "requires_premises",
    "需专职人员": "requires_staff",
    "清单名称": "list_name",
    "来源": "source",
    "备注": "notes",
}
_TRUE = {"1", "true", "yes", "y", "是", "需要", "x", "✓"}
_FALSE = {"", "0", "false", "no", "n", "否", "不需要"}
#: Legal-basis texts of the published lists that mean "none stated".
_NO_BASIS = {"not stated in source", "not stated", "无", "暂无", "-"}
MAX_ROWS = 20000
MAX_CELL = 4000
#: Control characters that XML (hence XLSX) cannot hold; refused so every entry can be exported.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
#: The key of a parsed entry that holds its row number in the file.
ROW = "_row"
#: Entry fields that the published-list format carries (it says nothing of money, premises or staff).
LIST_FIELDS = tuple(
    column
    for column in CatalogueEntry.CONTENT
    if column not in ("funding_basis", "funding_amount_fen", "requires_premises", "requires_staff")
)
#: Values of the fields a file leaves out, for new entries.
DEFAULTS: dict[str, Any] = {
    "role": None,
    "legal_basis": "",
    "department": "",
    "funding_basis": StandardBasis.NONE,
    "funding_amount_fen": 0,
    "requires_premises": False,
    "requires_staff": False,
    "list_name": "",
    "source": "",
    "notes": "",
}
#: Largest funding standard, in fen (as the API accepts).
MAX_FEN = 10**13
_LIMITS = {"code": 40, "title": 200, "item_name": 200, "department": 200, "list_name": 200}


@dataclass(frozen=True)
class Problem:
    row: int
    column: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message}


def refuse(problems: list[Problem]) -> ValidationFailed:
    """The error for a refused file: fields keyed ``rows.<row>.<column>`` plus the problem list."""
    fields: dict[str, list[str]] = {}
    for p in problems:
        fields.setdefault(f"rows.{p.row}.{p.column}", []).append(p.message)
    first = problems[0]
    return ValidationFailed(
        ngettext(
            "The file was refused (%(num)s problem: row %(row)s, column %(column)s: %(message)s). "
            "Nothing was imported.",
            "The file was refused (%(num)s problems; the first: row %(row)s, column %(column)s: "
            "%(message)s). Nothing was imported.",
            len(problems),
            row=first.row,
            column=first.column,
            message=first.message,
        ),
        code="invalid_file",
        fields=fields,
        problems=[p.as_dict() for p in problems[:500]],
    )


def read_table(data: bytes, filename: str) -> list[list[str]]:
    """The cells of a CSV (UTF-8, with or without BOM, or GB18030) or XLSX file as text."""
    return tables.read_table(data, filename, max_rows=MAX_ROWS)


def detect_format(header: list[str]) -> str:
    names = {h.strip() for h in header}
    if {"item_name", "category"} <= names:
        return "published_list"
    return "native"


def valid_code(code: str) -> bool:
    """Entry codes are letters, digits, ``-``, ``_`` and ``.``."""
    return bool(code) and all(ch.isalnum() or ch in "-_." for ch in code)


def parse(data: bytes, filename: str) -> tuple[str, list[dict[str, Any]]]:
    """Read and check a catalogue file; returns its format and one dict per entry.

    An entry holds only the fields its file has columns for (see ``DEFAULTS`` for the others; rows of
    the published-list format have ``code`` None) and its row number under ``ROW``. Raises
    ``ValidationFailed`` (code ``invalid_file``) naming every problem; nothing is returned then.
    """
    table = read_table(data, filename)
    while table and not any(cell.strip() for cell in table[-1]):
        table.pop()
    if not table:
        raise ValidationFailed(_("The file is empty."), code="invalid_file", fields={"file": [_("empty")]})
    if len(table) > MAX_ROWS + 1:
        raise ValidationFailed(
            _("Too many rows (at most %(n)s).", n=MAX_ROWS),
            code="invalid_file",
            fields={"file": [_("too many rows")]},
        )
    header = [HEADING_ALIASES.get(h.strip(), h.strip()) for h in table[0]]
    fmt = detect_format(header)
    expected = SAMPLE_COLUMNS if fmt == "published_list" else REQUIRED_NATIVE
    missing = [c for c in expected if c not in header]
    unknown = [
        h for h in header if h and h not in (SAMPLE_COLUMNS if fmt == "published_list" else NATIVE_COLUMNS)
    ]
    problems = [Problem(1, c, _("required column is missing")) for c in missing]
    problems += [Problem(1, h, _("unknown column")) for h in unknown]
    duplicated = {h for h in header if h and header.count(h) > 1}
    problems += [Problem(1, h, _("column appears twice")) for h in sorted(duplicated)]
    if problems:
        raise refuse(problems)
    if fmt == "published_list":
        carried = set(LIST_FIELDS)
    else:
        carried = {"funding_amount_fen" if h == "funding_amount_yuan" else h for h in header if h}
    entries = []
    #: Codes (native format) or (kind, title, list) identities (published lists) → first row.
    seen_codes: dict[Any, int] = {}
    for index, cells in enumerate(table[1:], start=2):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) > len(header) and any(c.strip() for c in cells[len(header) :]):
            problems.append(Problem(index, "-", _("more cells than columns")))
            continue
        raw = {name: (cells[i].strip() if i < len(cells) else "") for i, name in enumerate(header) if name}
        row_problems: list[Problem] = []
        entry = (_sample_row if fmt == "published_list" else _native_row)(raw, index, row_problems)
        for column, value in raw.items():
            if len(value) > _LIMITS.get(column, MAX_CELL):
                row_problems.append(Problem(index, column, _("too long")))
            elif CONTROL_CHARACTERS.search(value):
                row_problems.append(Problem(index, column, _("contains control characters")))
        code = entry.get("code")
        if code:
            if code in seen_codes:
                row_problems.append(
                    Problem(index, "code", _("same code as row %(row)s", row=seen_codes[code]))
                )
            seen_codes.setdefault(code, index)
        elif fmt == "published_list" and entry["kind"] is not None:
            identity = (entry["kind"], entry["title"], entry["list_name"])
            if identity in seen_codes:
                row_problems.append(
                    Problem(index, "item_name", _("same item as row %(row)s", row=seen_codes[identity]))
                )
            seen_codes.setdefault(identity, index)
        problems += row_problems
        entries.append({**{k: v for k, v in entry.items() if k in carried}, ROW: index})
    if problems:
        raise refuse(problems)
    if not entries:
        raise ValidationFailed(
            _("The file has no entries."), code="invalid_file", fields={"file": [_("no rows")]}
        )
    return fmt, entries


def _enum(value: str, enum_cls, row: int, column: str, problems: list[Problem], *, optional=False):
    if not value and optional:
        return None
    try:
        return enum_cls(value.lower())
    except ValueError:
        allowed = ", ".join(m.value for m in enum_cls)
        problems.append(
            Problem(
                row, column, _("%(value)s is not one of: %(allowed)s", value=value or "''", allowed=allowed)
            )
        )
        return None


def _flag(value: str, row: int, column: str, problems: list[Problem]) -> bool:
    text = value.strip().lower()
    if text in _TRUE:
        return True
    if text not in _FALSE:
        problems.append(Problem(row, column, _("write yes or no")))
    return False


def _native_row(raw: dict[str, str], row: int, problems: list[Problem]) -> dict[str, Any]:
    code = raw.get("code", "")
    if not code:
        problems.append(Problem(row, "code", _("required")))
    elif not valid_code(code):
        problems.append(Problem(row, "code", _("letters, digits, - _ . only")))
    title = raw.get("title", "")
    if not title:
        problems.append(Problem(row, "title", _("required")))
    kind = _enum(raw.get("kind", ""), Kind, row, "kind", problems)
    standing = _enum(raw.get("standing", ""), Standing, row, "standing", problems)
    role = _enum(raw.get("role", ""), DutyRole, row, "role", problems, optional=True)
    if role is not None and kind is not None and kind != Kind.DUTY:
        problems.append(Problem(row, "role", _("only duties have a role")))
    basis = _enum(raw.get("funding_basis", "") or "none", StandardBasis, row, "funding_basis", problems)
    amount, amount_ok = 0, True
    text = raw.get("funding_amount_yuan", "")
    if text:
        try:
            amount = parse_yuan(text)
        except ValueError:
            amount_ok = False
            problems.append(Problem(row, "funding_amount_yuan", _("an amount in yuan, like 1200.50")))
        if amount < 0 or amount > MAX_FEN:
            amount_ok = False
            message = _("must not be negative") if amount < 0 else _("too large")
            problems.append(Problem(row, "funding_amount_yuan", message))
    if amount_ok and basis == StandardBasis.NONE and amount:
        problems.append(Problem(row, "funding_amount_yuan", _("an amount needs a funding basis")))
    if amount_ok and basis not in (None, StandardBasis.NONE) and not amount:
        problems.append(Problem(row, "funding_amount_yuan", _("the funding basis needs an amount")))
    return {
        "code": code,
        "title": title,
        "kind": kind,
        "standing": standing,
        "role": role,
        "legal_basis": raw.get("legal_basis", ""),
        "department": raw.get("department", ""),
        "funding_basis": basis,
        "funding_amount_fen": amount,
        "requires_premises": _flag(raw.get("requires_premises", ""), row, "requires_premises", problems),
        "requires_staff": _flag(raw.get("requires_staff", ""), row, "requires_staff", problems),
        "list_name": raw.get("list_name", ""),
        "source": raw.get("source", ""),
        "notes": raw.get("notes", ""),
    }


def _sample_row(raw: dict[str, str], row: int, problems: list[Problem]) -> dict[str, Any]:
    title = raw.get("item_name", "")
    if not title:
        problems.append(Problem(row, "item_name", _("required")))
    marker = raw.get("role", "").lower()
    if marker in ("assist", "perform"):
        kind, role = Kind.DUTY, DutyRole(marker)
    else:
        kind = _enum(marker, Kind, row, "role", problems)
        role = None
    category, note = raw.get("category", ""), raw.get("note", "")
    banned = "负面" in category or note.upper().startswith("NEGATIVE")
    basis = raw.get("legal_basis", "")
    notes = "；".join(part for part in (category, note) if part)
    return {
        "code": None,
        "title": title,
        "kind": kind,
        "standing": Standing.BANNED if banned else Standing.PERMITTED,
        "role": role,
        "legal_basis": "" if basis.strip().lower() in _NO_BASIS else basis,
        "department": raw.get("department", ""),
        "funding_basis": StandardBasis.NONE,
        "funding_amount_fen": 0,
        "requires_premises": False,
        "requires_staff": False,
        "list_name": raw.get("list_name", ""),
        "source": raw.get("source_url", ""),
        "notes": notes,
    }


def native_rows(entries) -> list[list[str]]:
    """Header and rows of the native format for ``entries`` (model objects or content dicts)."""
    rows = [list(NATIVE_COLUMNS)]
    for entry in entries:
        content = entry if isinstance(entry, dict) else entry.content()
        row = []
        for column in NATIVE_COLUMNS:
            if column == "funding_amount_yuan":
                fen = content["funding_amount_fen"]
                row.append(yuan(fen) if fen else "")
            elif column in ("requires_premises", "requires_staff"):
                row.append("yes" if content[column] else "no")
            else:
                value = content.get(column)
                row.append("" if value is None else str(getattr(value, "value", value)))
        rows.append(row)
    return rows


def write_csv(entries) -> bytes:
    """The native format as CSV: UTF-8 with BOM (so Excel opens Chinese text correctly)."""
    return tables.write_csv(native_rows(entries))


def write_xlsx(entries, title: str = "catalogue") -> bytes:
    """The native format as XLSX: one sheet, every cell text."""
    return tables.write_xlsx(native_rows(entries), title)
