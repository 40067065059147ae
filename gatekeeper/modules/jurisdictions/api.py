"""JSON API: gates, departments, communities, the working-day calendar."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from gatekeeper.core.api import PageArgs, blueprint, list_schema, paginate
from gatekeeper.core.db import contains
from gatekeeper.core.errors import NotFound
from gatekeeper.core.permissions import permission, user
from gatekeeper.extensions import db
from gatekeeper.modules.jurisdictions import operations as ops
from gatekeeper.modules.jurisdictions.models import CalendarDay, Department, Gate, Jurisdiction, Level
from gatekeeper.modules.jurisdictions.permissions import (
    can_edit_gate,
    can_load_calendar,
    can_manage_departments,
    can_manage_jurisdictions,
    can_read_reference,
)
from gatekeeper.modules.jurisdictions.schemas import (
    CalendarArgs,
    CalendarYearSchema,
    CommunityArgs,
    CommunitySchema,
    DepartmentArgs,
    DepartmentInputSchema,
    DepartmentSchema,
    DepartmentUpdateSchema,
    GateSchema,
    GateUpdateSchema,
    JurisdictionDetailSchema,
    JurisdictionInputSchema,
    JurisdictionSchema,
    JurisdictionUpdateSchema,
)

blp = blueprint("jurisdictions", "Gates, departments, communities and the working-day calendar")
BLUEPRINTS = [blp]


class CommunityQuery(CommunityArgs, PageArgs):
    pass


class DepartmentQuery(DepartmentArgs, PageArgs):
    pass


class StreetQuery(PageArgs):
    pass


@blp.route("/gates")
@blp.response(200, list_schema(GateSchema))
@permission(can_read_reference)
@blp.arguments(PageArgs, location="query")
def list_gates(args):
    return paginate(sa.select(Gate).order_by(Gate.code), args)


@blp.route("/gates/<code>")
@blp.response(200, GateSchema)
@permission(can_read_reference)
def get_gate(code):
    return ops.get_gate(code)


@blp.route("/gates/<code>", methods=["PATCH"])
@blp.response(200, GateSchema)
@permission(can_edit_gate, load=lambda code: db.session.scalar(sa.select(Gate).where(Gate.code == code)))
@blp.arguments(GateUpdateSchema)
def update_gate(gate, data):
    ops.update_gate(gate, data, actor=user())
    db.session.commit()
    return gate


@blp.route("/departments")
@blp.response(200, list_schema(DepartmentSchema))
@permission(can_read_reference)
@blp.arguments(DepartmentQuery, location="query")
def list_departments(args):
    """Departments; ``q`` matches a part of the name, the start of its pinyin initials or the code."""
    return paginate(ops.departments_query(args.get("q")).order_by(Department.code), args)


@blp.route("/departments", methods=["POST"])
@blp.response(201, DepartmentSchema)
@permission(can_manage_departments)
@blp.arguments(DepartmentInputSchema)
def create_department(data):
    """Add a department (admin).

    A code not yet taken (409 ``code_taken`` otherwise), a name (its pinyin initials are computed for
    search), the code of the city, district or street it belongs to.
    """
    dept = ops.create_department(data, actor=user())
    db.session.commit()
    return dept


@blp.route("/departments/<code>")
@blp.response(200, DepartmentSchema)
@permission(can_read_reference)
def get_department(code):
    return ops.get_department(code)


@blp.route("/departments/<code>", methods=["PATCH"])
@blp.response(200, DepartmentSchema)
@permission(can_manage_departments)
@blp.arguments(DepartmentUpdateSchema)
def update_department(data, code):
    """Rename a department or change its jurisdiction (admin).

    Its code does not change (other systems refer to it).
    """
    dept = ops.get_department(code)
    ops.update_department(dept, data, actor=user())
    db.session.commit()
    return dept


@blp.route("/streets")
@blp.response(200, list_schema(JurisdictionSchema))
@permission(can_read_reference)
@blp.arguments(StreetQuery, location="query")
def list_streets(args):
    stmt = sa.select(Jurisdiction).where(Jurisdiction.level == Level.STREET).order_by(Jurisdiction.code)
    return paginate(stmt, args)


@blp.route("/communities")
@blp.response(200, list_schema(CommunitySchema))
@permission(can_read_reference)
@blp.arguments(CommunityQuery, location="query")
def list_communities(args):
    within = ops.get_gate(args["gate"]).jurisdiction if args.get("gate") else None
    stmt = (
        ops.communities_query(
            within=within,
            street_codes=[args["street"]] if args.get("street") else None,
            community_type=args.get("type"),
        )
        .options(joinedload(Jurisdiction.parent))
        .order_by(Jurisdiction.code)
    )
    if args.get("q"):
        stmt = stmt.where(contains(args["q"].strip(), Jurisdiction.name))
    return paginate(stmt, args)


@blp.route("/jurisdictions", methods=["POST"])
@blp.response(201, JurisdictionDetailSchema)
@permission(can_manage_jurisdictions)
@blp.arguments(JurisdictionInputSchema)
def create_jurisdiction(data):
    """Add a street or a community (admin).

    A street (``level: street``) goes below a district, a community (``level: community``) below a
    street, with its ``type`` and ``households`` (0 or more). A code is unique (409 ``code_taken``).
    """
    row = ops.create_jurisdiction(data, actor=user())
    db.session.commit()
    return row


@blp.route("/jurisdictions/<code>")
@blp.response(200, JurisdictionDetailSchema)
@permission(can_read_reference)
def get_jurisdiction(code):
    row = ops.get_jurisdiction(code)
    if row is None:
        raise NotFound()
    return row


@blp.route("/jurisdictions/<code>", methods=["PATCH"])
@blp.response(200, JurisdictionDetailSchema)
@permission(can_manage_jurisdictions)
@blp.arguments(JurisdictionUpdateSchema)
def update_jurisdiction(data, code):
    """Change or move a street or community (admin).

    Any of name, type, households, areas; a new ``parent`` moves a community to another street (or a
    street to another district), with the paths of everything below it.
    """
    row = ops.get_jurisdiction(code)
    if row is None:
        raise NotFound()
    ops.update_jurisdiction(row, data, actor=user())
    db.session.commit()
    return row


@blp.route("/calendar")
@blp.response(200, CalendarYearSchema)
@permission(can_read_reference)
@blp.arguments(CalendarArgs, location="query")
def get_calendar(args):
    year = args["year"]
    days = db.session.scalars(
        sa.select(CalendarDay).where(sa.extract("year", CalendarDay.day) == year).order_by(CalendarDay.day)
    ).all()
    return {"year": year, "days": days}


@blp.route("/calendar", methods=["PUT"])
@blp.response(200, CalendarYearSchema)
@permission(can_load_calendar)
@blp.arguments(CalendarYearSchema)
def put_calendar(data):
    ops.load_calendar_year(data["year"], data["days"], actor=user())
    db.session.commit()
    return data
