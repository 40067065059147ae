"""Catalogue pages that change a draft: open the next draft, add, amend and remove entries (立改废释,
each with its reason), and publish it after a confirmation that shows what changes.

Each view calls the operation the API calls; a published version is refused (409) before any form is
shown, and again, under a lock, by the operation itself.
"""

from __future__ import annotations

from flask_babel import gettext as _

from gatekeeper.core.api import EmptySchema
from gatekeeper.core.errors import Conflict, ValidationFailed
from gatekeeper.core.permissions import permission, user
from gatekeeper.core.web import PageForm, done
from gatekeeper.modules.catalogue import operations as ops
from gatekeeper.modules.catalogue.models import CatalogueEntry
from gatekeeper.modules.catalogue.pages import _entry, _version, bp, change_count, diff_of
from gatekeeper.modules.catalogue.permissions import (
    can_edit_entries,
    can_edit_entry,
    can_open_versions,
    can_publish_version,
    can_read_entry,
    can_read_version,
)
from gatekeeper.modules.catalogue.schemas import (
    CatalogueChangeReasonSchema,
    CatalogueEntryInputSchema,
    CatalogueEntryPatchSchema,
    CatalogueVersionInputSchema,
)

#: Text fields of the entry form that a user may empty (an empty field is otherwise left unchanged).
CLEARABLE = ("legal_basis", "department", "list_name", "source", "notes")
ENTRY_FORM = {"booleans": ("requires_premises", "requires_staff"), "money": ("funding_standard.amount_fen",)}


@bp.route("/catalogue/versions/new", methods=["GET", "POST"])
@permission(can_open_versions)
def new_version():
    """Open the next draft of the office's own gate, as a copy of the catalogue in force."""
    gate = user().gate
    form = PageForm(CatalogueVersionInputSchema())
    if form.apply(lambda d: ops.create_version(gate, label=d["label"], notes=d["notes"], actor=user())):
        return done(
            _("Draft version %(n)s was opened as a copy of the catalogue in force.", n=form.result.number),
            "catalogue_pages.version",
            version_id=form.result.id,
        )
    return form.render("catalogue/new_version.html", gate=gate, draft=ops.draft_version(gate))


# --- changing a draft ------------------------------------------------------------------------------


class EntryForm(PageForm):
    """The entry form: emptied text fields are sent empty (to clear them) and no role as none."""

    def body(self):
        body = super().body()
        for name in CLEARABLE:
            body.setdefault(name, "")
        if "code" not in self.schema.fields:
            body.setdefault("title", "")  # amending: an emptied title is refused, not ignored
        body["role"] = body.get("role") or None
        return body


def _refusing_fields(run):
    """Run an operation; a conflict that names fields (a code already used) is said beside them."""

    def wrapped(data):
        try:
            return run(data)
        except Conflict as exc:
            if not exc.fields:
                raise
            raise ValidationFailed(exc.message, code=exc.code, fields=exc.fields) from exc

    return wrapped


def entry_initial(entry: CatalogueEntry | None) -> dict:
    if entry is None:
        return {"standing": "permitted", "funding_standard.basis": "none"}
    values = {name: getattr(entry, name) for name in CatalogueEntry.CONTENT}
    values = {k: getattr(v, "value", v) for k, v in values.items()}
    values["role"] = values["role"] or ""
    values["funding_standard.basis"] = values.pop("funding_basis")
    values["funding_standard.amount_fen"] = values.pop("funding_amount_fen")
    return values


@bp.route("/catalogue/versions/<int:version_id>/entries/new", methods=["GET", "POST"])
@permission(can_edit_entries, load=_version, can_see=can_read_version)
def add_entry(version):
    """Add an entry (立) to a draft, with its reason."""
    ops.refuse_published(version)
    form = EntryForm(CatalogueEntryInputSchema(), initial=entry_initial(None), **ENTRY_FORM)
    if form.apply(_refusing_fields(lambda d: ops.add_entry(version, d, reason=d["reason"], actor=user()))):
        code = form.result.code
        return done(
            _("Entry %(code)s was added.", code=code),
            "catalogue_pages.entry",
            version_id=version.id,
            code=code,
        )
    return form.render("catalogue/entry_form.html", version=version, entry=None)


@bp.route("/catalogue/versions/<int:version_id>/entries/<code>/amend", methods=["GET", "POST"])
@permission(can_edit_entry, load=_entry, can_see=can_read_entry)
def amend_entry(entry):
    """Amend an entry of a draft (改, or 释 when only notes, legal basis or source change)."""
    version, code = entry.version, entry.code
    ops.refuse_published(version)
    form = EntryForm(CatalogueEntryPatchSchema(), initial=entry_initial(entry), **ENTRY_FORM)
    before = entry.content()
    if form.apply(lambda d: ops.amend_entry(version, code, d, reason=d["reason"], actor=user())):
        changed = form.result.content() != before
        message = (
            _("Entry %(code)s was amended.", code=code)
            if changed
            else _("Nothing was different; no change was recorded.")
        )
        return done(message, "catalogue_pages.entry", version_id=version.id, code=code)
    return form.render("catalogue/entry_form.html", version=version, entry=entry)


@bp.route("/catalogue/versions/<int:version_id>/entries/<code>/remove", methods=["GET", "POST"])
@permission(can_edit_entry, load=_entry, can_see=can_read_entry)
def remove_entry(entry):
    """Remove an entry (废) from a draft, with its reason."""
    version, code = entry.version, entry.code
    ops.refuse_published(version)
    form = PageForm(CatalogueChangeReasonSchema())
    if form.apply(lambda d: ops.remove_entry(version, code, reason=d["reason"], actor=user())):
        return done(
            _("Entry %(code)s was removed from this version.", code=code),
            "catalogue_pages.version",
            version_id=version.id,
        )
    return form.render("catalogue/remove.html", version=version, entry=entry)


@bp.route("/catalogue/versions/<int:version_id>/publish", methods=["GET", "POST"])
@permission(can_publish_version, load=_version, can_see=can_read_version)
def publish(version):
    """Confirm, then publish a draft: it becomes the catalogue in force and never changes again."""
    ops.refuse_published(version)
    form = PageForm(EmptySchema())
    if form.apply(lambda d: ops.publish_version(version, actor=user())):
        return done(
            _("Version %(n)s is published and now in force.", n=version.number),
            "catalogue_pages.version",
            version_id=version.id,
        )
    in_force = ops.current_version(version.gate)
    return form.render(
        "catalogue/publish.html",
        version=version,
        in_force=in_force,
        diff=diff_of(in_force, version),
        changes=change_count(version),
    )
