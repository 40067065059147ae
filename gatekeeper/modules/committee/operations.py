"""The committee's work on a request: votes, recusals, the tally, the decision, the ruling.

The tally follows the gate's settings: the quorum rule says how many of the non-recused members
must have voted, the majority rule when the votes approve. The chair records the decision the
votes support: approving needs the quorum and the majority, rejecting needs the quorum without a
majority for approval; returning the request for changes is always possible, with a reason.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from gatekeeper.core import audit, clock
from gatekeeper.core.errors import Conflict, NotAllowed, ValidationFailed
from gatekeeper.extensions import db
from gatekeeper.modules.accounts.models import User
from gatekeeper.modules.authorisations.operations import issue_authorisation
from gatekeeper.modules.catalogue import operations as catalogue_ops
from gatekeeper.modules.catalogue.models import StandardBasis, Standing
from gatekeeper.modules.committee import meetings
from gatekeeper.modules.committee.models import (
    Decision,
    DecisionOutcome,
    Recusal,
    Ruling,
    RulingOutcome,
    Vote,
    VoteChoice,
)
from gatekeeper.modules.committee.permissions import chair_seat, declared_recusals, recusal_reason, seats_of
from gatekeeper.modules.committee.tally import Tally, tally
from gatekeeper.modules.notifications import operations as notifications
from gatekeeper.modules.requests import operations as request_ops
from gatekeeper.modules.requests import workflow
from gatekeeper.modules.requests.models import AdmissionRequest, FundingBasis, Outcome, RequestEvent


def _seat(actor: User, req: AdmissionRequest, acting_for: str | None, *, purpose: str) -> User:
    """The seat ``actor`` acts in: the one named, else their own, else the one they deputise for."""
    seats = seats_of(actor, req)
    if acting_for:
        chosen = next((s for s in seats if s.username == acting_for), None)
        if chosen is None:
            raise NotAllowed(
                _("You do not act for %(name)s on this request.", name=acting_for), code="not_a_deputy"
            )
        return chosen
    if not seats:
        raise NotAllowed()
    if purpose == "vote":
        voted = set(
            db.session.scalars(
                sa.select(Vote.member_id).where(Vote.request_id == req.id, Vote.round == req.review_round)
            )
        )
        declared = declared_recusals(req)
        for seat in seats:
            if seat.id not in voted and not recusal_reason(seat, actor, req, declared):
                return seat
    return seats[0]


def _event(req: AdmissionRequest, action: str, actor: User, seat: User, reason: str = "") -> None:
    db.session.add(
        RequestEvent(
            request_id=req.id,
            action=action,
            from_state=req.state,
            to_state=req.state,
            actor_id=actor.id,
            acting_for_id=seat.id if seat.id != actor.id else None,
            reason=reason,
            at=clock.now(),
        )
    )


def cast_vote(
    req: AdmissionRequest, choice: VoteChoice, comment: str, *, actor: User, acting_for: str | None = None
) -> Vote:
    """A member (or their deputy) votes approve, reject or abstain, once per round; not after the
    last day of the written vote that takes up the round."""
    req = request_ops.lock(req)
    workflow.target("vote", req.state)
    closed = meetings.written_vote_closed(req)
    if closed is not None:
        raise Conflict(
            _(
                "The written vote “%(title)s” closed on %(date)s; votes in writing are no longer taken.",
                title=closed.title,
                date=closed.on_date.isoformat(),
            ),
            code="written_vote_closed",
        )
    seat = _seat(actor, req, acting_for, purpose="vote")
    reason = recusal_reason(seat, actor, req, declared_recusals(req))
    if reason:
        raise NotAllowed(_("This seat is recused from the request."), code="recused", reason=reason)
    if db.session.scalar(
        sa.select(Vote.id).where(
            Vote.request_id == req.id, Vote.round == req.review_round, Vote.member_id == seat.id
        )
    ):
        raise Conflict(_("%(name)s has already voted on this request.", name=seat.name), code="already_voted")
    vote = Vote(
        request_id=req.id,
        round=req.review_round,
        member_id=seat.id,
        cast_by_id=actor.id,
        choice=choice,
        comment=comment or "",
        cast_at=clock.now(),
    )
    db.session.add(vote)
    _event(req, "vote", actor, seat, comment or "")
    audit.record(
        "request.vote",
        req,
        actor=actor,
        after={
            "round": req.review_round,
            "seat": seat.username,
            "vote": choice.value,
            "comment": comment or "",
            **({"acting_for": seat.username} if seat.id != actor.id else {}),
        },
    )
    notifications.voted(req, seat)
    notifications.vote_cast(req, actor=actor)
    return vote


def declare_recusal(
    req: AdmissionRequest, reason: str, *, actor: User, acting_for: str | None = None
) -> Recusal:
    """A member declares a conflict of interest for this round (before voting)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(fields={"reason": [_("say why you are recused")]})
    req = request_ops.lock(req)
    workflow.target("recuse", req.state)
    seat = _seat(actor, req, acting_for, purpose="recuse")
    taken = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Vote)
        .where(Vote.request_id == req.id, Vote.round == req.review_round, Vote.member_id == seat.id)
    )
    if taken:
        raise Conflict(_("A recusal must come before the vote."), code="already_voted")
    if seat.id in declared_recusals(req):
        raise Conflict(_("This recusal is already recorded."), code="already_recused")
    recusal = Recusal(
        request_id=req.id, round=req.review_round, member_id=seat.id, reason=reason, at=clock.now()
    )
    db.session.add(recusal)
    _event(req, "recuse", actor, seat, reason)
    audit.record(
        "request.recuse",
        req,
        actor=actor,
        after={"round": req.review_round, "seat": seat.username, "reason": reason},
    )
    return recusal


def decide(
    req: AdmissionRequest, outcome: DecisionOutcome, *, reason: str = "", conditions: str = "", actor: User
) -> Decision:
    """The chair records the committee's decision on the current round.

    Approval re-runs the pre-check against the catalogue in force: a blocked item cannot be
    approved, and an out-of-catalogue one is referred to the escalation body instead of approved.
    """
    req = request_ops.lock(req)
    workflow.target("decide", req.state, "approve")
    reason, conditions = (reason or "").strip(), (conditions or "").strip()
    if outcome != DecisionOutcome.APPROVE and not reason:
        raise ValidationFailed(fields={"reason": [_("every negative outcome needs a reason")]})
    counted = tally(req)
    refusal = _unsupported(outcome, counted)
    if refusal:
        raise Conflict(refusal, code="not_supported_by_votes", tally=counted.as_dict())
    step = outcome.value
    if outcome == DecisionOutcome.APPROVE:
        run = _recheck(req, actor)
        step = "refer" if run.outcome == Outcome.REFER else "approve"
    seat = chair_seat(actor, req)
    acting_for = seat if seat is not None and seat.id != actor.id else None
    decision = Decision(
        request_id=req.id,
        round=req.review_round,
        outcome=outcome,
        reason=reason,
        conditions=conditions,
        tally=audit.jsonable(counted.as_dict()),
        decided_by_id=actor.id,
        acting_for_id=acting_for.id if acting_for else None,
        at=clock.now(),
    )
    db.session.add(decision)
    request_ops.transition(req, "decide", actor=actor, outcome=step, reason=reason, acting_for=acting_for)
    if outcome == DecisionOutcome.RETURN:
        req.due_date = None  # a returned request waits for the department, not the committee
    else:
        req.decided_at = clock.now()
    if step == "approve":
        issue_authorisation(req, conditions=conditions, actor=actor)
    notifications.request_decided(req, decision, actor=actor)
    return decision


def _recheck(req: AdmissionRequest, actor: User):
    from gatekeeper.modules.requests.schemas import RequestInputSchema

    data = RequestInputSchema().load(request_ops.as_input(req))
    # Lead time counts from when the department filed, not from the day of the decision.
    filed = clock.local_date(req.submitted_at) if req.submitted_at else None
    result = request_ops.precheck.check(req.gate, req.department, data, filing_date=filed)
    run = request_ops.record_check(req, result, "decide", actor=actor)
    request_ops.raise_if_blocked(run)
    return run


def _unsupported(outcome: DecisionOutcome, counted: Tally) -> str | None:
    """Why the votes do not support ``outcome``, or ``None`` when they do (a return always is)."""
    if outcome == DecisionOutcome.RETURN:
        return None
    if not counted.quorum_met:
        return _(
            "The quorum is not reached: %(voted)s of the %(eligible)s members who may vote have voted.",
            voted=counted.voted,
            eligible=counted.eligible,
        )
    if outcome == DecisionOutcome.APPROVE and not counted.majority_for_approval:
        return _(
            "The votes do not approve the request: %(approve)s for, %(reject)s against, "
            "%(abstain)s abstaining.",
            approve=counted.approve,
            reject=counted.reject,
            abstain=counted.abstain,
        )
    if outcome == DecisionOutcome.REJECT and counted.majority_for_approval:
        return _("The votes approve the request; the chair cannot reject it.")
    return None


def record_ruling(
    req: AdmissionRequest,
    outcome: RulingOutcome,
    *,
    reference: str,
    reason: str = "",
    ruled_on: dt.date | None = None,
    add_to_catalogue: bool = False,
    actor: User,
) -> Ruling:
    """The office records the escalation body's ruling on a referred request.

    An approving ruling may add the item to the gate's next catalogue version (the draft, opened
    if there is none), so that once that version is published the same request passes the gate.
    """
    reference, reason = (reference or "").strip(), (reason or "").strip()
    problems = {}
    if not reference:
        problems["reference"] = [_("name the meeting or document of the ruling")]
    if outcome == RulingOutcome.REJECT and not reason:
        problems["reason"] = [_("every negative outcome needs a reason")]
    if add_to_catalogue and outcome != RulingOutcome.APPROVE:
        problems["add_to_catalogue"] = [_("only an approving ruling can add the item to the catalogue")]
    ruled_on = ruled_on or clock.today()
    if ruled_on > clock.today():
        problems["ruled_on"] = [_("cannot be in the future")]
    if problems:
        raise ValidationFailed(fields=problems)
    req = request_ops.lock(req)
    workflow.target("ruling", req.state, outcome.value)
    ruling = Ruling(
        request_id=req.id,
        round=req.review_round,
        outcome=outcome,
        reference=reference,
        reason=reason,
        ruled_on=ruled_on,
        add_to_catalogue=add_to_catalogue,
        recorded_by_id=actor.id,
        at=clock.now(),
    )
    if add_to_catalogue:
        entry = _precedent(req, reference, actor)
        ruling.catalogue_version_id, ruling.catalogue_code = entry.version_id, entry.code
    db.session.add(ruling)
    request_ops.transition(req, "ruling", actor=actor, outcome=outcome.value, reason=reason or reference)
    if outcome == RulingOutcome.APPROVE:
        decision = db.session.scalar(
            sa.select(Decision).where(Decision.request_id == req.id, Decision.round == req.review_round)
        )
        issue_authorisation(req, conditions=decision.conditions if decision else "", actor=actor)
    notifications.ruling_recorded(req, ruling, actor=actor)
    return ruling


def _precedent(req: AdmissionRequest, reference: str, actor: User):
    """Add the referred item to the next catalogue version as a permitted entry.

    The texts it stores (label, notes, reason) are written in the installation's language, not in
    the language of whoever records the ruling.
    """
    with force_locale(current_app.config["DEFAULT_LOCALE"]):
        label = _("Next version")
        notes = _("Added by the ruling %(ref)s on request #%(id)s.", ref=reference, id=req.id)
        why = _(
            "Precedent: %(body)s ruling %(ref)s on request #%(id)s",
            body=req.gate.escalation_body_name,
            ref=reference,
            id=req.id,
        )
    version = catalogue_ops.draft_version(req.gate) or catalogue_ops.create_version(
        req.gate, label=label, actor=actor
    )
    taken = {e.code for e in version.entries}
    standard = {
        FundingBasis.PER_100_HOUSEHOLDS: StandardBasis.PER_100_HOUSEHOLDS,
        FundingBasis.PER_COMMUNITY: StandardBasis.PER_COMMUNITY,
    }.get(req.funding_basis, StandardBasis.NONE)
    data = {
        "code": catalogue_ops.generated_code(req.kind.value, Standing.PERMITTED.value, taken),
        "title": req.title,
        "kind": req.kind,
        "standing": Standing.PERMITTED,
        "role": req.role,
        "legal_basis": req.legal_basis,
        "department": req.department.name,
        "funding_basis": standard,
        "funding_amount_fen": req.funding_amount_fen if standard != StandardBasis.NONE else 0,
        "requires_premises": False,
        "requires_staff": False,
        "list_name": req.gate.escalation_body_name,
        "source": reference,
        "notes": notes,
    }
    return catalogue_ops.add_entry(version, data, reason=why, actor=actor)
