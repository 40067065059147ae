"""Funds follow duties (费随事转): allocations, disbursements and receipts.

What is allocated
    When an authorisation is issued, each community of its scope gets one allocation: what it is
    owed over the whole validity, computed by ``formula.allocate`` from the funding basis, the
    amount and the households, in the order of the community codes (the formula's tie-break). An
    authorisation whose basis is ``none`` gets no allocations at all: there is no money to follow,
    and rows of 0 would only show "0.00 owed" on every community's list. The money is due the
    gate's ``funding_due_days`` working days (official calendar) after the validity starts (or the
    authorisation was issued, if later). The allocations are written with one INSERT whatever the
    number of communities.

Paying and confirming
    The filing department records disbursements against one allocation, or in bulk against the
    whole authorisation (spread in proportion to what each community still lacks). Each updates the
    allocation's running ``disbursed_fen`` under a row lock, so two payments at the same moment never
    pay more than the amount (and a CHECK constraint would refuse it anyway). The head of the
    community confirms receipt (the allocation's ``confirmed_fen`` grows) or disputes it with a reason.
    Payments can be recorded while the allocation is active, also after the authorisation expired
    (the work was done and the money is still owed); not after a revocation or a variation closed it.

Overdue
    An allocation's money is overdue when the allocation is active, its due date has passed (the
    day after the due date; on the due date itself it is not late yet) and less than the amount
    has been paid (carried over or disbursed). Overdue money marks the item on the community's list
    ("funds not received — the community may decline it").

Variations carry money over
    When a variation replaces an authorisation, ``carry_over`` counts what was paid under the old one
    as already paid under the new one, per community in both scopes: the new allocation's
    ``carried_fen`` is the old one's paid money (carried and disbursed) and its ``confirmed_fen``
    the old one's confirmed money; the old allocations become ``superseded``. A community dropped by
    the variation keeps what it was paid on its superseded allocation. A confirmation that comes
    later for a payment made under the old authorisation is added along the chain of successors.

Cancellation keeps what was paid
    A revocation cancels the active allocations: nothing more is owed (outstanding 0), but the
    disbursed and confirmed amounts stay on record and their receipts can still be confirmed.

Balances and overdue money
    ``balances.py`` adds the money up in SQL (allocated, disbursed, confirmed, outstanding, overdue),
    counting money carried by a variation once, and says when an allocation's money is overdue.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import aliased

from gatekeeper.core import audit, clock
from gatekeeper.core.db import lock_row
from gatekeeper.core.errors import InvalidTransition, NotFound, ValidationFailed
from gatekeeper.core.money import yuan
from gatekeeper.extensions import db
from gatekeeper.modules.authorisations.models import (
    Authorisation,
    AuthorisationCommunity,
    AuthorisationStatus,
)
from gatekeeper.modules.funds import formula, workflow
from gatekeeper.modules.funds.balances import lacking, total
from gatekeeper.modules.funds.models import Allocation, AllocationState, Disbursement, DisbursementState
from gatekeeper.modules.jurisdictions.models import Jurisdiction
from gatekeeper.modules.jurisdictions.operations import working_calendar
from gatekeeper.modules.jurisdictions.schemas import gate_settings
from gatekeeper.modules.notifications import operations as notifications
from gatekeeper.modules.requests.models import FundingBasis

#: Money can be paid against an active allocation of an authorisation in these states (an expired
#: authorisation still owes what its communities did; a revoked or superseded one has its
#: allocations closed already, this is the second line).
PAYABLE = frozenset({AuthorisationStatus.ACTIVE, AuthorisationStatus.EXPIRED})


# --- allocation --------------------------------------------------------------------------------


def due_date(authorisation: Authorisation) -> dt.date:
    """When the money must have been paid: the gate's ``funding_due_days`` working days after the
    validity starts, or after the authorisation was issued if that was later; at the latest on the
    validity's last day (money is not due after the work is over)."""
    days = gate_settings(authorisation.gate.settings)["funding_due_days"]
    start = max(authorisation.valid_from, clock.local_date(authorisation.issued_at))
    return min(working_calendar(start).add_working_days(start, days), authorisation.valid_to)


def allocate(authorisation: Authorisation, *, actor) -> int:
    """Create one allocation per community of ``authorisation`` (none for basis ``none``).

    Three statements whatever the size of the scope: the communities with their households, the
    calendar, one bulk INSERT. Returns how many allocations were created.
    """
    basis = FundingBasis(authorisation.funding_basis)
    if basis == FundingBasis.NONE:
        return 0
    communities = db.session.execute(
        sa.select(Jurisdiction.id, Jurisdiction.households)
        .join(AuthorisationCommunity, AuthorisationCommunity.community_id == Jurisdiction.id)
        .where(AuthorisationCommunity.authorisation_id == authorisation.id)
        .order_by(Jurisdiction.code)
    ).all()
    if not communities:
        return 0
    amounts = formula.allocate(
        basis.value,
        authorisation.funding_amount_fen,
        [households or 0 for _id, households in communities],
        authorisation.valid_from,
        authorisation.valid_to,
    )
    due = due_date(authorisation)
    now = clock.now()
    db.session.execute(
        sa.insert(Allocation),
        [
            {
                "authorisation_id": authorisation.id,
                "community_id": community_id,
                "amount_fen": amount,
                "carried_fen": 0,
                "disbursed_fen": 0,
                "confirmed_fen": 0,
                "due_date": due,
                "state": AllocationState.ACTIVE,
                "created_at": now,
            }
            for (community_id, _households), amount in zip(communities, amounts, strict=True)
        ],
    )
    audit.record(
        "funds.allocate",
        authorisation,
        actor=actor,
        after={
            "basis": basis.value,
            "amount_fen": authorisation.funding_amount_fen,
            "allocations": len(communities),
            "total_fen": sum(amounts),
            "due_date": due,
        },
    )
    return len(communities)


def cancel_unpaid(authorisation: Authorisation, *, actor) -> int:
    """Revocation: every active allocation of ``authorisation`` is cancelled (one UPDATE); what was
    paid stays on record and nothing more is owed. Returns how many were cancelled."""
    active = (Allocation.authorisation_id == authorisation.id, Allocation.state == AllocationState.ACTIVE)
    unpaid = db.session.scalar(sa.select(total(lacking())).where(*active))
    result = db.session.execute(
        sa.update(Allocation)
        .where(*active)
        .values(state=AllocationState.CANCELLED, closed_at=clock.now())
        .execution_options(synchronize_session=False)
    )
    _expire_allocations_of(authorisation.id)
    audit.record(
        "funds.cancel_unpaid",
        authorisation,
        actor=actor,
        after={"allocations": result.rowcount, "cancelled_fen": unpaid},
    )
    return result.rowcount


def carry_over(old: Authorisation, new: Authorisation, *, actor) -> int:
    """Variation: what ``old`` paid counts as paid under ``new``, community by community.

    Call it after ``allocate(new)``. The old active allocations become superseded first (taking
    their row locks, so a confirmation in progress is waited for and counted; those of communities
    in the new scope are ``carried_forward``: their money is counted in the new allocation), then
    the new allocations of the communities in both scopes take over the paid and confirmed money;
    two UPDATEs whatever the number of communities. Returns how many allocations carried money.
    """
    now = clock.now()
    successor = aliased(Allocation)
    superseded = db.session.execute(
        sa.update(Allocation)
        .where(Allocation.authorisation_id == old.id, Allocation.state == AllocationState.ACTIVE)
        .values(
            state=AllocationState.SUPERSEDED,
            closed_at=now,
            carried_forward=sa.exists().where(
                successor.authorisation_id == new.id, successor.community_id == Allocation.community_id
            ),
        )
        .execution_options(synchronize_session=False)
    )
    table = Allocation.__table__
    previous = table.alias("previous")
    same_community = sa.and_(
        previous.c.authorisation_id == old.id, previous.c.community_id == table.c.community_id
    )
    carried = db.session.execute(
        sa.update(table)
        .where(table.c.authorisation_id == new.id, sa.exists().where(same_community))
        .values(
            carried_fen=sa.select(previous.c.carried_fen + previous.c.disbursed_fen)
            .where(same_community)
            .scalar_subquery(),
            confirmed_fen=sa.select(previous.c.confirmed_fen).where(same_community).scalar_subquery(),
        )
    )
    _expire_allocations_of(old.id, new.id)
    carried_fen = db.session.scalar(
        sa.select(total(Allocation.carried_fen)).where(Allocation.authorisation_id == new.id)
    )
    audit.record(
        "funds.carry_over",
        new,
        actor=actor,
        after={
            "from": old.number,
            "superseded": superseded.rowcount,
            "carried": carried.rowcount,
            "carried_fen": carried_fen,
        },
    )
    return carried.rowcount


def _expire_allocations_of(*authorisation_ids: int) -> None:
    """Set-based statements bypass the session: forget what it holds of these allocations."""
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, Allocation) and obj.authorisation_id in authorisation_ids:
            db.session.expire(obj)


# --- disbursements -----------------------------------------------------------------------------


def lock_allocation(allocation_id: int) -> Allocation:
    """Reload an allocation under a row lock (``FOR UPDATE OF allocations``)."""
    locked = lock_row(Allocation, allocation_id)
    if locked is None:
        raise NotFound()
    return locked


def authorisation_of(allocation: Allocation) -> Authorisation:
    return db.session.get(Authorisation, allocation.authorisation_id)


def _refuse_unless_payable(authorisation: Authorisation, allocation: Allocation | None = None) -> None:
    if authorisation.status not in PAYABLE:
        raise InvalidTransition(
            _(
                "Authorisation %(number)s is no longer in force; no payment can be recorded against it.",
                number=authorisation.number,
            ),
            code="not_payable",
        )
    if allocation is not None and allocation.state != AllocationState.ACTIVE:
        raise InvalidTransition(
            _(
                "This allocation is closed (%(state)s); no payment can be recorded against it.",
                state=allocation_state_label(allocation.state),
            ),
            code="not_payable",
        )


def payable(authorisation: Authorisation, allocation: Allocation | None = None) -> bool:
    """Whether a payment could be recorded now (the rule ``record_disbursement`` enforces): the
    authorisation in force or expired, the allocation (if given) active and still short of money."""
    if authorisation.status not in PAYABLE:
        return False
    if allocation is None:
        return True
    return allocation.state == AllocationState.ACTIVE and allocation.outstanding_fen > 0


def allocation_state_label(state: AllocationState) -> str:
    labels = {
        AllocationState.ACTIVE: _("active"),
        AllocationState.CANCELLED: _("cancelled by the revocation"),
        AllocationState.SUPERSEDED: _("replaced by a variation"),
    }
    return labels[state]


def _check_payment(authorisation: Authorisation, amount_fen: int, paid_on: dt.date, reference: str) -> str:
    """The input problems of a payment (422), all at once; returns the cleaned reference."""
    problems: dict[str, list[str]] = {}
    if not isinstance(amount_fen, int) or isinstance(amount_fen, bool) or amount_fen <= 0:
        problems["amount_fen"] = [_("a payment is a positive number of fen")]
    if paid_on > clock.today():
        problems["date"] = [_("a payment cannot be dated in the future")]
    elif paid_on < clock.local_date(authorisation.issued_at):
        problems["date"] = [
            _(
                "a payment cannot be dated before the authorisation was issued (%(issued)s)",
                issued=clock.local_date(authorisation.issued_at).isoformat(),
            )
        ]
    reference = (reference or "").strip()
    if not reference:
        problems["reference"] = [_("give the reference of the payment (voucher or transfer number)")]
    if problems:
        raise ValidationFailed(fields=problems)
    return reference


def _over_payment(amount_fen: int, outstanding_fen: int) -> ValidationFailed:
    return ValidationFailed(
        _(
            "The payment of %(amount)s yuan is more than the %(outstanding)s yuan still outstanding.",
            amount=yuan(amount_fen),
            outstanding=yuan(outstanding_fen),
        ),
        code="over_payment",
        fields={
            "amount_fen": [
                _("at most %(outstanding)s yuan is outstanding", outstanding=yuan(outstanding_fen))
            ]
        },
        outstanding_fen=outstanding_fen,
        outstanding_yuan=yuan(outstanding_fen),
    )


def record_disbursement(
    allocation: Allocation, amount_fen: int, paid_on: dt.date, reference: str, *, actor
) -> Disbursement:
    """Record money paid to one community (the allocation's row is locked while it is checked)."""
    allocation = lock_allocation(allocation.id)
    authorisation = authorisation_of(allocation)
    _refuse_unless_payable(authorisation, allocation)
    reference = _check_payment(authorisation, amount_fen, paid_on, reference)
    outstanding = allocation.outstanding_fen
    if amount_fen > outstanding:
        raise _over_payment(amount_fen, outstanding)
    # Added in SQL, not in Python: even without the lock two payments could not overwrite each
    # other, and the CHECK constraint would see the real sum.
    allocation.disbursed_fen = Allocation.disbursed_fen + amount_fen
    disbursement = Disbursement(
        allocation_id=allocation.id,
        amount_fen=amount_fen,
        paid_on=paid_on,
        reference=reference,
        state=DisbursementState.RECORDED,
        recorded_by_id=actor.id,
        recorded_at=clock.now(),
        dispute_reason="",
    )
    db.session.add(disbursement)
    db.session.flush()
    audit.record(
        "disbursement.record",
        disbursement,
        actor=actor,
        after={
            "allocation": allocation.id,
            "authorisation": authorisation.number,
            "community": allocation.community.code,
            "amount_fen": amount_fen,
            "paid_on": paid_on,
            "reference": reference,
        },
    )
    notifications.funds_paid(
        authorisation,
        {allocation.community_id: amount_fen},
        paid_on=paid_on,
        reference=reference,
        actor=actor,
    )
    return disbursement


def record_bulk(
    authorisation: Authorisation, amount_fen: int, paid_on: dt.date, reference: str, *, actor
) -> list[Disbursement]:
    """Record one payment for the whole authorisation, spread over its active allocations in
    proportion to what each still lacks (``formula.spread``: the shares add up exactly).

    The allocations are locked in id order; one UPDATE and one INSERT (each with many rows) whatever
    the number of communities; all the disbursements share a ``batch``.
    """
    _refuse_unless_payable(authorisation)
    reference = _check_payment(authorisation, amount_fen, paid_on, reference)
    rows = db.session.execute(
        sa.select(
            Allocation.id,
            Allocation.community_id,
            (Allocation.amount_fen - Allocation.carried_fen - Allocation.disbursed_fen).label("lacking"),
        )
        .where(Allocation.authorisation_id == authorisation.id, Allocation.state == AllocationState.ACTIVE)
        .order_by(Allocation.id)
        .with_for_update(of=Allocation)
    ).all()
    weights = [max(0, row.lacking) for row in rows]
    outstanding = sum(weights)
    if amount_fen > outstanding:
        raise _over_payment(amount_fen, outstanding)
    shares = formula.spread(amount_fen, weights)
    paid = [(row, share) for row, share in zip(rows, shares, strict=True) if share > 0]
    table = Allocation.__table__
    db.session.execute(
        sa.update(table)
        .where(table.c.id == sa.bindparam("allocation"))
        .values(disbursed_fen=table.c.disbursed_fen + sa.bindparam("share")),
        [{"allocation": row.id, "share": share} for row, share in paid],
    )
    _expire_allocations_of(authorisation.id)
    batch = str(uuid.uuid4())
    now = clock.now()
    db.session.execute(
        sa.insert(Disbursement),
        [
            {
                "allocation_id": row.id,
                "amount_fen": share,
                "paid_on": paid_on,
                "reference": reference,
                "batch": batch,
                "state": DisbursementState.RECORDED,
                "recorded_by_id": actor.id,
                "recorded_at": now,
                "dispute_reason": "",
            }
            for row, share in paid
        ],
    )
    audit.record(
        "disbursement.record_bulk",
        authorisation,
        actor=actor,
        after={
            "batch": batch,
            "amount_fen": amount_fen,
            "allocations": len(paid),
            "paid_on": paid_on,
            "reference": reference,
        },
    )
    notifications.funds_paid(
        authorisation,
        {row.community_id: share for row, share in paid},
        paid_on=paid_on,
        reference=reference,
        actor=actor,
    )
    return list(
        db.session.scalars(
            sa.select(Disbursement).where(Disbursement.batch == batch).order_by(Disbursement.id)
        )
    )


@dataclass(frozen=True)
class BulkShare:
    """One community's part of a bulk payment, as ``record_bulk`` would pay it."""

    community_code: str
    community_name: str
    lacking_fen: int
    share_fen: int


def preview_bulk(
    authorisation: Authorisation, amount_fen: int, paid_on: dt.date, reference: str
) -> list[BulkShare]:
    """What ``record_bulk`` would pay each community (same checks, same order, same spread), without
    recording or locking anything: the page shows it before the officer confirms."""
    _refuse_unless_payable(authorisation)
    _check_payment(authorisation, amount_fen, paid_on, reference)
    rows = db.session.execute(
        sa.select(
            Jurisdiction.code,
            Jurisdiction.name,
            (Allocation.amount_fen - Allocation.carried_fen - Allocation.disbursed_fen).label("lacking"),
        )
        .join(Jurisdiction, Jurisdiction.id == Allocation.community_id)
        .where(Allocation.authorisation_id == authorisation.id, Allocation.state == AllocationState.ACTIVE)
        .order_by(Allocation.id)
    ).all()
    weights = [max(0, row.lacking) for row in rows]
    if amount_fen > sum(weights):
        raise _over_payment(amount_fen, sum(weights))
    shares = formula.spread(amount_fen, weights)
    return [
        BulkShare(row.code, row.name, weight, share)
        for row, weight, share in zip(rows, weights, shares, strict=True)
        if share > 0
    ]


# --- receipts ----------------------------------------------------------------------------------


def lock_disbursement(disbursement: Disbursement) -> Disbursement:
    locked = lock_row(Disbursement, disbursement.id)
    if locked is None:
        raise NotFound()
    return locked


def _add_confirmed(allocation: Allocation, amount_fen: int) -> None:
    """Count ``amount_fen`` as confirmed on ``allocation`` and, when a variation carried its money
    on, on each successor for the same community (locked one after the other, oldest first)."""
    allocation.confirmed_fen = Allocation.confirmed_fen + amount_fen  # in SQL, as payments are
    current = allocation
    while current.state == AllocationState.SUPERSEDED:
        successor_of = db.session.scalar(
            sa.select(Authorisation.superseded_by_id).where(Authorisation.id == current.authorisation_id)
        )
        if successor_of is None:
            return
        successor = db.session.scalar(
            sa.select(Allocation)
            .where(
                Allocation.authorisation_id == successor_of, Allocation.community_id == current.community_id
            )
            .with_for_update(of=Allocation)
            .execution_options(populate_existing=True)
        )
        if successor is None:  # the variation dropped the community: its money stayed here
            return
        successor.confirmed_fen = Allocation.confirmed_fen + amount_fen
        current = successor


def _answer(disbursement: Disbursement, action: str, *, actor) -> DisbursementState:
    before = disbursement.state
    after = workflow.target(action, before)
    disbursement.state = after
    disbursement.answered_by_id = actor.id
    disbursement.answered_at = clock.now()
    return before


def confirm(disbursement: Disbursement, *, actor) -> Disbursement:
    """The community head confirms the money arrived (also after disputing it)."""
    disbursement = lock_disbursement(disbursement)
    before = _answer(disbursement, "confirm", actor=actor)
    allocation = lock_allocation(disbursement.allocation_id)
    _add_confirmed(allocation, disbursement.amount_fen)
    db.session.flush()
    audit.record(
        "disbursement.confirm",
        disbursement,
        actor=actor,
        before={"state": before.value},
        after={"state": disbursement.state.value, "amount_fen": disbursement.amount_fen},
    )
    return disbursement


def dispute(disbursement: Disbursement, reason: str, *, actor) -> Disbursement:
    """The community head says the money did not arrive (a reason is required); the department is told."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(fields={"reason": [_("a dispute needs a reason")]})
    disbursement = lock_disbursement(disbursement)
    before = _answer(disbursement, "dispute", actor=actor)
    disbursement.dispute_reason = reason
    db.session.flush()
    audit.record(
        "disbursement.dispute",
        disbursement,
        actor=actor,
        before={"state": before.value},
        after={"state": disbursement.state.value, "reason": reason},
    )
    allocation = disbursement.allocation
    notifications.funds_disputed(
        authorisation_of(allocation),
        community=allocation.community.name,
        amount_fen=disbursement.amount_fen,
        reference=disbursement.reference,
        reason=reason,
        actor=actor,
    )
    return disbursement


def get_allocation(allocation_id: int) -> Allocation | None:
    return db.session.get(Allocation, allocation_id)


def get_disbursement(disbursement_id: int) -> Disbursement | None:
    return db.session.get(Disbursement, disbursement_id)
