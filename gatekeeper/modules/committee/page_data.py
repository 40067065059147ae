"""What the committee's pages show, gathered in a fixed number of queries whatever the number of rows:
the lists' filters, due dates and money, the office's inbox, one item for voting or deciding, the
panel on the request page (a member's queue is in ``committee.queue``).

The views in ``committee.pages`` stay short; nothing here changes the database.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import sqlalchemy as sa
from flask import request
from sqlalchemy.orm import contains_eager, lazyload, selectinload

from gatekeeper.core import clock
from gatekeeper.core.db import contains
from gatekeeper.extensions import db
from gatekeeper.modules.accounts.models import User
from gatekeeper.modules.catalogue.models import Kind
from gatekeeper.modules.committee import meetings
from gatekeeper.modules.committee.models import Decision, Meeting, MeetingItem, Recusal, Ruling, Vote
from gatekeeper.modules.committee.permissions import can_see_tally
from gatekeeper.modules.committee.tally import Tally, tallies, tally
from gatekeeper.modules.funds.formula import round_half_up, years
from gatekeeper.modules.jurisdictions.models import Department
from gatekeeper.modules.jurisdictions.operations import working_calendar
from gatekeeper.modules.requests.models import (
    AdmissionRequest,
    CheckRun,
    FundingBasis,
    RequestEvent,
    RequestRevision,
    RequestState,
)

R = AdmissionRequest
S = RequestState


# --- lists ----------------------------------------------------------------------------------------


def filter_args() -> dict[str, str]:
    """The lists' common filters from the address: ``kind``, ``department`` (a code), ``q`` (words of the
    title, or ``#id``); an unknown kind is ignored."""
    kind = request.args.get("kind", "")
    return {
        "kind": kind if kind in {k.value for k in Kind} else "",
        "department": request.args.get("department", "").strip(),
        "q": request.args.get("q", "").strip(),
    }


def filtered(stmt: sa.Select, filters: dict[str, str]) -> sa.Select:
    """``stmt`` (joined with the department) narrowed by the filters."""
    if filters["kind"]:
        stmt = stmt.where(R.kind == Kind(filters["kind"]))
    if filters["department"]:
        stmt = stmt.where(Department.code == filters["department"])
    q = filters["q"]
    if q:
        number = q.lstrip("#")
        match = contains(q, R.title)
        stmt = stmt.where(sa.or_(match, R.id == int(number)) if number.isdigit() else match)
    return stmt


def with_department(stmt: sa.Select, *, findings: bool = True) -> sa.Select:
    """Join the department (sorting and filtering by it), and load each row's findings with it if
    asked; the gate (the user's own, already in the session) is not joined to every row."""
    stmt = stmt.join(Department, R.department_id == Department.id).options(
        contains_eager(R.department).lazyload(Department.jurisdiction), lazyload(R.gate), lazyload(R.varies)
    )
    if findings:
        stmt = stmt.options(selectinload(R.latest_check).selectinload(CheckRun.findings))
    return stmt


# --- deadlines and money --------------------------------------------------------------------------


@dataclass(frozen=True)
class Due:
    """A decision's due date against today, in working days of the official calendar."""

    date: dt.date
    late: bool
    days: int  # working days late (when late) or left


def due_dates(reqs: list[AdmissionRequest], today: dt.date) -> dict[int, Due]:
    calendar = working_calendar(today)
    result = {}
    for req in reqs:
        if req.due_date is None:
            continue
        if req.due_date < today:
            result[req.id] = Due(req.due_date, True, calendar.working_days_between(req.due_date, today))
        else:
            result[req.id] = Due(req.due_date, False, calendar.working_days_between(today, req.due_date))
    return result


@dataclass(frozen=True)
class Money:
    basis: FundingBasis
    amount_fen: int
    source: str
    #: What the funding implies over the validity for the scope resolved at filing, in fen.
    total_fen: int | None
    years: Fraction | None


def money_of(req: AdmissionRequest) -> Money:
    """The request's funding, with the total it implies over its validity where the scope is known."""
    span = years(req.start_date, req.end_date) if req.end_date >= req.start_date else None
    total = None
    if req.funding_basis == FundingBasis.LUMP_SUM:
        total = req.funding_amount_fen
    elif req.funding_basis == FundingBasis.PER_COMMUNITY and req.scope_communities and span is not None:
        total = round_half_up(req.funding_amount_fen * req.scope_communities * span)
    elif req.funding_basis == FundingBasis.PER_100_HOUSEHOLDS and req.scope_households and span is not None:
        total = round_half_up(Fraction(req.funding_amount_fen * req.scope_households, 100) * span)
    return Money(req.funding_basis, req.funding_amount_fen, req.funding_source, total, span)


def answers_of(reqs: list[AdmissionRequest]) -> dict[int, dict[str, str]]:
    """For each request: the department's answer with its current revision and the reason of the
    return it answers (two queries)."""
    ids = [r.id for r in reqs]
    if not ids:
        return {}
    found: dict[int, dict[str, str]] = {r.id: {"response": "", "returned": ""} for r in reqs}
    rows = db.session.execute(
        sa.select(RequestRevision.request_id, RequestRevision.response)
        .join(R, sa.and_(R.id == RequestRevision.request_id, R.revision == RequestRevision.number))
        .where(RequestRevision.request_id.in_(ids))
    )
    for request_id, response in rows:
        found[request_id]["response"] = response or ""
    last_return = (
        sa.select(RequestEvent.request_id, sa.func.max(RequestEvent.id).label("id"))
        .where(RequestEvent.request_id.in_(ids), RequestEvent.to_state == S.RETURNED)
        .group_by(RequestEvent.request_id)
        .subquery()
    )
    rows = db.session.execute(
        sa.select(RequestEvent.request_id, RequestEvent.reason, RequestEvent.at).join(
            last_return, last_return.c.id == RequestEvent.id
        )
    )
    for request_id, reason, at in rows:
        found[request_id]["returned"] = reason or ""
        found[request_id]["returned_at"] = at
    return found


# --- the office's inbox ---------------------------------------------------------------------------

INBOX_TABS = ("accept", "review", "unscheduled", "referred", "returned")


def inbox_counts(gate_id: int, today: dt.date) -> dict[str, int]:
    """How many requests wait at each step of the office's work, in one query."""

    def count(*conditions):
        return sa.func.count(sa.case((sa.and_(*conditions), 1)))

    review = R.state == S.IN_REVIEW
    row = db.session.execute(
        sa.select(
            count(R.state == S.SUBMITTED),
            count(review),
            count(review, R.due_date < today),
            count(review, meetings.not_scheduled()),
            count(R.state == S.REFERRED),
            count(R.state == S.RETURNED),
        ).where(R.gate_id == gate_id)
    ).one()
    return dict(zip(("accept", "review", "overdue", "unscheduled", "referred", "returned"), row, strict=True))


def inbox_query(tab: str, gate_id: int) -> sa.Select:
    stmt = with_department(sa.select(R).where(R.gate_id == gate_id))
    if tab == "accept":
        return stmt.where(R.state == S.SUBMITTED)
    if tab == "review":
        return stmt.where(R.state == S.IN_REVIEW)
    if tab == "unscheduled":
        return stmt.where(R.state == S.IN_REVIEW, meetings.not_scheduled())
    if tab == "referred":
        return stmt.where(R.state == S.REFERRED)
    return stmt.where(R.state == S.RETURNED)


INBOX_SORTS = {
    "submitted": (R.submitted_at, R.id),
    "due": (R.due_date, R.id),
    "decided": (R.decided_at, R.id),
    "updated": (R.updated_at, R.id),
    "title": (R.title, R.id),
    "department": (Department.initials, Department.name, R.id),
    "number": R.id,
}
INBOX_DEFAULT_SORT = {
    "accept": "submitted",
    "review": "due",
    "unscheduled": "due",
    "referred": "decided",
    "returned": "-updated",
}


def inbox_rows(tab: str, items: list[AdmissionRequest], today: dt.date) -> dict[str, Any]:
    """What each row of the tab shows beyond the request: due dates, agendas, tallies, returns."""
    extra: dict[str, Any] = {}
    if tab in ("review", "unscheduled"):
        extra["due"] = due_dates(items, today)
    if tab == "review":
        extra["schedules"] = meetings.schedules_of(items)
        extra["tallies"] = tallies(items)
    if tab == "returned":
        extra["answers"] = answers_of(items)
    return extra


def open_meetings(gate_id: int, today: dt.date) -> list[Meeting]:
    """The sittings and written votes of the gate still to come (they can take items)."""
    return list(
        db.session.scalars(
            sa.select(Meeting)
            .where(Meeting.gate_id == gate_id, Meeting.on_date >= today)
            .order_by(Meeting.on_date, Meeting.id)
        )
    )


# --- one item: voting and deciding ------------------------------------------------------------------


@dataclass
class SeatRow:
    """A seat on the decision page: the member, their vote and comment, who cast it, any recusal."""

    member: User
    vote: Vote | None
    recused: str | None
    recusal: str = ""


def seat_rows(req: AdmissionRequest, counted: Tally) -> list[SeatRow]:
    """Every seat of the committee with the vote cast for it this round and its recusal (two queries
    beside the tally's)."""
    votes = {
        v.member_id: v
        for v in db.session.scalars(
            sa.select(Vote).where(Vote.request_id == req.id, Vote.round == req.review_round)
        )
    }
    declared = {
        r.member_id: r.reason
        for r in db.session.scalars(
            sa.select(Recusal).where(Recusal.request_id == req.id, Recusal.round == req.review_round)
        )
    }
    usernames = [s.username for s in counted.seats]
    members = {u.username: u for u in db.session.scalars(sa.select(User).where(User.username.in_(usernames)))}
    rows = []
    for state in counted.seats:
        member = members[state.username]
        rows.append(SeatRow(member, votes.get(member.id), state.recused, declared.get(member.id, "")))
    return rows


# --- the panel on the request page ----------------------------------------------------------------


@dataclass
class Round:
    """One review round of a request as the committee handled it."""

    number: int
    meeting: Meeting | None = None
    votes: list[Vote] = field(default_factory=list)
    recusals: list[Recusal] = field(default_factory=list)
    decision: Decision | None = None
    ruling: Ruling | None = None


def request_panel(viewer: User, req: AdmissionRequest) -> dict[str, Any]:
    """The committee's record of the request, round by round (latest first), as ``viewer`` may see it:
    schedule, votes and declared recusals (for those who may see the tally), decisions and rulings."""
    if req.review_round == 0:
        return {"rounds": [], "tally": None}
    rounds = {n: Round(n) for n in range(1, req.review_round + 1)}
    sees_votes = bool(can_see_tally(viewer, req))
    rows = db.session.execute(
        sa.select(MeetingItem.round, Meeting)
        .join(Meeting, Meeting.id == MeetingItem.meeting_id)
        .where(MeetingItem.request_id == req.id)
    )
    for number, meeting in rows:
        if number in rounds:
            rounds[number].meeting = meeting
    for decision in db.session.scalars(sa.select(Decision).where(Decision.request_id == req.id)):
        rounds[decision.round].decision = decision
    for ruling in db.session.scalars(sa.select(Ruling).where(Ruling.request_id == req.id)):
        rounds[ruling.round].ruling = ruling
    if sees_votes:
        for vote in db.session.scalars(
            sa.select(Vote).where(Vote.request_id == req.id).order_by(Vote.cast_at)
        ):
            rounds[vote.round].votes.append(vote)
        for recusal in db.session.scalars(
            sa.select(Recusal).where(Recusal.request_id == req.id).order_by(Recusal.at)
        ):
            rounds[recusal.round].recusals.append(recusal)
    live = tally(req) if sees_votes and req.state == S.IN_REVIEW else None
    return {
        "rounds": sorted(rounds.values(), key=lambda r: -r.number),
        "tally": live,
        "sees_votes": sees_votes,
        "current_round": req.review_round,
        "today": clock.today(),
    }
