"""JSON API: votes, recusals, the tally, the chair's decision, the escalation ruling, and the
committee's meetings and written votes with their agendas."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from gatekeeper.core import clock
from gatekeeper.core.api import PDF_ANSWER, blueprint, list_schema, paginate
from gatekeeper.core.errors import Conflict
from gatekeeper.core.pdf import send_document
from gatekeeper.core.permissions import permission, user
from gatekeeper.extensions import db
from gatekeeper.modules.committee import documents, meetings
from gatekeeper.modules.committee import operations as ops
from gatekeeper.modules.committee.models import Meeting, MeetingItem
from gatekeeper.modules.committee.permissions import (
    can_create_meeting,
    can_decide,
    can_list_meetings,
    can_recuse,
    can_schedule,
    can_see_meeting,
    can_see_meeting_item,
    can_see_tally,
    can_unschedule,
    can_vote,
)
from gatekeeper.modules.committee.schemas import (
    DecidedRequestSchema,
    DecideInputSchema,
    MeetingDetailSchema,
    MeetingInputSchema,
    MeetingListArgs,
    MeetingSchema,
    MinutesArgs,
    RecusalInputSchema,
    RuledRequestSchema,
    RulingInputSchema,
    ScheduleInputSchema,
    TallySchema,
    VoteInputSchema,
    VoteResultSchema,
)
from gatekeeper.modules.committee.tally import tally
from gatekeeper.modules.requests.api import detail, on_request
from gatekeeper.modules.requests.models import AdmissionRequest
from gatekeeper.modules.requests.permissions import can_rule, visible_requests

blp = blueprint(
    "committee", "The committee: votes, recusals, decisions, escalation rulings, meetings and written votes"
)
BLUEPRINTS = [blp]


@blp.route("/requests/<int:request_id>/votes")
@blp.response(200, TallySchema)
@on_request(can_see_tally)
def get_tally(req):
    return tally(req)


@blp.route("/requests/<int:request_id>/votes", methods=["POST"])
@blp.response(201, VoteResultSchema)
@on_request(can_vote)
@blp.arguments(VoteInputSchema)
def cast_vote(req, data):
    vote = ops.cast_vote(req, data["vote"], data["comment"], actor=user(), acting_for=data["acting_for"])
    db.session.commit()
    return {"vote": vote, "tally": tally(req)}


@blp.route("/requests/<int:request_id>/recusal", methods=["POST"])
@blp.response(201, TallySchema)
@on_request(can_recuse)
@blp.arguments(RecusalInputSchema)
def declare_recusal(req, data):
    ops.declare_recusal(req, data["reason"], actor=user(), acting_for=data["acting_for"])
    db.session.commit()
    return tally(req)


@blp.route("/requests/<int:request_id>/decide", methods=["POST"])
@blp.response(200, DecidedRequestSchema)
@on_request(can_decide)
@blp.arguments(DecideInputSchema)
def decide(req, data):
    """The chair records the decision: approve (or refer, when out of catalogue), reject or return."""
    decision = ops.decide(
        req, data["outcome"], reason=data["reason"], conditions=data["conditions"], actor=user()
    )
    db.session.commit()
    req.decision = decision
    return detail(req)


@blp.route("/requests/<int:request_id>/ruling", methods=["POST"])
@blp.response(200, RuledRequestSchema)
@on_request(can_rule)
@blp.arguments(RulingInputSchema)
def ruling(req, data):
    """The office records the escalation body's ruling on a referred request."""
    result = ops.record_ruling(
        req,
        data["outcome"],
        reference=data["reference"],
        reason=data["reason"],
        ruled_on=data["ruled_on"],
        add_to_catalogue=data["add_to_catalogue"],
        actor=user(),
    )
    db.session.commit()
    req.ruling = result
    return detail(req)


# --- meetings and written votes -------------------------------------------------------------------


def load_item(meeting_id: int, request_id: int) -> MeetingItem | None:
    """The agenda item of the request in the meeting (its latest round there)."""
    return db.session.scalar(
        sa.select(MeetingItem)
        .where(MeetingItem.meeting_id == meeting_id, MeetingItem.request_id == request_id)
        .order_by(MeetingItem.round.desc())
        .limit(1)
    )


def on_meeting(check):
    """Permission on one meeting: 404 unless the user may see it, then ``check``."""
    return permission(check, load=meetings.get_meeting, can_see=can_see_meeting)


def with_agenda(meeting: Meeting) -> Meeting:
    meeting.agenda = meetings.agenda(meeting)
    return meeting


@blp.route("/meetings")
@blp.response(200, list_schema(MeetingSchema))
@permission(can_list_meetings)
@blp.arguments(MeetingListArgs, location="query")
def list_meetings(args):
    """The meetings and written votes of the user's gate, the latest day first."""
    stmt = (
        sa.select(Meeting)
        .where(Meeting.gate_id == user().gate_id)
        .options(selectinload(Meeting.items))
        .order_by(Meeting.on_date.desc(), Meeting.id.desc())
    )
    if args.get("kind"):
        stmt = stmt.where(Meeting.kind == args["kind"])
    if args.get("open") is not None:
        today = clock.today()
        stmt = stmt.where(Meeting.on_date >= today if args["open"] else Meeting.on_date < today)
    return paginate(stmt, args)


@blp.route("/meetings", methods=["POST"])
@blp.response(201, MeetingDetailSchema)
@permission(can_create_meeting)
@blp.arguments(MeetingInputSchema)
def create_meeting(data):
    """The office opens a sitting (``meeting``) or a written vote (``written``, whose last day cannot be
    past) at its gate."""
    actor = user()
    meeting = meetings.create_meeting(actor.gate, data, actor=actor)
    db.session.commit()
    return with_agenda(meeting)


@blp.route("/meetings/<int:meeting_id>")
@blp.response(200, MeetingDetailSchema)
@on_meeting(can_see_meeting)
def get_meeting(meeting):
    return with_agenda(meeting)


@blp.route("/meetings/<int:meeting_id>/items", methods=["POST"])
@blp.response(200, MeetingDetailSchema)
@on_meeting(can_schedule)
@blp.arguments(ScheduleInputSchema)
def schedule(meeting, data):
    """Put requests in review on the agenda: 409 ``already_scheduled`` when one is already taken up in
    its current round, 409 ``not_in_review`` when one is not in review, 422 for an unknown id."""
    reqs = meetings.requests_by_id(data["requests"], visible_requests(user()))
    meetings.schedule(meeting, reqs, actor=user())
    db.session.commit()
    return with_agenda(meeting)


@blp.route("/meetings/<int:meeting_id>/items/<int:request_id>", methods=["DELETE"])
@blp.response(200, MeetingDetailSchema)
@permission(can_unschedule, load=load_item, can_see=can_see_meeting_item)
def unschedule(item):
    """Take a request off the agenda (while it is in review); 404 when it is not on it."""
    meeting = item.meeting
    meetings.unschedule(meeting, db.session.get(AdmissionRequest, item.request_id), actor=user())
    db.session.commit()
    return with_agenda(meeting)


@blp.route("/meetings/<int:meeting_id>/minutes.pdf")
@blp.doc(**PDF_ANSWER)
@on_meeting(can_see_meeting)
@blp.arguments(MinutesArgs, location="query")
def minutes_pdf(meeting, args):
    """The agenda (会议议程) while the meeting is open, its minutes (会议纪要) once its day has passed:
    A4 PDF. ``?part=agenda`` prints the agenda of a past meeting; ``?part=minutes`` of an open one is
    409 ``minutes_not_ready``."""
    part = args.get("part") or documents.default_part(meeting)
    if part == documents.MINUTES and not documents.minutes_ready(meeting):
        raise Conflict(
            _(
                "The minutes are printed once the meeting is held (after %(date)s).",
                date=meeting.on_date.isoformat(),
            ),
            code="minutes_not_ready",
        )
    return send_document(
        "minutes",
        documents.MinutesPdfSchema(),
        documents.minutes_source(meeting, part),
        title=documents.minutes_title(meeting, part),
        filename=documents.minutes_filename(meeting, part),
    )
