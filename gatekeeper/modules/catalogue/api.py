"""JSON API: the admission catalogue (准入目录) — entries, versions, reasoned changes, diffs, files."""

from __future__ import annotations

from urllib.parse import quote

import sqlalchemy as sa
from flask import Response
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from gatekeeper.core.api import PDF_ANSWER, EmptySchema, PageArgs, blueprint, list_schema, paginate
from gatekeeper.core.db import contains
from gatekeeper.core.errors import NotFound, ValidationFailed
from gatekeeper.core.pdf import send_document
from gatekeeper.core.permissions import authorize, permission, user
from gatekeeper.extensions import db
from gatekeeper.modules.catalogue import documents
from gatekeeper.modules.catalogue import operations as ops
from gatekeeper.modules.catalogue.models import CatalogueChange, CatalogueEntry, CatalogueVersion
from gatekeeper.modules.catalogue.permissions import (
    can_create_version,
    can_edit_entries,
    can_edit_entry,
    can_import_catalogue,
    can_open_versions,
    can_publish_version,
    can_read_catalogue,
    can_read_entry,
    can_read_version,
    readable_versions,
)
from gatekeeper.modules.catalogue.schemas import (
    CatalogueChangeReasonSchema,
    CatalogueChangeSchema,
    CatalogueDiffArgs,
    CatalogueDiffSchema,
    CatalogueEntryArgs,
    CatalogueEntryInputSchema,
    CatalogueEntryPatchSchema,
    CatalogueEntrySchema,
    CatalogueExportArgs,
    CatalogueImportFileSchema,
    CatalogueImportFormSchema,
    CatalogueImportReportSchema,
    CatalogueVersionArgs,
    CatalogueVersionDetailSchema,
    CatalogueVersionInputSchema,
    CatalogueVersionSchema,
)
from gatekeeper.modules.jurisdictions.models import Gate

blp = blueprint(
    "catalogue", "The admission catalogue: versions, entries, reasoned changes, import and export"
)
BLUEPRINTS = [blp]

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_CONTENT_TYPES = {"csv": CSV_TYPE, "xlsx": XLSX_TYPE}
_FILE = {"type": "string", "format": "binary"}
_FILE_DESCRIPTION = "the catalogue as a CSV (UTF-8 with BOM) or XLSX attachment"


def _version(version_id: int) -> CatalogueVersion | None:
    return db.session.get(CatalogueVersion, version_id)


def _entry(version_id: int, code: str) -> CatalogueEntry | None:
    return db.session.scalar(
        sa.select(CatalogueEntry).where(CatalogueEntry.version_id == version_id, CatalogueEntry.code == code)
    )


def _readable(version_id: int, field: str) -> CatalogueVersion:
    """Another version named in the query: 404 when it does not exist or may not be seen."""
    version = _version(version_id)
    if version is None or not can_read_version(user(), version):
        raise NotFound(_("No catalogue version %(id)s.", id=version_id), fields={field: [_("not found")]})
    return version


def _gate(code: str | None) -> Gate:
    """The gate named by ``code``; without one the only gate, or else the user's own."""
    if code:
        gate = db.session.scalar(sa.select(Gate).where(Gate.code == code))
        if gate is None:
            raise ValidationFailed(fields={"gate": [_("unknown gate %(code)s", code=code)]})
        return gate
    gates = db.session.scalars(sa.select(Gate).order_by(Gate.id).limit(2)).all()
    if len(gates) == 1:
        return gates[0]
    if user().gate_id is not None:
        return db.session.get(Gate, user().gate_id)
    raise ValidationFailed(fields={"gate": [_("required: there are several gates")]})


@blp.route("/catalogue/entries")
@blp.response(200, list_schema(CatalogueEntrySchema))
@permission(can_read_catalogue)
@blp.arguments(CatalogueEntryArgs, location="query")
def list_entries(args):
    """Entries of a version: by default the current published version of the gate."""
    if args.get("version") is not None:
        version = _readable(args["version"], "version")
        if args.get("gate") and version.gate.code != args["gate"]:
            raise ValidationFailed(
                fields={"version": [_("not a version of gate %(code)s", code=args["gate"])]}
            )
    else:
        version = ops.current_version(_gate(args.get("gate")))
    return paginate(_entries_query(version, args), args)


def _entries_query(version: CatalogueVersion | None, args: dict) -> sa.Select:
    """Entries of ``version`` (none without one) filtered by kind, standing and text, by code."""
    stmt = (
        sa.select(CatalogueEntry)
        .where(CatalogueEntry.version_id == (version.id if version else None))
        .options(joinedload(CatalogueEntry.version))
        .order_by(CatalogueEntry.code)
    )
    if args.get("kind"):
        stmt = stmt.where(CatalogueEntry.kind == args["kind"])
    if args.get("standing"):
        stmt = stmt.where(CatalogueEntry.standing == args["standing"])
    q = (args.get("q") or "").strip()
    if q:
        stmt = stmt.where(
            sa.or_(
                contains(q, CatalogueEntry.title, CatalogueEntry.code),
                CatalogueEntry.initials.startswith(q.lower(), autoescape=True),
            )
        )
    return stmt


@blp.route("/catalogue/versions")
@blp.response(200, list_schema(CatalogueVersionSchema))
@permission(can_read_catalogue)
@blp.arguments(CatalogueVersionArgs, location="query")
def list_versions(args):
    """Versions, newest first; drafts only for the committee of their gate and the admin."""
    stmt = (
        sa.select(CatalogueVersion)
        .where(readable_versions(user()))
        .options(joinedload(CatalogueVersion.created_by), joinedload(CatalogueVersion.published_by))
        .order_by(CatalogueVersion.gate_id, CatalogueVersion.number.desc())
    )
    if args.get("gate"):
        stmt = stmt.where(CatalogueVersion.gate_id == _gate(args["gate"]).id)
    return paginate(stmt, args)


@blp.route("/catalogue/versions/<int:version_id>")
@blp.response(200, CatalogueVersionDetailSchema)
@permission(can_read_version, load=_version, can_see=can_read_version)
def get_version(version):
    """A version with its entry counts by kind and standing."""
    return version


@blp.route("/catalogue/versions", methods=["POST"])
@blp.response(201, CatalogueVersionSchema)
@permission(can_open_versions)
@blp.arguments(CatalogueVersionInputSchema)
def create_version(data):
    """Open the next draft as a copy of the current version (409 ``draft_exists`` if one is open)."""
    gate = _gate(data["gate"])
    authorize(can_create_version(user(), gate))
    version = ops.create_version(gate, label=data["label"], notes=data["notes"], actor=user())
    db.session.commit()
    return version


@blp.route("/catalogue/versions/<int:version_id>/entries", methods=["POST"])
@blp.response(201, CatalogueEntrySchema)
@permission(can_edit_entries, load=_version, can_see=can_read_version)
@blp.arguments(CatalogueEntryInputSchema)
def add_entry(version, data):
    """Add an entry (立) to a draft, with the reason."""
    reason = data.pop("reason")
    entry = ops.add_entry(version, data, reason=reason, actor=user())
    db.session.commit()
    return entry


@blp.route("/catalogue/versions/<int:version_id>/entries/<code>", methods=["PATCH"])
@blp.response(200, CatalogueEntrySchema)
@permission(can_edit_entry, load=_entry, can_see=can_read_entry)
@blp.arguments(CatalogueEntryPatchSchema)
def amend_entry(entry, data):
    """Change an entry of a draft (改, or 释 when only notes, legal basis or source change)."""
    reason = data.pop("reason")
    ops.amend_entry(entry.version, entry.code, data, reason=reason, actor=user())
    db.session.commit()
    return entry


@blp.route("/catalogue/versions/<int:version_id>/entries/<code>/remove", methods=["POST"])
@blp.response(200, CatalogueChangeSchema)
@permission(can_edit_entry, load=_entry, can_see=can_read_entry)
@blp.arguments(CatalogueChangeReasonSchema)
def remove_entry(entry, data):
    """Remove an entry (废) from a draft; answers the recorded change."""
    change = ops.remove_entry(entry.version, entry.code, reason=data["reason"], actor=user())
    db.session.commit()
    return change


@blp.route("/catalogue/versions/<int:version_id>/changes")
@blp.response(200, list_schema(CatalogueChangeSchema))
@permission(can_read_version, load=_version, can_see=can_read_version)
@blp.arguments(PageArgs, location="query")
def list_changes(version, args):
    """The reasoned changes (立改废释) that made this version from the one it is based on."""
    stmt = (
        sa.select(CatalogueChange)
        .where(CatalogueChange.version_id == version.id)
        .options(joinedload(CatalogueChange.actor))
        .order_by(CatalogueChange.id)
    )
    return paginate(stmt, args)


@blp.route("/catalogue/versions/<int:version_id>/diff")
@blp.response(200, CatalogueDiffSchema)
@permission(can_read_version, load=_version, can_see=can_read_version)
@blp.arguments(CatalogueDiffArgs, location="query")
def diff_versions(version, args):
    """What changed from ``against`` (default: the version this one is based on) to this version."""
    against = _readable(args["against"], "against") if args["against"] is not None else None
    return ops.diff_versions(against, version)


@blp.route("/catalogue/versions/<int:version_id>/publish", methods=["POST"])
@blp.response(200, CatalogueVersionSchema)
@permission(can_publish_version, load=_version, can_see=can_read_version)
@blp.arguments(EmptySchema)
def publish(version, data):
    """Publish a draft: it becomes the gate's catalogue in force and never changes again."""
    ops.publish_version(version, actor=user())
    db.session.commit()
    return version


@blp.route("/catalogue/versions/<int:version_id>/import", methods=["POST"])
@blp.response(200, CatalogueImportReportSchema)
@permission(can_import_catalogue, load=_version, can_see=can_read_version)
@blp.arguments(CatalogueImportFileSchema, location="files")
@blp.arguments(CatalogueImportFormSchema, location="form", content_type="multipart/form-data")
def import_file(version, files, form):
    """Import a CSV or XLSX file (multipart) into a draft; a malformed file changes nothing (422)."""
    upload = files["file"]
    report = ops.import_file(
        version,
        upload.read(),
        upload.filename or "",
        reason=form["reason"],
        mode=form["mode"],
        dry_run=form["dry_run"],
        actor=user(),
    )
    db.session.commit()
    return report


@blp.route("/catalogue/versions/<int:version_id>/export")
@blp.response(200, _FILE, content_type=CSV_TYPE, description=_FILE_DESCRIPTION)
@blp.alt_response(200, schema=_FILE, content_type=XLSX_TYPE, description=_FILE_DESCRIPTION, success=True)
@permission(can_read_version, load=_version, can_see=can_read_version)
@blp.arguments(CatalogueExportArgs, location="query")
def export_version(version, args):
    """The version's entries as a file in the native format, which imports again unchanged."""
    data = ops.export_version(version, args["format"])
    ascii_name, name = ops.export_filename(version, args["format"])
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"
    return Response(
        data, content_type=_CONTENT_TYPES[args["format"]], headers={"Content-Disposition": disposition}
    )


@blp.route("/catalogue/versions/<int:version_id>/catalogue.pdf")
@blp.doc(**PDF_ANSWER)
@permission(can_read_version, load=_version, can_see=can_read_version)
def catalogue_pdf(version):
    """The catalogue (准入目录) of a published version as an A4 PDF: the permitted lists, the negative
    list and the changes against the previous published version (409 ``not_published`` for a draft)."""
    return send_document(
        "catalogue",
        documents.CataloguePdfSchema(),
        documents.catalogue_source(version),
        title=lambda: documents.catalogue_title(version),
        filename=documents.catalogue_filename(version),
    )
