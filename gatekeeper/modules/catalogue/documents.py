"""Documents of the catalogue: the print-out of a published version (准入目录).

The document is a schema dump of a plain source object gathered here, rendered by ``core.pdf``.
Labels are dumped in the document's language (the dump runs inside its locale).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import cn2an
import sqlalchemy as sa
from flask_babel import get_locale
from flask_babel import gettext as _
from marshmallow import Schema, fields

from gatekeeper.core import clock
from gatekeeper.core.errors import InvalidTransition
from gatekeeper.core.labels import label
from gatekeeper.core.pdf import local_day
from gatekeeper.extensions import db
from gatekeeper.modules.catalogue import operations as ops
from gatekeeper.modules.catalogue.models import (
    CatalogueChange,
    CatalogueEntry,
    CatalogueVersion,
    ChangeAction,
    DutyRole,
    Kind,
    Standing,
    VersionState,
)
from gatekeeper.modules.jurisdictions.schemas import LetterheadPdfSchema

#: The order of changes in the annex: 立改废释.
_ACTION_ORDER = {
    ChangeAction.ADD: 0,
    ChangeAction.AMEND: 1,
    ChangeAction.INTERPRET: 2,
    ChangeAction.REMOVE: 3,
}


@dataclasses.dataclass
class CatalogueSource:
    version: CatalogueVersion
    entries: list[CatalogueEntry]
    #: The gate's published version before this one (the annex compares against it), if any.
    previous: CatalogueVersion | None
    #: ``ops.diff_versions(previous, version)`` when there is a previous version.
    diff: dict[str, Any] | None
    #: The reasons of the changes since the previous version, by entry code, in order.
    reasons: dict[str, list[str]]
    printed_on: dt.date


def _zh() -> bool:
    locale = get_locale()
    return locale is not None and locale.language == "zh"


def _ordinal(n: int) -> str:
    """The number of a heading: 一, 二 … in Chinese, 1, 2 … otherwise."""
    return cn2an.an2cn(n) if _zh() else str(n)


def _heading(number: int, name: str) -> str:
    """The heading of a list: （一）name in Chinese, (1) name otherwise."""
    return f"（{_ordinal(number)}）{name}" if _zh() else f"({number}) {name}"


def _requirements(entry: CatalogueEntry) -> str:
    """What the law itself requires of the community: dedicated premises, staff, both or neither."""
    found = []
    if entry.requires_premises:
        found.append(_("dedicated premises"))
    if entry.requires_staff:
        found.append(_("dedicated staff"))
    return ("、" if _zh() else ", ").join(found) if found else _("No")


class CatalogueEntryPdfSchema(Schema):
    """One line of a list of the catalogue."""

    code = fields.String()
    title = fields.String()
    kind = fields.Function(lambda e: e.kind.value)
    kind_label = fields.Function(lambda e: label(e.kind))
    role_label = fields.Function(lambda e: label(DutyRole(e.role)) if e.role else "")
    department = fields.String()
    legal_basis = fields.String()
    funding_basis = fields.Function(lambda e: e.funding_basis.value)
    funding_basis_label = fields.Function(lambda e: label(e.funding_basis))
    funding_amount_fen = fields.Integer()
    requirements = fields.Function(_requirements)
    notes = fields.String()


def _other(standing: Standing) -> str:
    """The heading of the entries that name no published list."""
    if standing == Standing.PERMITTED:
        return _("Other permitted entries")
    return _("Other entries of the negative list")


_KIND_ORDER = {kind: index for index, kind in enumerate(Kind)}
_ROLE_ORDER = {DutyRole.PERFORM: 0, DutyRole.ASSIST: 1, None: 2}


def _place(entry: CatalogueEntry) -> tuple:
    """Where an entry's list comes in the print-out: duties first (performed, then assisted), then
    signs, ledgers and the other kinds in the order of ``Kind``; then by code."""
    return (_KIND_ORDER[entry.kind], _ROLE_ORDER.get(entry.role, 2), entry.code)


def _groups(entries: list[CatalogueEntry], standing: Standing) -> list[dict]:
    """The entries of one standing grouped by their published list, entries by code.

    A list comes where its first entry would (see ``_place``); entries without a list name form a
    group of their own (``list_name`` empty), last.
    """
    groups: dict[str, list[CatalogueEntry]] = {}
    for entry in sorted(entries, key=lambda e: e.code):
        if entry.standing == standing:
            groups.setdefault(entry.list_name.strip(), []).append(entry)
    ordered = sorted(groups.items(), key=lambda item: (item[0] == "", min(map(_place, item[1]))))
    return [
        {
            "list_name": name,
            "name": name or _other(standing),
            "heading": _heading(number, name or _other(standing)),
            "count": len(members),
            "entries": CatalogueEntryPdfSchema(many=True).dump(members),
        }
        for number, (name, members) in enumerate(ordered, start=1)
    ]


def _parts(source: CatalogueSource) -> list[dict]:
    """The permitted lists, then the negative list; a part without entries is left out."""
    parts = []
    for standing in (Standing.PERMITTED, Standing.BANNED):
        groups = _groups(source.entries, standing)
        if groups:
            parts.append(
                {
                    "standing": standing.value,
                    "ordinal": _ordinal(len(parts) + 1),
                    "count": sum(group["count"] for group in groups),
                    "groups": groups,
                }
            )
    return parts


def _kind_counts(source: CatalogueSource) -> list[dict]:
    """Entries per kind, permitted and banned, every kind listed (a kind with none shows 0)."""
    counts = {kind: {Standing.PERMITTED: 0, Standing.BANNED: 0} for kind in Kind}
    for entry in source.entries:
        counts[entry.kind][entry.standing] += 1
    return [
        {
            "kind": kind.value,
            "kind_label": label(kind),
            "permitted": by[Standing.PERMITTED],
            "banned": by[Standing.BANNED],
            "total": sum(by.values()),
        }
        for kind, by in counts.items()
    ]


def _standing_count(source: CatalogueSource, standing: Standing) -> int:
    return sum(1 for entry in source.entries if entry.standing == standing)


def _value(name: str, value) -> str:
    """A field of an entry's content in words, as the diff page shows it."""
    from gatekeeper.modules.catalogue.pages import field_value  # the pages import the API, which imports us

    return field_value(name, value)


def _field_label(name: str) -> str:
    from gatekeeper.modules.catalogue.pages import FIELD_LABELS

    return str(FIELD_LABELS.get(name, name))


def _changes(source: CatalogueSource) -> list[dict]:
    """The annex's lines: every entry added, amended, interpreted or removed, in the order 立改废释."""
    diff = source.diff
    if diff is None:
        return []
    lines = []
    for content in diff["added"]:
        lines.append((ChangeAction.ADD, content["code"], content["title"], []))
    for change in diff["changed"]:
        fields_ = [
            {
                "field": _field_label(name),
                "before": _value(name, v["before"]),
                "after": _value(name, v["after"]),
            }
            for name, v in change["fields"].items()
        ]
        lines.append((ChangeAction(change["action"]), change["code"], change["title"], fields_))
    for content in diff["removed"]:
        lines.append((ChangeAction.REMOVE, content["code"], content["title"], []))
    lines.sort(key=lambda line: (_ACTION_ORDER[line[0]], line[1]))
    return [
        {
            "action": action.value,
            "action_label": label(action),
            "code": code,
            "title": title,
            "fields": fields_,
            "reasons": source.reasons.get(code, []),
        }
        for action, code, title, fields_ in lines
    ]


def _change_counts(source: CatalogueSource) -> dict | None:
    diff = source.diff
    if diff is None:
        return None
    return {
        "added": len(diff["added"]),
        "changed": len(diff["changed"]),
        "removed": len(diff["removed"]),
        "unchanged": diff["unchanged"],
    }


def _previous(source: CatalogueSource) -> dict | None:
    previous = source.previous
    if previous is None:
        return None
    return {
        "number": previous.number,
        "label": previous.label,
        "published_on": local_day(previous.published_at),
    }


class CataloguePdfSchema(Schema):
    """The admission catalogue (准入目录) of one published version."""

    letterhead = fields.Function(lambda s: LetterheadPdfSchema().dump(s.version.gate))
    reference = fields.Function(lambda s: catalogue_reference(s.version))
    place = fields.Function(lambda s: s.version.gate.jurisdiction.name)
    number = fields.Function(lambda s: s.version.number)
    label = fields.Function(lambda s: s.version.label)
    notes = fields.Function(lambda s: s.version.notes)
    published_on = fields.Function(lambda s: local_day(s.version.published_at))
    printed_on = fields.Function(lambda s: s.printed_on.isoformat())
    total = fields.Function(lambda s: len(s.entries))
    permitted = fields.Function(lambda s: _standing_count(s, Standing.PERMITTED))
    banned = fields.Function(lambda s: _standing_count(s, Standing.BANNED))
    permitted_lists = fields.Function(
        lambda s: len({e.list_name.strip() for e in s.entries if e.standing == Standing.PERMITTED})
    )
    by_kind = fields.Function(_kind_counts)
    parts = fields.Function(_parts)
    previous = fields.Function(_previous)
    change_counts = fields.Function(_change_counts)
    changes = fields.Function(_changes)


def require_published(version: CatalogueVersion) -> None:
    """Only a published version prints: a draft is not the catalogue of anybody yet (409)."""
    if version.state != VersionState.PUBLISHED:
        raise InvalidTransition(
            _("Version %(n)s is a draft: only a published catalogue is printed.", n=version.number),
            code="not_published",
        )


def previous_published(version: CatalogueVersion) -> CatalogueVersion | None:
    """The gate's last published version before ``version``."""
    return db.session.scalar(
        sa.select(CatalogueVersion)
        .where(
            CatalogueVersion.gate_id == version.gate_id,
            CatalogueVersion.state == VersionState.PUBLISHED,
            CatalogueVersion.number < version.number,
        )
        .order_by(CatalogueVersion.number.desc())
        .limit(1)
    )


def _reasons(previous: CatalogueVersion, version: CatalogueVersion) -> dict[str, list[str]]:
    """The reasons recorded for each code by the versions after ``previous`` up to ``version``."""
    rows = db.session.execute(
        sa.select(CatalogueChange.code, CatalogueChange.reason)
        .join(CatalogueVersion, CatalogueVersion.id == CatalogueChange.version_id)
        .where(
            CatalogueVersion.gate_id == version.gate_id,
            CatalogueVersion.number > previous.number,
            CatalogueVersion.number <= version.number,
        )
        .order_by(CatalogueVersion.number, CatalogueChange.id)
    ).all()
    reasons: dict[str, list[str]] = {}
    for code, reason in rows:
        found = reasons.setdefault(code, [])
        if reason and reason not in found:
            found.append(reason)
    return reasons


def catalogue_source(version: CatalogueVersion) -> CatalogueSource:
    """What the print-out of ``version`` shows (409 for a draft)."""
    require_published(version)
    entries = list(
        db.session.scalars(
            sa.select(CatalogueEntry)
            .where(CatalogueEntry.version_id == version.id)
            .order_by(CatalogueEntry.code)
        )
    )
    previous = previous_published(version)
    diff = reasons = None
    if previous is not None:
        diff = ops.diff_versions(previous, version)
        reasons = _reasons(previous, version)
    return CatalogueSource(version, entries, previous, diff, reasons or {}, clock.today())


def catalogue_title(version: CatalogueVersion) -> str:
    return _(
        "Admission catalogue of community work items of %(place)s (version %(n)s)",
        place=version.gate.jurisdiction.name,
        n=version.number,
    )


def catalogue_reference(version: CatalogueVersion) -> str:
    return _("%(gate)s catalogue, version %(n)s", gate=version.gate.code, n=version.number)


def catalogue_filename(version: CatalogueVersion) -> str:
    return f"{version.gate.code}-catalogue-v{version.number}.pdf"
