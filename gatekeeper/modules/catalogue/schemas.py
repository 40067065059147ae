"""Schemas of catalogue versions, entries, changes, diffs and imports."""

from __future__ import annotations

from flask_smorest.fields import Upload
from marshmallow import Schema, fields, post_load, validate

from gatekeeper.core.api import PageArgs, Yuan, fen_field
from gatekeeper.modules.catalogue import operations as ops
from gatekeeper.modules.catalogue.models import (
    ChangeAction,
    DutyRole,
    Kind,
    StandardBasis,
    Standing,
    VersionState,
)

_CODE = validate.Regexp(r"^[\w.-]{1,40}$", error="letters, digits, - _ . only (at most 40)")
_SHORT = validate.Length(max=200)
_LONG = validate.Length(max=4000)


def _reason() -> fields.String:
    return fields.String(
        required=True,
        validate=validate.Length(min=1, max=2000),
        metadata={"description": "why (立改废释): every change to the catalogue needs one"},
    )


class _WholeObject(fields.Nested):
    """A nested schema fed by the object itself (to group some of its attributes)."""

    def get_value(self, obj, attr, accessor=None, default=None):
        return obj


def _username(user) -> str | None:
    return user.username if user is not None else None


class CatalogueVersionRefSchema(Schema):
    id = fields.Integer()
    number = fields.Integer()
    label = fields.String()
    state = fields.Enum(VersionState, by_value=True)


class CatalogueVersionSchema(CatalogueVersionRefSchema):
    gate = fields.Function(lambda v: v.gate.code)
    notes = fields.String()
    based_on = fields.Integer(attribute="based_on_id", allow_none=True)
    created_at = fields.AwareDateTime()
    created_by = fields.Function(lambda v: _username(v.created_by))
    published_at = fields.AwareDateTime(allow_none=True)
    published_by = fields.Function(lambda v: _username(v.published_by))


class CatalogueCountsSchema(Schema):
    total = fields.Integer()
    by_kind = fields.Dict(keys=fields.String(), values=fields.Integer())
    by_standing = fields.Dict(keys=fields.String(), values=fields.Integer())


class CatalogueVersionDetailSchema(CatalogueVersionSchema):
    counts = fields.Method("_counts", metadata={"description": "entries in total, by kind, by standing"})

    def _counts(self, version):
        return CatalogueCountsSchema().dump(ops.entry_counts(version))


class CatalogueFundingStandardSchema(Schema):
    basis = fields.Enum(StandardBasis, by_value=True, attribute="funding_basis")
    amount_fen = fields.Integer(attribute="funding_amount_fen", metadata={"description": "per year"})
    amount_yuan = Yuan("funding_amount_fen")


class CatalogueEntrySchema(Schema):
    code = fields.String()
    title = fields.String()
    kind = fields.Enum(Kind, by_value=True)
    standing = fields.Enum(Standing, by_value=True)
    role = fields.Enum(DutyRole, by_value=True, allow_none=True)
    legal_basis = fields.String()
    department = fields.String()
    funding_standard = _WholeObject(CatalogueFundingStandardSchema)
    requires_premises = fields.Boolean()
    requires_staff = fields.Boolean()
    list_name = fields.String()
    source = fields.String()
    notes = fields.String()
    version = fields.Nested(CatalogueVersionRefSchema)


class CatalogueFundingStandardInputSchema(Schema):
    basis = fields.Enum(StandardBasis, by_value=True, required=True)
    amount_fen = fen_field(load_default=0, metadata={"description": "per year, integer fen"})


class CatalogueEntryPatchSchema(Schema):
    """Any entry fields (the code never changes) and the reason."""

    title = fields.String(validate=validate.Length(min=1, max=200))
    kind = fields.Enum(Kind, by_value=True)
    standing = fields.Enum(Standing, by_value=True)
    role = fields.Enum(DutyRole, by_value=True, allow_none=True)
    legal_basis = fields.String(validate=_LONG)
    department = fields.String(validate=_SHORT)
    funding_standard = fields.Nested(CatalogueFundingStandardInputSchema)
    requires_premises = fields.Boolean()
    requires_staff = fields.Boolean()
    list_name = fields.String(validate=_SHORT)
    source = fields.String(validate=_LONG)
    notes = fields.String(validate=_LONG)
    reason = _reason()

    @post_load
    def _flatten(self, data, **_kwargs):
        funding = data.pop("funding_standard", None)
        if funding is not None:
            data["funding_basis"] = funding["basis"]
            data["funding_amount_fen"] = funding["amount_fen"]
        return data


class CatalogueEntryInputSchema(CatalogueEntryPatchSchema):
    code = fields.String(required=True, validate=_CODE)
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    kind = fields.Enum(Kind, by_value=True, required=True)
    standing = fields.Enum(Standing, by_value=True, required=True)


class CatalogueChangeReasonSchema(Schema):
    reason = _reason()


class CatalogueVersionInputSchema(Schema):
    gate = fields.String(load_default=None, metadata={"description": "gate code; default: your gate"})
    label = fields.String(required=True, validate=validate.Length(min=1, max=120))
    notes = fields.String(load_default="", validate=_LONG)


class CatalogueChangeSchema(Schema):
    id = fields.Integer()
    code = fields.String()
    action = fields.Enum(ChangeAction, by_value=True)
    reason = fields.String()
    before = fields.Dict(allow_none=True)
    after = fields.Dict(allow_none=True)
    at = fields.AwareDateTime()
    actor = fields.Function(lambda c: _username(c.actor))


class CatalogueEntryContentSchema(Schema):
    """An entry's content as diffs show it (flat, like the files)."""

    code = fields.String()
    title = fields.String()
    kind = fields.String()
    standing = fields.String()
    role = fields.String(allow_none=True)
    legal_basis = fields.String()
    department = fields.String()
    funding_basis = fields.String()
    funding_amount_fen = fields.Integer()
    funding_amount_yuan = Yuan("funding_amount_fen")
    requires_premises = fields.Boolean()
    requires_staff = fields.Boolean()
    list_name = fields.String()
    source = fields.String()
    notes = fields.String()


class CatalogueFieldChangeSchema(Schema):
    before = fields.Raw(allow_none=True)
    after = fields.Raw(allow_none=True)


class CatalogueEntryChangeSchema(Schema):
    code = fields.String()
    title = fields.String()
    action = fields.String(metadata={"description": "amend, or interpret when only notes/basis/source"})
    # "fields" is taken by marshmallow's Schema itself, hence the trailing underscore.
    fields_ = fields.Dict(
        keys=fields.String(),
        values=fields.Nested(CatalogueFieldChangeSchema),
        attribute="fields",
        data_key="fields",
    )


class CatalogueDiffSchema(Schema):
    from_ = fields.Nested(CatalogueVersionRefSchema, attribute="from", data_key="from")
    to = fields.Nested(CatalogueVersionRefSchema)
    added = fields.List(fields.Nested(CatalogueEntryContentSchema))
    removed = fields.List(fields.Nested(CatalogueEntryContentSchema))
    changed = fields.List(fields.Nested(CatalogueEntryChangeSchema))
    unchanged = fields.Integer()


class CatalogueImportReportSchema(Schema):
    format = fields.String(metadata={"description": "native or published_list"})
    mode = fields.String()
    dry_run = fields.Boolean()
    added = fields.List(fields.String())
    amended = fields.List(fields.String())
    removed = fields.List(fields.String())
    unchanged = fields.Integer()


class CatalogueImportFormSchema(Schema):
    """The fields of the multipart import; ``file`` is here for the API document only (it is read
    from the files of the request by ``CatalogueImportFileSchema``)."""

    file = Upload(metadata={"description": "a .csv or .xlsx catalogue file (required)"})
    reason = _reason()
    mode = fields.String(load_default="merge", validate=validate.OneOf(ops.IMPORT_MODES))
    dry_run = fields.Boolean(load_default=False)


class CatalogueImportFileSchema(Schema):
    file = Upload(required=True, metadata={"description": "a .csv or .xlsx catalogue file"})


class CatalogueEntryArgs(PageArgs):
    gate = fields.String(metadata={"description": "gate code; default: the only gate, or yours"})
    version = fields.Integer(metadata={"description": "version id; default: the gate's current version"})
    kind = fields.Enum(Kind, by_value=True)
    standing = fields.Enum(Standing, by_value=True)
    q = fields.String(
        validate=validate.Length(max=60),
        metadata={"description": "part of the title or code, or the start of the title's pinyin initials"},
    )


class CatalogueVersionArgs(PageArgs):
    gate = fields.String(metadata={"description": "gate code"})


class CatalogueDiffArgs(Schema):
    against = fields.Integer(
        load_default=None,
        metadata={"description": "id of the older version; default: the one this is based on"},
    )


class CatalogueExportArgs(Schema):
    format = fields.String(load_default="csv", validate=validate.OneOf(ops.EXPORT_FORMATS))


class CatalogueEntryPdfSchema(Schema):
    """A catalogue entry as a document cites it."""

    code = fields.String()
    title = fields.String()
    legal_basis = fields.String()
    list_name = fields.String()
