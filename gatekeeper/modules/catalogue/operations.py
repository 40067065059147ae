"""Operations on catalogue versions and entries.

A gate's *current* catalogue is its published version with the highest number. Changes go into a
draft (at most one per gate), each with a reason; publishing freezes the draft for good.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from pypinyin import Style, lazy_pinyin

from gatekeeper.core import audit, clock
from gatekeeper.core.errors import Conflict, InvalidTransition, NotFound, ValidationFailed
from gatekeeper.extensions import db
from gatekeeper.modules.catalogue.models import (
    CatalogueChange,
    CatalogueEntry,
    CatalogueVersion,
    ChangeAction,
    VersionState,
)
from gatekeeper.modules.jurisdictions.models import Gate


def initials(text: str) -> str:
    """Pinyin initials of Chinese text, lower case (民政局 → ``mzj``); other characters kept."""
    return "".join(lazy_pinyin(text, style=Style.FIRST_LETTER, errors="default")).lower()[:200]


def current_version(gate: Gate) -> CatalogueVersion | None:
    """The gate's catalogue in force: its latest published version."""
    return db.session.scalar(
        sa.select(CatalogueVersion)
        .where(CatalogueVersion.gate_id == gate.id, CatalogueVersion.state == VersionState.PUBLISHED)
        .order_by(CatalogueVersion.number.desc())
        .limit(1)
    )


def draft_version(gate: Gate) -> CatalogueVersion | None:
    return db.session.scalar(
        sa.select(CatalogueVersion).where(
            CatalogueVersion.gate_id == gate.id, CatalogueVersion.state == VersionState.DRAFT
        )
    )


def get_version(version_id: int) -> CatalogueVersion:
    version = db.session.get(CatalogueVersion, version_id)
    if version is None:
        raise NotFound(_("No catalogue version %(id)s.", id=version_id))
    return version


def create_version(gate: Gate, *, label: str, actor, notes: str = "") -> CatalogueVersion:
    """Open the next draft version of ``gate``'s catalogue as a copy of the current one."""
    if draft_version(gate) is not None:
        raise Conflict(
            _("This gate already has a draft catalogue version; publish or continue it first."),
            code="draft_exists",
        )
    base = current_version(gate)
    number = (
        db.session.scalar(
            sa.select(sa.func.max(CatalogueVersion.number)).where(CatalogueVersion.gate_id == gate.id)
        )
        or 0
    ) + 1
    version = CatalogueVersion(
        gate=gate,
        number=number,
        label=label,
        state=VersionState.DRAFT,
        based_on=base,
        notes=notes,
        created_at=clock.now(),
        created_by_id=getattr(actor, "id", None),
    )
    db.session.add(version)
    if base is not None:
        for entry in base.entries:
            version.entries.append(CatalogueEntry(**_columns(entry)))
    audit.record(
        "catalogue.version_create",
        version,
        actor=actor,
        after={
            "gate": gate.code,
            "number": number,
            "label": label,
            "based_on": base.number if base else None,
        },
    )
    return version


def _columns(entry: CatalogueEntry) -> dict[str, Any]:
    values = {name: getattr(entry, name) for name in CatalogueEntry.CONTENT}
    values["initials"] = entry.initials
    return values


def _require_draft(version: CatalogueVersion) -> None:
    if version.state != VersionState.DRAFT:
        raise InvalidTransition(_("Version %(n)s is published and cannot change.", n=version.number))


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(fields={"reason": [_("every change to the catalogue needs a reason")]})
    return reason


def find_entry(version: CatalogueVersion, code: str) -> CatalogueEntry | None:
    return db.session.scalar(
        sa.select(CatalogueEntry).where(CatalogueEntry.version_id == version.id, CatalogueEntry.code == code)
    )


def _record_change(version, code, action, reason, before, after, actor) -> CatalogueChange:
    change = CatalogueChange(
        version=version,
        code=code,
        action=action,
        reason=reason,
        before=audit.jsonable(before),
        after=audit.jsonable(after),
        at=clock.now(),
        actor_id=getattr(actor, "id", None),
    )
    db.session.add(change)
    audit.record(
        f"catalogue.entry_{action.value}",
        version,
        actor=actor,
        before=before,
        after={"code": code, "reason": reason, **({"entry": after} if after else {})},
    )
    return change


def add_entry(version: CatalogueVersion, data: dict[str, Any], *, reason: str, actor) -> CatalogueEntry:
    """Add an entry (立) to a draft version."""
    _require_draft(version)
    reason = _require_reason(reason)
    if find_entry(version, data["code"]) is not None:
        raise Conflict(
            _("Code %(code)s is already in this version.", code=data["code"]),
            code="duplicate_code",
            fields={"code": [_("already used")]},
        )
    entry = CatalogueEntry(**data, initials=initials(data["title"]))
    version.entries.append(entry)
    db.session.flush()
    _record_change(version, entry.code, ChangeAction.ADD, reason, None, entry.content(), actor)
    return entry


def amend_entry(
    version: CatalogueVersion, code: str, data: dict[str, Any], *, reason: str, actor
) -> CatalogueEntry:
    """Change an entry (改); when only notes, legal basis or source change it is an interpretation (释)."""
    _require_draft(version)
    reason = _require_reason(reason)
    entry = find_entry(version, code)
    if entry is None:
        raise NotFound(_("No entry %(code)s in this version.", code=code))
    before = entry.content()
    for key, value in data.items():
        if key != "code":
            setattr(entry, key, value)
    entry.initials = initials(entry.title)
    db.session.flush()
    after = entry.content()
    changed = {k for k in after if after[k] != before[k]}
    if not changed:
        return entry
    action = ChangeAction.INTERPRET if changed <= {"notes", "legal_basis", "source"} else ChangeAction.AMEND
    _record_change(version, code, action, reason, before, after, actor)
    return entry


def remove_entry(version: CatalogueVersion, code: str, *, reason: str, actor) -> None:
    """Remove an entry (废) from a draft version."""
    _require_draft(version)
    reason = _require_reason(reason)
    entry = find_entry(version, code)
    if entry is None:
        raise NotFound(_("No entry %(code)s in this version.", code=code))
    before = entry.content()
    version.entries.remove(entry)
    db.session.flush()
    _record_change(version, code, ChangeAction.REMOVE, reason, before, None, actor)


def publish_version(version: CatalogueVersion, *, actor) -> CatalogueVersion:
    """Publish a draft: from now on it is the gate's catalogue in force, and frozen."""
    _require_draft(version)
    if not version.entries:
        raise ValidationFailed(_("An empty catalogue cannot be published."), code="empty_catalogue")
    version.state = VersionState.PUBLISHED
    version.published_at = clock.now()
    version.published_by_id = getattr(actor, "id", None)
    audit.record(
        "catalogue.publish",
        version,
        actor=actor,
        before={"state": "draft"},
        after={"state": "published", "entries": len(version.entries)},
    )
    return version


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


def import_entries(version: CatalogueVersion, entries: list[dict[str, Any]], *, reason: str, actor) -> dict:
    """Apply parsed file rows to a draft: new codes are added, known codes amended.

    Rows without a code (published-list format) keep the code of an existing entry with the same
    kind, title and list name, or get a generated one. Returns counts of what changed.
    """
    _require_draft(version)
    reason = _require_reason(reason)
    existing = {e.code: e for e in version.entries}
    by_identity = {(e.kind.value, e.title, e.list_name): e.code for e in version.entries}
    taken = set(existing)
    counts = {"added": 0, "amended": 0, "unchanged": 0}
    for row in entries:
        row = {k: v for k, v in row.items()}
        if not row.get("code"):
            key = (row["kind"].value, row["title"], row["list_name"])
            row["code"] = by_identity.get(key) or generated_code(
                row["kind"].value, row["standing"].value, taken
            )
        if row["code"] in existing:
            entry = existing[row["code"]]
            before = entry.content()
            amend_entry(version, row["code"], row, reason=reason, actor=actor)
            counts["amended" if entry.content() != before else "unchanged"] += 1
        else:
            existing[row["code"]] = add_entry(version, row, reason=reason, actor=actor)
            taken.add(row["code"])
            counts["added"] += 1
    return counts
