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
least 50% / 90% of the durations at or below it), read off the durations counted per value in SQL.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import sqlalchemy as sa

from gatekeeper.core import clock
from gatekeeper.extensions import db
from gatekeeper.modules.catalogue.models import Kind
from gatekeeper.modules.jurisdictions.models import Department
from gatekeeper.modules.requests.models import AdmissionRequest, RequestEvent, RequestState, ScopeType
from gatekeeper.modules.stats import sqltime
from gatekeeper.modules.stats.base import Filters, count_if, rate
from gatekeeper.modules.stats.money import LATE_NAMED, money_statistics
from gatekeeper.modules.stats.supervision import reduction, reports_by_department, reports_by_state

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


# --- requests ------------------------------------------------------------------------------------


def requests_by_department_state_kind(f: Filters) -> dict[str, list[dict]]:
    """Requests by state, by department (each state counted) and by kind, added up from one pass
    grouped by department, state and kind (each request is in exactly one group; at most
    departments × states × kinds rows)."""
    # counted per department id first, named after: the join is to the groups, not to every request
    groups = (
        sa.select(R.department_id, R.state, R.kind, sa.func.count().label("count"))
        .where(*request_criteria(f))
        .group_by(R.department_id, R.state, R.kind)
        .subquery("groups")
    )
    stmt = (
        sa.select(Department.code, Department.name, groups.c.state, groups.c.kind, groups.c["count"])
        .join(Department, Department.id == groups.c.department_id)
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
            count_if(E.action == "submit").label("submissions"),
            count_if(E.to_state == RequestState.RETURNED).label("returns"),
            count_if(decide).label("decisions"),
            count_if(sa.and_(decide, E.to_state.in_((RequestState.APPROVED, RequestState.REFERRED)))).label(
                "approvals"
            ),
            count_if(sa.and_(decide, E.to_state == RequestState.REJECTED)).label("rejections"),
            count_if(sa.and_(decide, E.to_state == RequestState.RETURNED)).label("decision_returns"),
            count_if(sa.and_(decide, E.to_state == RequestState.REFERRED)).label("referrals"),
            count_if(sa.and_(E.action == "ruling", E.to_state == RequestState.APPROVED)).label(
                "rulings_approved"
            ),
            count_if(sa.and_(E.action == "ruling", E.to_state == RequestState.REJECTED)).label(
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


def decision_times(f: Filters) -> dict[str, Any]:
    """Median and p90 working days from acceptance (and from submission) to each decision (the
    round's times are kept on the decision: ``RequestEvent.round_accepted_at``)."""
    # Decisions without their round's times (none are expected) are left out below, not here:
    # PostgreSQL then estimates the decisions from the action alone (it multiplied the three
    # conditions, expected a few dozen rows and looked each request up in a loop).
    base = (
        sa.select(
            sqltime.local_date(E.round_accepted_at).label("accepted"),
            sqltime.local_date(E.round_submitted_at).label("submitted"),
            sqltime.local_date(E.at).label("decided"),
        )
        .select_from(E)
        .join(R, R.id == E.request_id)
        .where(E.action == "decide", *_event_criteria(f))
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
        # every day is numbered, so outer joins find the same rows; they keep the decisions as the
        # outer loop (SQLite otherwise took the numbered days first and scanned the decisions for each)
        .outerjoin(accepted, accepted.c.day == base.c.accepted)
        .outerjoin(submitted, submitted.c.day == base.c.submitted)
        .outerjoin(decided_on, decided_on.c.day == base.c.decided)
        .where(base.c.accepted.is_not(None), base.c.submitted.is_not(None))
        .cte("durations")
    )
    # The durations counted per value (a few dozen distinct working-day counts, however many
    # decisions): the percentiles are read off the counts, no sort of every decision.
    histogram = sa.union_all(
        *(
            sa.select(
                sa.literal(which).label("which"), column.label("days"), sa.func.count().label("n")
            ).group_by(column)
            for which, column in (("a", durations.c.a), ("s", durations.c.s))
        )
    )
    counts: dict[str, list[tuple[int, int]]] = {"a": [], "s": []}
    for row in db.session.execute(histogram):
        counts[row.which].append((int(row.days), int(row.n)))
    return {
        "from_acceptance": _percentiles(counts["a"]),
        "from_submission": _percentiles(counts["s"]),
    }


def nearest_rank(counts: list[tuple[int, int]], percent_: int) -> int | None:
    """The smallest value with at least ``percent_``% of the values at or below it, from
    ``(value, how many)`` pairs; ``None`` over nothing."""
    total = sum(n for _value, n in counts)
    if not total:
        return None
    wanted = (total * percent_ + 99) // 100
    seen = 0
    for value, n in sorted(counts):
        seen += n
        if seen >= wanted:
            return value
    raise AssertionError("unreachable: the counts add up to the total")


def _percentiles(counts: list[tuple[int, int]]) -> dict[str, int | None]:
    return {
        "decisions": sum(n for _value, n in counts),
        "median": nearest_rank(counts, 50),
        "p90": nearest_rank(counts, 90),
        "max": max((value for value, _n in counts), default=None),
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
