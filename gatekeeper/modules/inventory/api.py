"""JSON API of the inventory and cleanup (清理): imports, items, removals, progress."""

from __future__ import annotations

import hashlib

import sqlalchemy as sa
from flask_babel import gettext as _

from gatekeeper.core.api import ErrorSchema, blueprint, list_schema, paginate
from gatekeeper.core.errors import Conflict
from gatekeeper.core.permissions import authorize, permission, user
from gatekeeper.extensions import db
from gatekeeper.modules.inventory import operations as ops
from gatekeeper.modules.inventory.models import InventoryImport
from gatekeeper.modules.inventory.permissions import (
    can_import_inventory,
    can_list_inventory_imports,
    can_read_inventory,
    can_recheck_inventory_item,
    can_record_removal,
    can_see_inventory_item,
    visible_items,
)
from gatekeeper.modules.inventory.schemas import (
    ImportListArgs,
    InventoryImportFileSchema,
    InventoryImportFormSchema,
    InventoryImportReportSchema,
    InventoryImportSchema,
    InventoryItemListArgs,
    InventoryItemSchema,
    NoteInputSchema,
    ProgressArgs,
    ProgressSchema,
    RemovalInputSchema,
)
from gatekeeper.modules.jurisdictions.models import Gate

blp = blueprint("inventory", "Inventory and cleanup (清理) of the items already in communities")
BLUEPRINTS = [blp]


def on_item(check):
    return permission(check, load=lambda item_id: ops.get_item(item_id), can_see=can_see_inventory_item)


@blp.route("/inventory/imports", methods=["POST"])
@blp.response(200, InventoryImportReportSchema)
@permission(can_import_inventory)
@blp.arguments(InventoryImportFileSchema, location="files")
@blp.arguments(InventoryImportFormSchema, location="form", content_type="multipart/form-data")
def import_file(files, form):
    """Import a CSV or XLSX file (multipart) into the gate's baseline, every row or none (422 with
    the problems by row and column); ``dry_run`` previews each row's verdict and writes nothing."""
    gate = ops.resolve_gate(form.get("gate"), user())
    authorize(can_import_inventory(user(), gate))
    upload = files["file"]
    data = upload.read()
    if form.get("sha256") and hashlib.sha256(data).hexdigest() != form["sha256"]:
        raise Conflict(_("This is not the file that was previewed."), code="file_changed")
    record, report = ops.import_file(gate, data, upload.filename or "", actor=user(), dry_run=form["dry_run"])
    db.session.commit()
    return {**report, "id": record.id if record else None}


@blp.route("/inventory/imports")
@blp.response(200, list_schema(InventoryImportSchema))
@permission(can_list_inventory_imports)
@blp.arguments(ImportListArgs, location="query")
def list_imports(args):
    """The imports of the user's gate (admin: every gate, or the one named), newest first."""
    stmt = sa.select(InventoryImport).order_by(InventoryImport.id.desc())
    me = user()
    if me.gate_id is not None:
        stmt = stmt.where(InventoryImport.gate_id == me.gate_id)
    if args.get("gate"):
        stmt = stmt.where(InventoryImport.gate_id.in_(sa.select(Gate.id).where(Gate.code == args["gate"])))
    return paginate(stmt, args)


@blp.route("/inventory/items")
@blp.response(200, list_schema(InventoryItemSchema))
@permission(can_read_inventory)
@blp.arguments(InventoryItemListArgs, location="query")
def list_items(args):
    """The items the user may see (their gate, street, community or department), filtered."""
    return paginate(ops.items_query(visible_items(user()), args), args)


@blp.route("/inventory/items/<int:item_id>")
@blp.response(200, InventoryItemSchema)
@on_item(can_see_inventory_item)
def get_item(item):
    """One item with the findings of its check."""
    return item


@blp.route("/inventory/items/<int:item_id>/removal", methods=["POST"])
@blp.response(200, InventoryItemSchema)
@on_item(can_record_removal)
@blp.arguments(RemovalInputSchema)
def record_removal(item, data):
    """Record that an item the check says must go was taken down (409 for any other item)."""
    ops.record_removal(item, data, actor=user())
    db.session.commit()
    return item


@blp.route("/inventory/items/<int:item_id>/removal/undo", methods=["POST"])
@blp.response(200, InventoryItemSchema)
@blp.alt_response(409, schema=ErrorSchema, description="The item's removal is not recorded.")
@on_item(can_record_removal)
@blp.arguments(NoteInputSchema)
def undo_removal(item, data):
    """Take back a removal recorded by mistake, with a note saying why: the item must go again."""
    ops.undo_removal(item, data, actor=user())
    db.session.commit()
    return item


@blp.route("/inventory/items/<int:item_id>/recheck", methods=["POST"])
@blp.response(200, InventoryItemSchema)
@on_item(can_recheck_inventory_item)
@blp.arguments(NoteInputSchema)
def recheck_item(item, data):
    """Check an item again against the catalogue in force, with a note saying why."""
    ops.recheck_item(item, data, actor=user())
    db.session.commit()
    return item


@blp.route("/inventory/progress")
@blp.response(200, ProgressSchema)
@permission(can_read_inventory)
@blp.arguments(ProgressArgs, location="query")
def progress(args):
    """Cleanup progress per street and per community over the user's part (computed in SQL)."""
    where = visible_items(user())
    if args.get("gate"):
        where = sa.and_(where, ops.gate_clause(args["gate"]))
    return ops.progress(where, street=args.get("street"), community=args.get("community"))
