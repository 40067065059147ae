"""The tally of a request's current review round: seats, recusals, votes, quorum and majority.

The quorum rule says how many of the non-recused members must have voted; the majority rule when
the votes approve. Both come from the gate's settings.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import sqlalchemy as sa

from gatekeeper.extensions import db
from gatekeeper.modules.accounts.models import VOTING_ROLES, User
from gatekeeper.modules.committee.models import Vote
from gatekeeper.modules.committee.permissions import declared_recusals, recusal_reason
from gatekeeper.modules.jurisdictions.schemas import gate_settings
from gatekeeper.modules.requests.models import AdmissionRequest


@dataclass
class SeatState:
    username: str
    name: str
    department: str | None
    role: str
    recused: str | None = None
    vote: str | None = None
    comment: str = ""
    cast_by: str | None = None


@dataclass
class Tally:
    round: int
    quorum_rule: str
    majority_rule: str
    members: int
    eligible: int
    voted: int = 0
    approve: int = 0
    reject: int = 0
    abstain: int = 0
    quorum_met: bool = False
    majority_for_approval: bool = False
    seats: list[SeatState] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


def committee_members(req: AdmissionRequest) -> list[User]:
    return list(
        db.session.scalars(
            sa.select(User)
            .where(User.gate_id == req.gate_id, User.role.in_(VOTING_ROLES), User.active)
            .order_by(User.role.desc(), User.username)
        )
    )


def quorum_met(rule: str, voted: int, eligible: int) -> bool:
    if eligible == 0:
        return False
    if rule == "all":
        return voted == eligible
    if rule == "two_thirds":
        return voted * 3 >= eligible * 2
    return voted * 2 > eligible  # more_than_half


def majority_for_approval(rule: str, approve: int, reject: int, voted: int, eligible: int) -> bool:
    if rule == "absolute":
        return approve * 2 > eligible
    if rule == "two_thirds":
        return voted > 0 and approve * 3 >= voted * 2
    return approve > reject  # simple


def tally(req: AdmissionRequest) -> Tally:
    """Votes, recusals and whether the quorum and the majority are reached, for the current round."""
    settings = gate_settings(req.gate.settings)
    votes = {
        v.member_id: v
        for v in db.session.scalars(
            sa.select(Vote).where(Vote.request_id == req.id, Vote.round == req.review_round)
        )
    }
    declared = declared_recusals(req)
    result = Tally(
        round=req.review_round,
        quorum_rule=settings["quorum"],
        majority_rule=settings["majority"],
        members=0,
        eligible=0,
    )
    for member in committee_members(req):
        vote = votes.get(member.id)
        seat = SeatState(
            username=member.username,
            name=member.name,
            role=member.role.value,
            department=member.department.code if member.department else None,
            recused=recusal_reason(member, vote.cast_by if vote else member, req, declared),
        )
        if vote is not None:
            seat.vote, seat.comment, seat.cast_by = vote.choice.value, vote.comment, vote.cast_by.username
        result.seats.append(seat)
        result.members += 1
        if seat.recused:
            continue
        result.eligible += 1
        if vote is not None:
            result.voted += 1
            setattr(result, vote.choice.value, getattr(result, vote.choice.value) + 1)
    result.quorum_met = quorum_met(result.quorum_rule, result.voted, result.eligible)
    result.majority_for_approval = majority_for_approval(
        result.majority_rule, result.approve, result.reject, result.voted, result.eligible
    )
    return result
