"""Inventory and cleanup (清理): importing the baseline, recording removals, counting progress.

- ``preview_import`` / ``import_file``: a CSV or XLSX file is read whole (``io.parse``), each row is
  checked with the rules engine against the gate's published catalogue (``check.Checker``), and
  either every row goes in or none does. A preview writes nothing.
- ``record_removal``: an item whose verdict is *remove* is recorded as removed (date, note, who).
- ``recheck_item``: the secretariat checks an item again against the catalogue in force, with a note.
- ``progress`` and ``baseline_counts``: counts per street, community and kind, in SQL (GROUP BY).

Operations flush and write the audit trail; they never commit.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from gatekeeper.core import audit, clock
from gatekeeper.core.db import contains, lock_row
from gatekeeper.core.errors import Conflict, InvalidTransition, ValidationFailed
from gatekeeper.extensions import db
from gatekeeper.modules.catalogue.io import Problem, refuse
from gatekeeper.modules.catalogue.models import CatalogueVersion, Kind
from gatekeeper.modules.catalogue.operations import current_version
from gatekeeper.modules.inventory import io as inventory_io
from gatekeeper.modules.inventory.check import Checker, Verdict
from gatekeeper.modules.inventory.models import CleanupStatus, InventoryImport, InventoryItem
from gatekeeper.modules.jurisdictions.models import Department, Gate, Jurisdiction, Level

#: Statuses of items whose check said they must go (removed already or not).
TO_REMOVE = (CleanupStatus.REMOVE, CleanupStatus.REMOVED)
#: The item's community as ``items_query`` joins it (lists sort by its columns).
COMMUNITY = aliased(Jurisdiction, name="item_community")


# --- loading ---------------------------------------------------------------------------------------


def get_item(item_id: int) -> InventoryItem | None:
    return db.session.get(InventoryItem, item_id)


def get_import(import_id: int) -> InventoryImport | None:
    return db.session.get(InventoryImport, import_id)


def gate_by_code(code: str | None) -> Gate | None:
    if not code:
        return None
    return db.session.scalar(sa.select(Gate).where(Gate.code == code))


def _street_id(street: Jurisdiction | int | str | None) -> int | None:
    """A street given as the object, its id or its code (an unknown code is a 422)."""
    if street is None or isinstance(street, int):
        return street
    if isinstance(street, Jurisdiction):
        return street.id
    found = db.session.scalar(
        sa.select(Jurisdiction.id).where(Jurisdiction.code == street, Jurisdiction.level == Level.STREET)
    )
    if found is None:
        raise ValidationFailed(fields={"street": [_("no street %(code)s", code=street)]})
    return found


# --- the baseline, for the statistics ---------------------------------------------------------------


def baseline_counts(
    gate: Gate, *, street: Jurisdiction | int | str | None = None
) -> dict[str, dict[str, int]]:
    """Per kind, the gate's inventory baseline and its cleanup, in one GROUP BY query.

    ``{kind: {"baseline": items imported, "removed": items whose removal is recorded,
    "remaining": baseline - removed}}`` for every kind that has items (kinds are the ``Kind`` values,
    e.g. ``"sign"``). ``street`` (the street, its id or code) narrows to that street's communities.
    The reduction rate of a kind is ``removed / baseline``.
    """
    removed = sa.func.sum(sa.case((InventoryItem.status == CleanupStatus.REMOVED, 1), else_=0))
    stmt = (
        sa.select(InventoryItem.kind, sa.func.count(InventoryItem.id), removed)
        .where(InventoryItem.gate_id == gate.id)
        .group_by(InventoryItem.kind)
    )
    street_id = _street_id(street)
    if street_id is not None:
        stmt = stmt.join(Jurisdiction, Jurisdiction.id == InventoryItem.community_id).where(
            Jurisdiction.parent_id == street_id
        )
    out: dict[str, dict[str, int]] = {}
    for kind, total, gone in db.session.execute(stmt):
        gone = int(gone or 0)
        out[Kind(kind).value] = {"baseline": int(total), "removed": gone, "remaining": int(total) - gone}
    return dict(sorted(out.items()))


# --- importing ------------------------------------------------------------------------------------


@dataclass
class ImportPlan:
    """What an import would write: each row with its verdict, and the version checked against."""

    gate: Gate
    version: CatalogueVersion | None
    rows: list[tuple[dict[str, Any], Verdict]] = field(default_factory=list)

    @property
    def keep(self) -> int:
        return sum(1 for _row, verdict in self.rows if verdict.status == CleanupStatus.KEEP)

    @property
    def remove(self) -> int:
        return sum(1 for _row, verdict in self.rows if verdict.status == CleanupStatus.REMOVE)

    def by_kind(self) -> dict[str, dict[str, int]]:
        counts: dict[str, dict[str, int]] = {}
        for row, verdict in self.rows:
            entry = counts.setdefault(row["kind"].value, {"keep": 0, "remove": 0})
            entry[verdict.status.value] += 1
        return dict(sorted(counts.items()))

    def report(self, *, dry_run: bool, filename: str, sha256: str) -> dict[str, Any]:
        """The answer of an import or a preview (the API's ``InventoryImportReportSchema``)."""
        return {
            "dry_run": dry_run,
            "filename": filename,
            "sha256": sha256,
            "gate": self.gate.code,
            "catalogue_version": self.version.label if self.version else None,
            "rows": len(self.rows),
            "keep": self.keep,
            "remove": self.remove,
            "by_kind": self.by_kind(),
            "items": [
                {
                    "row": row[inventory_io.ROW],
                    "community": row["community"].code,
                    "community_name": row["community"].name,
                    "kind": row["kind"].value,
                    "title": row["title"],
                    "department": row["department_name"],
                    "since": row["since"],
                    "status": verdict.status.value,
                    "catalogue_entry": verdict.catalogue_entry,
                    "findings": verdict.findings,
                }
                for row, verdict in self.rows
            ],
        }


def _already_there(gate: Gate, rows: list[dict[str, Any]]) -> list[Problem]:
    """Rows naming an item the gate's inventory already holds (same community, kind and title)."""
    community_ids = {row["community"].id for row in rows}
    existing = set(
        db.session.execute(
            sa.select(InventoryItem.community_id, InventoryItem.kind, InventoryItem.title).where(
                InventoryItem.gate_id == gate.id, InventoryItem.community_id.in_(community_ids)
            )
        )
    )
    existing = {(cid, Kind(kind).value, title) for cid, kind, title in existing}
    return [
        Problem(row[inventory_io.ROW], "title", _("this item is already in the inventory"))
        for row in rows
        if (row["community"].id, row["kind"].value, row["title"]) in existing
    ]


def preview_import(gate: Gate, data: bytes, filename: str) -> ImportPlan:
    """Read and check the file; every row with its verdict. Nothing is written.

    Refused whole (422 ``invalid_file``, every problem named by row and column) when any row is
    malformed, names an unknown community or kind, repeats a row, or is already in the inventory.
    """
    rows = inventory_io.parse(data, filename, gate)
    problems = _already_there(gate, rows)
    if problems:
        raise refuse(problems)
    version = current_version(gate)
    checker = Checker(gate, version)
    plan = ImportPlan(gate=gate, version=version)
    for row in rows:
        department_code = row["department"].code if row["department"] else ""
        verdict = checker.check(row["community"], row["kind"], row["title"], department_code, row["since"])
        plan.rows.append((row, verdict))
    return plan


def plan_digest(plan: ImportPlan) -> str:
    """The SHA-256 of what ``plan`` would write, so that what is applied is what was previewed."""
    body = [
        [
            row["community"].id,
            row["kind"].value,
            row["title"],
            row["department_name"],
            row["since"],
            row["notes"],
            verdict.status.value,
            verdict.catalogue_entry,
            [f["code"] for f in verdict.findings],
        ]
        for row, verdict in plan.rows
    ]
    body.append(plan.version.id if plan.version else None)
    text = json.dumps(audit.jsonable(body), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def import_file(
    gate: Gate, data: bytes, filename: str, *, actor, dry_run: bool = False
) -> tuple[InventoryImport | None, dict[str, Any]]:
    """Import an inventory file into ``gate``'s baseline: every row or none.

    Returns the import (``None`` for a dry run) and the report of ``ImportPlan.report``.
    """
    filename = (filename or "")[:200]
    plan = preview_import(gate, data, filename)
    sha256 = hashlib.sha256(data).hexdigest()
    report = plan.report(dry_run=dry_run, filename=filename, sha256=sha256)
    if dry_run:
        return None, report
    return apply_plan(plan, filename=filename, sha256=sha256, actor=actor), report


def apply_plan(plan: ImportPlan, *, filename: str, sha256: str, actor) -> InventoryImport:
    """Write a previewed plan: the import and one item per row, in one flush."""
    now = clock.now()
    record = InventoryImport(
        gate_id=plan.gate.id,
        filename=filename,
        sha256=sha256,
        rows=len(plan.rows),
        catalogue_version_id=plan.version.id if plan.version else None,
        created_by_id=actor.id,
        created_at=now,
    )
    db.session.add(record)
    db.session.flush()
    items = [
        InventoryItem(
            gate_id=plan.gate.id,
            import_id=record.id,
            community_id=row["community"].id,
            kind=row["kind"],
            title=row["title"],
            department_id=row["department"].id if row["department"] else None,
            department_name=row["department_name"],
            catalogue_entry=verdict.catalogue_entry,
            since=row["since"],
            notes=row["notes"],
            status=verdict.status,
            findings=verdict.findings,
            created_at=now,
            updated_at=now,
        )
        for row, verdict in plan.rows
    ]
    try:
        with db.session.begin_nested():
            db.session.add_all(items)
    except IntegrityError:
        # one item per community, kind and title: another import of these rows landed meanwhile
        raise Conflict(
            _("Some of these items were imported meanwhile by someone else; preview the file again."),
            code="already_imported",
        ) from None
    audit.record(
        "inventory.import",
        record,
        actor=actor,
        after={
            "file": filename,
            "sha256": sha256,
            "rows": len(plan.rows),
            "keep": plan.keep,
            "remove": plan.remove,
            "catalogue_version": plan.version.label if plan.version else None,
        },
    )
    return record


# --- cleanup --------------------------------------------------------------------------------------


def record_removal(item: InventoryItem, data: dict[str, Any], *, actor) -> InventoryItem:
    """Record that ``item`` was taken down: ``{"removed_on", "note"}``.

    Only an item whose check said *remove* can be removed (409 ``invalid_transition`` otherwise); the
    date may not lie in the future nor before the item was set up.
    """
    item = lock_row(InventoryItem, item.id) or item  # two people recording at once: one wins
    if item.status != CleanupStatus.REMOVE:
        raise InvalidTransition(
            _(
                "Only an item the check says must go can be recorded as removed (this one is %(status)s).",
                status=item.status.value,
            ),
            code="invalid_transition",
        )
    removed_on: dt.date = data.get("removed_on") or clock.today()
    if removed_on > clock.today():
        raise ValidationFailed(fields={"removed_on": [_("the date lies in the future")]})
    if item.since is not None and removed_on < item.since:
        raise ValidationFailed(
            fields={"removed_on": [_("before the item was set up (%(since)s)", since=item.since)]}
        )
    item.status = CleanupStatus.REMOVED
    item.removed_on = removed_on
    item.removal_note = (data.get("note") or "").strip()
    item.removed_by_id = actor.id
    item.updated_at = clock.now()
    db.session.flush()
    audit.record(
        "inventory.removal",
        item,
        actor=actor,
        before={"status": CleanupStatus.REMOVE.value},
        after={"status": item.status.value, "removed_on": removed_on, "note": item.removal_note},
    )
    return item


def undo_removal(item: InventoryItem, data: dict[str, Any], *, actor) -> InventoryItem:
    """Take back a removal recorded by mistake (the plaque still hangs), with a note saying why: the
    item is again one that must go. Only a removed item (409 otherwise); the audit trail keeps both
    the removal and its undoing."""
    item = lock_row(InventoryItem, item.id) or item
    if item.status != CleanupStatus.REMOVED:
        raise InvalidTransition(_("Only a recorded removal can be taken back."), code="invalid_transition")
    note = (data.get("note") or "").strip()
    if not note:
        raise ValidationFailed(fields={"note": [_("say why the removal is taken back")]})
    before = {"status": item.status.value, "removed_on": item.removed_on, "note": item.removal_note}
    item.status = CleanupStatus.REMOVE
    item.removed_on = None
    item.removed_by_id = None
    item.removal_note = ""
    item.updated_at = clock.now()
    db.session.flush()
    audit.record(
        "inventory.removal_undone",
        item,
        actor=actor,
        before=before,
        after={"status": item.status.value, "note": note},
    )
    return item


def recheck_item(item: InventoryItem, data: dict[str, Any], *, actor) -> InventoryItem:
    """Check a not yet removed item again against the gate's catalogue in force, with a note saying why
    (a corrected catalogue, a wrong verdict). A removed item stays removed (409)."""
    if item.status == CleanupStatus.REMOVED:
        raise InvalidTransition(_("A removed item is not checked again."), code="invalid_transition")
    note = (data.get("note") or "").strip()
    if not note:
        raise ValidationFailed(fields={"note": [_("say why the item is checked again")]})
    gate = db.session.get(Gate, item.gate_id)
    before = {
        "status": item.status.value,
        "catalogue_entry": item.catalogue_entry,
        "findings": [f["code"] for f in item.findings],
    }
    verdict = Checker(gate, current_version(gate)).check(
        item.community, item.kind, item.title, item.department.code if item.department else "", item.since
    )
    item.status = verdict.status
    item.findings = verdict.findings
    item.catalogue_entry = verdict.catalogue_entry
    item.updated_at = clock.now()
    db.session.flush()
    audit.record(
        "inventory.recheck",
        item,
        actor=actor,
        before=before,
        after={
            "status": item.status.value,
            "catalogue_entry": item.catalogue_entry,
            "findings": [f["code"] for f in item.findings],
            "note": note,
        },
    )
    return item


# --- lists and progress -----------------------------------------------------------------------------


def items_query(where: sa.ColumnElement[bool], filters: dict[str, Any]) -> sa.Select:
    """Items the clause ``where`` allows, narrowed by ``filters`` (``gate``, ``street``, ``community``,
    ``kind``, ``status``, ``department`` as codes or values, ``q`` a piece of the title)."""
    community = COMMUNITY
    stmt = sa.select(InventoryItem).join(community, community.id == InventoryItem.community_id).where(where)
    if filters.get("gate"):
        stmt = stmt.where(gate_clause(filters["gate"]))
    if filters.get("street"):
        streets = sa.select(Jurisdiction.id).where(
            Jurisdiction.code == filters["street"], Jurisdiction.level == Level.STREET
        )
        stmt = stmt.where(community.parent_id.in_(streets))
    if filters.get("community"):
        stmt = stmt.where(community.code == filters["community"])
    if filters.get("kind"):
        stmt = stmt.where(InventoryItem.kind == filters["kind"])
    if filters.get("status"):
        stmt = stmt.where(InventoryItem.status == filters["status"])
    if filters.get("department"):
        stmt = stmt.where(
            InventoryItem.department_id.in_(
                sa.select(Department.id).where(Department.code == filters["department"])
            )
        )
    if filters.get("q"):
        stmt = stmt.where(contains(filters["q"], InventoryItem.title))
    return stmt.order_by(community.code, InventoryItem.kind, InventoryItem.title, InventoryItem.id)


def _counts():
    return (
        sa.func.count(InventoryItem.id).label("items"),
        sa.func.sum(sa.case((InventoryItem.status.in_(TO_REMOVE), 1), else_=0)).label("to_remove"),
        sa.func.sum(sa.case((InventoryItem.status == CleanupStatus.REMOVED, 1), else_=0)).label("removed"),
    )


def _line(row) -> dict[str, Any]:
    items, to_remove, removed = int(row.items or 0), int(row.to_remove or 0), int(row.removed or 0)
    return {
        "code": row.code,
        "name": row.name,
        "items": items,
        "to_remove": to_remove,
        "removed": removed,
        "pending": to_remove - removed,
        "percent_done": percent(removed, to_remove),
    }


def percent(done: int, total: int) -> float:
    """``done`` of ``total`` in percent with one decimal; 100 when there is nothing to do."""
    return 100.0 if total == 0 else round(100.0 * done / total, 1)


def progress(
    where: sa.ColumnElement[bool], *, street: str | None = None, community: str | None = None
) -> dict:
    """Cleanup progress over the items ``where`` allows, per street and per community (GROUP BY).

    ``{"streets": [...], "communities": [...], "total": {...}}``; each line has ``code``, ``name``,
    ``items``, ``to_remove`` (the check said remove, removed or not), ``removed``, ``pending`` and
    ``percent_done`` (removed / to_remove). ``street`` and ``community`` (codes) narrow both lists.
    """
    place = aliased(Jurisdiction)
    parent = aliased(Jurisdiction)
    base = (
        sa.select()
        .select_from(InventoryItem)
        .join(place, place.id == InventoryItem.community_id)
        .join(parent, parent.id == place.parent_id)
        .where(where)
    )
    if street:
        base = base.where(parent.code == street)
    if community:
        base = base.where(place.code == community)
    streets = (
        base.add_columns(parent.code, parent.name, *_counts())
        .group_by(parent.code, parent.name)
        .order_by(parent.code)
    )
    communities = (
        base.add_columns(place.code, place.name, parent.code.label("street"), *_counts())
        .group_by(place.code, place.name, parent.code)
        .order_by(place.code)
    )
    total = db.session.execute(
        base.add_columns(sa.literal("").label("code"), sa.literal("").label("name"), *_counts())
    ).one()
    return {
        "streets": [_line(row) for row in db.session.execute(streets)],
        "communities": [{**_line(row), "street": row.street} for row in db.session.execute(communities)],
        "total": {k: v for k, v in _line(total).items() if k not in ("code", "name")},
    }


def resolve_gate(code: str | None, actor) -> Gate:
    """The gate named by ``code``; without one the user's own gate, or else the only gate (422 when
    neither tells)."""
    if code:
        gate = gate_by_code(code)
        if gate is None:
            raise ValidationFailed(fields={"gate": [_("unknown gate %(code)s", code=code)]})
        return gate
    if getattr(actor, "gate_id", None) is not None:
        return db.session.get(Gate, actor.gate_id)
    gates = db.session.scalars(sa.select(Gate).order_by(Gate.id).limit(2)).all()
    if len(gates) == 1:
        return gates[0]
    raise ValidationFailed(fields={"gate": [_("required: there are several gates")]})


def gate_clause(code: str) -> sa.ColumnElement[bool]:
    """Items of the gate ``code``."""
    return InventoryItem.gate_id.in_(sa.select(Gate.id).where(Gate.code == code))
