"""The money summed per authorisation and due date (``allocation_sums``), kept by triggers on
``allocations``: right after every kind of change (allocation, payments one by one and in bulk,
confirmation, variation, revocation, set-based updates and deletes), and the same figures on the
dashboard whether they come from the sums or from the allocations themselves.

(Every test's ``db`` fixture also compares the sums with the allocations before rolling back.)"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from funds_support import allocation_at, allocations_of, approve, pay, revoke, supersede

from gatekeeper.core import clock
from gatekeeper.modules.funds import operations as ops
from gatekeeper.modules.funds.models import Allocation, AllocationState, AllocationSum
from gatekeeper.modules.stats import money
from gatekeeper.modules.stats import operations as stats_ops
from tests.factories import TODAY, user
from tests.support import allocation_sums_drift

NEW_SCOPE = {
    "scope": {"type": "communities", "codes": ["LJ0101", "LJ0103", "LJ0201"], "community_type": None},
    "funding": {"basis": "per_100_households", "amount_fen": 20000},
}


def sums_of(db, authorisation) -> dict[dt.date, tuple[int, ...]]:
    """The kept sums of ``authorisation`` by due date (rows of zeros left out)."""
    db.expire_all()
    rows = db.execute(
        sa.select(
            AllocationSum.due_date,
            AllocationSum.allocated_fen,
            AllocationSum.disbursed_fen,
            AllocationSum.confirmed_fen,
            AllocationSum.outstanding_fen,
            AllocationSum.allocations,
            AllocationSum.short,
        ).where(AllocationSum.authorisation_id == authorisation.id)
    )
    return {row[0]: tuple(row[1:]) for row in rows if any(row[1:])}


def by_hand(allocations: list[Allocation]) -> dict[dt.date, tuple[int, ...]]:
    """The same sums worked out in Python, allocation by allocation (``Allocation``'s properties)."""
    sums: dict[dt.date, list[int]] = {}
    for a in allocations:
        if a.carried_forward:
            continue
        row = sums.setdefault(a.due_date, [0] * 6)
        allocated = a.amount_fen if a.state == AllocationState.ACTIVE else a.paid_fen
        for i, value in enumerate(
            (allocated, a.paid_fen, a.confirmed_fen, a.outstanding_fen, 1, int(a.outstanding_fen > 0))
        ):
            row[i] += value
    return {day: tuple(row) for day, row in sums.items() if any(row)}


def agree(db, *authorisations) -> None:
    for authorisation in authorisations:
        assert sums_of(db, authorisation) == by_hand(allocations_of(authorisation))
    assert allocation_sums_drift(db.connection()) == []


def test_the_sums_follow_every_change_to_the_money(db):
    old = approve()
    allocations = allocations_of(old)
    due = allocations[0].due_date
    total = sum(a.amount_fen for a in allocations)
    assert sums_of(db, old) == {due: (total, 0, 0, total, len(allocations), len(allocations))}

    confirmed = pay(allocation_at(old, "LJ0101"), 100000)
    ops.confirm(confirmed, actor=user("head"))
    db.commit()
    pay(allocation_at(old, "LJ0102"), allocation_at(old, "LJ0102").amount_fen)  # paid up: not short
    ops.record_bulk(old, 140000, TODAY, "财政拨付-批量", actor=user("officer"))
    db.commit()
    agree(db, old)
    kept = sums_of(db, old)[due]
    assert kept[1] == 100000 + allocation_at(old, "LJ0102").amount_fen + 140000  # every payment, once
    assert kept[2] == 100000 and kept[5] < len(allocations)

    new = approve(**NEW_SCOPE)
    supersede(old, new)
    carried = {a.community.code for a in allocations_of(old) if a.carried_forward}
    assert carried == {"LJ0101", "LJ0103"}  # in both scopes (LJ0201 is new; the others were dropped)
    agree(db, old, new)
    assert sums_of(db, old)[due][4] == len(allocations) - 2  # their money is counted in the new one

    revoke(new)
    agree(db, old, new)
    assert sums_of(db, new)[allocation_at(new, "LJ0101").due_date][3] == 0  # nothing more is owed


def test_set_based_updates_and_deletes_move_the_sums(db):
    authorisation = approve()
    first, second, *rest = allocations_of(authorisation)
    due = first.due_date
    later = due + dt.timedelta(days=90)
    db.execute(sa.update(Allocation).where(Allocation.id.in_([first.id, second.id])).values(due_date=later))
    db.execute(
        sa.update(Allocation).where(Allocation.id == rest[0].id).values(amount_fen=Allocation.amount_fen + 7)
    )
    db.execute(sa.update(Allocation).where(Allocation.id == rest[1].id).values(closed_at=clock.now()))
    db.execute(sa.delete(Allocation).where(Allocation.id == rest[-1].id))
    agree(db, authorisation)
    kept = sums_of(db, authorisation)
    assert set(kept) == {due, later}
    assert kept[later][4] == 2 and kept[due][4] == len(rest) - 1


def test_the_check_of_the_sums_sees_a_sum_that_drifted(db):
    authorisation = approve()
    db.execute(
        sa.update(AllocationSum)
        .where(AllocationSum.authorisation_id == authorisation.id)
        .values(confirmed_fen=AllocationSum.confirmed_fen + 1)
    )
    drift = allocation_sums_drift(db.connection())
    assert [key[0] for key, _kept, _fresh in drift] == [authorisation.id]
    db.execute(
        sa.update(AllocationSum)
        .where(AllocationSum.authorisation_id == authorisation.id)
        .values(confirmed_fen=AllocationSum.confirmed_fen - 1)
    )
    assert allocation_sums_drift(db.connection()) == []


def test_the_dashboard_money_is_the_same_from_the_sums_and_from_the_allocations(db):
    """Without a street the money comes from the sums; with one, from the allocations of its
    communities. Every allocation here is in street LJ01, so both must say the same."""
    old = approve()
    pay(allocation_at(old, "LJ0101"), 100000)
    new = approve(**{**NEW_SCOPE, "scope": {**NEW_SCOPE["scope"], "codes": ["LJ0101", "LJ0103"]}})
    supersede(old, new)
    pay(allocation_at(new, "LJ0103"), 2500)
    with clock.frozen(dt.datetime(2027, 3, 1, 9, tzinfo=clock.timezone())):  # some money is overdue
        whole = money.money_statistics(stats_ops.resolve_filters({"gate": "LJ"}))
        street = money.money_statistics(stats_ops.resolve_filters({"gate": "LJ", "street": "LJ01"}))
    assert whole["totals"]["allocations"] > 0 and whole["totals"]["overdue_fen"] > 0
    assert whole["totals"] == street["totals"]
    assert whole["by_department_year"] == street["by_department_year"]
    assert whole["late"]["total"] == street["late"]["total"] > 0
