"""JSON API of the statistics: every figure of the dashboard, and its tables as CSV and XLSX."""

from __future__ import annotations

from flask import Response

from gatekeeper.core.api import blueprint
from gatekeeper.core.permissions import authorize, permission, user
from gatekeeper.modules.stats import exports
from gatekeeper.modules.stats import operations as ops
from gatekeeper.modules.stats.permissions import can_filter_stats, can_read_stats
from gatekeeper.modules.stats.schemas import CsvArgs, StatsArgs, StatsSchema
from gatekeeper.modules.stats.tables import build_tables, table_named

blp = blueprint("stats", "Statistics: requests, rates, decision times, money, reduction, reports")
BLUEPRINTS = [blp]

_FILE = {"type": "string", "format": "binary"}


def _statistics(args: dict, *, every_late: bool = False) -> dict:
    actor = user()
    given = ops.default_filters(actor, args)
    authorize(can_filter_stats(actor, given["gate"], given["street"]))
    return ops.compute_statistics(ops.resolve_filters(given), every_late=every_late)


@blp.route("/stats")
@blp.response(200, StatsSchema)
@permission(can_read_stats)
@blp.arguments(StatsArgs, location="query")
def statistics(args):
    """Every statistic, filtered by ``gate``, ``street`` and ``year`` (what each filter means: the
    ``gatekeeper.modules.stats.queries`` docstring). A gate role sees its gate, a street officer their
    street (naming another is 403); department officers and community heads are refused (403); an
    unknown code or a street outside the gate is 422. Late money names the allocations most overdue
    (``money.late.items``); ``total`` and ``total_fen`` count and sum all of them, and the
    ``late_money`` CSV and the XLSX list every one."""
    return _statistics(args)


def _attachment(data: bytes, content_type: str, filename: str) -> Response:
    return Response(
        data, content_type=content_type, headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )


@blp.route("/stats/export.csv")
@blp.response(200, _FILE, content_type=exports.CSV_TYPE)
@permission(can_read_stats)
@blp.arguments(CsvArgs, location="query")
def export_csv(args):
    """One table of the dashboard (``table``, e.g. ``requests_by_state``) as CSV, same filters; the
    ``late_money`` table lists every late allocation."""
    tables = build_tables(_statistics(args, every_late=args["table"] == "late_money"))
    return _attachment(
        exports.table_csv(table_named(tables, args["table"])), exports.CSV_TYPE, f"{args['table']}.csv"
    )


@blp.route("/stats/export.xlsx")
@blp.response(200, _FILE, content_type=exports.XLSX_TYPE)
@permission(can_read_stats)
@blp.arguments(StatsArgs, location="query")
def export_xlsx(args):
    """Every table of the dashboard as one workbook, one sheet per table, same filters; the
    ``late_money`` sheet lists every late allocation."""
    tables = build_tables(_statistics(args, every_late=True))
    return _attachment(exports.tables_xlsx(tables), exports.XLSX_TYPE, "statistics.xlsx")
