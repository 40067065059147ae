"""Pages of reports (举报): the community head's form (with evidence files), the list (the head's
reports, the department's, the office's supervision queue with counts by state and an overdue
filter), one report with its steps, the office's step forms and the department's answer.

The public pages (filing without login, published notices) are in ``public_pages``; the office's
notice pages in ``notice_pages``."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, render_template, request, send_file
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from gatekeeper.core import clock
from gatekeeper.core.errors import NotFound
from gatekeeper.core.labels import options
from gatekeeper.core.permissions import permission, user
from gatekeeper.core.web import NavItem, PageForm, done, list_page
from gatekeeper.extensions import db
from gatekeeper.modules.accounts.models import Role
from gatekeeper.modules.attachments import storage
from gatekeeper.modules.authorisations.operations import get_by_number
from gatekeeper.modules.catalogue.models import Kind
from gatekeeper.modules.jurisdictions.models import Department, Jurisdiction
from gatekeeper.modules.supervision import notice_pages, public_pages, workflow
from gatekeeper.modules.supervision import operations as ops
from gatekeeper.modules.supervision.models import Report, ReportState
from gatekeeper.modules.supervision.permissions import (
    can_advance_report,
    can_file_report,
    can_list_reports,
    can_respond_report,
    can_see_contact,
    can_see_report,
    can_see_report_files,
    can_see_reporter,
    is_department_view,
    visible_reports,
)
from gatekeeper.modules.supervision.schemas import (
    ReportInputSchema,
    ReportResponseSchema,
    ReportStepSchema,
    linked_authorisation,
)
from gatekeeper.modules.verification.operations import check_community, live_status

bp = Blueprint("supervision_pages", __name__)
PAGES = [bp, notice_pages.bp, public_pages.bp]
NAV = [
    NavItem(
        "supervision_pages.reports",
        _l("Reports"),
        roles=(Role.COMMUNITY_HEAD, Role.SECRETARIAT, Role.OFFICER, Role.STREET_OFFICER),
        order=80,
    ),
    *notice_pages.NAV,
]
#: What the form may be opened with: ``?authorisation_number=`` from a look-up, a department, a kind.
PREFILL = ("authorisation_number", "department", "kind")

#: States sort in the order of the review (received first), not by their names.
STATE_ORDER = sa.case({state: index for index, state in enumerate(ReportState)}, value=Report.state)
SORTS = {
    "filed": (Report.created_at, Report.id),
    "occurred": (Report.occurred_on, Report.id),
    "state": (STATE_ORDER, Report.id),
    "title": (Report.title, Report.id),
}
FILTERS = ("state", "community", "department", "overdue")


@bp.route("/reports/new", methods=["GET", "POST"])
@permission(can_file_report)
def new_report():
    """The head's form: what was pushed into the community, by whom, when; stored as received."""
    actor = user()
    initial = {key: request.args[key] for key in PREFILL if request.args.get(key)}
    form = PageForm(ReportInputSchema(), initial=initial)
    files = request.files.getlist("files")
    if form.apply(lambda data: ops.file_report(data, actor=actor, files=files)):
        return done(
            _("Your report was received; the committee office will look into it."),
            "supervision_pages.report",
            report_id=form.result.id,
        )
    community = actor.jurisdiction
    gate = ops.gate_of(community)
    return form.render(
        "supervision/new.html",
        community=community,
        committee=gate.committee_name if gate else "",
        departments=[(d.code, d.name) for d in ops.departments_near(community)],
        kinds=options(Kind),
        today=clock.today(),
        max_files=ops.MAX_FILES,
    )


def _code(name: str) -> str:
    """A code from the query: printable, at most 32 characters (anything else matches nothing)."""
    value = request.args.get(name, "").strip()[:32]
    return value if value.isprintable() else ""


def _choice(name: str, allowed: set[str]) -> str:
    value = request.args.get(name, "")
    return value if value in allowed else ""


@bp.route("/reports")
@permission(can_list_reports)
def reports():
    """A head's reports, the office's queue (the gate's), or all for the admin; filters, counts by state."""
    actor = user()
    visible = visible_reports(actor)
    state = _choice("state", {s.value for s in ReportState})
    community = _code("community")
    department = _code("department")
    overdue = request.args.get("overdue") in ("1", "true", "on")
    narrowed = [visible, *ops.criteria(community=community, department=department, overdue=overdue)]
    counts = ops.counts_by_state(*narrowed)  # per state, within the other filters: the tabs
    stmt = sa.select(Report).where(*narrowed, *ops.criteria(state=state))
    listing = list_page(stmt, sorts=SORTS, default_sort="-filed", keep=FILTERS)
    choices = _filter_choices(visible, communities=actor.role != Role.COMMUNITY_HEAD)
    return render_template(
        "supervision/index.html",
        listing=listing,
        counts=counts,
        state=state,
        community=community,
        department=department,
        overdue=overdue,
        overdue_count=db.session.scalar(
            sa.select(sa.func.count(Report.id)).where(visible, ops.overdue_clause())
        ),
        choices=choices,
        states=list(ReportState),
        department_view=actor.role == Role.OFFICER,
        today=clock.today(),
    )


def _filter_choices(visible, *, communities: bool) -> dict[str, list[tuple[str, str]]]:
    """The communities (for the office and admin) and departments that occur in the visible reports."""
    named = []
    if communities:
        named = db.session.execute(
            sa.select(Jurisdiction.code, Jurisdiction.name)
            .where(Jurisdiction.id.in_(sa.select(Report.community_id).where(visible)))
            .order_by(Jurisdiction.code)
        ).all()
    departments = db.session.execute(
        sa.select(Department.code, Department.name)
        .where(Department.id.in_(sa.select(Report.department_id).where(visible)))
        .order_by(Department.code)
    ).all()
    return {
        "communities": [(code, f"{name} ({code})") for code, name in named],
        "departments": [(code, name) for code, name in departments],
    }


@bp.route("/reports/<int:report_id>")
@permission(can_see_report, load=ops.get_report, can_see=can_see_report)
def report(report_):
    """One report: its facts, steps, the authorisation it names (live status, coverage, conditions),
    the office's step forms, the department's answer form."""
    return _report_page(report_)


def _report_page(report_, form=None, action=None, status=200):
    actor = user()
    claimed = None
    if report_.authorisation_number:
        authorisation = get_by_number(report_.authorisation_number)
        if authorisation is not None:
            status_, not_yet_valid = live_status(authorisation, clock.today())
            _checked, in_scope = check_community(authorisation, report_.community.code)
            claimed = {
                "authorisation": authorisation,
                "status": status_,
                "not_yet_valid": not_yet_valid,
                "in_scope": in_scope,
            }
    department_view = is_department_view(actor, report_)
    events = ops.events_of(report_)
    page = render_template(
        "supervision/report.html",
        report=report_,
        claimed=claimed,
        linked=linked_authorisation(report_),
        events=events,
        files=ops.files_of(report_) if can_see_report_files(actor, report_) else [],
        show_reporter=can_see_reporter(actor, report_),
        show_contact=can_see_contact(actor, report_),
        department_view=department_view,
        overdue=ops.is_overdue(report_),
        steps=workflow.office_actions(report_.state) if can_advance_report(actor, report_) else [],
        can_respond=can_respond_report(actor, report_) and workflow.allowed("respond", report_.state),
        action_label=workflow.action_label,
        form=form,
        failed_action=action,
    )
    return page, status


@bp.route("/reports/<int:report_id>/step/<action>", methods=["POST"])
@permission(
    can_advance_report, load=lambda report_id, action: ops.get_report(report_id), can_see=can_see_report
)
def advance(report_):
    """A step of the office, with its note; a refused step (409) is said on the report's page."""
    action = request.view_args["action"]
    if action not in workflow.OFFICE_ACTIONS:
        raise NotFound()
    form = PageForm(ReportStepSchema())
    if form.apply(lambda data: ops.advance_report(report_, action, data["note"], actor=user())):
        return done(_("The step was recorded."), "supervision_pages.report", report_id=report_.id)
    return _report_page(report_, form=form, action=action, status=422)


@bp.route("/reports/<int:report_id>/response", methods=["POST"])
@permission(can_respond_report, load=ops.get_report, can_see=can_see_report)
def respond(report_):
    """The department's rectification of an upheld report."""
    form = PageForm(ReportResponseSchema())
    if form.apply(lambda data: ops.respond_report(report_, data["response"], actor=user())):
        return done(
            _("Your rectification was sent to the office."), "supervision_pages.report", report_id=report_.id
        )
    return _report_page(report_, form=form, action="respond", status=422)


@bp.route("/reports/<int:report_id>/files/<int:file_id>")
@permission(
    can_see_report_files, load=lambda report_id, file_id: ops.get_report(report_id), can_see=can_see_report
)
def report_file(report_):
    """An evidence file, as a download (never for the department named)."""
    found = ops.get_file(report_, request.view_args["file_id"])
    path = storage.path_of(found.sha256)
    if not path.is_file():
        raise NotFound()
    return send_file(path, mimetype=found.content_type, as_attachment=True, download_name=found.filename)
