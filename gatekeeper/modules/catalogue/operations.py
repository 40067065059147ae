"""Operations on catalogue versions and entries.

A gate's *current* catalogue is its published version with the highest number. Changes go into a
draft (at most one per gate), each with a reason; publishing freezes the draft for good. Versions
are compared with :func:`diff_versions`, filled from CSV/XLSX files with :func:`import_file` and
written to them with :func:`export_version`. What these compute without writing is in ``planning``.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from gatekeeper.core import audit, clock
from gatekeeper.core.errors import Conflict, InvalidTransition, NotFound, ValidationFailed
from gatekeeper.extensions import db
from gatekeeper.modules.catalogue import io as catalogue_io
from gatekeeper.modules.catalogue import planning
from gatekeeper.modules.catalogue.models import (
    PUBLISHING,
    CatalogueChange,
    CatalogueEntry,
    CatalogueVersion,
    ChangeAction,
    Kind,
    Standing,
    VersionState,
)
from gatekeeper.modules.catalogue.planning import (
    change_action,
    check_content,
    clean_content,
    generated_code,  # noqa: F401  (re-exported: the demo loader and callers use it from here)
    initials,
    plain,
    plan_import,
)
from gatekeeper.modules.jurisdictions.models import Gate

IMPORT_MODES = ("merge", "replace")
EXPORT_FORMATS = ("csv", "xlsx")


def current_version(gate: Gate) -> CatalogueVersion | None:
    """The gate's catalogue in force: its latest published version."""
    return db.session.scalar(
        sa.select(CatalogueVersion)
        .where(CatalogueVersion.gate_id == gate.id, CatalogueVersion.state == VersionState.PUBLISHED)
        .order_by(CatalogueVersion.number.desc())
        .limit(1)
    )


def draft_version(gate: Gate) -> CatalogueVersion | None:
    """The gate's draft version, if one is open."""
    return db.session.scalar(
        sa.select(CatalogueVersion).where(
            CatalogueVersion.gate_id == gate.id, CatalogueVersion.state == VersionState.DRAFT
        )
    )


def get_version(version_id: int) -> CatalogueVersion:
    """The version with this id, or ``NotFound``."""
    version = db.session.get(CatalogueVersion, version_id)
    if version is None:
        raise NotFound(_("No catalogue version %(id)s.", id=version_id))
    return version


def version_by_number(gate: Gate, number: int) -> CatalogueVersion:
    """Version ``number`` of ``gate``'s catalogue, or ``NotFound``."""
    version = db.session.scalar(
        sa.select(CatalogueVersion).where(
            CatalogueVersion.gate_id == gate.id, CatalogueVersion.number == number
        )
    )
    if version is None:
        raise NotFound(_("Gate %(gate)s has no catalogue version %(n)s.", gate=gate.code, n=number))
    return version


def entry_counts(version: CatalogueVersion) -> dict[str, Any]:
    """Entries of ``version`` in total, by kind and by standing (one query)."""
    rows = db.session.execute(
        sa.select(CatalogueEntry.kind, CatalogueEntry.standing, sa.func.count())
        .where(CatalogueEntry.version_id == version.id)
        .group_by(CatalogueEntry.kind, CatalogueEntry.standing)
    ).all()
    by_kind = dict.fromkeys((k.value for k in Kind), 0)
    by_standing = dict.fromkeys((s.value for s in Standing), 0)
    for kind, standing, count in rows:
        by_kind[Kind(kind).value] += count
        by_standing[Standing(standing).value] += count
    return {"total": sum(by_kind.values()), "by_kind": by_kind, "by_standing": by_standing}


def create_version(gate: Gate, *, label: str, actor, notes: str = "") -> CatalogueVersion:
    """Open the next draft version of ``gate``'s catalogue as a copy of the current one."""
    if draft_version(gate) is not None:
        raise Conflict(
            _("This gate already has a draft catalogue version; publish or continue it first."),
            code="draft_exists",
        )
    label = (label or "").strip()
    if not label or len(label) > 120:
        raise ValidationFailed(fields={"label": [_("between 1 and 120 characters")]})
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
        notes=(notes or "").strip(),
        created_at=clock.now(),
        created_by_id=getattr(actor, "id", None),
    )
    db.session.add(version)
    if base is not None:
        version.entries.extend(CatalogueEntry(**_columns(entry)) for entry in base.entries)
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


def require_draft(version: CatalogueVersion) -> None:
    """Refuse to change a published version (409), reading its state under a row lock.

    The lock (``FOR UPDATE`` on PostgreSQL; SQLite writers are serialised anyway) makes a change that
    races with the publication wait for it, then see the version published.
    """
    state = version.state
    if sa.inspect(version).persistent:
        state = db.session.scalar(
            sa.select(CatalogueVersion.state).where(CatalogueVersion.id == version.id).with_for_update()
        )
    if state != VersionState.DRAFT or version.state != VersionState.DRAFT:
        raise InvalidTransition(_("Version %(n)s is published and cannot change.", n=version.number))


def takes_changes(version: CatalogueVersion) -> bool:
    """Whether ``version`` still takes changes: a draft does; a published version never again."""
    return version.state == VersionState.DRAFT


def refuse_published(version: CatalogueVersion) -> None:
    """409 for a published version, without a lock: for pages that prepare a change (the change
    itself checks again under a lock, in :func:`require_draft`)."""
    if not takes_changes(version):
        raise InvalidTransition(_("Version %(n)s is published and cannot change.", n=version.number))


def require_reason(reason: str | None) -> str:
    """The reason of a change, stripped; every change needs one (422 otherwise)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(fields={"reason": [_("every change to the catalogue needs a reason")]})
    return reason


def find_entry(version: CatalogueVersion, code: str) -> CatalogueEntry | None:
    """The entry ``code`` of ``version``, or ``None``."""
    return db.session.scalar(
        sa.select(CatalogueEntry).where(CatalogueEntry.version_id == version.id, CatalogueEntry.code == code)
    )


def _entry_or_404(version: CatalogueVersion, code: str) -> CatalogueEntry:
    entry = find_entry(version, code)
    if entry is None:
        raise NotFound(_("No entry %(code)s in this version.", code=code))
    return entry


def new_change(version, code, action, reason, before, after, actor) -> CatalogueChange:
    """A change row (立改废释) of ``version``, added to the session; the caller audits it."""
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
    return change


def _record_change(version, code, action, reason, before, after, actor) -> CatalogueChange:
    change = new_change(version, code, action, reason, before, after, actor)
    audit.record(
        f"catalogue.entry_{action.value}",
        version,
        actor=actor,
        before=before,
        after={"code": code, "reason": reason, **({"entry": after} if after else {})},
    )
    return change


def add_entry(version: CatalogueVersion, data: dict[str, Any], *, reason: str, actor) -> CatalogueEntry:
    """Add an entry (立) to a draft version; fields left out take their defaults."""
    require_draft(version)
    reason = require_reason(reason)
    content = {**catalogue_io.DEFAULTS, **clean_content(data)}
    for name in ("code", "title", "kind", "standing"):
        if content.get(name) in (None, ""):
            raise ValidationFailed(fields={name: [_("required")]})
    check_content(content)
    if find_entry(version, content["code"]) is not None:
        raise Conflict(
            _("Code %(code)s is already in this version.", code=content["code"]),
            code="duplicate_code",
            fields={"code": [_("already used")]},
        )
    entry = CatalogueEntry(**content, initials=initials(content["title"]))
    version.entries.append(entry)
    db.session.flush()
    _record_change(version, entry.code, ChangeAction.ADD, reason, None, entry.content(), actor)
    return entry


def amend_entry(
    version: CatalogueVersion, code: str, data: dict[str, Any], *, reason: str, actor
) -> CatalogueEntry:
    """Change an entry (改); when only notes, legal basis or source change it is an interpretation (释).

    The code never changes (it is ignored in ``data``); nothing is recorded when nothing changes.
    """
    require_draft(version)
    reason = require_reason(reason)
    entry = _entry_or_404(version, code)
    values = {k: v for k, v in clean_content(data).items() if k != "code"}
    before = entry.content()
    after = {**before, **{k: plain(v) for k, v in values.items()}}
    action = change_action(before, after)
    if action is None:
        return entry
    check_content({**_columns(entry), **values})
    for key, value in values.items():
        setattr(entry, key, value)
    entry.initials = initials(entry.title)
    db.session.flush()
    _record_change(version, code, action, reason, before, entry.content(), actor)
    return entry


def remove_entry(version: CatalogueVersion, code: str, *, reason: str, actor) -> CatalogueChange:
    """Remove an entry (废) from a draft version; returns the recorded change."""
    require_draft(version)
    reason = require_reason(reason)
    entry = _entry_or_404(version, code)
    before = entry.content()
    version.entries.remove(entry)
    db.session.flush()
    return _record_change(version, code, ChangeAction.REMOVE, reason, before, None, actor)


def publish_version(version: CatalogueVersion, *, actor) -> CatalogueVersion:
    """Publish a draft: from now on it is the gate's catalogue in force, and frozen."""
    require_draft(version)
    if not version.entries:
        raise ValidationFailed(_("An empty catalogue cannot be published."), code="empty_catalogue")
    # The flush guard lets a version change only in the flush that publishes it: read everything
    # first, so that no lazy load autoflushes between the assignments.
    actor_id, count, now = getattr(actor, "id", None), len(version.entries), clock.now()
    db.session.info.setdefault(PUBLISHING, set()).add(version.id)
    with db.session.no_autoflush:
        version.state = VersionState.PUBLISHED
        version.published_at = now
        version.published_by_id = actor_id
    audit.record(
        "catalogue.publish",
        version,
        actor=actor,
        before={"state": "draft"},
        after={"state": "published", "entries": count},
    )
    return version


def diff_versions(old: CatalogueVersion | None, new: CatalogueVersion) -> dict[str, Any]:
    """What changed from ``old`` (None: the version ``new`` is based on) to ``new``.

    Both must be versions of one gate, in either order. ``{"from", "to", "added": [contents],
    "removed": [contents], "changed": [{"code", "title", "action", "fields": {name: {"before",
    "after"}}}], "unchanged": n}``.
    """
    old = old if old is not None else new.based_on
    if old is None:
        raise ValidationFailed(fields={"against": [_("required: this version is based on no other")]})
    if old.gate_id != new.gate_id:
        raise ValidationFailed(
            _("Only versions of the same gate can be compared."),
            code="different_gates",
            fields={"against": [_("a version of another gate")]},
        )
    added, removed, changed, unchanged = planning.diff_contents(old.entries, new.entries)
    return {
        "from": old,
        "to": new,
        "added": added,
        "removed": removed,
        "changed": changed,
        "unchanged": unchanged,
    }


def import_file(
    version: CatalogueVersion,
    data: bytes,
    filename: str,
    *,
    reason: str,
    actor,
    mode: str = "merge",
    dry_run: bool = False,
) -> dict[str, Any]:
    """Import a CSV or XLSX catalogue file (native or published-list format) into a draft.

    ``merge`` adds and amends; ``replace`` also removes the entries the file does not name. Every
    change is recorded with ``reason``. A malformed file is refused whole (422 ``invalid_file``,
    every problem named by row and column) before anything is written. ``dry_run`` computes the
    same report and writes nothing. Returns ``{"format","mode","dry_run","added","amended",
    "removed","unchanged"}``.
    """
    require_draft(version)
    reason = require_reason(reason)
    if mode not in IMPORT_MODES:
        raise ValidationFailed(fields={"mode": [_("merge or replace")]})
    fmt, rows = catalogue_io.parse(data, filename)
    plan = plan_import(version.entries, fmt, rows, mode)
    report = plan.report(dry_run=dry_run)
    if not dry_run:
        _apply_import(version, plan, reason, actor)
        sha256 = hashlib.sha256(data).hexdigest()
        audit.record(
            "catalogue.import",
            version,
            actor=actor,
            after={"file": filename, "sha256": sha256, "reason": reason, **report},
        )
    return report


def preview_import(
    version: CatalogueVersion, data: bytes, filename: str, *, mode: str
) -> planning.ImportPlan:
    """What importing the file would do to the draft ``version``, entry by entry; nothing is written.

    Refused as :func:`import_file` refuses: 409 for a published version, 422 for an unknown mode or a
    malformed file (``invalid_file``, every problem named by row and column).
    """
    require_draft(version)
    if mode not in IMPORT_MODES:
        raise ValidationFailed(fields={"mode": [_("merge or replace")]})
    fmt, rows = catalogue_io.parse(data, filename)
    return plan_import(version.entries, fmt, rows, mode)


def plan_digest(plan: planning.ImportPlan) -> str:
    """The SHA-256 of everything ``plan`` would write, so that what is applied is what was previewed."""
    body = {
        "format": plan.format,
        "mode": plan.mode,
        "adds": [{name: plain(c[name]) for name in CatalogueEntry.CONTENT} for c in plan.adds],
        "amendments": [[a.entry.code, a.action.value, a.before, a.after] for a in plan.amendments],
        "removals": [entry.content() for entry in plan.removals],
    }
    text = json.dumps(audit.jsonable(body), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def import_entries(version: CatalogueVersion, entries: list[dict[str, Any]], *, reason: str, actor) -> dict:
    """Merge rows already read by ``io.parse`` into a draft; returns counts of what changed."""
    require_draft(version)
    reason = require_reason(reason)
    fmt = "native" if all(row.get("code") for row in entries) else "published_list"
    plan = plan_import(version.entries, fmt, entries, "merge")
    report = plan.report(dry_run=False)
    _apply_import(version, plan, reason, actor)
    audit.record("catalogue.import", version, actor=actor, after={"reason": reason, **report})
    return {"added": len(report["added"]), "amended": len(report["amended"]), "unchanged": plan.unchanged}


def _apply_import(version: CatalogueVersion, plan: planning.ImportPlan, reason: str, actor) -> None:
    """Write a plan in bulk: the version's entries were loaded once, one flush at the end."""
    if plan.removals:
        gone = set(plan.removals)
        version.entries = [entry for entry in version.entries if entry not in gone]
        for entry in plan.removals:
            new_change(version, entry.code, ChangeAction.REMOVE, reason, entry.content(), None, actor)
    for content in plan.adds:
        version.entries.append(CatalogueEntry(**content, initials=initials(content["title"])))
        after = {name: plain(content[name]) for name in CatalogueEntry.CONTENT}
        new_change(version, content["code"], ChangeAction.ADD, reason, None, after, actor)
    for amendment in plan.amendments:
        for name, value in amendment.values.items():
            setattr(amendment.entry, name, value)
        amendment.entry.initials = initials(amendment.entry.title)
        new_change(
            version, amendment.entry.code, amendment.action, reason, amendment.before, amendment.after, actor
        )
    db.session.flush()


def export_version(version: CatalogueVersion, fmt: str) -> bytes:
    """The version's entries as a file in the native format: ``csv`` (UTF-8 with BOM) or ``xlsx``.

    Exported files import again unchanged.
    """
    entries = sorted(version.entries, key=lambda entry: entry.code)
    if fmt == "csv":
        return catalogue_io.write_csv(entries)
    if fmt == "xlsx":
        return catalogue_io.write_xlsx(entries, title=f"{version.gate.code}-v{version.number}")
    raise ValidationFailed(fields={"format": [_("csv or xlsx")]})


def export_filename(version: CatalogueVersion, fmt: str) -> tuple[str, str]:
    """The file name of an export: an ASCII one and one in the user's language."""
    ascii_name = f"{version.gate.code}-catalogue-v{version.number}.{fmt}"
    name = _("%(gate)s catalogue version %(n)s", gate=version.gate.name, n=version.number)
    return ascii_name, f"{name}.{fmt}"
