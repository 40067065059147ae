"""Computations behind the catalogue operations, with no writes: entry content rules, import plans
and diffs. ``operations`` applies their results (and audits them); the CLI and tests may call them
to see what an operation would do.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from pypinyin import Style, lazy_pinyin

from gatekeeper.core.errors import ValidationFailed
from gatekeeper.modules.catalogue import io as catalogue_io
from gatekeeper.modules.catalogue.models import (
    CatalogueEntry,
    ChangeAction,
    DutyRole,
    Kind,
    StandardBasis,
    Standing,
)

#: Entry fields whose change is an interpretation (释): the entry means the same thing.
INTERPRETING = frozenset({"notes", "legal_basis", "source"})
ENUMS = {"kind": Kind, "standing": Standing, "role": DutyRole, "funding_basis": StandardBasis}
_LIMITS = {"code": 40, "title": 200, "department": 200, "list_name": 200}
#: How the API names the entry fields that an entry's content keeps flat.
API_FIELD_NAMES = {
    "funding_basis": "funding_standard.basis",
    "funding_amount_fen": "funding_standard.amount_fen",
}
#: How the native file format names them.
FILE_FIELD_NAMES = {"funding_amount_fen": "funding_amount_yuan"}
#: How the published-list format names them.
LIST_FIELD_NAMES = {"title": "item_name", "kind": "role", "source": "source_url", "notes": "note"}


def initials(text: str) -> str:
    """Pinyin initials of Chinese text, lower case (民政局 → ``mzj``); other characters kept."""
    return "".join(lazy_pinyin(text, style=Style.FIRST_LETTER, errors="default")).lower()[:200]


def plain(value: Any) -> Any:
    """An enum member as its value; anything else as is."""
    return value.value if isinstance(value, enum.Enum) else value


def clean_content(data: dict[str, Any]) -> dict[str, Any]:
    """The content fields of ``data``, strings stripped and enum values as enum members (422 if not)."""
    out: dict[str, Any] = {}
    problems: dict[str, list[str]] = {}
    for name in CatalogueEntry.CONTENT:
        if name not in data:
            continue
        value = data[name]
        if isinstance(value, str):
            value = value.strip()
        if name == "role" and value == "":
            value = None
        if name in ENUMS and value is not None and not isinstance(value, ENUMS[name]):
            try:
                value = ENUMS[name](value or None)
            except ValueError:
                problems[API_FIELD_NAMES.get(name, name)] = [_("not a valid choice")]
                continue
        out[name] = value
    if problems:
        raise ValidationFailed(fields=problems)
    return out


def content_problems(content: dict[str, Any]) -> list[tuple[str, str]]:
    """What is wrong with a complete entry content: ``(field, message)`` pairs, none when valid.

    The same rules as the table's constraints and the file reader, so nothing reaches the database
    that it would refuse, and every stored entry can be exported and imported again.
    """
    problems = []
    if not catalogue_io.valid_code(content.get("code") or ""):
        problems.append(("code", _("letters, digits, - _ . only")))
    if not content.get("title"):
        problems.append(("title", _("required")))
    for name in ("code", "title", "legal_basis", "department", "list_name", "source", "notes"):
        value = content.get(name) or ""
        if len(value) > _LIMITS.get(name, catalogue_io.MAX_CELL):
            problems.append((name, _("too long")))
        elif catalogue_io.CONTROL_CHARACTERS.search(value):
            problems.append((name, _("contains control characters")))
    for name in ("kind", "standing", "funding_basis"):
        if not isinstance(content.get(name), ENUMS[name]):
            problems.append((name, _("required")))
    if content.get("role") is not None and content.get("kind") != Kind.DUTY:
        problems.append(("role", _("only duties have a role")))
    basis, amount = content.get("funding_basis"), content.get("funding_amount_fen")
    if not isinstance(amount, int) or isinstance(amount, bool) or not 0 <= amount <= catalogue_io.MAX_FEN:
        problems.append(("funding_amount_fen", _("an amount in fen between 0 and 10^13")))
    elif basis == StandardBasis.NONE and amount:
        problems.append(("funding_amount_fen", _("an amount needs a funding basis")))
    elif basis != StandardBasis.NONE and not amount:
        problems.append(("funding_amount_fen", _("the funding basis needs an amount")))
    return problems


def check_content(content: dict[str, Any]) -> None:
    """Raise ``ValidationFailed`` naming the API fields of every problem of ``content``."""
    problems = content_problems(content)
    if problems:
        fields: dict[str, list[str]] = {}
        for name, message in problems:
            fields.setdefault(API_FIELD_NAMES.get(name, name), []).append(message)
        raise ValidationFailed(fields=fields)


def change_action(before: dict[str, Any], after: dict[str, Any]) -> ChangeAction | None:
    """``amend`` (改), ``interpret`` (释) when only notes, legal basis or source differ, or None."""
    changed = {k for k in after if after[k] != before.get(k)}
    if not changed:
        return None
    return ChangeAction.INTERPRET if changed <= INTERPRETING else ChangeAction.AMEND


_KIND_LETTER = {
    "duty": "D",
    "sign": "S",
    "ledger": "L",
    "appraisal": "A",
    "certificate": "C",
    "mechanism": "M",
    "system": "Y",
}


def generated_code(kind: str, standing: str, taken: set[str]) -> str:
    """The next free code like ``NC-001`` (N = banned, P = permitted; C = certificate ...)."""
    prefix = ("N" if standing == "banned" else "P") + _KIND_LETTER[kind] + "-"
    number = 1
    while f"{prefix}{number:03d}" in taken:
        number += 1
    code = f"{prefix}{number:03d}"
    taken.add(code)
    return code


@dataclass
class Amendment:
    """One entry an import changes."""

    entry: CatalogueEntry
    values: dict[str, Any]  # the fields to set (enum members)
    action: ChangeAction
    before: dict[str, Any]  # contents, plain values
    after: dict[str, Any]


@dataclass
class ImportPlan:
    """What an import does to a version: entries to add, amend and remove."""

    format: str
    mode: str
    adds: list[dict[str, Any]] = field(default_factory=list)  # complete contents (enum members)
    amendments: list[Amendment] = field(default_factory=list)
    removals: list[CatalogueEntry] = field(default_factory=list)
    unchanged: int = 0

    def report(self, *, dry_run: bool) -> dict[str, Any]:
        """``{"format","mode","dry_run","added","amended","removed","unchanged"}``, codes sorted."""
        return {
            "format": self.format,
            "mode": self.mode,
            "dry_run": dry_run,
            "added": sorted(row["code"] for row in self.adds),
            "amended": sorted(a.entry.code for a in self.amendments),
            "removed": sorted(e.code for e in self.removals),
            "unchanged": self.unchanged,
        }


def plan_import(entries: list[CatalogueEntry], fmt: str, rows: list[dict[str, Any]], mode: str) -> ImportPlan:
    """Compare parsed file rows (``io.parse``) with a version's ``entries``; no query, no write.

    Rows without a code (published-list format) keep the code of the entry with the same kind,
    title and list name, or get a generated one. A row changes only the fields its file carries.
    In ``replace`` mode the entries the file does not name are removed. An amendment that would
    leave an entry inconsistent (a role on a kind that is no duty...) refuses the file, naming the
    row and column as ``io.parse`` does.
    """
    plan = ImportPlan(format=fmt, mode=mode)
    existing = {e.code: e for e in entries}
    by_identity = {(e.kind.value, e.title, e.list_name): e.code for e in entries}
    taken = set(existing)
    seen: set[str] = set()
    problems: list[catalogue_io.Problem] = []
    names = LIST_FIELD_NAMES if fmt == "published_list" else FILE_FIELD_NAMES
    for row in rows:
        values = {k: v for k, v in row.items() if k in CatalogueEntry.CONTENT}
        if not values.get("code"):
            key = (values["kind"].value, values["title"], values.get("list_name", ""))
            values["code"] = by_identity.get(key) or generated_code(
                values["kind"].value, values["standing"].value, taken
            )
        code = values["code"]
        seen.add(code)
        entry = existing.get(code)
        if entry is None:
            taken.add(code)
            content = {**catalogue_io.DEFAULTS, **values}
            plan.adds.append(content)
        else:
            before = entry.content()
            after = {**before, **{k: plain(v) for k, v in values.items()}}
            action = change_action(before, after)
            if action is None:
                plan.unchanged += 1
                continue
            content = {**{name: getattr(entry, name) for name in CatalogueEntry.CONTENT}, **values}
            plan.amendments.append(Amendment(entry, values, action, before, after))
        for name, message in content_problems(content):
            problems.append(catalogue_io.Problem(row[catalogue_io.ROW], names.get(name, name), message))
    if problems:
        raise catalogue_io.refuse(problems)
    if mode == "replace":
        plan.removals = [entry for code, entry in existing.items() if code not in seen]
    return plan


def diff_contents(
    old: list[CatalogueEntry], new: list[CatalogueEntry]
) -> tuple[list[dict], list[dict], list[dict], int]:
    """Entries added, removed and changed (field by field) from ``old`` to ``new``, matched by code.

    Returns ``(added, removed, changed, unchanged)``; a change is
    ``{"code", "title", "action", "fields": {name: {"before", "after"}}}``.
    """
    before = {e.code: e.content() for e in old}
    after = {e.code: e.content() for e in new}
    added = [after[code] for code in sorted(after.keys() - before.keys())]
    removed = [before[code] for code in sorted(before.keys() - after.keys())]
    changed = []
    common = sorted(before.keys() & after.keys())
    for code in common:
        a, b = before[code], after[code]
        differing = {name: {"before": a[name], "after": b[name]} for name in a if a[name] != b[name]}
        if differing:
            changed.append(
                {"code": code, "title": b["title"], "action": change_action(a, b).value, "fields": differing}
            )
    return added, removed, changed, len(common) - len(changed)
