"""JSON API: the dry-run pre-check, requests and their department-side and office-side actions."""

from __future__ import annotations

import sqlalchemy as sa
from marshmallow import Schema, fields
from sqlalchemy.orm import selectinload

from gatekeeper.core import clock
from gatekeeper.core.api import PDF_ANSWER, EmptySchema, PageArgs, blueprint, list_schema, paginate
from gatekeeper.core.db import refers_to_code
from gatekeeper.core.pdf import send_document
from gatekeeper.core.permissions import permission, user
from gatekeeper.extensions import db
from gatekeeper.modules.jurisdictions.models import Department, Gate
from gatekeeper.modules.requests import operations as ops
from gatekeeper.modules.requests.actions import available_actions
from gatekeeper.modules.requests.models import (
    AdmissionRequest,
    CheckRun,
    RequestEvent,
    RequestRevision,
    RequestState,
)
from gatekeeper.modules.requests.permissions import (
    can_accept_request,
    can_create_request,
    can_edit_request,
    can_list_requests,
    can_return_request,
    can_see_request,
    can_submit_request,
    can_withdraw_request,
    visible_requests,
)
from gatekeeper.modules.requests.schemas import (
    CheckRunSchema,
    EventSchema,
    PrecheckSchema,
    ReasonSchema,
    RequestDetailSchema,
    RequestInputSchema,
    RequestListArgs,
    RequestSchema,
    SubmitResultSchema,
    SubmitSchema,
)

blp = blueprint("requests", "Admission requests (准入申请): pre-check, filing and review")
BLUEPRINTS = [blp]


def load_request(request_id: int) -> AdmissionRequest | None:
    return ops.get_request(request_id)


def on_request(check):
    """Permission on one request: 404 unless the user may see it, then ``check``."""
    return permission(check, load=load_request, can_see=can_see_request)


def detail(req: AdmissionRequest) -> AdmissionRequest:
    """One request as ``RequestDetailSchema`` shows it: its actions for this user, its attachments."""
    from gatekeeper.modules.attachments.operations import live_attachments

    req.available_actions = available_actions(user(), req)
    req.live_attachments = live_attachments(req)
    return req


class RequestPatchSchema(Schema):
    """Any part of a request body; the merged request is then validated as a whole."""

    kind = fields.Raw()
    title = fields.Raw()
    description = fields.Raw()
    legal_basis = fields.Raw()
    catalogue_entry = fields.Raw(allow_none=True)
    role = fields.Raw(allow_none=True)
    scope = fields.Dict()
    start_date = fields.Raw()
    end_date = fields.Raw()
    workload_hours = fields.Raw()
    variation_of = fields.Raw(allow_none=True)
    demands = fields.Dict()
    funding = fields.Dict()


class WithdrawSchema(Schema):
    reason = fields.String(load_default="")


@blp.route("/precheck", methods=["POST"])
@blp.response(200, PrecheckSchema)
@permission(can_create_request)
@blp.arguments(RequestInputSchema)
def run_precheck(data):
    """Dry run: check a request body without filing it; every rule's findings with their citations."""
    result = ops.dry_run(data, actor=user())
    answer = {
        "outcome": result.outcome,
        "findings": result.findings,
        "catalogue_version": result.version.number if result.version else None,  # read before commit
        "communities": len(result.community_ids),
        "households": result.households,
    }
    db.session.commit()
    return answer


@blp.route("/requests", methods=["POST"])
@blp.response(201, RequestDetailSchema)
@permission(can_create_request)
@blp.arguments(RequestInputSchema)
def create_request(data):
    req = ops.create_request(data, actor=user())
    db.session.commit()
    return detail(req)


@blp.route("/requests")
@blp.response(200, list_schema(RequestSchema))
@permission(can_list_requests)
@blp.arguments(RequestListArgs, location="query")
def list_requests(args):
    stmt = (
        sa.select(AdmissionRequest)
        .where(visible_requests(user()))
        .options(
            selectinload(AdmissionRequest.latest_check).selectinload(CheckRun.findings),
            selectinload(AdmissionRequest.authorisation),
        )
        .order_by(AdmissionRequest.updated_at.desc(), AdmissionRequest.id.desc())
    )
    if args.get("state"):
        stmt = stmt.where(AdmissionRequest.state == args["state"])
    if args.get("kind"):
        stmt = stmt.where(AdmissionRequest.kind == args["kind"])
    if args.get("department"):
        stmt = stmt.where(refers_to_code(AdmissionRequest.department_id, Department, args["department"]))
    if args.get("gate"):
        stmt = stmt.where(refers_to_code(AdmissionRequest.gate_id, Gate, args["gate"]))
    if args.get("overdue") is True:
        stmt = stmt.where(
            AdmissionRequest.state == RequestState.IN_REVIEW, AdmissionRequest.due_date < clock.today()
        )
    return paginate(stmt, args)


@blp.route("/requests/<int:request_id>")
@blp.response(200, RequestDetailSchema)
@on_request(can_see_request)
def get_request(req):
    return detail(req)


@blp.route("/requests/<int:request_id>", methods=["PATCH"])
@blp.response(200, RequestDetailSchema)
@on_request(can_edit_request)
@blp.arguments(RequestPatchSchema)
def update_request(req, patch):
    req = ops.update_request(req, patch, actor=user())
    db.session.commit()
    return detail(req)


@blp.route("/requests/<int:request_id>/submit", methods=["POST"])
@blp.response(200, SubmitResultSchema)
@on_request(can_submit_request)
@blp.arguments(SubmitSchema)
def submit(req, data):
    """Submit (or resubmit): the check runs again; blocking findings refuse it with 422 ``blocked``.

    The body is ``{}``, or ``{"response": "..."}``: the department's answer to the return's reason or
    to the findings (at most 5,000 characters), kept with the revision and listed by ``/revisions``.
    """
    req, run, comparison = ops.submit_request(req, actor=user(), response=data["response"])
    db.session.commit()  # the check run is kept even when it refuses the submission
    ops.raise_if_blocked(run)
    req.comparison = comparison
    return detail(req)


@blp.route("/requests/<int:request_id>/withdraw", methods=["POST"])
@blp.response(200, RequestDetailSchema)
@on_request(can_withdraw_request)
@blp.arguments(WithdrawSchema)
def withdraw(req, data):
    req = ops.withdraw_request(req, actor=user(), reason=data["reason"])
    db.session.commit()
    return detail(req)


@blp.route("/requests/<int:request_id>/accept", methods=["POST"])
@blp.response(200, RequestDetailSchema)
@on_request(can_accept_request)
@blp.arguments(EmptySchema)
def accept(req, _data):
    req = ops.accept_request(req, actor=user())
    db.session.commit()
    return detail(req)


@blp.route("/requests/<int:request_id>/return", methods=["POST"])
@blp.response(200, RequestDetailSchema)
@on_request(can_return_request)
@blp.arguments(ReasonSchema)
def return_(req, data):
    req = ops.return_request(req, data["reason"], actor=user())
    db.session.commit()
    return detail(req)


@blp.route("/requests/<int:request_id>/checks")
@blp.response(200, list_schema(CheckRunSchema))
@on_request(can_see_request)
@blp.arguments(PageArgs, location="query")
def list_checks(req, args):
    stmt = (
        sa.select(CheckRun)
        .where(CheckRun.request_id == req.id)
        .options(selectinload(CheckRun.findings))
        .order_by(CheckRun.id.desc())
    )
    return paginate(stmt, args)


@blp.route("/requests/<int:request_id>/events")
@blp.response(200, list_schema(EventSchema))
@on_request(can_see_request)
@blp.arguments(PageArgs, location="query")
def list_events(req, args):
    return paginate(
        sa.select(RequestEvent).where(RequestEvent.request_id == req.id).order_by(RequestEvent.id), args
    )


class RevisionSchema(Schema):
    number = fields.Integer()
    snapshot = fields.Dict()
    response = fields.String(metadata={"description": "the department's answer submitted with it"})
    created_at = fields.AwareDateTime()


@blp.route("/requests/<int:request_id>/revisions")
@blp.response(200, list_schema(RevisionSchema))
@on_request(can_see_request)
@blp.arguments(PageArgs, location="query")
def list_revisions(req, args):
    stmt = (
        sa.select(RequestRevision)
        .where(RequestRevision.request_id == req.id)
        .order_by(RequestRevision.number)
    )
    return paginate(stmt, args)


@blp.route("/requests/<int:request_id>/form.pdf")
@blp.doc(**PDF_ANSWER)
@on_request(can_see_request)
def form_pdf(req):
    """The approval form (准入申请审批表): A4 PDF of the request, its findings and every opinion on it.

    Any state prints; a draft prints as a draft. Boxes without an opinion yet are left for signature.
    """
    from gatekeeper.modules.requests import documents

    return send_document(
        "form",
        documents.RequestFormPdfSchema(),
        documents.request_source(req),
        title=documents.form_title,
        filename=documents.form_filename(req),
    )


@blp.route("/requests/<int:request_id>/decision.pdf")
@blp.doc(**PDF_ANSWER)
@on_request(can_see_request)
def decision_pdf(req):
    """The rejection decision (不予准入决定书): A4 PDF with the reasons and the findings cited.

    Only for a rejected request (by the committee, or by the escalation body's ruling); otherwise 409
    ``not_rejected``.
    """
    from gatekeeper.modules.requests import documents

    return send_document(
        "decision",
        documents.DecisionPdfSchema(),
        documents.rejection_source(req),
        title=documents.decision_title,
        filename=documents.decision_filename(req),
    )
