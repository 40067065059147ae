"""JSON API: votes, recusals, the tally, the chair's decision and the escalation ruling."""

from __future__ import annotations

from gatekeeper.core.api import blueprint
from gatekeeper.core.permissions import user
from gatekeeper.extensions import db
from gatekeeper.modules.committee import operations as ops
from gatekeeper.modules.committee.permissions import can_decide, can_recuse, can_see_tally, can_vote
from gatekeeper.modules.committee.schemas import (
    DecidedRequestSchema,
    DecideInputSchema,
    RecusalInputSchema,
    RuledRequestSchema,
    RulingInputSchema,
    TallySchema,
    VoteInputSchema,
    VoteResultSchema,
)
from gatekeeper.modules.committee.tally import tally
from gatekeeper.modules.requests.api import detail, on_request
from gatekeeper.modules.requests.permissions import can_rule

blp = blueprint("committee", "The committee: votes, recusals, decisions and escalation rulings")
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
