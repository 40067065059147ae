"""The tally of a request's current review round: seats, recusals, votes, quorum and majority.

The quorum rule says how many of the non-recused members must have voted; the majority rule when
the votes approve. Both come from the gate's settings.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, lazyload

from gatekeeper.extensions import db
from gatekeeper.modules.accounts.models import VOTING_ROLES, User
from gatekeeper.modules.committee.models import Recusal, Vote
from gatekeeper.modules.committee.permissions import declared_recusals, recusal_reason
from gatekeeper.modules.jurisdictions.models import Gate
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


#: What a tally reads of a member: the user and their department's code, nothing joined beyond.
MEMBER_ONLY = (lazyload("*"), joinedload(User.department).lazyload("*"))


def committee_members(req: AdmissionRequest) -> list[User]:
    return list(
        db.session.scalars(
            sa.select(User)
            .where(User.gate_id == req.gate_id, User.role.in_(VOTING_ROLES), User.active)
            .order_by(User.role.desc(), User.username)
            .options(*MEMBER_ONLY)
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
    votes = {
        v.member_id: v
        for v in db.session.scalars(
            sa.select(Vote).where(Vote.request_id == req.id, Vote.round == req.review_round)
        )
    }
    cast_by = {v.cast_by_id: v.cast_by for v in votes.values()}
    settings = gate_settings(req.gate.settings)
    return _count(req, settings, committee_members(req), votes, cast_by, declared_recusals(req))


@dataclass
class RoundRecord:
    """What was cast and declared in the current review round of some requests: by request id, the
    votes by member (plain rows: ``member_id``, ``cast_by_id``, ``choice``, ``comment``) and the declared
    conflicts by member (their reason)."""

    votes: dict[int, dict[int, Any]]
    recusals: dict[int, dict[int, str]]


def round_record(reqs: list[AdmissionRequest]) -> RoundRecord:
    """The current round's votes and declared recusals of ``reqs``: two queries whatever their number
    (plain rows, not ORM objects: a list of requests reads many)."""
    ids = [r.id for r in reqs]
    record = RoundRecord(votes={}, recusals={})
    if not ids:
        return record
    current = sa.and_(AdmissionRequest.id == Vote.request_id, AdmissionRequest.review_round == Vote.round)
    for vote in db.session.execute(
        sa.select(Vote.request_id, Vote.member_id, Vote.cast_by_id, Vote.choice, Vote.comment)
        .join(AdmissionRequest, current)
        .where(Vote.request_id.in_(ids))
    ):
        record.votes.setdefault(vote.request_id, {})[vote.member_id] = vote
    declared = sa.and_(
        AdmissionRequest.id == Recusal.request_id, AdmissionRequest.review_round == Recusal.round
    )
    for request_id, member_id, reason in db.session.execute(
        sa.select(Recusal.request_id, Recusal.member_id, Recusal.reason)
        .join(AdmissionRequest, declared)
        .where(Recusal.request_id.in_(ids))
    ):
        record.recusals.setdefault(request_id, {})[member_id] = reason
    return record


def tallies(reqs: list[AdmissionRequest], record: RoundRecord | None = None) -> dict[int, Tally]:
    """``tally`` of many requests at once, by request id, in a few queries whatever their number.

    Each gate's settings are read once, and the users who cast the votes are loaded once each (most
    are the members themselves), not with every vote. ``record``: the round's votes and recusals when
    the caller has them already.
    """
    if not reqs:
        return {}
    record = record if record is not None else round_record(reqs)
    votes = record.votes
    declared = {request_id: set(by_member) for request_id, by_member in record.recusals.items()}
    gate_ids = {r.gate_id for r in reqs}
    members: dict[int, list[User]] = {}
    for member in db.session.scalars(
        sa.select(User)
        .where(User.gate_id.in_(gate_ids), User.role.in_(VOTING_ROLES), User.active)
        .order_by(User.role.desc(), User.username)
        .options(*MEMBER_ONLY)
    ):
        members.setdefault(member.gate_id, []).append(member)
    cast_by = {m.id: m for seats in members.values() for m in seats}
    others = {v.cast_by_id for by_member in votes.values() for v in by_member.values()} - set(cast_by)
    if others:
        casters = sa.select(User).where(User.id.in_(others)).options(*MEMBER_ONLY)
        cast_by.update({u.id: u for u in db.session.scalars(casters)})
    settings = {
        gate.id: gate_settings(gate.settings)
        for gate in db.session.scalars(sa.select(Gate).where(Gate.id.in_(gate_ids)))
    }
    return {
        r.id: _count(
            r,
            settings[r.gate_id],
            members.get(r.gate_id, []),
            votes.get(r.id, {}),
            cast_by,
            declared.get(r.id, set()),
        )
        for r in reqs
    }


def _count(
    req: AdmissionRequest,
    settings: dict,
    members: list[User],
    votes: dict[int, Vote],
    cast_by: dict[int, User],
    declared: set[int],
) -> Tally:
    result = Tally(
        round=req.review_round,
        quorum_rule=settings["quorum"],
        majority_rule=settings["majority"],
        members=0,
        eligible=0,
    )
    for member in members:
        vote = votes.get(member.id)
        caster = cast_by[vote.cast_by_id] if vote is not None else member
        seat = SeatState(
            username=member.username,
            name=member.name,
            role=member.role.value,
            department=member.department.code if member.department else None,
            recused=recusal_reason(member, caster, req, declared),
        )
        if vote is not None:
            seat.vote, seat.comment, seat.cast_by = vote.choice.value, vote.comment, caster.username
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
