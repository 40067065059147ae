"""The statistics of the burden-reduction picture, computed in SQL (GROUP BY, filtered aggregates,
window functions); no row is loaded into Python to be counted. Figures that are sums of the same rows
come from one grouped pass: requests by state, department and kind add up the groups of one
statement; the money's totals add up its groups by department and year due.

What the filters mean (``Filters``):

``gate``    requests filed at the gate; their events (submissions, decisions ...); allocations of the
            gate's authorisations; reports and inventory items stored with the gate.
``street``  requests whose scope reaches a community of the street (the whole jurisdiction, the street
            itself, or a community of it listed; a scope limited to urban or rural communities must
            find one of that type in the street) and that were filed at a gate containing the street;
            allocations, reports and inventory items of the street's communities.
``year``    requests filed (last submitted; a draft never submitted: created) in that local year;
            submissions, returns, decisions and rulings made in it (rates, decision times); requests
            overdue whose decision was due in it; money due in it (as ``funds.balances``); reports
            received in it. The inventory is a baseline, not an event: the year does not apply to it.

Rates (numerator / denominator, both counted as events in the period):

``approval``   committee decisions that approved (approved, or approved and referred) / decisions
``rejection``  committee decisions that rejected / decisions
``return``     returns (by the office at acceptance, or by the committee) / submissions
``referral``   approvals referred to the escalation body / approvals

Decision time: for each committee decision, the working days from the round's acceptance (受理; and
from the submission before it) to the decision, both as local days, counted like the deadlines
(``sqltime.working_day_number``); median and p90 are nearest-rank percentiles (the smallest duration with at
least 50% / 90% of the durations at or below it), computed with ``row_number()``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from gatekeeper.core import clock
from gatekeeper.extensions import db
from gatekeeper.modules.authorisations.models import Authorisation
from gatekeeper.modules.catalogue.models import Kind
from gatekeeper.modules.funds import balances
from gatekeeper.modules.funds.models import Allocation
from gatekeeper.modules.inventory.models import CleanupStatus, InventoryItem
from gatekeeper.modules.jurisdictions.models import Department, Gate, Jurisdiction
from gatekeeper.modules.requests.models import AdmissionRequest, RequestEvent, RequestState, ScopeType
from gatekeeper.modules.stats import sqltime
from gatekeeper.modules.supervision.models import Report, ReportState

R = AdmissionRequest
E = RequestEvent
#: The states a department's row counts one by one (the rest in ``other``).
DEPARTMENT_STATES = (
    RequestState.SUBMITTED,
    RequestState.IN_REVIEW,
    RequestState.RETURNED,
    RequestState.REFERRED,
    RequestState.APPROVED,
    RequestState.REJECTED,
    RequestState.WITHDRAWN,
)
#: How many overdue requests are named (all are counted).
NAMED = 100
#: How many late allocations the dashboard and the API name, most overdue first (all are counted and
#: summed; the CSV and XLSX exports list every one).
LATE_NAMED = 20


@dataclass(frozen=True)
class Filters:
    """The resolved filters: a gate, a street (with the gates that contain it), a year."""

    gate: Gate | None = None
    street: Jurisdiction | None = None
    street_gate_ids: tuple[int, ...] = ()
    #: The street's communities, read once with the filters: (id, code, community type).
    street_communities: tuple[tuple[int, str, str | None], ...] = ()
    year: int | None = None

    @property
    def community_ids(self) -> list[int]:
        return [community_id for community_id, _code, _type in self.street_communities]

    def as_dict(self) -> dict[str, Any]:
        return {
            "gate": self.gate.code if self.gate else None,
            "street": self.street.code if self.street else None,
            "year": self.year,
        }


def reaches_street(f: Filters) -> sa.ColumnElement[bool]:
    """A request's scope reaches a community of the street (see the module docstring). The street's
    communities are known (``Filters.street_communities``), so the test is on the request's own row:
    no lookup of communities per request."""
    codes = sa.cast(R.scope_codes, sa.Text)
    types = sorted({kind for _id, _code, kind in f.street_communities if kind is not None})
    if not f.street_communities:
        return sa.false()
    of_type = sa.or_(R.scope_community_type.is_(None), R.scope_community_type.in_(types))
    listed = sa.or_(
        *(codes.contains(f'"{code}"', autoescape=True) for _id, code, _kind in f.street_communities)
    )
    return sa.or_(
        sa.and_(R.scope_type == ScopeType.ALL, of_type),
        sa.and_(
            R.scope_type == ScopeType.STREETS, codes.contains(f'"{f.street.code}"', autoescape=True), of_type
        ),
        sa.and_(R.scope_type == ScopeType.COMMUNITIES, listed),
    )


def request_place(f: Filters) -> list[sa.ColumnElement[bool]]:
    """Gate and street criteria over ``AdmissionRequest``."""
    criteria = []
    if f.gate is not None:
        criteria.append(R.gate_id == f.gate.id)
    if f.street is not None:
        criteria.append(R.gate_id.in_(f.street_gate_ids or (-1,)))
        criteria.append(reaches_street(f))
    return criteria


def filed_at() -> sa.ColumnElement:
    return sa.func.coalesce(R.submitted_at, R.created_at)


def request_criteria(f: Filters) -> list[sa.ColumnElement[bool]]:
    criteria = request_place(f)
    if f.year:
        criteria.append(sqltime.in_year(filed_at(), f.year))
    return criteria


def _count(condition) -> sa.ColumnElement[int]:
    """``COUNT`` of the rows where ``condition`` holds (a filtered aggregate both databases know)."""
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)


def percent(numerator: int, denominator: int) -> str | None:
    """``"62.5"``: one decimal, rounded half up, in integers; ``None`` over nothing."""
    if not denominator:
        return None
    tenths = (numerator * 1000 * 2 + denominator) // (2 * denominator)
    return f"{tenths // 10}.{tenths % 10}"


def rate(numerator: int, denominator: int) -> dict[str, Any]:
    return {"numerator": numerator, "denominator": denominator, "percent": percent(numerator, denominator)}


# --- requests ------------------------------------------------------------------------------------


def requests_by_department_state_kind(f: Filters) -> dict[str, list[dict]]:
    """Requests by state, by department (each state counted) and by kind, added up from one pass
    grouped by department, state and kind (each request is in exactly one group; at most
    departments × states × kinds rows)."""
    stmt = (
        sa.select(Department.code, Department.name, R.state, R.kind, sa.func.count().label("count"))
        .select_from(R)
        .join(Department, Department.id == R.department_id)
        .where(*request_criteria(f))
        .group_by(Department.code, Department.name, R.state, R.kind)
        .order_by(Department.code)
    )
    states: Counter[RequestState] = Counter()
    kinds: Counter[Kind] = Counter()
    departments: dict[str, dict] = {}
    for row in db.session.execute(stmt):
        states[row.state] += row.count
        kinds[row.kind] += row.count
        item = departments.setdefault(
            row.code,
            {"department": row.code, "name": row.name, "total": 0}
            | {state.value: 0 for state in DEPARTMENT_STATES},
        )
        item["total"] += row.count
        if row.state in DEPARTMENT_STATES:
            item[row.state.value] += row.count
    for item in departments.values():
        item["draft"] = item["total"] - sum(item[state.value] for state in DEPARTMENT_STATES)
    return {
        "by_state": [{"state": state.value, "count": states[state]} for state in RequestState],
        # most requests first, then by code (the database's order, kept by a stable sort)
        "by_department": sorted(departments.values(), key=lambda item: -item["total"]),
        "by_kind": [{"kind": kind.value, "count": kinds[kind]} for kind in Kind],
    }


def requests_by_month(f: Filters) -> list[dict]:
    """Requests submitted, by local month of their (last) submission; every month of the year
    filtered on, zeros included."""
    month = sqltime.local_month(R.submitted_at).label("month")
    stmt = (
        sa.select(month, sa.func.count().label("count"))
        .where(R.submitted_at.is_not(None), *request_criteria(f))
        .group_by(month)
        .order_by(month)
    )
    rows = {row.month: row.count for row in db.session.execute(stmt)}
    if f.year:
        return [
            {"month": f"{f.year}-{m:02d}", "count": rows.get(f"{f.year}-{m:02d}", 0)} for m in range(1, 13)
        ]
    return [{"month": month, "count": count} for month, count in sorted(rows.items())]


def _event_criteria(f: Filters) -> list[sa.ColumnElement[bool]]:
    criteria = request_place(f)
    if f.year:
        criteria.append(sqltime.in_year(E.at, f.year))
    return criteria


def rates(f: Filters) -> dict[str, Any]:
    """Submissions, returns, decisions by outcome and rulings of the period, and the four rates."""
    decide = E.action == "decide"
    stmt = (
        sa.select(
            _count(E.action == "submit").label("submissions"),
            _count(E.to_state == RequestState.RETURNED).label("returns"),
            _count(decide).label("decisions"),
            _count(sa.and_(decide, E.to_state.in_((RequestState.APPROVED, RequestState.REFERRED)))).label(
                "approvals"
            ),
            _count(sa.and_(decide, E.to_state == RequestState.REJECTED)).label("rejections"),
            _count(sa.and_(decide, E.to_state == RequestState.RETURNED)).label("decision_returns"),
            _count(sa.and_(decide, E.to_state == RequestState.REFERRED)).label("referrals"),
            _count(sa.and_(E.action == "ruling", E.to_state == RequestState.APPROVED)).label(
                "rulings_approved"
            ),
            _count(sa.and_(E.action == "ruling", E.to_state == RequestState.REJECTED)).label(
                "rulings_rejected"
            ),
        )
        .select_from(E)
        .join(R, R.id == E.request_id)
        .where(E.action.in_(("submit", "return", "decide", "ruling")), *_event_criteria(f))
    )
    counts = {key: int(value) for key, value in db.session.execute(stmt).one()._mapping.items()}
    return {
        "counts": counts,
        "approval": rate(counts["approvals"], counts["decisions"]),
        "rejection": rate(counts["rejections"], counts["decisions"]),
        "return": rate(counts["returns"], counts["submissions"]),
        "referral": rate(counts["referrals"], counts["approvals"]),
    }


def _latest_so_far(action: str):
    """The time of the request's latest ``action`` up to each event of its history (a window: one
    pass over the history instead of a subquery per decision)."""
    return sa.func.max(sa.case((E.action == action, E.at))).over(
        partition_by=E.request_id, order_by=(E.at, E.id), rows=(None, 0)
    )


def decision_times(f: Filters) -> dict[str, Any]:
    """Median and p90 working days from acceptance (and from submission) to each decision."""
    history = (
        sa.select(
            E.action,
            E.at,
            _latest_so_far("accept").label("accepted_at"),
            _latest_so_far("submit").label("submitted_at"),
        )
        .select_from(E)
        .join(R, R.id == E.request_id)
        .where(E.action.in_(("submit", "accept", "decide")), *request_place(f))
        .subquery("history")
    )
    decided = [
        history.c.action == "decide",
        history.c.accepted_at.is_not(None),
        history.c.submitted_at.is_not(None),
    ]
    if f.year:
        decided.append(sqltime.in_year(history.c.at, f.year))
    base = (
        sa.select(
            sqltime.local_date(history.c.accepted_at).label("accepted"),
            sqltime.local_date(history.c.submitted_at).label("submitted"),
            sqltime.local_date(history.c.at).label("decided"),
        )
        .where(*decided)
        .cte("decided")
    )
    # Each distinct day numbered once (at most one row per day of the period, however many decisions,
    # instead of counting the calendar twice per decision): the working days between two days are
    # the difference of their numbers. GROUP BY rather than UNION: PostgreSQL then expects a few
    # hundred days rather than one per date, and does not take the three joins below for millions
    # of rows (it compiled such a plan with JIT, which alone took over half a second).
    dates = sa.union_all(*(sa.select(column.label("day")) for column in base.c)).subquery("dates")
    days = sa.select(dates.c.day).group_by(dates.c.day).subquery("days")
    numbered = sa.select(days.c.day, sqltime.working_day_number(days.c.day).label("n")).cte("numbered")
    accepted, submitted, decided_on = (numbered.alias(name) for name in ("na", "ns", "nd"))

    def working_days(start, start_number):
        return sa.case((base.c.decided > start, decided_on.c.n - start_number), else_=0)

    durations = (
        sa.select(
            working_days(base.c.accepted, accepted.c.n).label("a"),
            working_days(base.c.submitted, submitted.c.n).label("s"),
        )
        .select_from(base)
        .join(accepted, accepted.c.day == base.c.accepted)
        .join(submitted, submitted.c.day == base.c.submitted)
        .join(decided_on, decided_on.c.day == base.c.decided)
        .cte("durations")
    )
    ranked = sa.select(
        durations.c.a,
        durations.c.s,
        sa.func.row_number().over(order_by=durations.c.a).label("rn_a"),
        sa.func.row_number().over(order_by=durations.c.s).label("rn_s"),
        sa.func.count().over().label("n"),
    ).subquery("ranked")

    def nearest_rank(value, rn, percent_: int):
        wanted = (ranked.c.n * percent_ + 99) // 100
        return sa.func.max(sa.case((rn == wanted, value)))

    stmt = sa.select(
        sa.func.count().label("n"),
        nearest_rank(ranked.c.a, ranked.c.rn_a, 50).label("a50"),
        nearest_rank(ranked.c.a, ranked.c.rn_a, 90).label("a90"),
        sa.func.max(ranked.c.a).label("a_max"),
        nearest_rank(ranked.c.s, ranked.c.rn_s, 50).label("s50"),
        nearest_rank(ranked.c.s, ranked.c.rn_s, 90).label("s90"),
        sa.func.max(ranked.c.s).label("s_max"),
    )
    row = db.session.execute(stmt).one()

    def whole(value):
        return None if value is None else int(value)

    return {
        "from_acceptance": {
            "decisions": row.n,
            "median": whole(row.a50),
            "p90": whole(row.a90),
            "max": whole(row.a_max),
        },
        "from_submission": {
            "decisions": row.n,
            "median": whole(row.s50),
            "p90": whole(row.s90),
            "max": whole(row.s_max),
        },
    }


def overdue_requests(f: Filters) -> dict[str, Any]:
    """Requests in review whose decision is past due (the same as ``requests.operations.overdue_query``),
    counted, and the most overdue named."""
    today = clock.today()
    late = (sqltime.day_number(sa.literal(today, sa.Date)) - sqltime.day_number(R.due_date)).label(
        "days_late"
    )
    criteria = [R.state == RequestState.IN_REVIEW, R.due_date < today, *request_place(f)]
    if f.year:
        criteria.append(sqltime.date_in_year(R.due_date, f.year))
    stmt = (
        sa.select(
            R.id,
            R.title,
            Department.code,
            Department.name,
            R.due_date,
            late,
            sa.func.count().over().label("total"),
        )
        .join(Department, Department.id == R.department_id)
        .where(*criteria)
        .order_by(R.due_date, R.id)
        .limit(NAMED)
    )
    rows = db.session.execute(stmt).all()
    return {
        "total": rows[0].total if rows else 0,
        "items": [
            {
                "id": row.id,
                "title": row.title,
                "department": row.code,
                "department_name": row.name,
                "due_date": row.due_date,
                "days_late": int(row.days_late),
            }
            for row in rows
        ],
    }


# --- money ---------------------------------------------------------------------------------------


def money_criteria(f: Filters) -> list[sa.ColumnElement[bool]]:
    criteria = [balances.where_the_money_is()]
    if f.gate is not None:
        criteria.append(Authorisation.gate_id == f.gate.id)
    if f.street is not None:
        criteria.append(Allocation.community_id.in_(f.community_ids))
    if f.year:
        criteria.append(sqltime.date_in_year(Allocation.due_date, f.year))
    return criteria


#: The balances of ``funds.balances`` (sums in whole fen) and the count of allocations.
MONEY_KEYS = (
    "allocated_fen",
    "disbursed_fen",
    "confirmed_fen",
    "outstanding_fen",
    "overdue_fen",
    "allocations",
)


def money_statistics(f: Filters, late_named: int | None = LATE_NAMED) -> dict[str, Any]:
    """The money: totals, per department and year due, and the late allocations (all counted and
    summed, the ``late_named`` most overdue named; all of them with ``None``). Two statements: the
    sums grouped by department and year due (``money_by_department_year``), whose groups add up to
    the totals, and the late allocations named (``late_allocations``)."""
    groups, late_count = money_by_department_year(f)
    totals = {key: sum(group[key] for group in groups) for key in MONEY_KEYS}
    return {
        "totals": totals,
        "by_department_year": groups,
        "late": {
            "total": late_count,
            # the overdue money is what late allocations lack (``balances``): their sum
            "total_fen": totals["overdue_fen"],
            "items": late_allocations(f, late_named),
        },
    }


def money_by_department_year(f: Filters) -> tuple[list[dict], int]:
    """Committed, disbursed, confirmed, outstanding and overdue money per department and year due,
    and how many allocations are late. Every allocation the filters keep is in exactly one group
    (its authorisation has one department, its due date one year), so the groups add up to the
    totals over the same filters. Summed per department and due date first, then per year: the year
    is worked out once per group of the first pass rather than once per allocation."""
    by_day = (
        sa.select(
            *balances.balance_columns(),
            _count(balances.overdue_condition()).label("late"),
            Authorisation.department_id,
            Allocation.due_date,
        )
        .select_from(Allocation)
        .join(Authorisation, Authorisation.id == Allocation.authorisation_id)
        .where(*money_criteria(f))
        .group_by(Authorisation.department_id, Allocation.due_date)
        .subquery("by_day")
    )
    year = sqltime.year_of(by_day.c.due_date).label("year")
    stmt = (
        sa.select(
            Department.code,
            Department.name,
            year,
            *(balances.total(by_day.c[key]).label(key) for key in (*MONEY_KEYS, "late")),
        )
        .join(Department, Department.id == by_day.c.department_id)
        .group_by(Department.code, Department.name, year)
        .order_by(Department.code, year)
    )
    rows = db.session.execute(stmt).all()
    groups = [
        {
            "department": row.code,
            "name": row.name,
            "year": int(row.year),
            **{key: int(getattr(row, key)) for key in MONEY_KEYS},
        }
        for row in rows
    ]
    return groups, sum(int(row.late) for row in rows)


def late_allocations(f: Filters, limit: int | None = LATE_NAMED) -> list[dict[str, Any]]:
    """The overdue money named, most overdue first: department, authorisation, community, amount
    lacking, days late (the first ``limit``; all with ``None``)."""
    today = clock.today()
    lacking = balances.lacking()
    late = (sqltime.day_number(sa.literal(today, sa.Date)) - sqltime.day_number(Allocation.due_date)).label(
        "days_late"
    )
    community = aliased(Jurisdiction)
    stmt = (
        sa.select(
            Department.code.label("department"),
            Department.name.label("department_name"),
            Authorisation.number,
            Authorisation.title,
            community.code.label("community"),
            community.name.label("community_name"),
            lacking.label("amount_fen"),
            Allocation.due_date,
            late,
        )
        .select_from(Allocation)
        .join(Authorisation, Authorisation.id == Allocation.authorisation_id)
        .join(Department, Department.id == Authorisation.department_id)
        .join(community, community.id == Allocation.community_id)
        .where(balances.overdue_condition(), *money_criteria(f))
        .order_by(Allocation.due_date, lacking.desc(), Authorisation.number, community.code)
        .limit(limit)
    )
    return [
        {
            "department": row.department,
            "department_name": row.department_name,
            "authorisation": row.number,
            "title": row.title,
            "community": row.community,
            "community_name": row.community_name,
            "amount_fen": int(row.amount_fen),
            "due_date": row.due_date,
            "days_late": int(row.days_late),
        }
        for row in db.session.execute(stmt)
    ]


# --- reduction and reports ------------------------------------------------------------------------


def reduction(f: Filters) -> dict[str, Any]:
    """Per kind: the inventory baseline, what stays, what must go, what was removed, and the reduction
    rate removed / baseline (= (baseline - remaining) / baseline)."""
    criteria = []
    if f.gate is not None:
        criteria.append(InventoryItem.gate_id == f.gate.id)
    if f.street is not None:
        criteria.append(InventoryItem.community_id.in_(f.community_ids))
    status = InventoryItem.status
    stmt = (
        sa.select(
            InventoryItem.kind,
            sa.func.count().label("baseline"),
            _count(status == CleanupStatus.KEEP).label("keep"),
            _count(status == CleanupStatus.REMOVE).label("to_remove"),
            _count(status == CleanupStatus.REMOVED).label("removed"),
        )
        .where(*criteria)
        .group_by(InventoryItem.kind)
    )
    found = {row.kind: row for row in db.session.execute(stmt)}
    items, total = [], {"baseline": 0, "keep": 0, "to_remove": 0, "removed": 0}
    for kind in Kind:
        row = found.get(kind)
        counts = {key: int(getattr(row, key)) if row else 0 for key in total}
        for key in total:
            total[key] += counts[key]
        items.append(_reduced({"kind": kind.value, **counts}))
    return {"by_kind": items, "total": _reduced(total)}


def _reduced(counts: dict) -> dict:
    counts["remaining"] = counts["baseline"] - counts["removed"]
    counts["rate"] = percent(counts["removed"], counts["baseline"])
    return counts


def report_criteria(f: Filters) -> list[sa.ColumnElement[bool]]:
    criteria = []
    if f.gate is not None:
        criteria.append(Report.gate_id == f.gate.id)
    if f.street is not None:
        criteria.append(Report.community_id.in_(f.community_ids))
    if f.year:
        criteria.append(sqltime.in_year(Report.created_at, f.year))
    return criteria


def reports_by_department(f: Filters) -> list[dict]:
    """Reports per department named (a registered department, or the name the reporter gave) and
    outcome (the report's state)."""
    name = sa.func.coalesce(Department.name, Report.department_name).label("name")
    code = Department.code.label("code")
    stmt = (
        sa.select(
            code,
            name,
            sa.func.count().label("total"),
            *[_count(Report.state == state).label(state.value) for state in ReportState],
        )
        .select_from(Report)
        .outerjoin(Department, Department.id == Report.department_id)
        .where(*report_criteria(f))
        .group_by(code, name)
        .order_by(sa.func.count().desc(), name)
    )
    return [
        {
            "department": row.code,
            "name": row.name,
            "total": row.total,
            **{state.value: int(getattr(row, state.value)) for state in ReportState},
        }
        for row in db.session.execute(stmt)
    ]


def reports_by_state(rows: list[dict]) -> list[dict]:
    """The outcome totals (the departments' rows added up: a few numbers, not rows of the table)."""
    return [{"state": state.value, "count": sum(row[state.value] for row in rows)} for state in ReportState]


# --- everything ------------------------------------------------------------------------------------


def statistics(f: Filters, *, late_named: int | None = LATE_NAMED) -> dict[str, Any]:
    """Every statistic of the dashboard for ``f``: nine statements, whatever the number of rows
    (``late_named``: how many late allocations are named; ``None``: all, for the exports)."""
    requests = requests_by_department_state_kind(f)
    reports = reports_by_department(f)
    money = money_statistics(f, late_named)
    return {
        "filters": f.as_dict(),
        "today": clock.today(),
        "requests": {
            "total": sum(item["count"] for item in requests["by_state"]),
            **requests,
            "by_month": requests_by_month(f),
        },
        "rates": rates(f),
        "decision_time": decision_times(f),
        "overdue": {
            "requests": overdue_requests(f),
            "money_fen": money["totals"]["overdue_fen"],
        },
        "money": money,
        "reduction": reduction(f),
        "reports": {"by_department": reports, "by_state": reports_by_state(reports)},
    }
