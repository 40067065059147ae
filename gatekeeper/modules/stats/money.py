"""The money that follows duties, as statistics: committed, disbursed, confirmed, outstanding and
overdue per department and year due (one grouped pass whose groups add up to the totals), and the
late allocations named. The balances are those of ``funds.balances``."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from gatekeeper.core import clock
from gatekeeper.extensions import db
from gatekeeper.modules.authorisations.models import Authorisation
from gatekeeper.modules.funds import balances
from gatekeeper.modules.funds.models import Allocation, AllocationSum
from gatekeeper.modules.jurisdictions.models import Department, Jurisdiction
from gatekeeper.modules.stats import sqltime
from gatekeeper.modules.stats.base import Filters, place_and_year

#: How many late allocations the dashboard and the API name, most overdue first (all are counted and
#: summed; the CSV and XLSX exports list every one).
LATE_NAMED = 20


def money_criteria(f: Filters) -> list[sa.ColumnElement[bool]]:
    return [
        balances.where_the_money_is(),
        *place_and_year(
            f,
            gate_id=Authorisation.gate_id,
            community_id=Allocation.community_id,
            in_year=lambda year: sqltime.date_in_year(Allocation.due_date, year),
        ),
    ]


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
    totals over the same filters. Summed per department and due date first (``_by_due_date``), then
    per year: the year, and whether the money is overdue (due before today), are worked out once per
    group of the first pass rather than once per allocation."""
    by_day = _by_due_date(f)
    # ``funds.balances``: overdue money is what an allocation lacks once its due date has passed
    past_due = by_day.c.due_date < clock.today()
    year = sqltime.year_of(by_day.c.due_date).label("year")
    sums = {key: balances.total(by_day.c[key]) for key in MONEY_KEYS if key != "overdue_fen"}
    stmt = (
        sa.select(
            Department.code,
            Department.name,
            year,
            *(column.label(key) for key, column in sums.items()),
            balances.total(sa.case((past_due, by_day.c.outstanding_fen), else_=0)).label("overdue_fen"),
            balances.total(sa.case((past_due, by_day.c.short), else_=0)).label("late"),
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


def _by_due_date(f: Filters) -> sa.Subquery:
    """The balances summed per department and due date (``balances.SUMMED``), from the sums per
    authorisation and due date (``_by_authorisation``) of the authorisations the gate filter keeps."""
    sums = _by_authorisation(f)
    gate = [Authorisation.gate_id == f.gate.id] if f.gate is not None else []
    return (
        sa.select(
            *(balances.total(sums.c[key]).label(key) for key in balances.SUMMED),
            Authorisation.department_id,
            sums.c.due_date,
        )
        .select_from(sums)
        .join(Authorisation, Authorisation.id == sums.c.authorisation_id)
        .where(*gate)
        .group_by(Authorisation.department_id, sums.c.due_date)
        .subquery("by_day")
    )


def _by_authorisation(f: Filters) -> sa.Subquery:
    """``balances.SUMMED`` per authorisation and due date, in the year filtered on. Without a
    street, the sums the triggers keep (``AllocationSum``: a few rows per authorisation); with one,
    the allocations of the street's communities summed (the sums are not kept per community), read
    from the index that holds their balances (``ix_allocations_community_money``) and summed before
    any other table is joined, whatever the database's plan would otherwise start from."""
    if f.street is None:
        kept = AllocationSum
        year = [sqltime.date_in_year(kept.due_date, f.year)] if f.year else []
        return (
            sa.select(kept.authorisation_id, kept.due_date, *(getattr(kept, key) for key in balances.SUMMED))
            .where(*year)
            .subquery("sums")
        )
    year = [sqltime.date_in_year(Allocation.due_date, f.year)] if f.year else []
    return (
        sa.select(Allocation.authorisation_id, Allocation.due_date, *balances.summed())
        .where(
            Allocation.community_id.in_(f.community_ids),
            balances.where_the_money_is(),
            *year,
        )
        .group_by(Allocation.authorisation_id, Allocation.due_date)
        .subquery("sums")
    )


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
