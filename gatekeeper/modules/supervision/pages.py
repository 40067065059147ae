"""Pages of reports (举报): the community head's form, the list (the head's reports, the office's
supervision queue with counts by state), one report."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from gatekeeper.core import clock
from gatekeeper.core.labels import options
from gatekeeper.core.permissions import permission, user
from gatekeeper.core.web import NavItem, PageForm, done, list_page
from gatekeeper.extensions import db
from gatekeeper.modules.accounts.models import Role
from gatekeeper.modules.authorisations.operations import get_by_number
from gatekeeper.modules.catalogue.models import Kind
from gatekeeper.modules.jurisdictions.models import Department, Jurisdiction
from gatekeeper.modules.supervision import operations as ops
from gatekeeper.modules.supervision.models import Report, ReportState
from gatekeeper.modules.supervision.permissions import (
    can_file_report,
    can_list_reports,
    can_see_report,
    visible_reports,
)
from gatekeeper.modules.supervision.schemas import ReportInputSchema
from gatekeeper.modules.verification.operations import check_community, live_status

bp = Blueprint("supervision_pages", __name__)
PAGES = [bp]
NAV = [
    NavItem(
        "supervision_pages.reports", _l("Reports"), roles=(Role.COMMUNITY_HEAD, Role.SECRETARIAT), order=80
    )
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
FILTERS = ("state", "community", "department")


@bp.route("/reports/new", methods=["GET", "POST"])
@permission(can_file_report)
def new_report():
    """The head's form: what was pushed into the community, by whom, when; stored as received."""
    actor = user()
    initial = {key: request.args[key] for key in PREFILL if request.args.get(key)}
    form = PageForm(ReportInputSchema(), initial=initial)
    if form.apply(lambda data: ops.file_report(data, actor=actor)):
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
    narrowed = [visible, *ops.criteria(community=community, department=department)]
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
        choices=choices,
        states=list(ReportState),
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
    """One report; the authorisation it names, with its live status and whether it covers the community."""
    claimed = None
    if report_.authorisation_number:
        authorisation = get_by_number(report_.authorisation_number)
        if authorisation is not None:
            status, not_yet_valid = live_status(authorisation, clock.today())
            _checked, in_scope = check_community(authorisation, report_.community.code)
            claimed = {
                "authorisation": authorisation,
                "status": status,
                "not_yet_valid": not_yet_valid,
                "in_scope": in_scope,
            }
    return render_template("supervision/report.html", report=report_, claimed=claimed)
