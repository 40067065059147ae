"""Documents of a request: the approval form (准入申请审批表) and the rejection (不予准入决定书).

Each document is a schema dump of a plain source gathered here (one query per part, whatever the
request's history), rendered by ``core.pdf``. Labels are dumped in the document's language: the dump
runs inside its locale.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import sqlalchemy as sa
from flask_babel import get_locale
from flask_babel import gettext as _
from marshmallow import Schema, fields

from gatekeeper.core import clock
from gatekeeper.core.errors import Conflict
from gatekeeper.core.labels import label
from gatekeeper.core.pdf import local_day
from gatekeeper.extensions import db
from gatekeeper.modules.accounts.models import User
from gatekeeper.modules.catalogue.models import CatalogueEntry
from gatekeeper.modules.catalogue.schemas import CatalogueEntryPdfSchema
from gatekeeper.modules.committee.models import (
    Decision,
    DecisionOutcome,
    Recusal,
    Ruling,
    RulingOutcome,
    VoteChoice,
)
from gatekeeper.modules.committee.page_data import Money, money_of
from gatekeeper.modules.committee.schemas import RulingPdfSchema
from gatekeeper.modules.committee.tally import tally
from gatekeeper.modules.jurisdictions.schemas import LetterheadPdfSchema
from gatekeeper.modules.requests.models import (
    AdmissionRequest,
    Finding,
    RequestEvent,
    RequestRevision,
    RequestState,
)
from gatekeeper.modules.requests.page_data import catalogue_entry, place_names

S = RequestState


@dataclasses.dataclass
class SeatLine:
    """One committee seat in the round shown: its vote, or why it did not vote."""

    name: str
    vote: str | None = None
    comment: str = ""
    #: ``filing_department`` or ``declared`` (a declared conflict has its reason in ``recusal_reason``).
    recused: str | None = None
    recusal_reason: str = ""
    #: The deputy who cast the vote for this seat, if not the member.
    cast_by: str | None = None


@dataclasses.dataclass
class RevisionLine:
    number: int
    submitted_at: dt.datetime
    by: str | None
    response: str
    #: The return this submission answers (its reason and day), if it followed one.
    returned_reason: str = ""
    returned_at: dt.datetime | None = None


@dataclasses.dataclass
class RequestSource:
    req: AdmissionRequest
    entry: CatalogueEntry | None
    places: list[tuple[str, str]]
    money: Money
    findings: list[Finding]
    check_outcome: str | None
    check_day: str | None
    revisions: list[RevisionLine]
    accepted: RequestEvent | None
    office_return: RequestEvent | None
    decision: Decision | None
    ruling: Ruling | None
    seats: list[SeatLine]
    votes: dict | None
    printed_on: dt.date


# --- gathering ----------------------------------------------------------------------------------


def _revisions(req: AdmissionRequest, events: list[RequestEvent]) -> list[RevisionLine]:
    rows = db.session.execute(
        sa.select(RequestRevision, User.name)
        .outerjoin(User, User.id == RequestRevision.created_by_id)
        .where(RequestRevision.request_id == req.id)
        .order_by(RequestRevision.number)
    ).all()
    returns = [e for e in events if e.to_state == S.RETURNED]
    lines = []
    for revision, name in rows:
        before = [e for e in returns if e.at <= revision.created_at]
        answered = before[-1] if before and revision.number > 1 else None
        if answered is not None:
            returns = [e for e in returns if e.id > answered.id]  # a return is answered once
        lines.append(
            RevisionLine(
                number=revision.number,
                submitted_at=revision.created_at,
                by=name,
                response=revision.response or "",
                returned_reason=answered.reason if answered else "",
                returned_at=answered.at if answered else None,
            )
        )
    return lines


def _seats(req: AdmissionRequest, decision: Decision | None) -> tuple[list[SeatLine], dict | None]:
    """The seats of the round shown: as counted at the decision, else as they stand (in review)."""
    if decision is not None:
        counted = decision.tally
    elif req.state == S.IN_REVIEW:
        counted = tally(req).as_dict()
    else:
        return [], None
    seats = counted.get("seats", [])
    declared = dict(
        db.session.execute(
            sa.select(User.username, Recusal.reason)
            .join(User, User.id == Recusal.member_id)
            .where(Recusal.request_id == req.id, Recusal.round == counted.get("round", req.review_round))
        ).all()
    )
    deputies = {s["cast_by"] for s in seats if s.get("cast_by") and s["cast_by"] != s["username"]}
    names = {}
    if deputies:
        names = dict(
            db.session.execute(sa.select(User.username, User.name).where(User.username.in_(deputies))).all()
        )
    lines = [
        SeatLine(
            name=s["name"],
            vote=s.get("vote"),
            comment=s.get("comment") or "",
            recused=s.get("recused"),
            recusal_reason=declared.get(s["username"], ""),
            cast_by=names.get(s.get("cast_by")) if s.get("cast_by") != s["username"] else None,
        )
        for s in seats
    ]
    summary = {
        key: counted.get(key, 0) for key in ("members", "eligible", "voted", "approve", "reject", "abstain")
    }
    summary["quorum_met"] = bool(counted.get("quorum_met"))
    return lines, summary


def request_source(req: AdmissionRequest) -> RequestSource:
    """Everything both documents show of ``req``, as it stands today."""
    events = list(
        db.session.scalars(
            sa.select(RequestEvent).where(RequestEvent.request_id == req.id).order_by(RequestEvent.id)
        )
    )
    round_ = req.review_round
    decision = db.session.scalar(
        sa.select(Decision).where(Decision.request_id == req.id, Decision.round == round_)
    )
    ruling = db.session.scalar(sa.select(Ruling).where(Ruling.request_id == req.id, Ruling.round == round_))
    accepted = next((e for e in reversed(events) if e.action == "accept"), None) if req.accepted_at else None
    office_return = None
    if req.state == S.RETURNED:
        last = next((e for e in reversed(events) if e.to_state == S.RETURNED), None)
        if last is not None and last.action == "return":
            office_return = last
    check = req.latest_check
    seats, votes = _seats(req, decision)
    return RequestSource(
        req=req,
        entry=catalogue_entry(req.gate, req.catalogue_entry, check.catalogue_version_id if check else None),
        places=place_names(list(req.scope_codes or [])),
        money=money_of(req),
        findings=list(check.findings) if check else [],
        check_outcome=check.outcome.value if check else None,
        check_day=local_day(check.created_at) if check else None,
        revisions=_revisions(req, events),
        accepted=accepted,
        office_return=office_return,
        decision=decision,
        ruling=ruling,
        seats=seats,
        votes=votes,
        printed_on=clock.today(),
    )


def rejection_source(req: AdmissionRequest) -> RequestSource:
    """The source of the rejection decision; 409 ``not_rejected`` unless the request was rejected."""
    if req.state != S.REJECTED:
        raise Conflict(
            _(
                "Only a rejected request has a rejection decision; this one is “%(state)s”.",
                state=label(req.state),
            ),
            code="not_rejected",
            state=req.state.value,
        )
    return request_source(req)


def reference(req: AdmissionRequest) -> str:
    """The request's reference on its documents, as the pages name it (申请 #12)."""
    return _("Request #%(id)s", id=req.id)


# --- dumping ------------------------------------------------------------------------------------


def _language() -> str:
    return "en" if str(get_locale() or "zh").startswith("en") else "zh"


def _finding(finding: Finding) -> dict:
    return {
        "code": finding.code,
        "severity": finding.severity.value,
        "severity_label": label(finding.severity),
        "message": finding.message_en if _language() == "en" else finding.message_zh,
        "citation": finding.citation,
    }


def _entry(source: RequestSource) -> dict | None:
    return CatalogueEntryPdfSchema().dump(source.entry) if source.entry is not None else None


def _person(user: User | None) -> str:
    return user.name if user is not None else ""


def _event(event: RequestEvent | None) -> dict | None:
    if event is None:
        return None
    return {
        "by": _person(event.actor),
        "acting_for": _person(event.acting_for) or None,
        "on": local_day(event.at),
        "reason": event.reason,
    }


def _demands(req: AdmissionRequest) -> list[dict]:
    def flag(on: bool, extra: str = "") -> str:
        return (_("Yes") + (f" ({extra})" if extra else "")) if on else _("No")

    area = _("%(area)s m²", area=req.premises_area_m2) if req.premises_area_m2 else ""
    rows = [
        (
            _("Dedicated premises in the community"),
            flag(req.dedicated_premises, area),
            req.dedicated_premises,
        ),
        (_("Dedicated staff in the community"), flag(req.dedicated_staff), req.dedicated_staff),
        (_("A separate ranking of communities"), flag(req.separate_ranking), req.separate_ranking),
        (_("One-vote veto"), flag(req.veto), req.veto),
        (_("A responsibility letter to sign"), flag(req.responsibility_letter), req.responsibility_letter),
        (_("Reports per year"), str(req.reports_per_year), False),
    ]
    return [{"label": name, "value": value, "asked": asked} for name, value, asked in rows]


def _scope(source: RequestSource) -> dict:
    req = source.req
    return {
        "type_label": label(req.scope_type),
        "community_type_label": label(req.scope_community_type),
        "places": [name for _code, name in source.places],
        "communities": req.scope_communities,
        "households": req.scope_households,
    }


def _funding(source: RequestSource) -> dict:
    money = source.money
    return {
        "basis": money.basis.value,
        "basis_label": label(money.basis),
        "amount_fen": money.amount_fen,
        "total_fen": money.total_fen,
        "source": money.source,
    }


def _revision(line: RevisionLine) -> dict:
    return {
        "number": line.number,
        "submitted_on": local_day(line.submitted_at),
        "by": line.by or "",
        "response": line.response,
        "returned_reason": line.returned_reason,
        "returned_on": local_day(line.returned_at),
    }


def _seat(seat: SeatLine) -> dict:
    if seat.recused == "filing_department":
        recusal = _("Recused: works for the filing department")
    elif seat.recused:
        recusal = _("Recused: declared a conflict of interest")
    else:
        recusal = ""
    return {
        "name": seat.name,
        "vote": seat.vote,
        "vote_label": label(VoteChoice(seat.vote)) if seat.vote and not seat.recused else "",
        "comment": seat.comment,
        "recusal": recusal,
        "recusal_reason": seat.recusal_reason,
        "cast_by": seat.cast_by,
    }


def _decision(source: RequestSource) -> dict | None:
    decision = source.decision
    if decision is None:
        return None
    referred = decision.outcome == DecisionOutcome.APPROVE and (
        source.ruling is not None or source.req.state == S.REFERRED
    )
    return {
        "outcome": decision.outcome.value,
        "outcome_label": label(decision.outcome),
        "referred": referred,
        "reason": decision.reason,
        "conditions": decision.conditions,
        "by": _person(decision.decided_by),
        "acting_for": _person(decision.acting_for) or None,
        "on": local_day(decision.at),
    }


def _ruling(source: RequestSource) -> dict | None:
    return RulingPdfSchema().dump(source.ruling) if source.ruling is not None else None


def _was_referred(source: RequestSource) -> bool:
    req = source.req
    return source.ruling is not None or req.state == S.REFERRED


class _RequestPdfSchema(Schema):
    """What both documents of a request show of it."""

    letterhead = fields.Function(lambda s: LetterheadPdfSchema().dump(s.req.gate))
    reference = fields.Function(lambda s: reference(s.req))
    id = fields.Function(lambda s: s.req.id)
    state = fields.Function(lambda s: s.req.state.value)
    state_label = fields.Function(lambda s: label(s.req.state))
    department_name = fields.Function(lambda s: s.req.department.name)
    kind_label = fields.Function(lambda s: label(s.req.kind))
    title = fields.Function(lambda s: s.req.title)
    submitted_on = fields.Function(lambda s: local_day(s.req.submitted_at))
    decided_on = fields.Function(lambda s: local_day(s.req.decided_at))
    findings = fields.Function(lambda s: [_finding(f) for f in s.findings])
    check_outcome = fields.Function(lambda s: s.check_outcome)
    check_outcome_label = fields.Function(
        lambda s: label(s.req.latest_check.outcome) if s.check_outcome else ""
    )
    check_day = fields.Function(lambda s: s.check_day)
    decision = fields.Function(_decision)
    ruling = fields.Function(_ruling)
    referred = fields.Function(_was_referred)
    printed_on = fields.Function(lambda s: s.printed_on.isoformat())


class RequestFormPdfSchema(_RequestPdfSchema):
    """The approval form (准入申请审批表): the whole request and every opinion on it."""

    draft = fields.Function(lambda s: s.req.state == S.DRAFT)
    filed_by = fields.Function(lambda s: _person(s.req.created_by))
    created_on = fields.Function(lambda s: local_day(s.req.created_at))
    accepted_on = fields.Function(lambda s: local_day(s.req.accepted_at))
    due_date = fields.Function(lambda s: s.req.due_date.isoformat() if s.req.due_date else None)
    role_label = fields.Function(lambda s: label(s.req.role))
    description = fields.Function(lambda s: s.req.description)
    legal_basis = fields.Function(lambda s: s.req.legal_basis)
    catalogue_code = fields.Function(lambda s: s.req.catalogue_entry)
    catalogue_entry = fields.Function(_entry)
    scope = fields.Function(_scope)
    valid_from = fields.Function(lambda s: s.req.start_date.isoformat())
    valid_to = fields.Function(lambda s: s.req.end_date.isoformat())
    workload_hours = fields.Function(lambda s: s.req.workload_hours)
    demands = fields.Function(lambda s: _demands(s.req))
    funding = fields.Function(_funding)
    revision = fields.Function(lambda s: s.req.revision)
    revisions = fields.Function(lambda s: [_revision(line) for line in s.revisions])
    accepted = fields.Function(lambda s: _event(s.accepted))
    office_return = fields.Function(lambda s: _event(s.office_return))
    seats = fields.Function(lambda s: [_seat(seat) for seat in s.seats])
    votes = fields.Function(lambda s: s.votes)
    review_round = fields.Function(lambda s: s.req.review_round)


class DecisionPdfSchema(_RequestPdfSchema):
    """The rejection decision (不予准入决定书), addressed to the department."""

    by_escalation = fields.Function(
        lambda s: s.ruling is not None and s.ruling.outcome == RulingOutcome.REJECT
    )
    reasons = fields.Function(
        lambda s: (
            s.ruling.reason
            if s.ruling is not None and s.ruling.outcome == RulingOutcome.REJECT
            else (s.decision.reason if s.decision else "")
        )
    )
    decision_day = fields.Function(
        lambda s: (
            s.ruling.ruled_on.isoformat()
            if s.ruling is not None and s.ruling.outcome == RulingOutcome.REJECT
            else local_day(s.decision.at if s.decision else s.req.decided_at)
        )
    )


def form_title() -> str:
    return _("Approval form of a request to admit a community work item")


def decision_title() -> str:
    return _("Decision not to admit a community work item")


def form_filename(req: AdmissionRequest) -> str:
    return f"{req.gate.number_prefix}-request-{req.id}-form.pdf"


def decision_filename(req: AdmissionRequest) -> str:
    return f"{req.gate.number_prefix}-request-{req.id}-decision.pdf"
