"""The demo's money: what departments paid for the items they were authorised, and what 滨江社区
(the demo head's community) confirmed or disputed.

Runs after the requests, through the same operations as the app (bulk disbursements, receipts,
disputes), each step under a frozen clock between the authorisation's issue and today. Most
departments paid in full some weeks after approval, some paid half, some nothing yet (those show as
overdue once their due date has passed); the head confirmed what arrived, and disputed one payment.
"""

from __future__ import annotations

import datetime as dt
import random

import sqlalchemy as sa

from gatekeeper.core import clock
from gatekeeper.extensions import db
from gatekeeper.modules.accounts.models import User
from gatekeeper.modules.authorisations.models import Authorisation, AuthorisationStatus
from gatekeeper.modules.demo.district import officer_username
from gatekeeper.modules.funds import operations as funds
from gatekeeper.modules.funds.models import Allocation, Disbursement, DisbursementState

#: Shares of the authorisations: paid in full, paid half, not paid yet.
PAID, HALF = 0.65, 0.2
HEAD, HEAD_COMMUNITY = "head", "LJ0101"
DISPUTE_REASON = "经核对社区账户，该笔经费尚未到账。"


def load_payments(rng: random.Random, *, after_id: int = 0) -> str:
    """Record the payments and receipts (of authorisations numbered above ``after_id``: those of a
    later load of the requests); returns a one-line summary."""
    today = clock.today()
    officers = {u.username: u for u in db.session.scalars(sa.select(User))}
    authorisations = db.session.scalars(
        sa.select(Authorisation)
        .where(Authorisation.status == AuthorisationStatus.ACTIVE, Authorisation.id > after_id)
        .order_by(Authorisation.issued_at, Authorisation.id)
    ).all()
    paid = half = 0
    for authorisation in authorisations:
        outstanding = int(  # PostgreSQL sums bigints as numeric
            db.session.scalar(
                sa.select(sa.func.coalesce(sa.func.sum(Allocation.amount_fen), 0)).where(
                    Allocation.authorisation_id == authorisation.id
                )
            )
        )
        issued = clock.local_date(authorisation.issued_at)
        day = issued + dt.timedelta(days=rng.randint(10, 40))
        draw = rng.random()
        if not outstanding or day >= today or draw >= PAID + HALF:
            continue
        amount = outstanding if draw < PAID else max(1, outstanding // 2)
        officer = officers[officer_username(authorisation.department.code)]
        with clock.frozen(dt.datetime.combine(day, dt.time(10, 30), tzinfo=clock.timezone())):
            funds.record_bulk(authorisation, amount, day, _reference(authorisation, day), actor=officer)
        paid, half = paid + (draw < PAID), half + (draw >= PAID)
    confirmed, disputed = _answers(rng, officers[HEAD], today)
    db.session.flush()
    unpaid = len(authorisations) - paid - half
    return (
        f"Demo money: {paid} authorisations paid in full, {half} in part, {unpaid} not yet; "
        f"{HEAD_COMMUNITY} confirmed {confirmed} payments and disputed {disputed}."
    )


def _reference(authorisation: Authorisation, day: dt.date) -> str:
    return f"临财拨〔{day.year}〕{authorisation.seq:03d}号"


def _answers(rng: random.Random, head: User, today: dt.date) -> tuple[int, int]:
    """The head of 滨江社区 confirms what arrived a few days after it was paid, and disputes one."""
    payments = db.session.scalars(
        sa.select(Disbursement)
        .join(Allocation, Allocation.id == Disbursement.allocation_id)
        .where(
            Allocation.community_id == head.jurisdiction_id, Disbursement.state == DisbursementState.RECORDED
        )
        .order_by(Disbursement.paid_on, Disbursement.id)
    ).all()
    confirmed = disputed = 0
    for index, payment in enumerate(payments):
        day = payment.paid_on + dt.timedelta(days=rng.randint(2, 9))
        if day >= today:
            continue
        with clock.frozen(dt.datetime.combine(day, dt.time(15, 0), tzinfo=clock.timezone())):
            if index == 1:
                funds.dispute(payment, DISPUTE_REASON, actor=head)
                disputed += 1
            elif rng.random() < 0.85:
                funds.confirm(payment, actor=head)
                confirmed += 1
    return confirmed, disputed
