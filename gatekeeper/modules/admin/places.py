"""The administrator's pages of departments and of the jurisdiction tree below a gate (streets and
their communities): lists, new, edit (a community moved to another street takes its path along)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import render_template, request
from flask_babel import gettext as _
from sqlalchemy.orm import aliased

from gatekeeper.core.errors import NotFound
from gatekeeper.core.labels import options
from gatekeeper.core.permissions import permission, user
from gatekeeper.core.web import done, list_page
from gatekeeper.extensions import db
from gatekeeper.modules.accounts.models import User
from gatekeeper.modules.admin.blueprint import AdminForm, bp, decide, level_choices
from gatekeeper.modules.jurisdictions import operations as ops
from gatekeeper.modules.jurisdictions.models import CommunityType, Department, Gate, Jurisdiction, Level
from gatekeeper.modules.jurisdictions.operations import gate_over
from gatekeeper.modules.jurisdictions.permissions import can_manage_departments, can_manage_jurisdictions
from gatekeeper.modules.jurisdictions.schemas import (
    DepartmentInputSchema,
    DepartmentUpdateSchema,
    JurisdictionInputSchema,
    JurisdictionUpdateSchema,
)

Home = aliased(Jurisdiction)
Street = aliased(Jurisdiction)

DEPARTMENT_SORTS = {
    "code": Department.code,
    "name": (Department.initials, Department.code),
    "jurisdiction": (Home.name, Department.code),
}
COMMUNITY_SORTS = {
    "code": Jurisdiction.code,
    "name": (Jurisdiction.name, Jurisdiction.code),
    "street": (Street.code, Jurisdiction.code),
    "type": (Jurisdiction.community_type, Jurisdiction.code),
    "households": (Jurisdiction.households, Jurisdiction.code),
    "area": (Jurisdiction.area_m2, Jurisdiction.code),
    "office": (Jurisdiction.office_area_m2, Jurisdiction.code),
}
#: A field left empty on an edit form is sent empty: a name or a parent is then refused as missing,
#: households too; an area (optional) is cleared.
BLANK_PLACE = {"name": "", "parent": "", "households": None, "area_m2": None, "office_area_m2": None}
BLANK_STREET = {"name": "", "parent": ""}
BLANK_DEPARTMENT = {"name": "", "jurisdiction": ""}
INTEGERS = ("households", "area_m2", "office_area_m2")


def _homes() -> list[tuple[str, str]]:
    return level_choices(Level.CITY, Level.DISTRICT, Level.STREET)


# --- departments -------------------------------------------------------------------------------


@bp.route("/departments")
@permission(can_manage_departments)
def departments():
    """Departments: search by name, pinyin initials (``mzj``) or code; with how many users each has."""
    q = request.args.get("q", "").strip()
    stmt = ops.departments_query(q).join(Home, Department.jurisdiction_id == Home.id)
    listing = list_page(stmt, sorts=DEPARTMENT_SORTS, default_sort="code", keep=("q",))
    ids = [d.id for d in listing.items]
    counts = dict(
        db.session.execute(
            sa.select(User.department_id, sa.func.count(User.id))
            .where(User.department_id.in_(ids), User.active)
            .group_by(User.department_id)
        ).all()
        if ids
        else []
    )
    return render_template("admin/departments.html", listing=listing, q=q, counts=counts)


@bp.route("/departments/new", methods=["GET", "POST"])
@permission(can_manage_departments)
def new_department():
    gate = db.session.scalar(sa.select(Gate).order_by(Gate.code).limit(1))
    form = AdminForm(
        DepartmentInputSchema(), initial={"jurisdiction": gate.jurisdiction.code if gate else ""}
    )
    if form.apply(lambda d: ops.create_department(d, actor=user())):
        return done(_("Department %(code)s was added.", code=form.result.code), ".departments")
    return form.render("admin/department_form.html", dept=None, homes=_homes())


@bp.route("/departments/<code>", methods=["GET", "POST"])
@permission(can_manage_departments)
def department(code):
    dept = ops.get_department(code)
    decide(can_manage_departments, dept)
    form = AdminForm(
        DepartmentUpdateSchema(),
        blanks=BLANK_DEPARTMENT,
        initial={"name": dept.name, "jurisdiction": dept.jurisdiction.code},
    )
    if form.apply(lambda d: ops.update_department(dept, d, actor=user())):
        return done(_("The changes to %(code)s were saved.", code=dept.code), ".departments")
    return form.render("admin/department_form.html", dept=dept, homes=_homes())


# --- jurisdictions -----------------------------------------------------------------------------


def _gate_of_page() -> Gate:
    """The gate whose tree the page shows: ``?gate=CODE``, else the first."""
    code = request.args.get("gate") or request.form.get("gate_code")
    stmt = sa.select(Gate).order_by(Gate.code).limit(1)
    gate = db.session.scalar(sa.select(Gate).where(Gate.code == code)) if code else db.session.scalar(stmt)
    if gate is None:
        raise NotFound(_("No gate yet."))
    return gate


def _streets(gate: Gate) -> list:
    """The streets inside the gate, each with its number of communities and households (one query)."""
    counts = (
        sa.select(
            Jurisdiction.parent_id,
            sa.func.count(Jurisdiction.id).label("communities"),
            sa.func.coalesce(sa.func.sum(Jurisdiction.households), 0).label("households"),
        )
        .where(Jurisdiction.level == Level.COMMUNITY)
        .group_by(Jurisdiction.parent_id)
        .subquery()
    )
    return db.session.execute(
        sa.select(
            Jurisdiction, sa.func.coalesce(counts.c.communities, 0), sa.func.coalesce(counts.c.households, 0)
        )
        .outerjoin(counts, counts.c.parent_id == Jurisdiction.id)
        .where(
            Jurisdiction.level == Level.STREET,
            Jurisdiction.path.startswith(gate.jurisdiction.path, autoescape=True),
        )
        .order_by(Jurisdiction.path)
    ).all()


@bp.route("/jurisdictions")
@permission(can_manage_jurisdictions)
def jurisdictions():
    """The tree below a gate: its streets (with counts) and their communities, by street and type."""
    gate = _gate_of_page()
    street = request.args.get("street") or None
    kind = request.args.get("type") or None
    q = request.args.get("q", "").strip()
    stmt = ops.communities_query(
        within=gate.jurisdiction,
        street_codes=[street] if street else None,
        community_type=CommunityType(kind) if kind in {t.value for t in CommunityType} else None,
    ).join(Street, Jurisdiction.parent_id == Street.id)
    if q:
        stmt = stmt.where(sa.or_(Jurisdiction.name.contains(q, autoescape=True), Jurisdiction.code == q))
    listing = list_page(
        stmt, sorts=COMMUNITY_SORTS, default_sort="code", keep=("gate", "street", "type", "q"), per_page=25
    )
    streets = _streets(gate)
    gates = db.session.scalars(sa.select(Gate).order_by(Gate.code)).all()
    return render_template(
        "admin/jurisdictions.html",
        gate=gate,
        gates=gates,
        streets=streets,
        listing=listing,
        filters={"street": street or "", "type": kind or "", "q": q},
        street_options=[(row.code, row.name) for row, _count, _households in streets],
        type_options=options(CommunityType),
    )


@bp.route("/jurisdictions/new", methods=["GET", "POST"])
@permission(can_manage_jurisdictions)
def new_jurisdiction():
    """A new street (below the district) or community (below a street); ``?level=`` and ``?parent=``
    fill the form in."""
    gate = _gate_of_page()
    level = (
        request.args.get("level")
        if request.args.get("level") in (Level.STREET, Level.COMMUNITY)
        else Level.COMMUNITY
    )
    parent = request.args.get("parent") or (gate.jurisdiction.code if level == Level.STREET else "")
    form = AdminForm(
        JurisdictionInputSchema(),
        integers=INTEGERS,
        initial={"level": str(level), "parent": parent, "type": CommunityType.URBAN.value},
    )
    if form.apply(lambda d: ops.create_jurisdiction(d, actor=user())):
        row = form.result
        return done(
            _("%(name)s (%(code)s) was added.", name=row.name, code=row.code),
            ".jurisdictions",
            gate=gate.code,
        )
    return form.render("admin/jurisdiction_form.html", row=None, gate=gate, **_parents(gate))


def _parents(gate: Gate) -> dict:
    return {
        "districts": level_choices(Level.DISTRICT, within=gate.jurisdiction),
        "street_choices": level_choices(Level.STREET, within=gate.jurisdiction),
        "level_options": [
            (Level.COMMUNITY.value, _("A community or village")),
            (Level.STREET.value, _("A street or town")),
        ],
        "type_options": options(CommunityType),
    }


@bp.route("/jurisdictions/<code>", methods=["GET", "POST"])
@permission(can_manage_jurisdictions)
def jurisdiction(code):
    """Edit a street or a community; choosing another street moves the community there."""
    row = ops.get_jurisdiction(code)
    if row is None or row.level not in (Level.STREET, Level.COMMUNITY):
        raise NotFound()
    decide(can_manage_jurisdictions, row)
    gate = gate_over(row) or _gate_of_page()
    form = AdminForm(
        JurisdictionUpdateSchema(),
        integers=INTEGERS,
        blanks=BLANK_PLACE if row.level == Level.COMMUNITY else BLANK_STREET,
        initial={
            "name": row.name,
            "parent": row.parent.code if row.parent else "",
            "type": row.community_type.value if row.community_type else "",
            "households": row.households,
            "area_m2": row.area_m2,
            "office_area_m2": row.office_area_m2,
        },
    )
    if form.apply(lambda d: ops.update_jurisdiction(row, d, actor=user())):
        return done(_("The changes to %(name)s were saved.", name=row.name), ".jurisdictions", gate=gate.code)
    return form.render("admin/jurisdiction_form.html", row=row, gate=gate, **_parents(gate))
