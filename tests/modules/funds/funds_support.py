"""Helpers of the funds tests: approvals on each funding basis, allocations, payments, supersession."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from gatekeeper.core import clock
from gatekeeper.extensions import db as extension_db
from gatekeeper.modules.accounts.models import Role, User
from gatekeeper.modules.authorisations.models import (
    Authorisation,
    AuthorisationCommunity,
    AuthorisationStatus,
)
from gatekeeper.modules.funds import operations as ops
from gatekeeper.modules.funds.models import Allocation, AllocationState, Disbursement
from gatekeeper.modules.jurisdictions.models import Jurisdiction
from gatekeeper.modules.requests import operations as request_ops
from tests import factories
from tests.factories import TODAY, user

API = "/api/v1"

#: Funding on each basis that passes the gate over street LJ01 (the catalogue's standard for PD-107 is
#: 150 元 per 100 households a year; LJ01 has 46,380 households).
PER_100 = {"funding": {"basis": "per_100_households", "amount_fen": 15000}}
PER_COMMUNITY = {"funding": {"basis": "per_community", "amount_fen": 500000}}
LUMP_SUM = {"funding": {"basis": "lump_sum", "amount_fen": 7000001}}
#: A certificate without funding (basis none): no allocations.
UNFUNDED = {
    "kind": "certificate",
    "role": None,
    "catalogue_entry": "PC-005",
    "title": "其他依法依规需要出具的证明事项",
    "demands": {"reports_per_year": 0},
    "funding": {"basis": "none", "amount_fen": 0, "source": ""},
}
ALL = {"scope": {"type": "all", "codes": [], "community_type": None}}


def approve(**changes) -> Authorisation:
    """An approved request of 区卫健委 (over street LJ01 unless changed): its authorisation."""
    return factories.approved(**changes).authorisation


def allocations_of(authorisation: Authorisation) -> list[Allocation]:
    """The allocations of ``authorisation`` by community code, fresh from the database."""
    session = extension_db.session
    session.expire_all()
    return list(
        session.scalars(
            sa.select(Allocation)
            .join(Jurisdiction, Jurisdiction.id == Allocation.community_id)
            .where(Allocation.authorisation_id == authorisation.id)
            .order_by(Jurisdiction.code)
        )
    )


def allocation_at(authorisation: Authorisation, code: str) -> Allocation:
    return next(a for a in allocations_of(authorisation) if a.community.code == code)


def households_in_scope(authorisation: Authorisation) -> list[int]:
    """The households of the scope's communities by code (computed here, not by the operation)."""
    return list(
        extension_db.session.scalars(
            sa.select(Jurisdiction.households)
            .join(AuthorisationCommunity, AuthorisationCommunity.community_id == Jurisdiction.id)
            .where(AuthorisationCommunity.authorisation_id == authorisation.id)
            .order_by(Jurisdiction.code)
        )
    )


def pay(allocation: Allocation, amount_fen: int, *, on: dt.date = TODAY, reference: str = "财政拨付-001"):
    """A payment of 区卫健委's officer, committed."""
    disbursement = ops.record_disbursement(allocation, amount_fen, on, reference, actor=user("officer"))
    extension_db.session.commit()
    return disbursement


def supersede(old: Authorisation, new: Authorisation) -> None:
    """What a variation's approval does to ``old`` (the lifecycle's part), then the funds' part."""
    old.status = AuthorisationStatus.SUPERSEDED
    old.superseded_by_id = new.id
    old.ended_at = clock.now()
    extension_db.session.flush()
    ops.carry_over(old, new, actor=user("chair"))
    extension_db.session.commit()


def revoke(authorisation: Authorisation) -> None:
    """What a revocation does (the lifecycle's part, then ``cancel_unpaid``)."""
    authorisation.status = AuthorisationStatus.REVOKED
    authorisation.revoked_at = authorisation.ended_at = clock.now()
    authorisation.revoke_reason = "群众反映负担重"
    extension_db.session.flush()
    ops.cancel_unpaid(authorisation, actor=user("secretariat"))
    extension_db.session.commit()


def head_of(code: str):
    """The head of community ``code``: the demo's ``head`` for LJ0101, else one created (committed)."""
    session = extension_db.session
    community = session.scalar(sa.select(Jurisdiction).where(Jurisdiction.code == code))
    head = session.scalar(
        sa.select(User).where(User.role == Role.COMMUNITY_HEAD, User.jurisdiction_id == community.id)
    )
    if head is None:
        head = User(
            username=f"head.{code.lower()}",
            name=f"{community.name}书记",
            role=Role.COMMUNITY_HEAD,
            jurisdiction=community,
            password_hash="x",
            created_at=clock.now(),
        )
        session.add(head)
        session.commit()
    return head


def disbursements_of(allocation: Allocation) -> list[Disbursement]:
    return list(
        extension_db.session.scalars(
            sa.select(Disbursement)
            .where(Disbursement.allocation_id == allocation.id)
            .order_by(Disbursement.id)
        )
    )


def approved_for(username: str, voters: tuple[str, ...], **changes) -> Authorisation:
    """A request of another department, filed by its own officer and approved by the committee."""
    req = factories.draft(username, **changes)
    with clock.frozen(TODAY):
        req, run, _ = request_ops.submit_request(req, actor=user(username))
        extension_db.session.commit()
        request_ops.raise_if_blocked(run)
        request_ops.accept_request(req, actor=user("secretariat"))
        extension_db.session.commit()
    return factories.decided(factories.voted(req, dict.fromkeys(voters, "approve"))).authorisation


def allocation_money(allocation: Allocation, today: dt.date = TODAY) -> dict[str, int]:
    """One allocation's money, computed here by the documented definitions: allocated (what was paid,
    once it no longer runs), disbursed (carried over + paid), confirmed, outstanding and overdue."""
    active = allocation.state == AllocationState.ACTIVE
    paid = allocation.carried_fen + allocation.disbursed_fen
    lacking = max(0, allocation.amount_fen - paid) if active else 0
    return {
        "allocated": allocation.amount_fen if active else paid,
        "disbursed": paid,
        "confirmed": allocation.confirmed_fen,
        "outstanding": lacking,
        "overdue": lacking if allocation.due_date < today else 0,
    }
