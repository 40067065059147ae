"""Meetings (会议) and written votes (书面表决): the agenda of the committee.

The office opens a sitting (a day) or a written vote (a last day for votes in writing) and schedules
into it requests in review at its gate. A review round of a request is taken up once (the database's
unique constraint says so too); moving it elsewhere means unscheduling it first. A request's schedule
is the meeting of its current round: after a return and a new acceptance it can be scheduled again.
Votes in writing are refused after the written vote's last day (``cast_vote`` asks
:func:`written_vote_closed`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import lazyload

from gatekeeper.core import audit, clock
from gatekeeper.core.db import lock_row
from gatekeeper.core.errors import Conflict, NotFound, ValidationFailed
from gatekeeper.extensions import db
from gatekeeper.modules.accounts.models import User
from gatekeeper.modules.committee.models import Meeting, MeetingItem, MeetingKind
from gatekeeper.modules.jurisdictions.models import Gate
from gatekeeper.modules.requests.models import AdmissionRequest, RequestState


def _view(meeting: Meeting) -> dict:
    return {
        "kind": meeting.kind.value,
        "title": meeting.title,
        "on_date": meeting.on_date.isoformat(),
        "location": meeting.location,
        "notes": meeting.notes,
    }


def is_open(meeting: Meeting, today: dt.date | None = None) -> bool:
    """A written vote is open until the end of its last day; a sitting is open until its day ends."""
    return meeting.on_date >= (today or clock.today())


def create_meeting(gate: Gate, data: dict, *, actor: User) -> Meeting:
    """Open a sitting or a written vote at ``gate`` (``data`` as loaded by ``MeetingInputSchema``).

    A written vote's last day cannot be in the past: nobody could vote in it.
    """
    kind = MeetingKind(data["kind"])
    title = (data.get("title") or "").strip()
    problems = {}
    if not title:
        problems["title"] = [_("give the meeting a title")]
    if kind == MeetingKind.WRITTEN and data["on_date"] < clock.today():
        problems["on_date"] = [_("the last day of a written vote cannot be in the past")]
    if problems:
        raise ValidationFailed(fields=problems)
    meeting = Meeting(
        gate_id=gate.id,
        kind=kind,
        title=title,
        on_date=data["on_date"],
        location=(data.get("location") or "").strip(),
        notes=(data.get("notes") or "").strip(),
        created_by_id=actor.id,
        created_at=clock.now(),
    )
    db.session.add(meeting)
    db.session.flush()
    audit.record("meeting.create", meeting, actor=actor, after={"gate": gate.code, **_view(meeting)})
    return meeting


def get_meeting(meeting_id: int) -> Meeting | None:
    return db.session.get(Meeting, meeting_id)


@dataclass
class AgendaEntry:
    """One item of an agenda with its request (loaded with it)."""

    position: int
    round: int
    request: AdmissionRequest

    @property
    def request_id(self) -> int:
        return self.request.id

    @property
    def current(self) -> bool:
        """The item is the request's current review round (not an earlier one, since returned)."""
        return self.round == self.request.review_round


def agenda(meeting: Meeting) -> list[AgendaEntry]:
    """The meeting's items in order, each with its request, in one query."""
    rows = db.session.execute(
        sa.select(MeetingItem.position, MeetingItem.round, AdmissionRequest)
        .join(AdmissionRequest, AdmissionRequest.id == MeetingItem.request_id)
        .where(MeetingItem.meeting_id == meeting.id)
        .order_by(MeetingItem.position)
    )
    return [AgendaEntry(position, round_, req) for position, round_, req in rows]


def _current_item(req: AdmissionRequest) -> MeetingItem | None:
    return db.session.scalar(
        sa.select(MeetingItem).where(MeetingItem.request_id == req.id, MeetingItem.round == req.review_round)
    )


def schedule_of(req: AdmissionRequest) -> Meeting | None:
    """The meeting or written vote that takes up the request's current review round, if any."""
    item = _current_item(req)
    return item.meeting if item is not None else None


def schedules_of(reqs: Iterable[AdmissionRequest]) -> dict[int, Meeting]:
    """``schedule_of`` for many requests at once (one query), by request id."""
    ids = [r.id for r in reqs]
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(MeetingItem.request_id, Meeting)
        .join(Meeting, Meeting.id == MeetingItem.meeting_id)
        .join(
            AdmissionRequest,
            sa.and_(
                AdmissionRequest.id == MeetingItem.request_id,
                AdmissionRequest.review_round == MeetingItem.round,
            ),
        )
        .where(MeetingItem.request_id.in_(ids))
        .options(lazyload("*"))  # lists show the meeting itself, not who created it
    )
    return {request_id: meeting for request_id, meeting in rows}


def written_vote_closed(req: AdmissionRequest) -> Meeting | None:
    """The written vote whose last day has passed, when the request's current round is in one."""
    meeting = schedule_of(req)
    if meeting is not None and meeting.kind == MeetingKind.WRITTEN and not is_open(meeting):
        return meeting
    return None


def not_scheduled() -> sa.ColumnElement[bool]:
    """A WHERE clause: the request's current review round is on no agenda."""
    return ~sa.exists().where(
        MeetingItem.request_id == AdmissionRequest.id, MeetingItem.round == AdmissionRequest.review_round
    )


def schedulable(gate_id: int) -> sa.Select:
    """Requests in review at the gate that no meeting takes up yet, the earliest due first."""
    return (
        sa.select(AdmissionRequest)
        .where(
            AdmissionRequest.gate_id == gate_id,
            AdmissionRequest.state == RequestState.IN_REVIEW,
            not_scheduled(),
        )
        .order_by(AdmissionRequest.due_date, AdmissionRequest.id)
    )


def schedule(meeting: Meeting, requests: Iterable[AdmissionRequest], *, actor: User) -> list[MeetingItem]:
    """Put requests on the meeting's agenda (or into the written vote), after those already there.

    Only requests in review at the meeting's gate, not yet taken up in their current round; a
    written vote already closed takes nothing more. All or nothing: one refusal refuses them all.
    """
    meeting = lock_row(Meeting, meeting.id)
    if meeting is None:
        raise NotFound()
    requests = list(dict.fromkeys(requests))
    if not requests:
        raise ValidationFailed(fields={"requests": [_("choose at least one request")]})
    if meeting.kind == MeetingKind.WRITTEN and not is_open(meeting):
        raise Conflict(
            _("This written vote closed on %(date)s; open a new one.", date=meeting.on_date.isoformat()),
            code="written_vote_closed",
        )
    problems = []
    for req in requests:
        if req.gate_id != meeting.gate_id:
            problems.append(_("Request #%(id)s is not filed at this gate.", id=req.id))
        elif req.state != RequestState.IN_REVIEW:
            problems.append(_("Request #%(id)s is not in review.", id=req.id))
    if problems:
        raise Conflict(" ".join(problems), code="not_in_review", fields={"requests": problems})
    taken = schedules_of(requests)
    if taken:
        said = [
            _(
                "Request #%(id)s is already on the agenda of “%(title)s” (%(date)s).",
                id=request_id,
                title=other.title,
                date=other.on_date.isoformat(),
            )
            for request_id, other in taken.items()
        ]
        raise Conflict(" ".join(said), code="already_scheduled", fields={"requests": said})
    position = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.max(MeetingItem.position), 0)).where(
            MeetingItem.meeting_id == meeting.id
        )
    )
    items = []
    for req in requests:
        position += 1
        item = MeetingItem(
            meeting_id=meeting.id, request_id=req.id, round=req.review_round, position=position
        )
        db.session.add(item)
        items.append(item)
        audit.record(
            "request.schedule",
            req,
            actor=actor,
            after={"meeting": meeting.id, "round": req.review_round, "position": position, **_view(meeting)},
        )
    db.session.flush()
    return items


def unschedule(meeting: Meeting, req: AdmissionRequest, *, actor: User) -> None:
    """Take a request off the agenda of its current round (only while it is in review: the agenda
    of a decided request is kept as it was)."""
    meeting = lock_row(Meeting, meeting.id)
    if meeting is None:
        raise NotFound()
    item = db.session.scalar(
        sa.select(MeetingItem)
        .where(MeetingItem.meeting_id == meeting.id, MeetingItem.request_id == req.id)
        .order_by(MeetingItem.round.desc())
        .limit(1)
    )
    if item is None:
        raise NotFound(_("Request #%(id)s is not on this agenda.", id=req.id))
    if req.state != RequestState.IN_REVIEW or item.round != req.review_round:
        raise Conflict(
            _("Only a request still in review can be taken off the agenda; the record stays as it was."),
            code="agenda_closed",
        )
    db.session.delete(item)
    db.session.flush()
    audit.record(
        "request.unschedule",
        req,
        actor=actor,
        before={"meeting": meeting.id, "round": item.round, "position": item.position, **_view(meeting)},
    )


def requests_by_id(
    ids: Iterable[int], visible: sa.ColumnElement[bool] | None = None
) -> list[AdmissionRequest]:
    """The requests named by id (among those ``visible``), in the order given; an id not found is a
    field error, so nobody learns that a request they may not see exists."""
    ids = list(dict.fromkeys(ids))
    stmt = sa.select(AdmissionRequest).where(
        AdmissionRequest.id.in_(ids), visible if visible is not None else sa.true()
    )
    found = {r.id: r for r in db.session.scalars(stmt)}
    missing = [i for i in ids if i not in found]
    if missing:
        raise ValidationFailed(
            fields={"requests": [_("no request #%(id)s", id=i) for i in missing]},
        )
    return [found[i] for i in ids]
