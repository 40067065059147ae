"""Allocations: created on approval for each funding basis, due in working days, written in bulk;
cancelled by a revocation; carried over by a variation."""

from __future__ import annotations

import datetime as dt

import chinese_calendar
import pytest
import sqlalchemy as sa
from funds_support import (
    ALL,
    LUMP_SUM,
    PER_100,
    PER_COMMUNITY,
    UNFUNDED,
    allocation_at,
    allocations_of,
    approve,
    disbursements_of,
    head_of,
    households_in_scope,
    pay,
    revoke,
    supersede,
)

from gatekeeper.core import audit, clock
from gatekeeper.core.errors import InvalidTransition, ValidationFailed
from gatekeeper.modules.funds import balances, formula
from gatekeeper.modules.funds import operations as ops
from gatekeeper.modules.funds.models import Allocation, AllocationState
from tests.factories import TODAY, user
from tests.support import count_statements


def working_days_after(start: dt.date, count: int) -> dt.date:
    """``count`` official working days after ``start``, by the ``chinese-calendar`` package."""
    day = start
    while count:
        day += dt.timedelta(days=1)
        if chinese_calendar.is_workday(day):
            count -= 1
    return day


# --- allocation on approval ---------------------------------------------------------------------


@pytest.mark.parametrize("funding", [PER_100, PER_COMMUNITY, LUMP_SUM], ids=lambda f: f["funding"]["basis"])
def test_approval_allocates_each_community_its_formula_amount(db, funding):
    authorisation = approve(**funding)
    allocations = allocations_of(authorisation)
    households = households_in_scope(authorisation)
    assert len(allocations) == len(households) == 14
    expected = formula.allocate(
        funding["funding"]["basis"],
        funding["funding"]["amount_fen"],
        households,
        authorisation.valid_from,
        authorisation.valid_to,
    )
    assert [a.amount_fen for a in allocations] == expected
    assert {a.state for a in allocations} == {AllocationState.ACTIVE}
    assert {(a.carried_fen, a.disbursed_fen, a.confirmed_fen) for a in allocations} == {(0, 0, 0)}
    assert all(a.closed_at is None for a in allocations)
    if funding is LUMP_SUM:
        assert sum(a.amount_fen for a in allocations) == 7000001


def test_per_100_households_over_one_year_is_the_rate_times_households(db):
    authorisation = approve(**PER_100)  # 2026-09-01 .. 2027-08-31: exactly one year
    assert formula.years(authorisation.valid_from, authorisation.valid_to) == 1
    assert allocation_at(authorisation, "LJ0101").amount_fen == 15000 * 4110 // 100


def test_an_unfunded_authorisation_gets_no_allocations(db):
    authorisation = approve(**UNFUNDED)
    assert authorisation.funding_basis.value == "none"
    assert allocations_of(authorisation) == []
    assert balances.balances(Allocation.authorisation_id == authorisation.id)["allocations"] == 0


def test_the_money_is_due_working_days_after_the_start(db, world):
    authorisation = approve()
    # 30 working days (the gate's default) after 1 September 2026, over the National Day holidays
    expected = working_days_after(dt.date(2026, 9, 1), 30)
    assert {a.due_date for a in allocations_of(authorisation)} == {expected}
    assert expected > dt.date(2026, 9, 1) + dt.timedelta(days=42)  # the holidays do not count


def test_the_gate_sets_the_funding_schedule(db, world):
    world.gate.settings = {**(world.gate.settings or {}), "funding_due_days": 5}
    db.commit()
    authorisation = approve()
    assert allocation_at(authorisation, "LJ0101").due_date == working_days_after(dt.date(2026, 9, 1), 5)


def test_the_due_date_counts_from_the_issue_when_the_validity_started_before(db):
    authorisation = approve()
    authorisation.valid_from = dt.date(2026, 5, 1)  # not stored: what due_date() makes of it
    assert ops.due_date(authorisation) == working_days_after(TODAY, 30)
    db.rollback()


def test_allocation_is_audited_once_with_the_total(db):
    authorisation = approve(**LUMP_SUM)
    entries = db.scalars(
        sa.select(audit.AuditEntry).where(
            audit.AuditEntry.action == "funds.allocate", audit.AuditEntry.object_id == str(authorisation.id)
        )
    ).all()
    assert len(entries) == 1
    assert entries[0].after["total_fen"] == 7000001 and entries[0].after["allocations"] == 14


def _statements_of_allocate(db, authorisation) -> list[str]:
    db.execute(sa.delete(Allocation).where(Allocation.authorisation_id == authorisation.id))
    db.flush()
    statements = count_statements(lambda: ops.allocate(authorisation, actor=user("chair")))
    assert len(allocations_of(authorisation)) == authorisation.community_count
    return statements


def test_allocation_takes_the_same_statements_for_14_or_80_communities(db):
    street = _statements_of_allocate(db, approve())
    district = _statements_of_allocate(db, approve(**ALL))
    assert len(street) == len(district) <= 4, district
    inserts = [s for s in district if s.lstrip().upper().startswith("INSERT INTO ALLOCATIONS")]
    assert len(inserts) == 1


# --- revocation: cancel_unpaid ------------------------------------------------------------------


def test_revocation_cancels_what_is_unpaid_and_keeps_what_was_paid(db):
    authorisation = approve()
    lj0101 = allocation_at(authorisation, "LJ0101")
    paid = pay(lj0101, 100000)
    ops.confirm(paid, actor=user("head"))
    db.commit()
    unconfirmed = pay(allocation_at(authorisation, "LJ0102"), 2500)
    revoke(authorisation)

    allocations = allocations_of(authorisation)
    assert {a.state for a in allocations} == {AllocationState.CANCELLED}
    assert all(a.closed_at is not None for a in allocations)
    assert all(a.outstanding_fen == 0 for a in allocations)
    lj0101 = allocation_at(authorisation, "LJ0101")
    assert (lj0101.disbursed_fen, lj0101.confirmed_fen) == (100000, 100000)
    totals = balances.balances(Allocation.authorisation_id == authorisation.id)
    assert totals["allocated_fen"] == totals["disbursed_fen"] == 102500
    assert totals["confirmed_fen"] == 100000
    assert totals["outstanding_fen"] == totals["overdue_fen"] == 0

    with pytest.raises(InvalidTransition):
        ops.record_disbursement(lj0101, 1, TODAY, "x", actor=user("officer"))
    db.rollback()
    # the community can still confirm money paid before the revocation
    ops.confirm(unconfirmed, actor=head_of("LJ0102"))
    db.commit()
    assert allocation_at(authorisation, "LJ0102").confirmed_fen == 2500


def test_cancel_unpaid_is_one_update_and_audited(db):
    authorisation = approve(**ALL)
    statements = count_statements(lambda: ops.cancel_unpaid(authorisation, actor=user("secretariat")))
    updates = [s for s in statements if s.lstrip().upper().startswith("UPDATE ALLOCATIONS")]
    assert len(updates) == 1
    db.commit()
    entry = db.scalar(sa.select(audit.AuditEntry).where(audit.AuditEntry.action == "funds.cancel_unpaid"))
    assert entry.after["allocations"] == 80
    assert entry.after["cancelled_fen"] == sum(a.amount_fen for a in allocations_of(authorisation))


# --- variation: carry_over ----------------------------------------------------------------------


NEW_SCOPE = {
    "scope": {"type": "communities", "codes": ["LJ0101", "LJ0103", "LJ0201"], "community_type": None},
    "funding": {"basis": "per_100_households", "amount_fen": 20000},
}


def test_a_variation_carries_the_money_community_by_community(db):
    old = approve()
    confirmed = pay(allocation_at(old, "LJ0101"), 100000)
    ops.confirm(confirmed, actor=user("head"))
    db.commit()
    late = pay(allocation_at(old, "LJ0101"), 30000)  # confirmed only after the variation
    dropped = pay(allocation_at(old, "LJ0102"), 50000)  # LJ0102 is not in the new scope
    new = approve(**NEW_SCOPE)
    new_total = sum(a.amount_fen for a in allocations_of(new))
    supersede(old, new)

    assert {a.state for a in allocations_of(old)} == {AllocationState.SUPERSEDED}
    assert all(a.closed_at is not None for a in allocations_of(old))
    carried = {
        a.community.code: (a.carried_fen, a.confirmed_fen, a.disbursed_fen) for a in allocations_of(new)
    }
    assert carried == {"LJ0101": (130000, 100000, 0), "LJ0103": (0, 0, 0), "LJ0201": (0, 0, 0)}
    assert allocation_at(new, "LJ0101").outstanding_fen == allocation_at(new, "LJ0101").amount_fen - 130000
    dropped_allocation = allocation_at(old, "LJ0102")
    assert (dropped_allocation.disbursed_fen, dropped_allocation.outstanding_fen) == (50000, 0)

    # across both versions the money is counted once
    both = balances.balances(Allocation.authorisation_id.in_([old.id, new.id]))
    assert both["disbursed_fen"] == 180000  # every payment, once
    assert both["allocated_fen"] == new_total + 50000  # the new amounts, and what the dropped one got
    assert both["outstanding_fen"] == new_total - 130000
    assert both["confirmed_fen"] == 100000

    # a confirmation after the variation counts on the old allocation and on its successor
    ops.confirm(late, actor=user("head"))
    ops.confirm(dropped, actor=head_of("LJ0102"))
    db.commit()
    assert allocation_at(old, "LJ0101").confirmed_fen == 130000
    assert allocation_at(new, "LJ0101").confirmed_fen == 130000
    assert allocation_at(old, "LJ0102").confirmed_fen == 50000
    assert balances.balances(Allocation.authorisation_id.in_([old.id, new.id]))["confirmed_fen"] == 180000

    # the superseded allocations take no more money; the new ones only what is still lacking
    with pytest.raises(InvalidTransition):
        ops.record_disbursement(allocation_at(old, "LJ0103"), 1, TODAY, "x", actor=user("officer"))
    db.rollback()
    lacking = allocation_at(new, "LJ0101").outstanding_fen
    with pytest.raises(ValidationFailed) as refused:
        ops.record_disbursement(allocation_at(new, "LJ0101"), lacking + 1, TODAY, "x", actor=user("officer"))
    assert refused.value.code == "over_payment"
    db.rollback()


def test_money_paid_beyond_a_reduced_amount_stays_carried_and_nothing_more_is_owed(db):
    old = approve()
    full = allocation_at(old, "LJ0101").amount_fen  # 616,500 fen for a year
    pay(allocation_at(old, "LJ0101"), full)
    # the variation shortens the validity to four months: the amount falls below what was paid
    new = approve(
        end_date="2026-12-31", scope={"type": "communities", "codes": ["LJ0101"], "community_type": None}
    )
    supersede(old, new)
    successor = allocation_at(new, "LJ0101")
    assert successor.carried_fen == full > successor.amount_fen
    assert successor.outstanding_fen == 0
    with pytest.raises(ValidationFailed) as refused:
        ops.record_disbursement(successor, 1, TODAY, "x", actor=user("officer"))
    assert refused.value.extra["outstanding_fen"] == 0
    db.rollback()
    totals = balances.balances(Allocation.authorisation_id.in_([old.id, new.id]))
    assert totals["disbursed_fen"] == full and totals["outstanding_fen"] == 0


def test_carry_over_is_set_based(db):
    old = approve(**ALL)
    new = approve(**ALL, funding={"basis": "per_100_households", "amount_fen": 16000})
    old.status, old.superseded_by_id = old.status.SUPERSEDED, new.id
    old.ended_at = clock.now()
    db.flush()
    statements = count_statements(lambda: ops.carry_over(old, new, actor=user("chair")))
    updates = [s for s in statements if s.lstrip().upper().startswith("UPDATE ALLOCATIONS")]
    assert len(updates) == 2 and len(statements) <= 4, statements
    db.commit()
    assert {a.state for a in allocations_of(old)} == {AllocationState.SUPERSEDED}
    assert len(allocations_of(new)) == 80


def test_disbursements_keep_their_allocation_through_a_variation(db):
    old = approve()
    first = pay(allocation_at(old, "LJ0101"), 1000)
    new = approve(**NEW_SCOPE)
    supersede(old, new)
    assert [d.id for d in disbursements_of(allocation_at(old, "LJ0101"))] == [first.id]
    assert disbursements_of(allocation_at(new, "LJ0101")) == []
