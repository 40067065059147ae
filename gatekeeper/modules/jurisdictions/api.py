"""JSON API: gates, departments, communities, the working-day calendar."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from gatekeeper.core.api import PageArgs, blueprint, list_schema, paginate
from gatekeeper.core.db import contains_pattern
from gatekeeper.core.permissions import permission, user
from gatekeeper.extensions import db
from gatekeeper.modules.jurisdictions import operations as ops
from gatekeeper.modules.jurisdictions.models import CalendarDay, Department, Gate, Jurisdiction, Level
from gatekeeper.modules.jurisdictions.permissions import can_edit_gate, can_load_calendar, can_read_reference
from gatekeeper.modules.jurisdictions.schemas import (
    CalendarArgs,
    CalendarYearSchema,
    CommunityArgs,
    CommunitySchema,
    DepartmentArgs,
    DepartmentSchema,
    GateSchema,
    GateUpdateSchema,
    JurisdictionSchema,
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
    stmt = sa.select(Department).order_by(Department.code)
    if args.get("q"):
        q = args["q"].strip()
        stmt = stmt.where(
            sa.or_(
                Department.name.like(contains_pattern(q), escape="\\"),
                Department.initials.startswith(q.lower(), autoescape=True),
            )
        )
    return paginate(stmt, args)


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
        stmt = stmt.where(Jurisdiction.name.like(contains_pattern(args["q"].strip()), escape="\\"))
    return paginate(stmt, args)


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
