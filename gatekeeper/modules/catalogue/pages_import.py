"""Importing a catalogue file into a draft from the pages, in two steps.

1. ``import_``: upload a CSV or XLSX file (native or published-list format), choose merge or replace
   and give the reason; the page shows exactly what would change, entry by entry, or every problem
   of a malformed file by row and column. Nothing is written; the file is kept on the server
   (``pending``) under its SHA-256, which the page carries in a hidden field.
2. ``apply_import``: re-read the kept file (only by the session and user that previewed it), plan
   again, refuse when the plan is not the one the page showed (the draft changed meanwhile, or the
   file was previewed again otherwise), then import it with the previewed mode and reason, and
   forget the file.
"""

from __future__ import annotations

from flask import request
from flask_babel import gettext as _

from gatekeeper.core.errors import Conflict, ValidationFailed
from gatekeeper.core.permissions import permission, user
from gatekeeper.core.web import PageForm, done
from gatekeeper.extensions import db
from gatekeeper.modules.catalogue import operations as ops
from gatekeeper.modules.catalogue import pending
from gatekeeper.modules.catalogue.pages import _version, bp
from gatekeeper.modules.catalogue.permissions import can_import_catalogue, can_read_version
from gatekeeper.modules.catalogue.schemas import CatalogueImportFormSchema


def _refused_file(form: PageForm, exc: ValidationFailed) -> list[dict]:
    """Put a refused file's problems on the form: the message on top, file-wide problems beside the
    file field; return the problems of the rows (row, column, message) for their table."""
    db.session.rollback()
    form.errors = {"_schema": [exc.message]}
    for key, problems in exc.fields.items():
        if not key.startswith("rows."):
            form.errors.setdefault("file" if key not in ("mode", "reason") else key, []).extend(problems)
    return list(exc.extra.get("problems", []))


def _preview(version, form: PageForm) -> tuple[dict | None, list[dict]]:
    """Plan the uploaded file against ``version``: the preview (the file kept when it changes
    something), or the problems of a refused file (then ``form`` carries the errors)."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        form.errors = {"file": [_("Choose a CSV or XLSX file.")]}
        return None, []
    data, name, mode = upload.read(), upload.filename[:200], form.data["mode"]
    try:
        plan = ops.preview_import(version, data, name, mode=mode)
    except ValidationFailed as exc:
        return None, _refused_file(form, exc)
    db.session.rollback()  # nothing was written; let go of the draft's row
    meta = {"version": version.id, "filename": name, "mode": mode, "reason": form.data["reason"]}
    meta["plan"] = ops.plan_digest(plan)
    digest = pending.keep(user(), data, meta) if plan.adds or plan.amendments or plan.removals else None
    return {**meta, "plan_digest": meta["plan"], "plan": plan, "digest": digest}, []


@bp.route("/catalogue/versions/<int:version_id>/import", methods=["GET", "POST"])
@permission(can_import_catalogue, load=_version, can_see=can_read_version)
def import_(version):
    """Upload a file and preview what it would change; nothing is written."""
    ops.refuse_published(version)
    form = PageForm(CatalogueImportFormSchema(), initial={"mode": "merge"})
    preview, problems = _preview(version, form) if form.submitted and form.validate() else (None, [])
    return form.render("catalogue/import.html", version=version, preview=preview, problems=problems)


@bp.route("/catalogue/versions/<int:version_id>/import/apply", methods=["POST"])
@permission(can_import_catalogue, load=_version, can_see=can_read_version)
def apply_import(version):
    """Apply the previewed file, exactly as previewed (409 when that is no longer possible)."""
    digest = request.form.get("digest", "")
    kept = pending.load(user(), digest)
    # The plan this page showed must be the one kept: the same file previewed again (in another mode,
    # with another reason) replaces what is kept, and the older page may not apply the newer preview.
    if (
        kept is None
        or kept[1].get("version") != version.id
        or kept[1].get("plan") != request.form.get("plan")
    ):
        raise Conflict(_("This preview is no longer available; upload the file again."), code="preview_gone")
    data, meta = kept
    plan = ops.preview_import(version, data, meta["filename"], mode=meta["mode"])
    if ops.plan_digest(plan) != meta["plan"]:
        pending.discard(user(), digest)
        raise Conflict(
            _("The catalogue changed since the preview; upload the file again to see what it would do now."),
            code="preview_stale",
        )
    report = ops.import_file(
        version, data, meta["filename"], reason=meta["reason"], mode=meta["mode"], actor=user()
    )
    answer = done(
        _(
            "The file was imported: %(added)s added, %(amended)s amended, %(removed)s removed.",
            added=len(report["added"]),
            amended=len(report["amended"]),
            removed=len(report["removed"]),
        ),
        "catalogue_pages.version",
        version_id=version.id,
        show="changes",
    )
    pending.discard(user(), digest)
    return answer
