"""Pages of the committee office (委员会办公室) and the committee (委员, 主任).

The office: its inbox (what waits to be accepted, decided, scheduled, ruled on, answered), accepting
and returning requests, meetings and written votes with their agendas, escalation rulings. Members
and the chair: their queue of items awaiting their vote, voting, declaring a conflict, and the
chair's decision. Each view is the page twin of an API endpoint: the same permission, the same
schema, the same single operation. What the pages show is gathered by ``committee.page_data`` in a
fixed number of queries.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import fields
from sqlalchemy.orm import selectinload

from gatekeeper.core import clock
from gatekeeper.core.api import EmptySchema
from gatekeeper.core.errors import NotFound, ValidationFailed
from gatekeeper.core.labels import label, options
from gatekeeper.core.permissions import authorize, permission, user
from gatekeeper.core.web import NavItem, PageForm, done, home_endpoint, list_page
from gatekeeper.extensions import db
from gatekeeper.modules.accounts.models import Role
from gatekeeper.modules.catalogue.models import Kind
from gatekeeper.modules.committee import meetings
from gatekeeper.modules.committee import operations as ops
from gatekeeper.modules.committee import page_data as data
from gatekeeper.modules.committee import queue as queue_data
from gatekeeper.modules.committee.api import load_item, on_meeting
from gatekeeper.modules.committee.models import Decision, Meeting, MeetingKind
from gatekeeper.modules.committee.permissions import (
    can_create_meeting,
    can_decide,
    can_list_meetings,
    can_recuse,
    can_schedule,
    can_see_inbox,
    can_see_meeting,
    can_see_meeting_item,
    can_see_queue,
    can_unschedule,
    can_vote,
)
from gatekeeper.modules.committee.schemas import (
    DecideInputSchema,
    MeetingInputSchema,
    RecusalInputSchema,
    RulingInputSchema,
    ScheduleInputSchema,
    VoteInputSchema,
)
from gatekeeper.modules.committee.tally import tallies, tally
from gatekeeper.modules.jurisdictions.operations import department_options, working_calendar
from gatekeeper.modules.jurisdictions.schemas import gate_settings
from gatekeeper.modules.requests import operations as request_ops
from gatekeeper.modules.requests.actions import available_actions
from gatekeeper.modules.requests.api import on_request
from gatekeeper.modules.requests.page_data import demands_of, place_names
from gatekeeper.modules.requests.permissions import (
    can_accept_request,
    can_return_request,
    can_rule,
    visible_requests,
)
from gatekeeper.modules.requests.schemas import FindingSchema, ReasonSchema
from gatekeeper.modules.supervision.operations import office_queue

bp = Blueprint("committee_pages", __name__)
PAGES = [bp]
VOTERS = (Role.MEMBER, Role.CHAIR)
NAV = [
    NavItem("committee_pages.inbox", _l("Inbox"), roles=(Role.SECRETARIAT,), order=10),
    NavItem("committee_pages.queue", _l("My queue"), roles=VOTERS, order=10),
    NavItem("committee_pages.meetings", _l("Meetings"), roles=(Role.SECRETARIAT, *VOTERS), order=35),
]
HOME = {
    Role.SECRETARIAT: "committee_pages.inbox",
    Role.MEMBER: "committee_pages.queue",
    Role.CHAIR: "committee_pages.queue",
}
FILTERS = ("tab", "kind", "department", "q")


def _tab(tabs: tuple[str, ...], counts: dict[str, int]) -> str:
    """The tab asked for, else the first with something in it, else the first."""
    asked = request.args.get("tab", "")
    if asked in tabs:
        return asked
    return next((t for t in tabs if counts.get(t)), tabs[0])


def _findings(req) -> list[dict]:
    return FindingSchema(many=True).dump(req.latest_check.findings) if req.latest_check else []


@bp.app_context_processor
def _panel():
    """``committee_panel(req)`` for the request page's committee panel (``_request_panel.html``)."""
    return {"committee_panel": lambda req: data.request_panel(user(), req)}


# --- the office's inbox ---------------------------------------------------------------------------


@bp.route("/committee/inbox")
@permission(can_see_inbox)
def inbox():
    """What waits for the office: to accept, in review (overdue first), not on an agenda, referred,
    returned. Counts of each; one list at a time, paginated, sorted and filtered."""
    me, today = user(), clock.today()
    counts = data.inbox_counts(me.gate_id, today)
    tab = _tab(data.INBOX_TABS, counts)
    filters = data.filter_args()
    stmt = data.filtered(data.inbox_query(tab, me.gate_id), filters)
    listing = list_page(stmt, sorts=data.INBOX_SORTS, default_sort=data.INBOX_DEFAULT_SORT[tab], keep=FILTERS)
    return render_template(
        "committee/inbox.html",
        tab=tab,
        counts=counts,
        listing=listing,
        filters=filters,
        departments=department_options(),
        kinds=options(Kind),
        open_meetings=data.open_meetings(me.gate_id, today) if tab == "unscheduled" else [],
        reports=office_queue(me.gate_id),
        today=today,
        **data.inbox_rows(tab, listing.items, today),
    )


class AgendaFormSchema(ScheduleInputSchema):
    """The inbox's scheduling form: the meeting chosen, and the requests ticked."""

    meeting = fields.Integer(required=True)


@bp.route("/committee/agenda", methods=["POST"])
@permission(can_create_meeting)
def schedule():
    """Put the requests ticked in the inbox on the agenda of the meeting chosen there."""
    form = PageForm(AgendaFormSchema(), lists=("requests",))
    if not form.validate():
        raise ValidationFailed(fields=form.errors)
    meeting = meetings.get_meeting(form.data["meeting"])
    if meeting is None or not can_see_meeting(user(), meeting):
        raise NotFound()
    authorize(can_schedule(user(), meeting))
    reqs = meetings.requests_by_id(form.data["requests"], visible_requests(user()))
    meetings.schedule(meeting, reqs, actor=user())
    return done(
        _("%(num)s requests put on the agenda of “%(title)s”.", num=len(reqs), title=meeting.title),
        "committee_pages.meeting",
        meeting_id=meeting.id,
    )


# --- accepting and returning ----------------------------------------------------------------------


@bp.route("/requests/<int:request_id>/accept", methods=["GET", "POST"])
@on_request(can_accept_request)
def accept(req):
    """Formal acceptance (受理): the findings and the gate's time limit, then accept."""
    form = PageForm(EmptySchema())
    if form.apply(lambda d: request_ops.accept_request(req, actor=user())):
        return done(
            _("Request #%(id)s is accepted; the decision is due on %(date)s.", id=req.id, date=req.due_date),
            "committee_pages.inbox",
            tab="accept",
        )
    today = clock.today()
    limit = gate_settings(req.gate.settings)["decision_limit_days"]
    return form.render(
        "committee/accept.html",
        req=req,
        findings=_findings(req),
        limit=limit,
        due=working_calendar(today).add_working_days(today, limit),
        actions=available_actions(user(), req),
        funding=data.money_of(req),
    )


@bp.route("/requests/<int:request_id>/return", methods=["GET", "POST"])
@on_request(can_return_request)
def return_(req):
    """Return the request to its department with a reason (the office; the chair at decision)."""
    form = PageForm(ReasonSchema())
    if form.apply(lambda d: request_ops.return_request(req, d["reason"], actor=user())):
        return done(_("Request #%(id)s was returned to the department.", id=req.id), home_endpoint(user()))
    return form.render(
        "committee/return.html", req=req, findings=_findings(req), actions=available_actions(user(), req)
    )


# --- meetings and written votes -------------------------------------------------------------------

MEETING_SORTS = {
    "date": (Meeting.on_date, Meeting.id),
    "title": (Meeting.title, Meeting.id),
    "kind": (Meeting.kind, Meeting.on_date),
}


@bp.route("/committee/meetings", endpoint="meetings")
@permission(can_list_meetings)
def meeting_list():
    """The gate's sittings and written votes: kind and when (upcoming or past) as filters."""
    today = clock.today()
    stmt = sa.select(Meeting).where(Meeting.gate_id == user().gate_id).options(selectinload(Meeting.items))
    kind, when = request.args.get("kind", ""), request.args.get("when", "")
    if kind in {k.value for k in MeetingKind}:
        stmt = stmt.where(Meeting.kind == MeetingKind(kind))
    if when == "upcoming":
        stmt = stmt.where(Meeting.on_date >= today)
    elif when == "past":
        stmt = stmt.where(Meeting.on_date < today)
    listing = list_page(stmt, sorts=MEETING_SORTS, default_sort="-date", keep=("kind", "when"))
    return render_template("committee/meetings.html", listing=listing, kind=kind, when=when, today=today)


@bp.route("/committee/meetings/new", methods=["GET", "POST"])
@permission(can_create_meeting)
def new_meeting():
    """Open a sitting (a day) or a written vote (a last day for votes in writing)."""
    form = PageForm(MeetingInputSchema(), initial={"kind": MeetingKind.MEETING.value})
    actor = user()
    if form.apply(lambda d: meetings.create_meeting(actor.gate, d, actor=actor)):
        return done(
            _("“%(title)s” is open; add requests to it.", title=form.result.title),
            "committee_pages.meeting",
            meeting_id=form.result.id,
        )
    return form.render("committee/new_meeting.html", today=clock.today())


def _meeting_page(meeting: Meeting, form: PageForm):
    me, today = user(), clock.today()
    agenda = meetings.agenda(meeting)
    current = [e.request for e in agenda if e.current and e.request.state == data.S.IN_REVIEW]
    seats = queue_data.seats_of_user(me)
    counted = tallies(current)
    candidates = []
    if can_schedule(me, meeting):
        candidates = list(db.session.scalars(meetings.schedulable(meeting.gate_id).limit(200)))
    return form.render(
        "committee/meeting.html",
        meeting=meeting,
        agenda=agenda,
        tallies=counted,
        decidable=queue_data.decidable(me, seats, [r for r in current if counted[r.id].quorum_met]),
        votes_here=any(s.gate_id == meeting.gate_id for s in seats),
        candidates=candidates,
        due=data.due_dates(candidates, today),
        is_open=meetings.is_open(meeting, today),
        today=today,
    )


@bp.route("/committee/meetings/<int:meeting_id>")
@on_meeting(can_see_meeting)
def meeting(meeting):
    """The agenda: each item's state, the tally so far and links; the office adds and removes items."""
    return _meeting_page(meeting, PageForm(ScheduleInputSchema(), lists=("requests",)))


@bp.route("/committee/meetings/<int:meeting_id>/items", methods=["POST"])
@on_meeting(can_schedule)
def add_items(meeting):
    form = PageForm(ScheduleInputSchema(), lists=("requests",))
    actor = user()
    if form.apply(
        lambda d: meetings.schedule(
            meeting, meetings.requests_by_id(d["requests"], visible_requests(actor)), actor=actor
        )
    ):
        return done(
            _("%(num)s requests added to the agenda.", num=len(form.result)),
            "committee_pages.meeting",
            meeting_id=meeting.id,
        )
    return _meeting_page(meeting, form)


@bp.route("/committee/meetings/<int:meeting_id>/items/<int:request_id>/remove", methods=["POST"])
@permission(can_unschedule, load=load_item, can_see=can_see_meeting_item)
def remove_item(item):
    """Take a request off the agenda (while it is in review)."""
    meeting, req = item.meeting, request_ops.get_request(item.request_id)
    meetings.unschedule(meeting, req, actor=user())
    return done(
        _("Request #%(id)s was taken off the agenda.", id=req.id),
        "committee_pages.meeting",
        meeting_id=meeting.id,
    )


# --- the escalation body's ruling -----------------------------------------------------------------


@bp.route("/requests/<int:request_id>/ruling", methods=["GET", "POST"])
@on_request(can_rule)
def ruling(req):
    """The office records the escalation body's ruling on a referred request."""
    form = PageForm(
        RulingInputSchema(), booleans=("add_to_catalogue",), initial={"ruled_on": clock.today().isoformat()}
    )
    if form.apply(
        lambda d: ops.record_ruling(
            req,
            d["outcome"],
            reference=d["reference"],
            reason=d["reason"],
            ruled_on=d["ruled_on"],
            add_to_catalogue=d["add_to_catalogue"],
            actor=user(),
        )
    ):
        message = _("The ruling is recorded; the request is now “%(state)s”.", state=label(req.state))
        if form.result.catalogue_code:
            message += " " + _(
                "The item was added to the next catalogue version as %(code)s.",
                code=form.result.catalogue_code,
            )
        return done(message, "committee_pages.inbox", tab="referred")
    decision = db.session.scalar(
        sa.select(Decision).where(Decision.request_id == req.id, Decision.round == req.review_round)
    )
    return form.render(
        "committee/ruling.html",
        req=req,
        decision=decision,
        findings=_findings(req),
        actions=available_actions(user(), req),
    )


# --- a member's queue -----------------------------------------------------------------------------


@bp.route("/committee/queue")
@permission(can_see_queue)
def queue():
    """What awaits the user's vote (their own seat, and seats they deputise for today), what they voted,
    what they are recused from; for the chair first what is ready to decide."""
    me, today = user(), clock.today()
    seats = queue_data.seats_of_user(me)
    tabs = queue_data.TABS if queue_data.chair_seats(seats) else queue_data.TABS[1:]
    counts = queue_data.counts(me, seats, tabs)
    tab = _tab(tabs, counts)
    filters = data.filter_args()
    stmt = data.filtered(queue_data.statement(me, tab, seats), filters)
    per_page = 10 if tab in ("awaiting", "decide") else 25  # items to act on, or rows of a history
    listing = list_page(stmt, sorts=queue_data.SORTS, default_sort="due", keep=FILTERS, per_page=per_page)
    return render_template(
        "committee/queue.html",
        tab=tab,
        tabs=tabs,
        counts=counts,
        listing=listing,
        filters=filters,
        departments=department_options(),
        kinds=options(Kind),
        findings={r.id: _findings(r) for r in listing.items} if tab == "awaiting" else {},
        today=today,
        **queue_data.rows(tab, me, seats, listing.items, today),
    )


def _seats_context(me, req) -> dict:
    """The seats the user may still act in on the request, and their choices for the form."""
    seats = queue_data.open_seats(me, req)
    options = [
        (s.username, _("My own seat") if s.id == me.id else _("Acting for %(name)s", name=s.name))
        for s in seats
    ]
    return {"open_seats": seats, "seat_options": options}


def _item_context(req) -> dict:
    """The full item, as the vote and decision pages show it."""
    me = user()
    counted = tally(req)
    return {
        "req": req,
        "findings": _findings(req),
        "answers": data.answers_of([req]).get(req.id, {}),
        "funding": data.money_of(req),
        "demands": demands_of(req),
        "places": place_names(list(req.scope_codes or [])),
        "schedule": meetings.schedule_of(req),
        "due": data.due_dates([req], clock.today()).get(req.id),
        "tally": counted,
        "seats": data.seat_rows(req, counted),
        "actions": available_actions(me, req),
        "today": clock.today(),
    }


@bp.route("/requests/<int:request_id>/vote", methods=["GET", "POST"])
@on_request(can_recuse)
def vote(req):
    """The full item and the vote form; a recused member is told why instead."""
    me = user()
    allowed = can_vote(me, req)
    form = PageForm(VoteInputSchema())
    if form.submitted:
        authorize(allowed)
    if form.apply(
        lambda d: ops.cast_vote(req, d["vote"], d["comment"], actor=me, acting_for=d["acting_for"])
    ):
        return done(
            _("Your vote on request #%(id)s is recorded.", id=req.id), "committee_pages.queue", tab="awaiting"
        )
    return form.render(
        "committee/vote.html",
        allowed=allowed,
        **_seats_context(me, req),
        closed=meetings.written_vote_closed(req),
        **_item_context(req),
    )


@bp.route("/requests/<int:request_id>/recuse", methods=["GET", "POST"])
@on_request(can_recuse)
def recuse(req):
    """Declare a conflict of interest (before voting): the seat then neither votes nor counts."""
    me = user()
    form = PageForm(RecusalInputSchema())
    if form.apply(lambda d: ops.declare_recusal(req, d["reason"], actor=me, acting_for=d["acting_for"])):
        return done(
            _("Your conflict of interest on request #%(id)s is recorded.", id=req.id),
            "committee_pages.queue",
            tab="awaiting",
        )
    return form.render(
        "committee/recuse.html", req=req, actions=available_actions(me, req), **_seats_context(me, req)
    )


@bp.route("/requests/<int:request_id>/decide", methods=["GET", "POST"])
@on_request(can_decide)
def decide(req):
    """The chair (or acting chair) records the decision the votes support; negative outcomes need a reason."""
    form = PageForm(DecideInputSchema())
    if form.apply(
        lambda d: ops.decide(req, d["outcome"], reason=d["reason"], conditions=d["conditions"], actor=user())
    ):
        return done(
            _("The decision is recorded; the request is now “%(state)s”.", state=label(req.state)),
            "committee_pages.queue",
            tab="decide",
        )
    return form.render("committee/decide.html", **_item_context(req))
