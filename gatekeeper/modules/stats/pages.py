"""The statistics dashboard (/stats): charts drawn on the server (SVG), each with its table, a
filter form (gate, street, year) and exports (a CSV per table, one XLSX of every table)."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError

from gatekeeper.core.errors import ValidationFailed, flatten_messages
from gatekeeper.core.labels import label
from gatekeeper.core.money import yuan_grouped
from gatekeeper.core.permissions import authorize, permission, user
from gatekeeper.core.web import NavItem
from gatekeeper.modules.catalogue.models import Kind
from gatekeeper.modules.requests.models import RequestState
from gatekeeper.modules.stats import charts
from gatekeeper.modules.stats import operations as ops
from gatekeeper.modules.stats.permissions import READERS, can_filter_stats, can_read_stats
from gatekeeper.modules.stats.schemas import StatsArgs
from gatekeeper.modules.stats.tables import build_tables
from gatekeeper.modules.supervision.models import ReportState

bp = Blueprint("stats_pages", __name__)
PAGES = [bp]
NAV = [NavItem("stats_pages.dashboard", _l("Statistics"), roles=READERS, order=80)]

FILTERS = ("gate", "street", "year")


def build_charts(stats: dict) -> dict:
    """The dashboard's SVG charts, keyed by the table each illustrates."""
    requests = stats["requests"]
    money = stats["money"]["by_department_year"]
    by_department: dict[str, list[int]] = {}
    for row in money:
        parts = by_department.setdefault(row["name"], [0, 0, 0])
        parts[0] += row["confirmed_fen"]
        parts[1] += row["disbursed_fen"] - row["confirmed_fen"]
        parts[2] += row["outstanding_fen"]
    year = stats["filters"]["year"]
    months = [charts.Bar(row["month"], row["count"]) for row in requests["by_month"]]
    return {
        "requests_by_state": charts.bar_chart(
            _("Requests by state"),
            [charts.Bar(label(RequestState(r["state"])), r["count"]) for r in requests["by_state"]],
        ),
        "requests_by_department": charts.bar_chart(
            _("Requests by department"),
            [charts.Bar(r["name"], r["total"]) for r in requests["by_department"][:15]],
            colour=charts.PALETTE[5],
        ),
        "requests_by_kind": charts.bar_chart(
            _("Requests by kind"),
            [charts.Bar(label(Kind(r["kind"])), r["count"]) for r in requests["by_kind"]],
            colour=charts.PALETTE[1],
        ),
        "requests_by_month": charts.line_chart(
            _("Requests submitted by month") + (f" · {year}" if year else ""),
            charts.short_months(months) if year else months,
        ),
        "money_by_department_year": charts.stacked_bar_chart(
            _("Money by department"),
            [
                charts.Stack(name, tuple(parts), yuan_grouped(sum(parts)))
                for name, parts in sorted(by_department.items(), key=lambda item: -sum(item[1]))[:15]
            ],
            [_("Confirmed"), _("Paid, not confirmed"), _("Outstanding")],
        ),
        "reduction": charts.bar_chart(
            _("Reduction rate by kind"),
            [
                charts.Bar(
                    label(Kind(r["kind"])),
                    r["removed"] * 1000 // r["baseline"] if r["baseline"] else 0,
                    f"{r['rate']}% ({r['removed']}/{r['baseline']})" if r["rate"] else "–",
                )
                for r in stats["reduction"]["by_kind"]
            ],
            colour=charts.PALETTE[1],
        ),
        "reports_by_department": charts.bar_chart(
            _("Reports by outcome"),
            [charts.Bar(label(ReportState(r["state"])), r["count"]) for r in stats["reports"]["by_state"]],
            colour=charts.PALETTE[3],
        ),
    }


@bp.route("/stats")
@permission(can_read_stats)
def dashboard():
    """The burden-reduction picture over the reader's own part, filtered by gate, street and year."""
    actor = user()
    given = {key: request.args[key].strip() for key in FILTERS if request.args.get(key, "").strip()}
    errors: dict = {}
    try:
        args = StatsArgs().load(given)
    except ValidationError as exc:
        errors, args = flatten_messages(exc.messages), {}
    filled = ops.default_filters(actor, args)
    authorize(can_filter_stats(actor, filled["gate"], filled["street"]))
    try:
        filters = ops.resolve_filters(filled)
    except ValidationFailed as exc:
        errors.update(exc.fields or {})
        filters = ops.resolve_filters(ops.default_filters(actor, {}))
    stats = ops.compute_statistics(filters)
    shown = {key: given.get(key, "") for key in FILTERS}
    page = render_template(
        "stats/dashboard.html",
        stats=stats,
        tables={table.name: table for table in build_tables(stats)},
        charts=build_charts(stats),
        filters=shown,
        export_args={k: v for k, v in filters.as_dict().items() if v},
        errors=errors,
        gates=ops.gates_for(actor),
        streets=ops.streets_for(actor, filters.gate),
    )
    return page, 422 if errors else 200
