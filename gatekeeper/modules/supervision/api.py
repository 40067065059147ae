"""JSON API of reports (举报) of unauthorised entries: file one, list them, read one."""

from __future__ import annotations

import sqlalchemy as sa

from gatekeeper.core.api import ErrorSchema, blueprint, list_schema, paginate
from gatekeeper.core.permissions import permission, user
from gatekeeper.extensions import db
from gatekeeper.modules.supervision import operations as ops
from gatekeeper.modules.supervision.models import Report
from gatekeeper.modules.supervision.permissions import (
    can_file_report,
    can_list_reports,
    can_see_report,
    visible_reports,
)
from gatekeeper.modules.supervision.schemas import ReportInputSchema, ReportListArgs, ReportSchema

blp = blueprint("supervision", "Reports (举报) of items pushed into a community without authorisation")
BLUEPRINTS = [blp]


@blp.route("/reports", methods=["POST"])
@blp.response(201, ReportSchema)
@blp.alt_response(403, schema=ErrorSchema, description="Not a community head, or not their community.")
@blp.alt_response(422, schema=ErrorSchema, description="A field is missing or wrong; nothing is stored.")
@permission(can_file_report)
@blp.arguments(ReportInputSchema)
def file_report(data):
    """A community head reports an item pushed into their community without authorisation, or a
    broken condition: stored as `received` and queued for the office of the community's gate."""
    report = ops.file_report(data, actor=user())
    db.session.commit()
    return report


@blp.route("/reports")
@blp.response(200, list_schema(ReportSchema))
@permission(can_list_reports)
@blp.arguments(ReportListArgs, location="query")
def list_reports(args):
    """Reports the caller may see, newest first: a head their community's, the office its gate's
    (its supervision queue), the admin all."""
    where = ops.criteria(
        state=args.get("state"), community=args.get("community"), department=args.get("department")
    )
    stmt = (
        sa.select(Report)
        .where(visible_reports(user()), *where)
        .order_by(Report.created_at.desc(), Report.id.desc())
    )
    return paginate(stmt, args)


@blp.route("/reports/<int:report_id>")
@blp.response(200, ReportSchema)
@permission(can_see_report, load=ops.get_report, can_see=can_see_report)
def get_report(report):
    return report
