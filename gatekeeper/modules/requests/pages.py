"""Pages of admission requests: the officer's home, the list, one request, the request form with its
live pre-check, submitting (and answering a return), withdrawing, and the request's attachments.

Each view is the page twin of an API endpoint: the same permission, the same schema, the same single
operation. What the pages show (the officer's overview, a request's timeline, the form's pickers) is
gathered by ``requests.page_data`` (and for the form ``requests.page_form``) in a fixed number of
queries, whatever the number of rows.
"""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from gatekeeper.core import clock
from gatekeeper.core.errors import ValidationFailed
from gatekeeper.core.labels import options
from gatekeeper.core.permissions import permission, user
from gatekeeper.core.web import NavItem, PageForm, done, list_page
from gatekeeper.extensions import db
from gatekeeper.modules.accounts.models import Role
from gatekeeper.modules.attachments import operations as attachment_ops
from gatekeeper.modules.attachments.permissions import (
    can_add_attachment,
    can_remove_attachment,
    can_see_attachment,
)
from gatekeeper.modules.attachments.schemas import AttachmentFormSchema
from gatekeeper.modules.catalogue.models import Kind
from gatekeeper.modules.jurisdictions.operations import department_options
from gatekeeper.modules.requests import operations as ops
from gatekeeper.modules.requests import page_data as data
from gatekeeper.modules.requests import page_form, workflow
from gatekeeper.modules.requests.api import WithdrawSchema, on_request
from gatekeeper.modules.requests.models import AdmissionRequest, Outcome, RequestState
from gatekeeper.modules.requests.permissions import (
    can_create_request,
    can_edit_request,
    can_list_requests,
    can_see_request,
    can_submit_request,
    can_withdraw_request,
)
from gatekeeper.modules.requests.schemas import SubmitSchema

bp = Blueprint("requests_pages", __name__)
PAGES = [bp]
COMMITTEE_ROLES = (Role.SECRETARIAT, Role.MEMBER, Role.CHAIR, Role.ADMIN)
NAV = [
    NavItem("requests_pages.home", _l("My requests"), roles=(Role.OFFICER,), order=10),
    NavItem("requests_pages.new", _l("New request"), roles=(Role.OFFICER,), order=20),
    NavItem("requests_pages.index", _l("Requests"), roles=COMMITTEE_ROLES, order=25),
]
HOME = {Role.OFFICER: "requests_pages.home"}

# --- the officer's home and the list ------------------------------------------------------------


@bp.route("/requests/mine")
@permission(can_create_request)
def home():
    """The department's requests by state, what needs the officer's action, what is under review."""
    return render_template("requests/home.html", **data.officer_overview(user(), clock.today()))


@bp.route("/requests")
@permission(can_list_requests)
def index():
    """Every request the user may see, filtered, sorted and paginated (two queries for the rows)."""
    me, today = user(), clock.today()
    filters = data.list_filters(request.args)
    stmt = data.requests_query(me, filters, today)
    listing = list_page(stmt, sorts=data.SORTS, default_sort="-updated", keep=tuple(filters))
    return render_template(
        "requests/index.html",
        listing=listing,
        filters=filters,
        today=today,
        states=options(RequestState),
        kinds=options(Kind),
        departments=department_options() if me.role != Role.OFFICER else [],
    )


# --- one request --------------------------------------------------------------------------------


@bp.route("/requests/<int:request_id>")
@on_request(can_see_request)
def detail(req):
    return _detail(req)


def _detail(req: AdmissionRequest, upload: PageForm | None = None):
    upload = upload or PageForm(AttachmentFormSchema())
    page = render_template("requests/detail.html", upload=upload, **data.request_detail(user(), req))
    return page, 422 if upload.errors else 200


def _uploaded():
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise ValidationFailed(fields={"file": [_("choose a file to attach")]})
    return upload


@bp.route("/requests/<int:request_id>/attachments", methods=["POST"])
@on_request(can_add_attachment)
def attach(req):
    """Attach a file to a draft or returned request (its type is read from its bytes)."""
    form = PageForm(AttachmentFormSchema())
    if form.apply(lambda d: attachment_ops.add_attachment(req, d["kind"], _uploaded(), actor=user())):
        name = form.result.filename
        return done(_("“%(name)s” was attached.", name=name), "requests_pages.detail", request_id=req.id)
    return _detail(req, upload=form)


def _attachment_of(request_id: int, attachment_id: int):
    att = attachment_ops.get_attachment(attachment_id)
    return att if att is not None and att.request_id == request_id else None


@bp.route("/requests/<int:request_id>/attachments/<int:attachment_id>/remove", methods=["POST"])
@permission(can_remove_attachment, load=_attachment_of, can_see=can_see_attachment)
def detach(att):
    """Remove a file from a draft or returned request (the revisions submitted keep it)."""
    attachment_ops.remove_attachment(att, actor=user())
    message = _("“%(name)s” was removed.", name=att.filename)
    return done(message, "requests_pages.detail", request_id=att.request_id)


# --- the request form ---------------------------------------------------------------------------


def _render_form(form: page_form.RequestForm, gate, req: AdmissionRequest | None = None):
    page, status = form.render("requests/form.html", req=req, **page_form.form_context(form, gate, req))
    return page, (200 if not form.submitted else status)


@bp.route("/requests/new", methods=["GET", "POST"])
@permission(can_create_request)
def new():
    """A new draft; ``?variation_of=NUMBER`` starts from the authorisation the department holds."""
    me = user()
    gate = page_form.filing_gate(me.department)
    initial, problems = page_form.new_initial(me, gate, request.args.get("variation_of", "").strip())
    form = page_form.request_form(gate, initial=initial)
    form.errors = problems if not form.submitted else {}
    if form.apply(lambda d: ops.create_request(d, actor=me)):
        return done(_("The draft was saved."), "requests_pages.detail", request_id=form.result.id)
    return _render_form(form, gate)


@bp.route("/requests/<int:request_id>/edit", methods=["GET", "POST"])
@on_request(can_edit_request)
def edit(req):
    workflow.target("edit", req.state)  # 409: only a draft or a returned request changes
    form = page_form.request_form(req.gate, initial=page_form.form_initial(ops.as_input(req)))
    if form.apply(lambda d: ops.update_request(req, page_form.as_json(d), actor=user())):
        return done(_("The changes were saved."), "requests_pages.detail", request_id=req.id)
    return _render_form(form, req.gate, req)


# --- submit and withdraw -------------------------------------------------------------------------


def _submit(req: AdmissionRequest, response: str) -> AdmissionRequest:
    req, run, _comparison = ops.submit_request(req, actor=user(), response=response)
    if run.outcome == Outcome.BLOCKED:
        db.session.commit()  # the refused check is kept, as the API keeps it; the state is unchanged
        ops.raise_if_blocked(run)
    return req


@bp.route("/requests/<int:request_id>/submit", methods=["GET", "POST"])
@on_request(can_submit_request)
def submit(req):
    """Confirm and submit; after a return, the reason, the findings then and now, and the answer."""
    workflow.target("submit", req.state)
    form = PageForm(SubmitSchema())
    if form.apply(lambda d: _submit(req, d["response"])):
        committee = req.gate.committee_name
        message = _("The request was submitted to %(committee)s.", committee=committee)
        return done(message, "requests_pages.detail", request_id=req.id)
    return form.render("requests/submit.html", req=req, **data.submission(req))


@bp.route("/requests/<int:request_id>/withdraw", methods=["GET", "POST"])
@on_request(can_withdraw_request)
def withdraw(req):
    workflow.target("withdraw", req.state)
    form = PageForm(WithdrawSchema())
    if form.apply(lambda d: ops.withdraw_request(req, actor=user(), reason=d["reason"].strip())):
        return done(_("The request was withdrawn."), "requests_pages.detail", request_id=req.id)
    return form.render("requests/withdraw.html", req=req)
