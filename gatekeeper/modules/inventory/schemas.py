"""Inventory schemas: items and imports out, removal and re-check in, list and progress filters."""

from __future__ import annotations

from flask_babel import get_locale
from flask_smorest.fields import Upload
from marshmallow import Schema, fields, validate

from gatekeeper.core.api import PageArgs
from gatekeeper.modules.catalogue.models import Kind
from gatekeeper.modules.inventory.check import shown
from gatekeeper.modules.inventory.models import CleanupStatus

_CODE = validate.Length(max=32)


def _lang() -> str:
    return str(get_locale() or "zh")


class FindingField(fields.Field):
    """Dump-only: a kept finding with its message in the reader's language."""

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else shown(value, _lang())


class InventoryItemSchema(Schema):
    id = fields.Integer()
    community = fields.Function(lambda item: item.community.code)
    community_name = fields.Function(lambda item: item.community.name)
    street = fields.Function(lambda item: item.community.parent.code if item.community.parent else None)
    kind = fields.Enum(Kind, by_value=True)
    title = fields.String()
    department = fields.Function(lambda item: item.department.code if item.department else None)
    department_name = fields.String()
    catalogue_entry = fields.String(allow_none=True)
    since = fields.Date(allow_none=True)
    notes = fields.String()
    status = fields.Enum(CleanupStatus, by_value=True)
    findings = fields.List(FindingField())
    removed_on = fields.Date(allow_none=True)
    removal_note = fields.String()
    import_id = fields.Integer()


class InventoryItemListArgs(PageArgs):
    gate = fields.String(validate=_CODE, metadata={"description": "gate code"})
    street = fields.String(validate=_CODE, metadata={"description": "street code"})
    community = fields.String(validate=_CODE, metadata={"description": "community code"})
    kind = fields.Enum(Kind, by_value=True)
    status = fields.Enum(CleanupStatus, by_value=True)
    department = fields.String(validate=_CODE, metadata={"description": "department code"})
    q = fields.String(validate=validate.Length(max=60), metadata={"description": "part of the title"})


class RemovalInputSchema(Schema):
    """Recording a removal: when the item was taken down (default today) and a note."""

    removed_on = fields.Date(load_default=None)
    note = fields.String(load_default="", validate=validate.Length(max=2000))


class NoteInputSchema(Schema):
    """An action on an item that must say why: checking it again, taking back its removal."""

    note = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class ProgressArgs(Schema):
    gate = fields.String(validate=_CODE, metadata={"description": "gate code"})
    street = fields.String(validate=_CODE, metadata={"description": "street code"})
    community = fields.String(validate=_CODE, metadata={"description": "community code"})


class ProgressTotalSchema(Schema):
    items = fields.Integer()
    to_remove = fields.Integer(metadata={"description": "items the check says must go, removed or not"})
    removed = fields.Integer()
    pending = fields.Integer(metadata={"description": "to_remove - removed"})
    percent_done = fields.Float(metadata={"description": "removed / to_remove in percent (100 if none)"})


class ProgressLineSchema(ProgressTotalSchema):
    code = fields.String()
    name = fields.String()
    street = fields.String(metadata={"description": "the street's code (community lines)"})


class ProgressSchema(Schema):
    streets = fields.List(fields.Nested(ProgressLineSchema))
    communities = fields.List(fields.Nested(ProgressLineSchema))
    total = fields.Nested(ProgressTotalSchema)


class InventoryImportFormSchema(Schema):
    """The fields of the multipart import; ``file`` is read from the request's files."""

    file = Upload(metadata={"description": "a .csv or .xlsx inventory file (required)"})
    gate = fields.String(
        validate=_CODE, metadata={"description": "gate code; default: yours, or the only one"}
    )
    dry_run = fields.Boolean(load_default=False, metadata={"description": "true: preview, write nothing"})
    sha256 = fields.String(
        validate=validate.Regexp(r"^[0-9a-f]{64}$"),
        metadata={"description": "the SHA-256 a preview answered: the file must be exactly that one (409)"},
    )


class InventoryImportFileSchema(Schema):
    file = Upload(required=True, metadata={"description": "a .csv or .xlsx inventory file"})


class ImportRowSchema(Schema):
    row = fields.Integer()
    community = fields.String()
    community_name = fields.String()
    kind = fields.String()
    title = fields.String()
    department = fields.String()
    since = fields.Date(allow_none=True)
    status = fields.String(metadata={"description": "keep or remove"})
    catalogue_entry = fields.String(allow_none=True)
    findings = fields.List(FindingField())


class InventoryImportReportSchema(Schema):
    id = fields.Integer(allow_none=True, metadata={"description": "the import; null for a dry run"})
    dry_run = fields.Boolean()
    filename = fields.String()
    sha256 = fields.String()
    gate = fields.String()
    catalogue_version = fields.String(allow_none=True)
    rows = fields.Integer()
    keep = fields.Integer()
    remove = fields.Integer()
    by_kind = fields.Dict(keys=fields.String(), values=fields.Dict())
    items = fields.List(fields.Nested(ImportRowSchema))


class InventoryImportSchema(Schema):
    id = fields.Integer()
    gate = fields.Function(lambda record: record.gate.code)
    filename = fields.String()
    sha256 = fields.String()
    rows = fields.Integer()
    catalogue_version_id = fields.Integer(allow_none=True)
    created_by = fields.Function(lambda record: record.created_by.name)
    created_at = fields.DateTime()


class ImportListArgs(PageArgs):
    gate = fields.String(validate=_CODE, metadata={"description": "gate code"})
