"""Pages of the inventory and cleanup (清理).

- ``index``: progress per street (and per community of a chosen street), the reduction per kind, and
  the way to the list and the import;
- ``items``: the items of one's part, filterable by street, community, kind, status and department;
- ``item``: one item with the findings of its check, where its removal is recorded (and the
  secretariat checks it again);
- ``import_`` / ``apply_import``: upload a file and see each row's verdict, nothing written; then
  apply exactly what was previewed (the file kept by its SHA-256 in between, as the catalogue does).
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import aliased

from gatekeeper.core import clock
from gatekeeper.core.errors import Conflict, ValidationFailed
from gatekeeper.core.labels import label
from gatekeeper.core.permissions import authorize, permission, user
from gatekeeper.core.web import NavItem, PageForm, done, enum_arg, list_page
from gatekeeper.extensions import db
from gatekeeper.modules.accounts.models import Role
from gatekeeper.modules.catalogue.models import Kind
from gatekeeper.modules.inventory import operations as ops
from gatekeeper.modules.inventory import pending
from gatekeeper.modules.inventory.check import shown
from gatekeeper.modules.inventory.models import CleanupStatus, InventoryItem
from gatekeeper.modules.inventory.permissions import (
    can_import_inventory,
    can_read_inventory,
    can_recheck_inventory_item,
    can_record_removal,
    can_see_inventory_item,
    visible_items,
)
from gatekeeper.modules.inventory.schemas import (
    NoteInputSchema,
    RemovalInputSchema,
)
from gatekeeper.modules.jurisdictions.models import Department, Gate, Jurisdiction

bp = Blueprint("inventory_pages", __name__)
PAGES = [bp]
NAV = [
    NavItem(
        "inventory_pages.index",
        _l("Cleanup"),
        roles=(Role.SECRETARIAT, Role.CHAIR, Role.MEMBER, Role.ADMIN, Role.STREET_OFFICER, Role.OFFICER),
        order=65,
    ),
    NavItem("inventory_pages.items", _l("Cleanup"), roles=(Role.COMMUNITY_HEAD,), order=65),
]

STATUS_WORDS = {
    CleanupStatus.KEEP: _l("Keep"),
    CleanupStatus.REMOVE: _l("Must be removed"),
    CleanupStatus.REMOVED: _l("Taken down"),
}
STATUS_TONES = {CleanupStatus.KEEP: "good", CleanupStatus.REMOVE: "bad", CleanupStatus.REMOVED: "neutral"}
FILTERS = ("street", "community", "kind", "status", "department", "q")


def _lang() -> str:
    from gatekeeper.core.i18n import current_lang

    return current_lang()


def _helpers() -> dict:
    return {
        "status_word": lambda status: str(STATUS_WORDS[CleanupStatus(status)]),
        "status_tone": lambda status: STATUS_TONES[CleanupStatus(status)],
        "shown_findings": lambda findings: [shown(f, _lang()) for f in findings or ()],
        "kind_label": lambda value: label(Kind(value)),
        "kind_options": lambda: [(k.value, label(k)) for k in Kind],
        "status_options": lambda: [(v.value, str(w)) for v, w in STATUS_WORDS.items()],
    }


def _streets(where) -> list[Jurisdiction]:
    """The streets that hold items the user may see."""
    community = aliased(Jurisdiction)
    ids = (
        sa.select(community.parent_id)
        .join(InventoryItem, InventoryItem.community_id == community.id)
        .where(where)
        .distinct()
    )
    return list(
        db.session.scalars(
            sa.select(Jurisdiction).where(Jurisdiction.id.in_(ids)).order_by(Jurisdiction.code)
        )
    )


def _gate_for_totals():
    me = user()
    if me.gate_id is not None:
        return me.gate
    try:
        return ops.resolve_gate(None, me) if me.role == Role.ADMIN else None
    except ValidationFailed:
        return None


@bp.route("/inventory")
@permission(can_read_inventory)
def index():
    """Progress of the cleanup over the user's part: per street, per community of a chosen street."""
    where = visible_items(user())
    street = request.args.get("street", "").strip()
    report = ops.progress(where, street=street or None)
    gate = _gate_for_totals()
    kinds = ops.baseline_counts(gate) if gate is not None and user().role != Role.OFFICER else {}
    if user().role not in (Role.ADMIN, Role.SECRETARIAT, Role.CHAIR, Role.MEMBER):
        kinds = {}
    return _render(
        "inventory/index.html",
        report=report,
        street=street,
        street_options=[(s.code, s.name) for s in _streets(where)],
        by_kind=kinds,
        percent=ops.percent,
        can_import=can_import_inventory(user(), gate),
    )


def _render(template: str, status: int = 200, **context):
    from flask import render_template

    return render_template(template, **_helpers(), **context), status


@bp.route("/inventory/items")
@permission(can_read_inventory)
def items():
    """The items of the user's part, with filters; heads see their community's items."""
    where = visible_items(user())
    filters = {name: request.args.get(name, "").strip() for name in FILTERS}
    args = dict(filters)
    args["kind"] = enum_arg(Kind, filters["kind"])
    args["status"] = enum_arg(CleanupStatus, filters["status"])
    stmt = ops.items_query(where, args)
    listing = list_page(
        stmt,
        sorts={
            "community": (ops.COMMUNITY.code, InventoryItem.id),
            "kind": (InventoryItem.kind, InventoryItem.id),
            "title": (InventoryItem.title, InventoryItem.id),
            "status": (InventoryItem.status, InventoryItem.id),
            "since": (InventoryItem.since, InventoryItem.id),
        },
        default_sort="community",
        keep=FILTERS,
    )
    departments = db.session.execute(
        sa.select(Department.code, Department.name)
        .where(Department.id.in_(sa.select(InventoryItem.department_id).where(where)))
        .order_by(Department.code)
    ).all()
    return _render(
        "inventory/items.html",
        listing=listing,
        filters=filters,
        street_options=[(s.code, s.name) for s in _streets(where)]
        if user().role not in (Role.COMMUNITY_HEAD, Role.STREET_OFFICER)
        else [],
        departments=departments,
    )


def _load_item(item_id: int):
    return ops.get_item(item_id)


def on_item(check):
    return permission(check, load=_load_item, can_see=can_see_inventory_item)


def _item_page(
    item,
    removal: PageForm | None = None,
    recheck: PageForm | None = None,
    undo: PageForm | None = None,
):
    removal = removal or PageForm(RemovalInputSchema(), initial={"removed_on": clock.today().isoformat()})
    recheck = recheck or PageForm(NoteInputSchema())
    undo = undo or PageForm(NoteInputSchema())
    status = 422 if removal.errors or recheck.errors or undo.errors else 200
    return _render(
        "inventory/item.html",
        status,
        item=item,
        removal=removal,
        recheck=recheck,
        undo=undo,
        form=removal,
        can_remove=can_record_removal(user(), item) and item.status == CleanupStatus.REMOVE,
        can_undo=can_record_removal(user(), item) and item.status == CleanupStatus.REMOVED,
        can_recheck=can_recheck_inventory_item(user(), item) and item.status != CleanupStatus.REMOVED,
    )


@bp.route("/inventory/items/<int:item_id>")
@on_item(can_see_inventory_item)
def item(item):
    """One item: its check's findings, and the removal form for those who record it."""
    return _item_page(item)


def _item_action(item, form: str, schema, operation, said):
    """One action of the item page: done, back to the item with ``said(item)`` flashed; refused, the
    item page again with the errors beside the fields of its form (``form``: its name on the page)."""
    page_form = PageForm(schema)
    if page_form.apply(lambda data: operation(item, data, actor=user())):
        return done(said(item), "inventory_pages.item", item_id=item.id)
    return _item_page(item, **{form: page_form})


@bp.route("/inventory/items/<int:item_id>/removal", methods=["POST"])
@on_item(can_record_removal)
def record_removal(item):
    """Record the removal; errors are shown beside the fields, 409 when the item cannot be removed."""
    return _item_action(
        item,
        "removal",
        RemovalInputSchema(),
        ops.record_removal,
        lambda item: _("The removal of “%(title)s” is recorded.", title=item.title),
    )


@bp.route("/inventory/items/<int:item_id>/removal/undo", methods=["POST"])
@on_item(can_record_removal)
def undo_removal(item):
    """Take back a removal recorded by mistake; the note is required and shown beside its field."""
    return _item_action(
        item,
        "undo",
        NoteInputSchema(),
        ops.undo_removal,
        lambda item: _("The removal of “%(title)s” was taken back: it must still go.", title=item.title),
    )


@bp.route("/inventory/items/<int:item_id>/recheck", methods=["POST"])
@on_item(can_recheck_inventory_item)
def recheck(item):
    """Check the item again against the catalogue in force, with a note."""
    return _item_action(
        item,
        "recheck",
        NoteInputSchema(),
        ops.recheck_item,
        lambda item: _(
            "“%(title)s” was checked again: %(status)s.", title=item.title, status=STATUS_WORDS[item.status]
        ),
    )


# --- importing ------------------------------------------------------------------------------------


def _refused(form: PageForm, exc: ValidationFailed) -> list[dict]:
    """A refused file: the message on top, file-wide problems beside the file field; the problems of
    the rows (row, column, message) for their table."""
    db.session.rollback()
    form.errors = {"_schema": [exc.message]}
    for key, problems in exc.fields.items():
        if not key.startswith("rows."):
            form.errors.setdefault("file" if key != "gate" else "gate", []).extend(problems)
    return list(exc.extra.get("problems", []))


@bp.route("/inventory/import", methods=["GET", "POST"])
@permission(can_import_inventory)
def import_():
    """Upload a file and preview each row's verdict; nothing is written."""
    gate = ops.resolve_gate(request.values.get("gate") or None, user())
    authorize(can_import_inventory(user(), gate))
    form = PageForm(RemovalInputSchema())  # only its errors are used: the upload is not a schema's
    preview, problems = None, []
    if request.method == "POST":
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            form.errors = {"file": [_("Choose a CSV or XLSX file.")]}
        else:
            data, name = upload.read(), upload.filename[:200]
            try:
                plan = ops.preview_import(gate, data, name)
            except ValidationFailed as exc:
                problems = _refused(form, exc)
            else:
                db.session.rollback()
                digest = ops.plan_digest(plan)
                sha256 = pending.keep(user(), data, {"gate": gate.id, "filename": name, "plan": digest})
                preview = {"plan": plan, "filename": name, "digest": sha256, "plan_digest": digest}
    status = 422 if form.errors else 200
    return _render("inventory/import.html", status, gate=gate, form=form, preview=preview, problems=problems)


@bp.route("/inventory/import/apply", methods=["POST"])
@permission(can_import_inventory)
def apply_import():
    """Apply the previewed file exactly as previewed (409 when that is no longer possible)."""
    digest = request.form.get("digest", "")
    kept = pending.load(user(), digest)
    if kept is None or kept[1].get("plan") != request.form.get("plan"):
        raise Conflict(_("This preview is no longer available; upload the file again."), code="preview_gone")
    data, meta = kept
    gate = db.session.get(Gate, meta["gate"])
    authorize(can_import_inventory(user(), gate))
    try:
        plan = ops.preview_import(gate, data, meta["filename"])
    except ValidationFailed:
        plan = None  # refused now (e.g. some rows were imported meanwhile): stale like any change
    if plan is None or ops.plan_digest(plan) != meta["plan"]:
        pending.discard(user(), digest)
        raise Conflict(
            _("The inventory or the catalogue changed since the preview; upload the file again."),
            code="preview_stale",
        )
    record = ops.apply_plan(plan, filename=meta["filename"], sha256=digest, actor=user())
    answer = done(
        _(
            "The file was imported: %(rows)s items, %(remove)s to remove, %(keep)s to keep.",
            rows=record.rows,
            remove=plan.remove,
            keep=plan.keep,
        ),
        "inventory_pages.index",
    )
    pending.discard(user(), digest)
    return answer
