"""Schemas of votes, recusals, the tally, decisions, rulings, meetings and written votes."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from gatekeeper.core.api import PageArgs
from gatekeeper.core.labels import label
from gatekeeper.modules.committee.models import DecisionOutcome, MeetingKind, RulingOutcome, VoteChoice
from gatekeeper.modules.requests.schemas import RequestDetailSchema


class VoteInputSchema(Schema):
    vote = fields.Enum(VoteChoice, by_value=True, required=True)
    comment = fields.String(load_default="", validate=validate.Length(max=2000))
    acting_for = fields.String(
        load_default=None,
        allow_none=True,
        metadata={"description": "a deputy names the member they vote for"},
    )


class RecusalInputSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    acting_for = fields.String(load_default=None, allow_none=True)


class DecideInputSchema(Schema):
    outcome = fields.Enum(DecisionOutcome, by_value=True, required=True)
    reason = fields.String(load_default="", validate=validate.Length(max=4000))
    conditions = fields.String(load_default="", validate=validate.Length(max=4000))


class RulingInputSchema(Schema):
    outcome = fields.Enum(RulingOutcome, by_value=True, required=True)
    reference = fields.String(required=True, validate=validate.Length(min=1, max=200))
    reason = fields.String(load_default="", validate=validate.Length(max=4000))
    ruled_on = fields.Date(load_default=None, allow_none=True)
    add_to_catalogue = fields.Boolean(load_default=False)


class SeatSchema(Schema):
    username = fields.String()
    name = fields.String()
    department = fields.String(allow_none=True)
    role = fields.String()
    recused = fields.String(allow_none=True, metadata={"description": "filing_department or declared"})
    vote = fields.String(allow_none=True)
    comment = fields.String()
    cast_by = fields.String(allow_none=True)


class TallySchema(Schema):
    round = fields.Integer()
    quorum_rule = fields.String()
    majority_rule = fields.String()
    members = fields.Integer()
    eligible = fields.Integer()
    voted = fields.Integer()
    approve = fields.Integer()
    reject = fields.Integer()
    abstain = fields.Integer()
    quorum_met = fields.Boolean()
    majority_for_approval = fields.Boolean()
    seats = fields.List(fields.Nested(SeatSchema))


class VoteSchema(Schema):
    member = fields.Function(lambda v: v.member.username)
    cast_by = fields.Function(lambda v: v.cast_by.username)
    acting_for = fields.Function(lambda v: v.member.username if v.member_id != v.cast_by_id else None)
    vote = fields.Function(lambda v: v.choice.value)
    comment = fields.String()
    round = fields.Integer()
    cast_at = fields.AwareDateTime()


class DecisionSchema(Schema):
    outcome = fields.Function(lambda d: d.outcome.value)
    reason = fields.String()
    conditions = fields.String()
    decided_by = fields.Function(lambda d: d.decided_by.username)
    acting_for = fields.Function(lambda d: d.acting_for.username if d.acting_for else None)
    tally = fields.Dict()
    at = fields.AwareDateTime()


class RulingSchema(Schema):
    outcome = fields.Function(lambda r: r.outcome.value)
    reference = fields.String()
    reason = fields.String()
    ruled_on = fields.Date()
    add_to_catalogue = fields.Boolean()
    catalogue_code = fields.String(allow_none=True)
    catalogue_version_id = fields.Integer(allow_none=True)


class DecidedRequestSchema(RequestDetailSchema):
    decision = fields.Function(
        lambda r: DecisionSchema().dump(r.decision) if getattr(r, "decision", None) else None
    )


class RuledRequestSchema(RequestDetailSchema):
    ruling = fields.Function(lambda r: RulingSchema().dump(r.ruling) if getattr(r, "ruling", None) else None)


class VoteResultSchema(Schema):
    vote = fields.Nested(VoteSchema)
    tally = fields.Nested(TallySchema)


# --- meetings and written votes -------------------------------------------------------------------


class MeetingInputSchema(Schema):
    kind = fields.Enum(
        MeetingKind,
        by_value=True,
        required=True,
        metadata={"description": "meeting (a sitting on a day) or written (a vote in writing until a day)"},
    )
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    on_date = fields.Date(
        required=True,
        metadata={"description": "the day of the sitting, or the last day of the written vote (not past)"},
    )
    location = fields.String(load_default="", validate=validate.Length(max=200))
    notes = fields.String(load_default="", validate=validate.Length(max=4000))


class ScheduleInputSchema(Schema):
    requests = fields.List(
        fields.Integer(validate=validate.Range(min=1)),
        required=True,
        validate=validate.Length(min=1, max=200),
        metadata={"description": "ids of requests in review at the meeting's gate"},
    )


class MinutesArgs(Schema):
    part = fields.String(
        validate=validate.OneOf(("agenda", "minutes")),
        metadata={
            "description": "agenda or minutes; by default the agenda until the meeting's day has passed"
        },
    )


class MeetingListArgs(PageArgs):
    kind = fields.Enum(MeetingKind, by_value=True)
    open = fields.Boolean(metadata={"description": "true: today or later; false: past"})


def _gate_code(gate_id: int) -> str:
    from gatekeeper.extensions import db
    from gatekeeper.modules.jurisdictions.models import Gate

    return db.session.get(Gate, gate_id).code  # from the identity map: the user's gate is loaded


def _is_open(meeting) -> bool:
    from gatekeeper.modules.committee.meetings import is_open

    return is_open(meeting)


class MeetingSchema(Schema):
    id = fields.Integer()
    gate = fields.Function(lambda m: _gate_code(m.gate_id))
    kind = fields.Enum(MeetingKind, by_value=True)
    title = fields.String()
    on_date = fields.Date(metadata={"description": "day of the sitting, or last day of the written vote"})
    open = fields.Function(_is_open, metadata={"description": "the day has not passed"})
    location = fields.String()
    notes = fields.String()
    items = fields.Function(lambda m: len(m.items), metadata={"description": "requests on the agenda"})
    created_by = fields.Function(lambda m: m.created_by.username)
    created_at = fields.AwareDateTime()


class AgendaItemSchema(Schema):
    position = fields.Integer()
    round = fields.Integer()
    request = fields.Integer(attribute="request_id")
    title = fields.Function(lambda i: i.request.title)
    department = fields.Function(lambda i: i.request.department.code)
    state = fields.Function(lambda i: i.request.state.value)
    current = fields.Function(
        lambda i: i.round == i.request.review_round,
        metadata={"description": "the item is the request's current review round"},
    )


class MeetingDetailSchema(MeetingSchema):
    items = fields.Function(lambda m: AgendaItemSchema(many=True).dump(m.agenda))


class RulingPdfSchema(Schema):
    """The escalation body's ruling, as documents print it (labels in the document's language)."""

    outcome = fields.Function(lambda r: r.outcome.value)
    outcome_label = fields.Function(lambda r: label(r.outcome))
    reference = fields.String()
    reason = fields.String()
    ruled_on = fields.Function(lambda r: r.ruled_on.isoformat())
    catalogue_code = fields.String(allow_none=True)
