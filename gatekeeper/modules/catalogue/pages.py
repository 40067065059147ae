"""Pages of the admission catalogue (准入目录): browse and search the catalogue in force, one entry and
its history, the versions, a draft's reasoned changes (立改废释), publication, diffs, and files.

Every read goes through the API's own query building and permissions; every change through the
operation the API calls. The views that change a draft are in ``pages_edit``; importing a file (a
preview of exactly what would change, nothing written, then applying exactly that) in
``pages_import``. All of them are routes of the one blueprint ``catalogue_pages``.
"""

from __future__ import annotations

from urllib.parse import quote

import sqlalchemy as sa
from flask import Blueprint, Response, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import Schema
from sqlalchemy.orm import contains_eager, joinedload

from gatekeeper.core import labels
from gatekeeper.core.errors import NotFound, ValidationFailed
from gatekeeper.core.money import yuan_grouped
from gatekeeper.core.permissions import permission, user
from gatekeeper.core.web import NavItem, PageForm, enum_arg, list_page
from gatekeeper.extensions import db
from gatekeeper.modules.accounts.models import Role
from gatekeeper.modules.catalogue import operations as ops
from gatekeeper.modules.catalogue import planning
from gatekeeper.modules.catalogue.api import CSV_TYPE, XLSX_TYPE, _entries_query
from gatekeeper.modules.catalogue.models import (
    CatalogueChange,
    CatalogueEntry,
    CatalogueVersion,
    ChangeAction,
    DutyRole,
    Kind,
    StandardBasis,
    Standing,
    VersionState,
)
from gatekeeper.modules.catalogue.permissions import (
    can_create_version,
    can_edit_entries,
    can_edit_entry,
    can_open_versions,
    can_read_catalogue,
    can_read_entry,
    can_read_version,
    readable_versions,
)
from gatekeeper.modules.catalogue.schemas import CatalogueVersionInputSchema
from gatekeeper.modules.jurisdictions.models import Gate
from gatekeeper.modules.jurisdictions.operations import gate_over

bp = Blueprint("catalogue_pages", __name__)
PAGES = [bp]
NAV = [NavItem("catalogue_pages.index", _l("Catalogue"), roles=tuple(Role), order=70)]

ENTRY_SORTS = {
    "code": CatalogueEntry.code,
    "title": (CatalogueEntry.initials, CatalogueEntry.title, CatalogueEntry.code),
    "kind": (CatalogueEntry.kind, CatalogueEntry.code),
    "standing": (CatalogueEntry.standing, CatalogueEntry.code),
}
ENTRY_FILTERS = ("q", "kind", "standing", "department")
CHANGE_SORTS = {
    "at": CatalogueChange.id,
    "code": (CatalogueChange.code, CatalogueChange.id),
    "action": (CatalogueChange.action, CatalogueChange.id),
}
VERSION_SORTS = {
    "number": (CatalogueVersion.gate_id, CatalogueVersion.number),
    "published": (CatalogueVersion.published_at, CatalogueVersion.id),
    "state": (CatalogueVersion.state, CatalogueVersion.number),
}
FIELD_LABELS = {
    "code": _l("Code"),
    "title": _l("Title"),
    "kind": _l("Kind"),
    "standing": _l("Standing"),
    "role": _l("Role of the community"),
    "legal_basis": _l("Legal basis"),
    "department": _l("Responsible department"),
    "funding_basis": _l("Funding standard"),
    "funding_amount_fen": _l("Funding amount per year"),
    "requires_premises": _l("The law requires dedicated premises"),
    "requires_staff": _l("The law requires dedicated staff"),
    "list_name": _l("Published list"),
    "source": _l("Source"),
    "notes": _l("Notes"),
}


# --- loading ---------------------------------------------------------------------------------------


#: Ids fit a 32-bit integer column; a larger one in an address is simply not found.
MAX_ID = 2**31 - 1


def _version(version_id: int) -> CatalogueVersion | None:
    return db.session.get(CatalogueVersion, version_id) if 0 < version_id <= MAX_ID else None


def _entry(version_id: int, code: str) -> CatalogueEntry | None:
    if not 0 < version_id <= MAX_ID:
        return None
    return db.session.scalar(
        sa.select(CatalogueEntry)
        .where(CatalogueEntry.version_id == version_id, CatalogueEntry.code == code)
        .options(joinedload(CatalogueEntry.version))
    )


def home_gate(actor) -> Gate | None:
    """The gate whose catalogue ``actor`` reads by default: their own, else the one over their
    department or community (the nearest), else the first."""
    if actor.gate_id is not None:
        return actor.gate
    place = actor.department.jurisdiction if actor.department else actor.jurisdiction
    found = gate_over(place) if place is not None else None
    return found or db.session.scalar(sa.select(Gate).order_by(Gate.id).limit(1))


def _readable(version_id) -> CatalogueVersion | None:
    text = str(version_id or "")
    version = _version(int(text)) if text.isdigit() and len(text) < 12 else None
    return version if version is not None and can_read_version(user(), version) else None


def version_choices() -> list[tuple[int, str]]:
    """The versions the user may read, for selectors: "<gate> · <number> <label> (<state>)"."""
    versions = db.session.scalars(
        sa.select(CatalogueVersion)
        .where(readable_versions(user()))
        .order_by(CatalogueVersion.gate_id, CatalogueVersion.number.desc())
    ).all()
    several = len({v.gate_id for v in versions}) > 1
    return [(v.id, version_name(v, gate=several)) for v in versions]


def version_name(version: CatalogueVersion, *, gate: bool = False) -> str:
    text = _(
        "Version %(n)s · %(label)s (%(state)s)",
        n=version.number,
        label=version.label,
        state=labels.label(version.state),
    )
    return f"{version.gate.name} · {text}" if gate else text


# --- lists -----------------------------------------------------------------------------------------


def entry_filters() -> dict:
    """The list's filters as the API reads them (``q`` at most 60 characters, as the API allows)."""
    return {
        "q": request.args.get("q", "").strip()[:60],
        "kind": enum_arg(Kind, request.args.get("kind")),
        "standing": enum_arg(Standing, request.args.get("standing")),
        "department": request.args.get("department", "").strip(),
    }


def entries_listing(version: CatalogueVersion, filters: dict, keep: tuple = ()):
    """One page of the version's entries, filtered by the API's own query and by department."""
    stmt = _entries_query(version, filters)
    if filters["department"]:
        stmt = stmt.where(CatalogueEntry.department == filters["department"])
    return list_page(stmt, sorts=ENTRY_SORTS, default_sort="code", keep=(*ENTRY_FILTERS, *keep))


def departments_of(version: CatalogueVersion) -> list[tuple[str, str]]:
    """The departments the version's entries name, as filter choices."""
    return [
        (name, name)
        for name in db.session.scalars(
            sa.select(CatalogueEntry.department)
            .where(CatalogueEntry.version_id == version.id, CatalogueEntry.department != "")
            .distinct()
            .order_by(CatalogueEntry.department)
        )
    ]


def _count_by_version(column, enum_cls, ids: list[int]) -> dict[int, dict]:
    """``{version id: {member: count}}`` of ``column`` for the versions ``ids``, in one query."""
    rows = db.session.execute(
        sa.select(column.class_.version_id, column, sa.func.count())
        .where(column.class_.version_id.in_(ids))
        .group_by(column.class_.version_id, column)
    ).all()
    out: dict[int, dict] = {}
    for version_id, value, count in rows:
        out.setdefault(version_id, {})[enum_cls(value)] = count
    return out


def change_count(version: CatalogueVersion) -> int:
    return db.session.scalar(
        sa.select(sa.func.count(CatalogueChange.id)).where(CatalogueChange.version_id == version.id)
    )


def diff_of(old: CatalogueVersion | None, new: CatalogueVersion) -> dict:
    """``ops.diff_versions``; against nothing (a first catalogue) every entry is added."""
    if old is None:
        added, removed, changed, unchanged = planning.diff_contents([], new.entries)
        return {
            "from": None,
            "to": new,
            "added": added,
            "removed": removed,
            "changed": changed,
            "unchanged": unchanged,
        }
    return ops.diff_versions(old, new)


# --- what templates show ---------------------------------------------------------------------------


def funding_text(basis, fen: int) -> str:
    """A funding standard: "200.00 元 · per 100 households per year", or that there is none."""
    basis = planning.ENUMS["funding_basis"](getattr(basis, "value", basis))
    if not fen:
        return labels.label(basis)
    return f"{_('%(amount)s yuan', amount=yuan_grouped(fen))} · {labels.label(basis)}"


def field_value(name: str, value) -> str:
    """A field of an entry's content (plain values, as diffs and changes keep them) in words."""
    if name in planning.ENUMS and value not in (None, ""):
        return labels.label(planning.ENUMS[name](getattr(value, "value", value)))
    if name == "funding_amount_fen":
        return _("%(amount)s yuan", amount=yuan_grouped(value or 0))
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    return "—" if value in (None, "") else str(value)


def as_enum(name: str, value):
    """A plain value of an entry's content as its enum member (for badges)."""
    enum_cls = ChangeAction if name == "action" else planning.ENUMS[name]
    return enum_cls(getattr(value, "value", value)) if value not in (None, "") else None


def changed_fields(change: CatalogueChange | dict) -> list[str]:
    before = getattr(change, "before", None) or {}
    after = getattr(change, "after", None) or {}
    return [name for name in CatalogueEntry.CONTENT if name in after and after.get(name) != before.get(name)]


@bp.context_processor
def _helpers():
    return {
        "field_label": lambda name: FIELD_LABELS.get(name, name),
        "field_value": field_value,
        "funding_text": funding_text,
        "as_enum": as_enum,
        "changed_fields": changed_fields,
        "version_name": version_name,
        "KINDS": [(k.value, labels.label(k)) for k in Kind],
        "STANDINGS": [(s.value, labels.label(s)) for s in Standing],
        "STATES": [(s.value, labels.label(s)) for s in VersionState],
        "ACTIONS": [(a.value, labels.label(a)) for a in ChangeAction],
        "ROLES": [(r.value, labels.label(r)) for r in DutyRole],
        "BASES": [(b.value, labels.label(b)) for b in StandardBasis],
        "CONTENT_FIELDS": CatalogueEntry.CONTENT,
    }


# --- browsing --------------------------------------------------------------------------------------


@bp.route("/catalogue")
@permission(can_read_catalogue)
def index():
    """The catalogue in force of the user's gate (``?version=`` another one), searched and filtered."""
    chosen = request.args.get("version")
    version = _readable(chosen) if chosen else None
    if chosen and version is None:
        raise NotFound(_("No catalogue version %(id)s.", id=chosen))
    gate = home_gate(user())
    version = version or (ops.current_version(gate) if gate else None)
    filters = entry_filters()
    return render_template(
        "catalogue/index.html",
        version=version,
        gate=gate,
        listing=entries_listing(version, filters, keep=("version",)) if version else None,
        filters=filters,
        departments=departments_of(version) if version else [],
        counts=ops.entry_counts(version) if version else None,
        choices=version_choices(),
    )


@bp.route("/catalogue/versions/<int:version_id>/entries/<code>")
@permission(can_read_entry, load=_entry, can_see=can_read_entry)
def entry(entry):
    """One entry with all its fields, and its reasoned changes in every version of its gate."""
    version = entry.version
    readable = readable_versions(user())
    history = db.session.scalars(
        sa.select(CatalogueChange)
        .join(CatalogueChange.version)
        .where(CatalogueVersion.gate_id == version.gate_id, CatalogueChange.code == entry.code, readable)
        .options(contains_eager(CatalogueChange.version), joinedload(CatalogueChange.actor))
        .order_by(CatalogueVersion.number.desc(), CatalogueChange.id.desc())
        .limit(200)
    ).all()
    present = db.session.scalars(
        sa.select(CatalogueVersion)
        .join(CatalogueEntry, CatalogueEntry.version_id == CatalogueVersion.id)
        .where(CatalogueVersion.gate_id == version.gate_id, CatalogueEntry.code == entry.code, readable)
        .order_by(CatalogueVersion.number)
    ).all()
    return render_template(
        "catalogue/entry.html",
        entry=entry,
        version=version,
        history=history,
        present=present,
        editable=bool(can_edit_entry(user(), entry)) and ops.takes_changes(version),
    )


@bp.route("/catalogue/versions")
@permission(can_read_catalogue)
def versions():
    """The versions the user may read, newest first, with their counts; the office opens a draft."""
    stmt = (
        sa.select(CatalogueVersion)
        .where(readable_versions(user()))
        .options(joinedload(CatalogueVersion.published_by), joinedload(CatalogueVersion.created_by))
    )
    state = enum_arg(VersionState, request.args.get("state"))
    if state is not None:
        stmt = stmt.where(CatalogueVersion.state == state)
    listing = list_page(stmt, sorts=VERSION_SORTS, default_sort="-number", keep=("state",))
    ids = [v.id for v in listing.items]
    gate = home_gate(user())
    may_open = bool(can_open_versions(user())) and gate is not None and can_create_version(user(), gate)
    return render_template(
        "catalogue/versions.html",
        listing=listing,
        state=state,
        by_kind=_count_by_version(CatalogueEntry.kind, Kind, ids),
        by_standing=_count_by_version(CatalogueEntry.standing, Standing, ids),
        by_action=_count_by_version(CatalogueChange.action, ChangeAction, ids),
        form=PageForm(CatalogueVersionInputSchema()),
        draft=ops.draft_version(gate) if may_open else None,
        may_open=may_open,
        several_gates=len({v.gate_id for v in listing.items}) > 1,
    )


@bp.route("/catalogue/versions/<int:version_id>")
@permission(can_read_version, load=_version, can_see=can_read_version)
def version(version):
    """A version: its entries (searchable like the catalogue) or, with ``?show=changes``, its changes."""
    show = "changes" if request.args.get("show") == "changes" else "entries"
    present: set[str] = set()
    filters = entry_filters()
    action = enum_arg(ChangeAction, request.args.get("action"))
    if show == "changes":
        stmt = (
            sa.select(CatalogueChange)
            .where(CatalogueChange.version_id == version.id)
            .options(joinedload(CatalogueChange.actor))
        )
        if action is not None:
            stmt = stmt.where(CatalogueChange.action == action)
        listing = list_page(stmt, sorts=CHANGE_SORTS, default_sort="at", keep=("show", "action"))
        present = set(
            db.session.scalars(
                sa.select(CatalogueEntry.code).where(
                    CatalogueEntry.version_id == version.id,
                    CatalogueEntry.code.in_({c.code for c in listing.items}),
                )
            )
        )
    else:
        listing = entries_listing(version, filters)
    return render_template(
        "catalogue/version.html",
        version=version,
        show=show,
        listing=listing,
        present=present,
        filters=filters,
        action=action,
        departments=departments_of(version),
        counts=ops.entry_counts(version),
        changes=change_count(version),
        in_force=ops.current_version(version.gate),
        editable=bool(can_edit_entries(user(), version)) and ops.takes_changes(version),
    )


@bp.route("/catalogue/diff")
@permission(can_read_catalogue)
def diff():
    """Compare two versions (GET form): entries added, removed, and amended field by field."""
    choices = version_choices()
    new = _readable(request.args.get("to"))
    if new is None and not request.args.get("to"):
        gate = home_gate(user())
        new = (ops.draft_version(gate) if gate else None) or (ops.current_version(gate) if gate else None)
        new = new if new is not None and can_read_version(user(), new) else None
    old = _readable(request.args.get("from")) if request.args.get("from") else (new and new.based_on)
    form = PageForm(Schema(), initial={"from": old.id if old else "", "to": new.id if new else ""})
    for name, found in (("from", old), ("to", new)):
        if request.args.get(name) and found is None:
            form.errors[name] = [_("No such version.")]
    result = None
    if old is not None and new is not None and not form.errors:
        try:
            result = ops.diff_versions(old, new)
        except ValidationFailed as exc:
            form.errors = {"to": exc.fields.get("against", [exc.message])}
    return form.render("catalogue/diff.html", choices=choices, diff=result)


# --- files -----------------------------------------------------------------------------------------


@bp.route("/catalogue/versions/<int:version_id>/export")
@permission(can_read_version, load=_version, can_see=can_read_version)
def export(version):
    """The version as a CSV or XLSX file in the native format (``?format=``), as the API exports it."""
    fmt = request.args.get("format", "csv")
    data = ops.export_version(version, fmt)
    ascii_name, name = ops.export_filename(version, fmt)
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"
    content_type = CSV_TYPE if fmt == "csv" else XLSX_TYPE
    return Response(data, content_type=content_type, headers={"Content-Disposition": disposition})


from gatekeeper.modules.catalogue import pages_edit, pages_import  # noqa: E402, F401  (their routes join ``bp``)
