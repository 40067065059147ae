"""Disbursements: recorded against one allocation or in bulk, never beyond what is outstanding;
confirmed or disputed by the community head; overdue money."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest
import sqlalchemy as sa
from flask_babel import force_locale
from funds_support import (
    ALL,
    allocation_at,
    allocations_of,
    approve,
    disbursements_of,
    pay,
    revoke,
)

from gatekeeper.core import audit, clock
from gatekeeper.core.errors import InvalidTransition, ValidationFailed
from gatekeeper.modules.funds import balances, workflow
from gatekeeper.modules.funds import operations as ops
from gatekeeper.modules.funds.models import Allocation, Disbursement, DisbursementState
from gatekeeper.modules.notifications.messages import message
from gatekeeper.modules.notifications.models import Notification, NotificationKind
from tests.factories import TODAY, user
from tests.support import count_statements


def notifications(db, kind: NotificationKind) -> list[Notification]:
    return list(
        db.scalars(sa.select(Notification).where(Notification.kind == kind).order_by(Notification.id))
    )


def disbursement_count(db) -> int:
    return db.scalar(sa.select(sa.func.count()).select_from(Disbursement))


# --- one allocation -----------------------------------------------------------------------------


def test_a_payment_is_recorded_audited_and_told_to_the_head(db, app):
    authorisation = approve()
    disbursement = pay(allocation_at(authorisation, "LJ0101"), 123456, reference="  江财拨〔2026〕88号 ")
    assert disbursement.state == DisbursementState.RECORDED
    assert (disbursement.amount_fen, disbursement.paid_on) == (123456, TODAY)
    assert disbursement.reference == "江财拨〔2026〕88号"
    assert disbursement.recorded_by.username == "officer" and disbursement.batch is None
    allocation = allocation_at(authorisation, "LJ0101")
    assert allocation.disbursed_fen == 123456
    assert allocation.outstanding_fen == allocation.amount_fen - 123456
    entry = db.scalar(sa.select(audit.AuditEntry).where(audit.AuditEntry.action == "disbursement.record"))
    assert entry.after["amount_fen"] == 123456 and entry.after["community"] == "LJ0101"

    told = notifications(db, NotificationKind.FUNDS_PAID)
    assert [n.user_id for n in told] == [user("head").id]
    assert told[0].authorisation_id == authorisation.id and told[0].request_id is None
    with app.test_request_context(), force_locale("en"):
        worded = message(told[0])
        assert "1234.56 yuan" in worded and authorisation.number in worded and "区卫" in worded
    with app.test_request_context(), force_locale("zh"):
        worded = message(told[0])
        assert "1234.56" in worded and "江财拨〔2026〕88号" in worded and "元" in worded


def test_the_whole_outstanding_amount_can_be_paid_and_not_a_fen_more(db):
    authorisation = approve()
    amount = allocation_at(authorisation, "LJ0101").amount_fen
    pay(allocation_at(authorisation, "LJ0101"), 1000)
    with pytest.raises(ValidationFailed) as refused:
        ops.record_disbursement(
            allocation_at(authorisation, "LJ0101"), amount - 999, TODAY, "x", actor=user("officer")
        )
    db.rollback()
    error = refused.value
    assert error.code == "over_payment" and error.status == 422
    assert list(error.fields) == ["amount_fen"]
    assert error.extra == {
        "outstanding_fen": amount - 1000,
        "outstanding_yuan": f"{(amount - 1000) / 100:.2f}",
    }
    assert error.extra["outstanding_yuan"] in error.message
    assert allocation_at(authorisation, "LJ0101").disbursed_fen == 1000  # nothing written
    assert disbursement_count(db) == 1

    pay(allocation_at(authorisation, "LJ0101"), amount - 1000)
    allocation = allocation_at(authorisation, "LJ0101")
    assert allocation.outstanding_fen == 0 and allocation.disbursed_fen == amount
    with pytest.raises(ValidationFailed):
        ops.record_disbursement(allocation, 1, TODAY, "x", actor=user("officer"))
    db.rollback()


@pytest.mark.parametrize(
    ("amount", "paid_on", "reference", "fields"),
    [
        (0, TODAY, "x", {"amount_fen"}),
        (100, TODAY + dt.timedelta(days=1), "x", {"date"}),
        (100, TODAY - dt.timedelta(days=1), "x", {"date"}),  # before the authorisation was issued
        (100, TODAY, "   ", {"reference"}),
        (0, TODAY + dt.timedelta(days=3), "", {"amount_fen", "date", "reference"}),
    ],
)
def test_a_payment_needs_an_amount_a_date_and_a_reference(db, amount, paid_on, reference, fields):
    allocation = allocation_at(approve(), "LJ0101")
    with pytest.raises(ValidationFailed) as refused:
        ops.record_disbursement(allocation, amount, paid_on, reference, actor=user("officer"))
    assert set(refused.value.fields) == fields
    db.rollback()
    assert disbursement_count(db) == 0


def test_a_payment_can_be_dated_any_day_since_the_issue(db):
    authorisation = approve()
    with clock.frozen(dt.date(2026, 6, 20)):
        pay(allocation_at(authorisation, "LJ0101"), 100, on=TODAY)
        pay(allocation_at(authorisation, "LJ0101"), 100, on=dt.date(2026, 6, 20))
    assert allocation_at(authorisation, "LJ0101").disbursed_fen == 200


def test_an_expired_authorisation_still_owes_its_money(db):
    authorisation = approve()
    authorisation.status = authorisation.status.EXPIRED
    authorisation.ended_at = clock.now()
    db.commit()
    pay(allocation_at(authorisation, "LJ0101"), 100)
    assert allocation_at(authorisation, "LJ0101").disbursed_fen == 100


def test_a_revoked_authorisation_takes_no_payment(db):
    authorisation = approve()
    revoke(authorisation)
    with pytest.raises(InvalidTransition) as refused:
        ops.record_disbursement(allocation_at(authorisation, "LJ0101"), 1, TODAY, "x", actor=user("officer"))
    assert refused.value.status == 409 and refused.value.code == "not_payable"
    db.rollback()
    with pytest.raises(InvalidTransition):
        ops.record_bulk(authorisation, 1, TODAY, "x", actor=user("officer"))
    db.rollback()


# --- in bulk ------------------------------------------------------------------------------------


def test_a_bulk_payment_is_spread_by_what_each_community_lacks(db):
    authorisation = approve()
    pay(allocation_at(authorisation, "LJ0101"), allocation_at(authorisation, "LJ0101").amount_fen)  # paid up
    pay(allocation_at(authorisation, "LJ0102"), 100000)
    lacking = {a.community.code: a.outstanding_fen for a in allocations_of(authorisation)}
    total = sum(lacking.values())
    amount = total // 3 + 7
    created = ops.record_bulk(authorisation, amount, TODAY, "江财拨〔2026〕90号", actor=user("officer"))
    db.commit()

    assert sum(d.amount_fen for d in created) == amount
    assert len({d.batch for d in created}) == 1 and created[0].batch is not None
    shares = {d.allocation.community.code: d.amount_fen for d in created}
    assert "LJ0101" not in shares  # it lacked nothing
    assert len(shares) == 13
    for code, share in shares.items():
        assert abs(share - Fraction(amount * lacking[code], total)) < 1
    for allocation in allocations_of(authorisation):
        code = allocation.community.code
        assert allocation.outstanding_fen == lacking[code] - shares.get(code, 0)
    entry = db.scalar(
        sa.select(audit.AuditEntry).where(audit.AuditEntry.action == "disbursement.record_bulk")
    )
    assert entry.after["allocations"] == 13 and entry.after["amount_fen"] == amount
    # LJ0101 got nothing of this batch: its head was told of the earlier payment only (LJ0102 has none)
    assert [n.user_id for n in notifications(db, NotificationKind.FUNDS_PAID)] == [user("head").id]


def test_a_bulk_payment_tells_each_head_once_with_their_share(db, app):
    authorisation = approve()
    created = ops.record_bulk(authorisation, 140000, TODAY, "江财拨〔2026〕91号", actor=user("officer"))
    db.commit()
    share = next(d.amount_fen for d in created if d.allocation.community.code == "LJ0101")
    told = notifications(db, NotificationKind.FUNDS_PAID)
    assert [n.user_id for n in told] == [user("head").id]
    assert told[0].params["amount_fen"] == share


def test_a_bulk_payment_of_everything_outstanding_pays_every_community_up(db):
    authorisation = approve()
    total = sum(a.outstanding_fen for a in allocations_of(authorisation))
    ops.record_bulk(authorisation, total, TODAY, "全额拨付", actor=user("officer"))
    db.commit()
    assert {a.outstanding_fen for a in allocations_of(authorisation)} == {0}


def test_a_bulk_over_payment_is_refused_and_writes_nothing(db):
    authorisation = approve()
    total = sum(a.outstanding_fen for a in allocations_of(authorisation))
    with pytest.raises(ValidationFailed) as refused:
        ops.record_bulk(authorisation, total + 1, TODAY, "x", actor=user("officer"))
    assert refused.value.code == "over_payment" and refused.value.extra["outstanding_fen"] == total
    db.rollback()
    assert disbursement_count(db) == 0
    assert {a.disbursed_fen for a in allocations_of(authorisation)} == {0}


def test_a_bulk_payment_takes_the_same_statements_for_14_or_80_communities(db):
    counts = []
    for scope in ({}, ALL):
        authorisation = approve(**scope)
        statements = count_statements(
            lambda a=authorisation: ops.record_bulk(a, 100000, TODAY, "x", actor=user("officer"))
        )
        counts.append(len(statements))
        db.rollback()
    assert counts[0] == counts[1], counts


# --- confirm and dispute -------------------------------------------------------------------------


def test_confirming_counts_the_money_as_received(db):
    authorisation = approve()
    disbursement = pay(allocation_at(authorisation, "LJ0101"), 5000)
    ops.confirm(disbursement, actor=user("head"))
    db.commit()
    assert disbursement.state == DisbursementState.CONFIRMED
    assert disbursement.answered_by.username == "head" and disbursement.answered_at is not None
    assert allocation_at(authorisation, "LJ0101").confirmed_fen == 5000
    with pytest.raises(InvalidTransition) as again:
        ops.confirm(disbursement, actor=user("head"))
    assert again.value.status == 409 and again.value.extra["allowed"] == []
    db.rollback()
    with pytest.raises(InvalidTransition):
        ops.dispute(disbursement, "没收到", actor=user("head"))
    db.rollback()
    assert allocation_at(authorisation, "LJ0101").confirmed_fen == 5000


def test_a_dispute_needs_a_reason_and_tells_the_department(db, app):
    authorisation = approve()
    disbursement = pay(allocation_at(authorisation, "LJ0101"), 5000, reference="江财拨〔2026〕92号")
    with pytest.raises(ValidationFailed) as refused:
        ops.dispute(disbursement, "   ", actor=user("head"))
    assert list(refused.value.fields) == ["reason"]
    db.rollback()

    ops.dispute(disbursement, "社区账户未见到账", actor=user("head"))
    db.commit()
    assert disbursement.state == DisbursementState.DISPUTED
    assert disbursement.dispute_reason == "社区账户未见到账"
    assert allocation_at(authorisation, "LJ0101").confirmed_fen == 0
    told = notifications(db, NotificationKind.FUNDS_DISPUTED)
    assert {n.user_id for n in told} == {user("officer").id}  # 区卫健委's officers; member1 is no officer
    with app.test_request_context(), force_locale("en"):
        worded = message(told[0])
        assert "50.00 yuan" in worded and "社区账户未见到账" in worded and "江财拨〔2026〕92号" in worded
    with pytest.raises(InvalidTransition):
        ops.dispute(disbursement, "再次", actor=user("head"))
    db.rollback()

    # the money arrived after all
    ops.confirm(disbursement, actor=user("head"))
    db.commit()
    assert disbursement.state == DisbursementState.CONFIRMED
    assert allocation_at(authorisation, "LJ0101").confirmed_fen == 5000


@pytest.mark.parametrize(
    ("state", "action", "allowed"),
    [
        (DisbursementState.RECORDED, "confirm", True),
        (DisbursementState.RECORDED, "dispute", True),
        (DisbursementState.DISPUTED, "confirm", True),
        (DisbursementState.DISPUTED, "dispute", False),
        (DisbursementState.CONFIRMED, "confirm", False),
        (DisbursementState.CONFIRMED, "dispute", False),
    ],
)
def test_the_transitions_table(app, state, action, allowed):
    assert workflow.allowed(action, state) is allowed
    with app.test_request_context():
        if allowed:
            assert workflow.target(action, state) in DisbursementState
        else:
            with pytest.raises(InvalidTransition) as refused:
                workflow.target(action, state)
            assert refused.value.extra["state"] == state.value


# --- overdue ------------------------------------------------------------------------------------


def test_money_is_overdue_the_day_after_its_due_date_until_paid(db):
    authorisation = approve()
    allocation = allocation_at(authorisation, "LJ0101")
    due = allocation.due_date
    with clock.frozen(due):
        assert not balances.funds_overdue(allocation)
    with clock.frozen(due + dt.timedelta(days=1)):
        assert balances.funds_overdue(allocation)
        assert balances.balances(sa.true())["overdue_fen"] == sum(
            a.amount_fen for a in allocations_of(authorisation)
        )
        pay(allocation, allocation.amount_fen - 1)
        assert balances.funds_overdue(allocation_at(authorisation, "LJ0101"))
        pay(allocation_at(authorisation, "LJ0101"), 1)
        assert not balances.funds_overdue(allocation_at(authorisation, "LJ0101"))
        assert balances.funds_overdue(allocation_at(authorisation, "LJ0102"))
        overdue = db.scalars(sa.select(Allocation.id).where(balances.overdue_condition())).all()
        assert allocation_at(authorisation, "LJ0101").id not in overdue and len(overdue) == 13
        revoke(authorisation)
        assert not balances.funds_overdue(allocation_at(authorisation, "LJ0102"))


def test_the_disbursements_of_an_allocation_are_kept_in_order(db):
    authorisation = approve()
    first = pay(allocation_at(authorisation, "LJ0101"), 100)
    second = pay(allocation_at(authorisation, "LJ0101"), 200)
    assert [d.id for d in disbursements_of(allocation_at(authorisation, "LJ0101"))] == [first.id, second.id]
