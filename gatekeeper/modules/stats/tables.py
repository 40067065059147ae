"""The dashboard's tables, built once from the statistics and shown three ways: on the page (beside
the charts, as their text alternative), as CSV (one table per file, ``?table=<name>``) and as XLSX
(one sheet per table). Names of tables are stable (``schemas.TABLE_NAMES``); titles and headers are
in the reader's language."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _

from gatekeeper.core.labels import label
from gatekeeper.modules.catalogue.models import Kind
from gatekeeper.modules.requests.models import RequestState
from gatekeeper.modules.stats.queries import DEPARTMENT_STATES
from gatekeeper.modules.supervision.models import ReportState


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    #: ``text``, ``int``, ``money`` (fen), ``percent`` (a string like "62.5"), ``date``.
    kind: str = "text"


@dataclass
class Table:
    name: str
    title: str
    columns: list[Column]
    rows: list[dict[str, Any]] = field(default_factory=list)


def _states(enum_values) -> list[Column]:
    return [Column(state.value, label(state), "int") for state in enum_values]


def build_tables(stats: dict[str, Any]) -> list[Table]:
    """Every table of the dashboard, in the order the page shows them."""
    requests, rates, times = stats["requests"], stats["rates"], stats["decision_time"]
    count = Column("count", _("Requests"), "int")
    tables = [
        Table(
            "requests_by_state",
            _("Requests by state"),
            [Column("state_label", _("State")), count],
            [{**row, "state_label": label(RequestState(row["state"]))} for row in requests["by_state"]],
        ),
        Table(
            "requests_by_department",
            _("Requests by department"),
            [
                Column("department", _("Code")),
                Column("name", _("Department")),
                Column("total", _("Total"), "int"),
                Column("draft", label(RequestState.DRAFT), "int"),
                *_states(DEPARTMENT_STATES),
            ],
            requests["by_department"],
        ),
        Table(
            "requests_by_kind",
            _("Requests by kind"),
            [Column("kind_label", _("Kind")), count],
            [{**row, "kind_label": label(Kind(row["kind"]))} for row in requests["by_kind"]],
        ),
        Table(
            "requests_by_month",
            _("Requests submitted by month"),
            [Column("month", _("Month")), count],
            requests["by_month"],
        ),
        Table(
            "rates",
            _("Approval, rejection, return and referral rates"),
            [
                Column("rate", _("Rate")),
                Column("numerator", _("Counted"), "int"),
                Column("denominator", _("Out of"), "int"),
                Column("percent", _("Percent"), "percent"),
            ],
            [
                {"rate": _("Approval rate (approvals / decisions)"), **rates["approval"]},
                {"rate": _("Rejection rate (rejections / decisions)"), **rates["rejection"]},
                {"rate": _("Return rate (returns / submissions)"), **rates["return"]},
                {"rate": _("Referral rate (referrals / approvals)"), **rates["referral"]},
            ],
        ),
        Table(
            "decision_time",
            _("Decision time in working days"),
            [
                Column("measure", _("Counted from")),
                Column("decisions", _("Decisions"), "int"),
                Column("median", _("Median"), "int"),
                Column("p90", _("90th percentile"), "int"),
                Column("max", _("Longest"), "int"),
            ],
            [
                {"measure": _("Acceptance"), **times["from_acceptance"]},
                {"measure": _("Submission"), **times["from_submission"]},
            ],
        ),
        Table(
            "overdue_requests",
            _("Requests overdue for a decision"),
            [
                Column("id", _("Request"), "int"),
                Column("title", _("Title")),
                Column("department_name", _("Department")),
                Column("due_date", _("Decision due"), "date"),
                Column("days_late", _("Days late"), "int"),
            ],
            stats["overdue"]["requests"]["items"],
        ),
        _money_table(stats),
        Table(
            "late_money",
            _("Late money"),
            [
                Column("department_name", _("Department")),
                Column("authorisation", _("Authorisation")),
                Column("community_name", _("Community")),
                Column("amount_fen", _("Amount lacking"), "money"),
                Column("due_date", _("Due"), "date"),
                Column("days_late", _("Days late"), "int"),
            ],
            stats["money"]["late"]["items"],
        ),
        Table(
            "reduction",
            _("Reduction against the inventory baseline"),
            [
                Column("kind_label", _("Kind")),
                Column("baseline", _("Baseline"), "int"),
                Column("keep", _("Kept"), "int"),
                Column("to_remove", _("Still to take down"), "int"),
                Column("removed", _("Taken down"), "int"),
                Column("remaining", _("Remaining"), "int"),
                Column("rate", _("Reduction rate"), "percent"),
            ],
            [{**row, "kind_label": label(Kind(row["kind"]))} for row in stats["reduction"]["by_kind"]]
            + [{**stats["reduction"]["total"], "kind_label": _("All kinds")}],
        ),
        Table(
            "reports_by_department",
            _("Reports by department and outcome"),
            [
                Column("name", _("Department")),
                Column("total", _("Total"), "int"),
                *_states(ReportState),
            ],
            stats["reports"]["by_department"],
        ),
    ]
    return tables


def _money_table(stats: dict[str, Any]) -> Table:
    return Table(
        "money_by_department_year",
        _("Money by department and year due"),
        [
            Column("name", _("Department")),
            Column("year", _("Year due"), "int"),
            Column("allocated_fen", _("Committed"), "money"),
            Column("disbursed_fen", _("Disbursed"), "money"),
            Column("confirmed_fen", _("Confirmed"), "money"),
            Column("outstanding_fen", _("Outstanding"), "money"),
            Column("overdue_fen", _("Overdue money"), "money"),
        ],
        stats["money"]["by_department_year"],
    )


def table_named(tables: list[Table], name: str) -> Table:
    return next(table for table in tables if table.name == name)
