"""Operations on admission requests: file, edit, check, submit, withdraw, accept, return.

Every state change goes through :func:`transition`, which locks the row (``SELECT ... FOR UPDATE``
on PostgreSQL; SQLite's write transaction is already exclusive), asks ``workflow`` where the action
leads, and records the event and the audit entry. Operations flush but never commit.
"""

from __future__ import annotations

import copy
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import ngettext

from gatekeeper.core import audit, clock
from gatekeeper.core.db import lock_row
from gatekeeper.core.errors import NotFound, RuleViolation, ValidationFailed
from gatekeeper.core.permissions import authorize
from gatekeeper.extensions import db
from gatekeeper.modules.jurisdictions.models import Department, Gate
from gatekeeper.modules.jurisdictions.operations import working_calendar
from gatekeeper.modules.jurisdictions.schemas import gate_settings
from gatekeeper.modules.notifications import operations as notifications
from gatekeeper.modules.requests import precheck, workflow
from gatekeeper.modules.requests.models import (
    AdmissionRequest,
    CheckRun,
    Finding,
    Outcome,
    RequestEvent,
    RequestRevision,
    RequestState,
    Severity,
)
from gatekeeper.modules.requests.permissions import can_file
from gatekeeper.modules.requests.schemas import RequestInputSchema

DEMAND_FIELDS = (
    "dedicated_premises",
    "premises_area_m2",
    "dedicated_staff",
    "separate_ranking",
    "veto",
    "responsibility_letter",
    "reports_per_year",
)


# --- input ------------------------------------------------------------------------------------


def filing_parties(data: dict[str, Any], actor) -> tuple[Gate, Department]:
    """The gate and department a request body names; decides whether ``actor`` may file there."""
    gate = db.session.scalar(sa.select(Gate).where(Gate.code == data["gate"]))
    code = data.get("department") or (actor.department.code if actor.department else None)
    department = db.session.scalar(sa.select(Department).where(Department.code == code)) if code else None
    problems = {}
    if gate is None:
        problems["gate"] = [_("unknown gate %(code)s", code=data["gate"])]
    if department is None:
        problems["department"] = [_("unknown department")]
    if problems:
        raise ValidationFailed(fields=problems)
    authorize(can_file(actor, department, gate))
    return gate, department


def as_input(req: AdmissionRequest) -> dict[str, Any]:
    """The request's current content in the shape of the request body (JSON types)."""
    return {
        "gate": req.gate.code,
        "department": req.department.code,
        "kind": req.kind.value,
        "title": req.title,
        "description": req.description,
        "legal_basis": req.legal_basis,
        "catalogue_entry": req.catalogue_entry,
        "role": req.role.value if req.role else None,
        "scope": {
            "type": req.scope_type.value,
            "codes": list(req.scope_codes or []),
            "community_type": req.scope_community_type.value if req.scope_community_type else None,
        },
        "start_date": req.start_date.isoformat(),
        "end_date": req.end_date.isoformat(),
        "workload_hours": req.workload_hours,
        "variation_of": req.varies.number if req.varies_id else None,
        "demands": {name: getattr(req, name) for name in DEMAND_FIELDS},
        "funding": {
            "basis": req.funding_basis.value,
            "amount_fen": req.funding_amount_fen,
            "source": req.funding_source,
        },
    }


def merge_patch(current: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """Apply a JSON patch body (any part of a request body; nested objects merge key by key)."""
    merged = copy.deepcopy(current)
    for key, value in patch.items():
        if (
            key in ("scope", "demands", "funding")
            and isinstance(value, dict)
            and isinstance(merged.get(key), dict)
        ):
            merged[key].update(value)
        else:
            merged[key] = value
    return merged


def _apply(req: AdmissionRequest, data: dict[str, Any], result: precheck.CheckResult) -> None:
    for name in (
        "kind",
        "title",
        "description",
        "legal_basis",
        "catalogue_entry",
        "role",
        "start_date",
        "end_date",
        "workload_hours",
    ):
        setattr(req, name, data[name])
    req.scope_type = data["scope"]["type"]
    req.scope_codes = list(dict.fromkeys(data["scope"]["codes"]))
    req.scope_community_type = data["scope"]["community_type"]
    for name in DEMAND_FIELDS:
        setattr(req, name, data["demands"][name])
    req.funding_basis = data["funding"]["basis"]
    req.funding_amount_fen = data["funding"]["amount_fen"]
    req.funding_source = data["funding"]["source"]
    req.varies_id = result.varied.id if result.varied is not None else None
    req.scope_communities = len(result.community_ids)
    req.scope_households = result.households
    req.outcome = Outcome(result.outcome)
    req.updated_at = clock.now()


# --- checks -----------------------------------------------------------------------------------


def _check_summary(result: precheck.CheckResult) -> dict:
    return {
        "outcome": result.outcome,
        "findings": [f.code for f in result.findings],
        "catalogue_version": result.version.id if result.version else None,
    }


def dry_run(data: dict[str, Any], *, actor) -> precheck.CheckResult:
    """Check a request body without filing it (what a department sees while typing)."""
    gate, department = filing_parties(data, actor)
    result = precheck.check(gate, department, data)
    audit.record(
        "request.precheck",
        actor=actor,
        object_type="precheck",
        object_id=department.code,
        after={"title": data["title"], **_check_summary(result)},
    )
    return result


def record_check(req: AdmissionRequest, result: precheck.CheckResult, trigger: str, *, actor) -> CheckRun:
    """Store a check run with its findings and make it the request's latest."""
    run = CheckRun(
        request_id=req.id,
        revision=req.revision,
        outcome=Outcome(result.outcome),
        trigger=trigger,
        catalogue_version_id=result.version.id if result.version else None,
        created_at=clock.now(),
        actor_id=getattr(actor, "id", None),
    )
    for position, finding in enumerate(result.findings):
        run.findings.append(
            Finding(
                position=position,
                code=finding.code,
                severity=Severity(finding.severity),
                message_zh=finding.message_zh,
                message_en=finding.message_en,
                citation=finding.citation,
                fields=list(finding.fields),
                entry_code=finding.entry_code,
                details=dict(finding.details),
            )
        )
    db.session.add(run)
    db.session.flush()
    req.latest_check = run
    req.outcome = run.outcome
    audit.record("request.check", req, actor=actor, after={"trigger": trigger, **_check_summary(result)})
    return run


def compare_runs(previous: CheckRun | None, current: CheckRun) -> dict[str, list[str]]:
    """What a resubmission changed: findings resolved, new, and still there (by rule code)."""
    before = {f.code for f in previous.findings} if previous else set()
    after = {f.code for f in current.findings}
    return {
        "resolved": sorted(before - after),
        "new": sorted(after - before),
        "remaining": sorted(before & after),
    }


def last_submitted_check(req: AdmissionRequest) -> CheckRun | None:
    """The check of the revision last submitted: what the office and the committee saw."""
    return db.session.scalar(
        sa.select(CheckRun)
        .where(
            CheckRun.request_id == req.id,
            CheckRun.revision == req.revision,
            CheckRun.trigger.in_(("submit", "resubmit")),
            CheckRun.outcome != Outcome.BLOCKED,
        )
        .order_by(CheckRun.id.desc())
        .limit(1)
    )


def _run_check(req: AdmissionRequest, data: dict[str, Any]) -> precheck.CheckResult:
    return precheck.check(req.gate, req.department, data)


def raise_if_blocked(run: CheckRun) -> None:
    """A submission whose check blocks is refused with its findings (422 ``blocked``)."""
    if run.outcome == Outcome.BLOCKED:
        from gatekeeper.modules.requests.schemas import FindingSchema

        findings = FindingSchema(many=True).dump(run.findings)
        blocking = [f for f in findings if f["severity"] == Severity.BLOCK.value]
        fields: dict[str, list[str]] = {}
        for finding in blocking:
            for field in finding["fields"] or ["_schema"]:
                fields.setdefault(field, []).append(finding["message"])
        raise RuleViolation(
            ngettext(
                "The request cannot be submitted: %(num)s finding blocks it.",
                "The request cannot be submitted: %(num)s findings block it.",
                len(blocking),
            ),
            fields=fields,
            findings=findings,
        )


# --- lifecycle --------------------------------------------------------------------------------


def lock(req: AdmissionRequest) -> AdmissionRequest:
    """Reload ``req`` under a row lock, so concurrent actions on it run one after the other."""
    locked = lock_row(AdmissionRequest, req.id)
    if locked is None:
        raise NotFound()
    return locked


def transition(
    req: AdmissionRequest,
    action: str,
    *,
    actor,
    outcome: str | None = None,
    reason: str = "",
    acting_for=None,
) -> RequestState:
    """Move ``req`` by ``action`` (state checked by the workflow), with its event and audit entry."""
    req = lock(req)
    before = req.state
    after = workflow.target(action, before, outcome)
    req.state = after
    req.updated_at = clock.now()
    notifications.settle(req)  # what asked for an action this state no longer allows is done
    db.session.add(
        RequestEvent(
            request_id=req.id,
            action=action,
            from_state=before,
            to_state=after,
            actor_id=getattr(actor, "id", None),
            acting_for_id=getattr(acting_for, "id", None),
            reason=reason,
            at=clock.now(),
            # a decision keeps when its round was submitted and accepted (decision times)
            **(
                {"round_submitted_at": req.submitted_at, "round_accepted_at": req.accepted_at}
                if action == "decide"
                else {}
            ),
        )
    )
    audit.record(
        f"request.{action}",
        req,
        actor=actor,
        before={"state": before.value},
        after={
            "state": after.value,
            **({"reason": reason} if reason else {}),
            **({"outcome": outcome} if outcome else {}),
            **({"acting_for": acting_for.username} if acting_for else {}),
        },
    )
    return after


def create_request(data: dict[str, Any], *, actor) -> AdmissionRequest:
    """File a draft. The body has been loaded by ``RequestInputSchema``; the check runs as a dry run."""
    gate, department = filing_parties(data, actor)
    result = precheck.check(gate, department, data)
    now = clock.now()
    req = AdmissionRequest(
        gate=gate,
        department=department,
        created_by=actor,
        state=RequestState.DRAFT,
        created_at=now,
        revision=0,
        review_round=0,
    )
    _apply(req, data, result)
    db.session.add(req)
    db.session.flush()
    db.session.add(
        RequestEvent(
            request_id=req.id, action="create", to_state=RequestState.DRAFT, actor_id=actor.id, at=now
        )
    )
    audit.record("request.create", req, actor=actor, after=as_input(req))
    record_check(req, result, "create", actor=actor)
    return req


def update_request(req: AdmissionRequest, patch: dict[str, Any], *, actor) -> AdmissionRequest:
    """Change a draft or returned request (PATCH: any part of the body, validated as a whole)."""
    req = lock(req)
    workflow.target("edit", req.state)
    before = as_input(req)
    merged = merge_patch(before, patch)
    merged["gate"], merged["department"] = before["gate"], before["department"]
    data = RequestInputSchema().load(merged)
    result = _run_check(req, data)
    _apply(req, data, result)
    audit.record("request.update", req, actor=actor, before=before, after=as_input(req))
    record_check(req, result, "edit", actor=actor)
    return req


def _one_variation_at_a_time(req: AdmissionRequest) -> None:
    """Two variations of one authorisation cannot both be under way (the second would find it gone)."""
    if req.varies_id is None:
        return
    other = db.session.scalar(
        sa.select(AdmissionRequest.id).where(
            AdmissionRequest.varies_id == req.varies_id,
            AdmissionRequest.id != req.id,
            AdmissionRequest.state.in_(workflow.OPEN_STATES - {RequestState.DRAFT}),
        )
    )
    if other is not None:
        raise ValidationFailed(
            fields={"variation_of": [_("request #%(id)s already varies this authorisation", id=other)]}
        )


def submit_request(
    req: AdmissionRequest, *, actor, response: str = ""
) -> tuple[AdmissionRequest, CheckRun, dict]:
    """Submit (or resubmit after a return): the check runs again and is stored as revision N.

    ``response`` is the department's answer (to the return's reason, to the findings), kept with the
    revision. A blocked check is recorded and the request stays where it was; the caller commits and
    then calls ``raise_if_blocked``. Returns the request, the run and the comparison with the last run.
    """
    req = lock(req)
    workflow.target("submit", req.state)
    data = RequestInputSchema().load(as_input(req))
    _one_variation_at_a_time(req)
    resubmission = req.state == RequestState.RETURNED
    previous = last_submitted_check(req) if resubmission else None
    result = _run_check(req, data)
    if result.outcome != Outcome.BLOCKED.value:
        req.revision += 1  # a refused attempt is checked against the draft's current revision
    run = record_check(req, result, "resubmit" if resubmission else "submit", actor=actor)
    comparison = compare_runs(previous, run)
    if run.outcome == Outcome.BLOCKED:
        return req, run, comparison
    from gatekeeper.modules.attachments.operations import live_attachment_ids

    db.session.add(
        RequestRevision(
            request_id=req.id,
            number=req.revision,
            snapshot={**as_input(req), "attachments": live_attachment_ids(req)},
            response=(response or "").strip(),
            created_at=clock.now(),
            created_by_id=actor.id,
        )
    )
    transition(req, "submit", actor=actor)
    req.submitted_at = clock.now()
    notifications.request_submitted(req, actor=actor)
    return req, run, comparison


def withdraw_request(req: AdmissionRequest, *, actor, reason: str = "") -> AdmissionRequest:
    transition(req, "withdraw", actor=actor, reason=reason)
    notifications.request_withdrawn(req, reason, actor=actor)
    return req


def accept_request(req: AdmissionRequest, *, actor) -> AdmissionRequest:
    """Formal acceptance (受理): the decision is due the gate's limit in working days later."""
    limit = gate_settings(req.gate.settings)["decision_limit_days"]
    today = clock.today()
    due = working_calendar(today).add_working_days(today, limit)  # query before the state changes
    transition(req, "accept", actor=actor)
    req.accepted_at = clock.now()
    req.due_date = due
    req.review_round += 1
    notifications.request_accepted(req, actor=actor)
    return req


def return_request(req: AdmissionRequest, reason: str, *, actor) -> AdmissionRequest:
    """Return the request to its department for changes (by the office, or the chair at decision)."""
    from gatekeeper.modules.committee.permissions import chair_seat

    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(fields={"reason": [_("a return needs a reason")]})
    seat = chair_seat(actor, req)
    acting_for = seat if seat is not None and seat.id != actor.id else None
    transition(req, "return", actor=actor, reason=reason, acting_for=acting_for)
    req.due_date = None
    notifications.request_returned(req, reason, actor=actor)
    return req


def get_request(request_id: int) -> AdmissionRequest | None:
    return db.session.get(AdmissionRequest, request_id)


def overdue_query() -> sa.Select:
    """Requests in review whose decision is past due, most overdue first."""
    return (
        sa.select(AdmissionRequest)
        .where(AdmissionRequest.state == RequestState.IN_REVIEW, AdmissionRequest.due_date < clock.today())
        .order_by(AdmissionRequest.due_date, AdmissionRequest.id)
    )
