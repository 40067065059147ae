"""Balances of the money that follows duties: computed in SQL, never by loading rows into Python.

Overdue
    An allocation's money is overdue when the allocation is active, its due date has passed (from
    the day after the due date; on the due date itself it is not late yet) and less than its amount
    has been paid (carried over or disbursed). It marks the item on the community's list ("funds
    not received — the community may decline it").

Where the money is
    The sums run over every allocation except a superseded one whose money a successor carries
    (the same community in the authorisation that replaced it; ``carried_forward``): that money is
    counted once, in the successor's ``carried_fen`` and ``confirmed_fen``. A community dropped by
    a variation, and every allocation cancelled by a revocation, keeps its paid money on record and
    is counted.

The balances
    ``allocated``    the amount of an active allocation; what was paid on a closed one (nothing
                     more is owed there)
    ``disbursed``    what was paid, including money carried from an earlier version: across a
                     filter it equals the sum of the disbursements made
    ``confirmed``    what the communities confirmed they received
    ``outstanding``  what active allocations still lack (never negative: money carried beyond a
                     reduced amount leaves nothing owed)
    ``overdue``      the outstanding money of allocations past their due date
Each is whole fen (``BIGINT``). ``year`` filters by the year of the due date: money belongs to the
year it is due in.

Summed ahead
    ``AllocationSum`` holds the same balances (overdue aside: it is the outstanding money of the
    sums whose due date has passed), the count and the short allocations per authorisation and due
    date, kept by triggers on ``allocations`` (migration 0007, whose SQL says what ``paid``,
    ``lacking`` and ``balance_columns`` say here; a test compares the two after every kind of
    change). The statistics read them (``stats.money``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from gatekeeper.core import clock
from gatekeeper.extensions import db
from gatekeeper.modules.authorisations.models import Authorisation
from gatekeeper.modules.funds.models import Allocation, AllocationState
from gatekeeper.modules.jurisdictions.models import Department, Gate, Jurisdiction


def paid() -> sa.ColumnElement[int]:
    """What was paid to an allocation: carried over and disbursed."""
    return Allocation.carried_fen + Allocation.disbursed_fen


def lacking() -> sa.ColumnElement[int]:
    """What an allocation still lacks: ``amount - paid`` while active and short, else 0."""
    return sa.case(
        (
            sa.and_(Allocation.state == AllocationState.ACTIVE, Allocation.amount_fen > paid()),
            Allocation.amount_fen - paid(),
        ),
        else_=0,
    )


def total(expression) -> sa.ColumnElement[int]:
    """``SUM(expression)`` in whole fen, 0 over no rows."""
    # PostgreSQL's SUM of a BIGINT is a NUMERIC (a Decimal in Python): cast back to whole fen.
    return sa.cast(sa.func.coalesce(sa.func.sum(expression), 0), sa.BigInteger)


def funds_overdue(allocation: Allocation) -> bool:
    """Active, due date passed, and less than the amount paid (see the module docstring)."""
    return (
        allocation.state == AllocationState.ACTIVE
        and allocation.due_date < clock.today()
        and allocation.paid_fen < allocation.amount_fen
    )


def overdue_condition() -> sa.ColumnElement[bool]:
    """``funds_overdue`` as a WHERE clause over ``Allocation``."""
    return sa.and_(
        Allocation.state == AllocationState.ACTIVE,
        Allocation.due_date < clock.today(),
        paid() < Allocation.amount_fen,
    )


def where_the_money_is() -> sa.ColumnElement[bool]:
    """Every allocation except a superseded one whose money a successor carries (marked
    ``carried_forward`` by the variation that superseded it: a test on the row itself)."""
    return Allocation.carried_forward.is_(False)


#: The sums ``summed`` gives, and ``AllocationSum`` keeps, per authorisation and due date.
SUMMED = ("allocated_fen", "disbursed_fen", "confirmed_fen", "outstanding_fen", "allocations", "short")


def summed() -> list[sa.ColumnElement[int]]:
    """The balances as SQL aggregates over allocations, named as ``SUMMED``: ``allocated_fen`` ...
    ``outstanding_fen``, the count, and how many are short (active and paid less than the amount)."""
    active = Allocation.state == AllocationState.ACTIVE
    short = lacking()
    return [
        total(sa.case((active, Allocation.amount_fen), else_=paid())).label("allocated_fen"),
        total(paid()).label("disbursed_fen"),
        total(Allocation.confirmed_fen).label("confirmed_fen"),
        total(short).label("outstanding_fen"),
        sa.func.count(Allocation.id).label("allocations"),
        total(sa.case((short > 0, 1), else_=0)).label("short"),
    ]


def balance_columns() -> list[sa.ColumnElement[int]]:
    """The balances as SQL aggregates (``allocated_fen`` ... ``overdue_fen``) and ``allocations``."""
    allocated, disbursed, confirmed, outstanding, allocations, _short = summed()
    overdue = total(sa.case((Allocation.due_date < clock.today(), lacking()), else_=0)).label("overdue_fen")
    return [allocated, disbursed, confirmed, outstanding, overdue, allocations]


def _balances_of(*criteria: sa.ColumnElement[bool]) -> sa.Select:
    return (
        sa.select(*balance_columns())
        .select_from(Allocation)
        .join(Authorisation, Authorisation.id == Allocation.authorisation_id)
        .where(where_the_money_is(), *criteria)
    )


def balances(*criteria: sa.ColumnElement[bool]) -> dict[str, int]:
    """The balances of the allocations matching ``criteria`` (clauses over ``Allocation`` and
    ``Authorisation``), with one query: ``{"allocated_fen", ..., "overdue_fen", "allocations"}``."""
    return dict(db.session.execute(_balances_of(*criteria)).one()._mapping)


def summary_criteria(
    *,
    department: str | None = None,
    community: str | None = None,
    gate: str | None = None,
    year: int | None = None,
    authorisation: str | None = None,
) -> list[sa.ColumnElement[bool]]:
    """The WHERE clauses of the summary's filters (codes, a number; ``year`` of the due date)."""
    criteria = []
    if department:
        criteria.append(
            Authorisation.department_id.in_(sa.select(Department.id).where(Department.code == department))
        )
    if community:
        criteria.append(
            Allocation.community_id.in_(sa.select(Jurisdiction.id).where(Jurisdiction.code == community))
        )
    if gate:
        criteria.append(Authorisation.gate_id.in_(sa.select(Gate.id).where(Gate.code == gate)))
    if year:
        criteria.append(Allocation.due_date.between(dt.date(year, 1, 1), dt.date(year, 12, 31)))
    if authorisation:
        criteria.append(Authorisation.number == authorisation)
    return criteria


def summary(*criteria: sa.ColumnElement[bool]) -> dict[str, Any]:
    """Totals, per department and per community (GROUP BY): three queries, whatever the rows."""
    base = _balances_of(*criteria)
    by_department = db.session.execute(
        base.add_columns(Department.code, Department.name)
        .join(Department, Department.id == Authorisation.department_id)
        .group_by(Department.code, Department.name)
        .order_by(Department.code)
    ).all()
    by_community = db.session.execute(
        base.add_columns(Jurisdiction.code, Jurisdiction.name)
        .join(Jurisdiction, Jurisdiction.id == Allocation.community_id)
        .group_by(Jurisdiction.code, Jurisdiction.name)
        .order_by(Jurisdiction.code)
    ).all()
    return {
        "totals": dict(db.session.execute(base).one()._mapping),
        "departments": [dict(row._mapping) for row in by_department],
        "communities": [dict(row._mapping) for row in by_community],
    }
