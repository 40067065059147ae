"""A member's queue as SQL: what awaits the user's vote (their own seat and the seats they deputise
for today), what they voted, what they are recused from, and, for the (acting) chair, what is ready
to decide (the quorum reached). Each list is a WHERE clause, so it is counted, sorted and paginated
by the database in a fixed number of queries, whatever the number of requests.

The rules are those of ``committee.permissions`` (recusal) and ``committee.tally`` (quorum), written
as SQL; the tests check that both agree.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import g
from sqlalchemy.orm import aliased

from gatekeeper.extensions import db
from gatekeeper.modules.accounts.models import VOTING_ROLES, Role, User
from gatekeeper.modules.accounts.operations import principals_of
from gatekeeper.modules.committee import meetings
from gatekeeper.modules.committee.models import Recusal, Vote
from gatekeeper.modules.committee.page_data import answers_of, due_dates, money_of, with_department
from gatekeeper.modules.committee.permissions import recusal_reason, seats_of
from gatekeeper.modules.committee.tally import RoundRecord, round_record, tallies
from gatekeeper.modules.jurisdictions.models import Department, Gate
from gatekeeper.modules.jurisdictions.schemas import gate_settings
from gatekeeper.modules.requests.models import AdmissionRequest, RequestState
from gatekeeper.modules.requests.permissions import visible_requests

R = AdmissionRequest
S = RequestState
TABS = ("decide", "awaiting", "voted", "recused")
SORTS = {
    "due": (R.due_date, R.id),
    "accepted": (R.accepted_at, R.id),
    "title": (R.title, R.id),
    "department": (Department.initials, Department.name, R.id),
}


def seats_of_user(user: User) -> list[User]:
    """The committee seats the user holds today: their own, and those they deputise for."""
    seats = [user] if user.role in VOTING_ROLES and user.gate_id is not None else []
    seats += [p for p in principals_of(user) if p.role in VOTING_ROLES and p not in seats]
    return seats


def chair_seats(seats: list[User]) -> list[User]:
    return [s for s in seats if s.role == Role.CHAIR]


# --- the member's lists ---------------------------------------------------------------------------


def _no_row(model, seat_id) -> sa.ColumnElement[bool]:
    """No vote (or recusal) of the seat in the request's current round."""
    return ~sa.exists().where(
        model.request_id == R.id, model.round == R.review_round, model.member_id == seat_id
    )


def _departments(seat: User, actor: User) -> list[int]:
    return sorted({seat.department_id, actor.department_id} - {None})


def _seat_clear(seat: User, actor: User) -> sa.ColumnElement[bool]:
    """At the seat's gate, and the seat (cast by ``actor``) is not recused for the filing department."""
    return sa.and_(R.gate_id == seat.gate_id, *(R.department_id != d for d in _departments(seat, actor)))


def _seat_conflicted(seat: User, actor: User) -> sa.ColumnElement[bool]:
    """At the seat's gate, and the seat is recused: filing department, or a declared conflict."""
    filing = [R.department_id == d for d in _departments(seat, actor)]
    return sa.and_(R.gate_id == seat.gate_id, sa.or_(*filing, ~_no_row(Recusal, seat.id)))


def awaiting_my_vote(user: User, seats: list[User]) -> sa.ColumnElement[bool]:
    """In review, and some seat of the user's neither voted nor recused this round."""
    if not seats:
        return sa.false()
    open_seats = [sa.and_(_seat_clear(s, user), _no_row(Vote, s.id), _no_row(Recusal, s.id)) for s in seats]
    return sa.and_(R.state == S.IN_REVIEW, sa.or_(*open_seats))


def voted_by_me(user: User) -> sa.ColumnElement[bool]:
    mine = sa.exists().where(
        Vote.request_id == R.id, Vote.round == R.review_round, Vote.cast_by_id == user.id
    )
    return sa.and_(R.state == S.IN_REVIEW, mine)


def recused_me(user: User, seats: list[User]) -> sa.ColumnElement[bool]:
    """In review at a seat's gate, and some seat of the user's recused (department or declared)."""
    if not seats:
        return sa.false()
    return sa.and_(R.state == S.IN_REVIEW, sa.or_(*(_seat_conflicted(s, user) for s in seats)))


# --- the chair's list: the quorum in SQL ----------------------------------------------------------


def _not_filing(department_id, req) -> sa.ColumnElement[bool]:
    return sa.or_(department_id.is_(None), department_id != req.department_id)


def _unrecused_seat(member, r) -> sa.ColumnElement[bool]:
    """``member`` holds a seat on request ``r`` that is not recused (filing department, conflict)."""
    declared = sa.exists().where(
        Recusal.request_id == r.id, Recusal.round == r.review_round, Recusal.member_id == member.id
    )
    return sa.and_(
        member.gate_id == r.gate_id,
        member.role.in_(VOTING_ROLES),
        member.active,
        _not_filing(member.department_id, r),
        ~declared,
    )


@functools.cache
def quorum_reached(gate_id: int, rule: str) -> sa.Select:
    """The ids of the requests in review at ``gate_id`` whose quorum (by ``rule``) is reached, as
    ``tally`` counts it: the eligible are the gate's active members and chair not recused (filing
    department, declared conflict, or a vote cast for them by someone of the filing department); those
    voted, the eligible whose vote is in. Two grouped passes, not a subquery per request. The statement
    depends on nothing else, so it is built once (building it costs more than running it)."""
    r, member, caster = aliased(AdmissionRequest), aliased(User), aliased(User)
    seat_clear = _unrecused_seat(member, r)
    in_review = (r.state == S.IN_REVIEW, r.gate_id == gate_id)
    clear = (
        sa.select(r.id.label("request_id"), sa.func.count(member.id).label("seats"))
        .join(member, seat_clear)
        .where(*in_review)
        .group_by(r.id)
        .subquery("clear_seats")
    )
    # The votes of this round of the requests in review: start from those requests (a few hundred at
    # most), so the database looks votes up by request instead of scanning every vote ever cast.
    reviewing = (
        sa.select(r.id, r.review_round, r.gate_id, r.department_id)
        .where(*in_review)
        .cte(f"reviewing_{gate_id}")
        .prefix_with("MATERIALIZED")
    )
    current = aliased(AdmissionRequest, reviewing)
    cast = (
        sa.select(
            current.id.label("request_id"),
            sa.func.count(sa.case((_not_filing(caster.department_id, current), 1))).label("voted"),
            sa.func.count(sa.case((caster.department_id == current.department_id, 1))).label("tainted"),
        )
        .select_from(current)
        .join(Vote, sa.and_(Vote.request_id == current.id, Vote.round == current.review_round))
        .join(member, sa.and_(member.id == Vote.member_id, _unrecused_seat(member, current)))
        .join(caster, caster.id == Vote.cast_by_id)
        .group_by(current.id)
        .subquery("cast_votes")
    )
    voted = sa.func.coalesce(cast.c.voted, 0)
    eligible = clear.c.seats - sa.func.coalesce(cast.c.tainted, 0)
    reached = {
        "all": voted == eligible,
        "two_thirds": voted * 3 >= eligible * 2,
    }.get(rule, voted * 2 > eligible)
    return (
        sa.select(clear.c.request_id)
        .outerjoin(cast, cast.c.request_id == clear.c.request_id)
        .where(eligible > 0, reached)
    )


def ready_to_decide(user: User, seats: list[User]) -> sa.ColumnElement[bool]:
    """In review at a gate where the user sits as (acting) chair, which they may decide (``can_decide``:
    not of the filing department, no conflict declared), and whose quorum is reached."""
    gates = sorted({s.gate_id for s in chair_seats(seats)})
    if not gates:
        return sa.false()
    conditions = [R.state == S.IN_REVIEW, R.gate_id.in_(gates), _no_row(Recusal, user.id)]
    if user.department_id is not None:
        conditions.append(R.department_id != user.department_id)
    return sa.and_(*conditions, R.id.in_(_quorate(tuple(gates))))


def _quorate(gates: tuple[int, ...]) -> list[int]:
    """The requests in review at these gates whose quorum is reached: asked once per page (the tab
    counts and the list then filter by these ids instead of planning the quorum again)."""
    cache = g.setdefault("gk_quorate", {})
    if gates not in cache:
        rules = {
            gate.id: gate_settings(gate.settings)["quorum"]
            for gate in db.session.scalars(sa.select(Gate).where(Gate.id.in_(gates)))
        }
        reached = sa.union(*(quorum_reached(gate_id, rules[gate_id]) for gate_id in gates))
        cache[gates] = sorted(db.session.scalars(reached))
    return cache[gates]


# --- counting and loading -------------------------------------------------------------------------


def condition(tab: str, user: User, seats: list[User]) -> sa.ColumnElement[bool]:
    return {
        "decide": lambda: ready_to_decide(user, seats),
        "awaiting": lambda: awaiting_my_vote(user, seats),
        "voted": lambda: voted_by_me(user),
        "recused": lambda: recused_me(user, seats),
    }[tab]()


def statement(user: User, tab: str, seats: list[User]) -> sa.Select:
    """The requests of one tab (findings loaded only where the page shows them)."""
    where = sa.and_(visible_requests(user), condition(tab, user, seats))
    return with_department(sa.select(R).where(where), findings=tab == "awaiting")


def counts(user: User, seats: list[User], tabs: tuple[str, ...]) -> dict[str, int]:
    """How many requests each tab lists, in one query."""
    row = db.session.execute(
        sa.select(*(sa.func.count(sa.case((condition(t, user, seats), 1))) for t in tabs)).where(
            visible_requests(user), R.state == S.IN_REVIEW
        )
    ).one()
    return dict(zip(tabs, row, strict=True))


@dataclass
class QueueSeat:
    """One seat of the user's on one request: whose, and where it stands."""

    seat: User
    vote: Vote | None = None
    recused: str | None = None
    recusal: str = ""


def my_seats_on(
    user: User, seats: list[User], reqs: list[AdmissionRequest], record: RoundRecord | None = None
) -> dict[int, list[QueueSeat]]:
    """Per request, the user's seats at its gate with their vote and recusal this round (``record``
    of the round, or two queries)."""
    if not reqs or not seats:
        return {r.id: [] for r in reqs}
    record = record if record is not None else round_record(reqs)
    votes = {(rid, mid): v for rid, by_member in record.votes.items() for mid, v in by_member.items()}
    declared = {
        (rid, mid): why for rid, by_member in record.recusals.items() for mid, why in by_member.items()
    }
    result = {}
    for req in reqs:
        mine = []
        for seat in (s for s in seats if s.gate_id == req.gate_id):
            declared_ids = {seat.id} if (req.id, seat.id) in declared else set()
            mine.append(
                QueueSeat(
                    seat=seat,
                    vote=votes.get((req.id, seat.id)),
                    recused=recusal_reason(seat, user, req, declared_ids),
                    recusal=declared.get((req.id, seat.id), ""),
                )
            )
        result[req.id] = mine
    return result


def rows(
    tab: str, user: User, seats: list[User], items: list[AdmissionRequest], today: dt.date
) -> dict[str, Any]:
    """What each item of the tab shows beyond the request, for all of them at once."""
    record = round_record(items)  # the seats and the tallies read the same votes and recusals
    return {
        "due": due_dates(items, today),
        "schedules": meetings.schedules_of(items),
        "answers": answers_of(items),
        "seats": my_seats_on(user, seats, items, record),
        "funding": {r.id: money_of(r) for r in items},
        "tallies": tallies(items, record) if tab == "decide" else {},
    }


def open_seats(user: User, req: AdmissionRequest) -> list[User]:
    """The seats the user may still vote in on the request (not voted, not recused) this round."""
    found = my_seats_on(user, seats_of(user, req), [req]).get(req.id, [])
    return [s.seat for s in found if s.vote is None and not s.recused]


def decidable(user: User, seats: list[User], reqs: list[AdmissionRequest]) -> set[int]:
    """Ids of the requests the user may decide as (acting) chair: ``can_decide``'s rule, in one query."""
    gates = {s.gate_id for s in chair_seats(seats)}
    ids = [r.id for r in reqs if r.gate_id in gates]
    if not ids:
        return set()
    declared = set(
        db.session.scalars(
            sa.select(Recusal.request_id)
            .join(R, sa.and_(R.id == Recusal.request_id, R.review_round == Recusal.round))
            .where(Recusal.request_id.in_(ids), Recusal.member_id == user.id)
        )
    )
    own = user.department_id
    return {
        r.id for r in reqs if r.id in ids and r.id not in declared and (own is None or r.department_id != own)
    }
