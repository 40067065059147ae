"""The office's pages of supervision notices (督查通报): the list, compose a draft for a period, the
draft's preview (add or remove reports, the PDF, publish)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import Blueprint, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from gatekeeper.core import clock
from gatekeeper.core.pdf import send_document
from gatekeeper.core.permissions import permission, user
from gatekeeper.core.web import NavItem, PageForm, done, list_page
from gatekeeper.extensions import db
from gatekeeper.modules.accounts.models import Role
from gatekeeper.modules.supervision import notices as ops
from gatekeeper.modules.supervision import workflow
from gatekeeper.modules.supervision.documents import NoticePdfSchema, notice_filename, notice_title
from gatekeeper.modules.supervision.models import Notice, NoticeState
from gatekeeper.modules.supervision.permissions import (
    can_compose_notice,
    can_edit_notice,
    can_see_notice,
)
from gatekeeper.modules.supervision.schemas import NoticeInputSchema, NoticeReportInputSchema

bp = Blueprint("notice_pages", __name__)
#: What a notice says of each report (the office's preview and the public page alike).
bp.add_app_template_global(workflow.notice_outcome, "notice_outcome")
NAV = [NavItem("notice_pages.notices", _l("Notices"), roles=(Role.SECRETARIAT,), order=81)]

SORTS = {"created": (Notice.created_at, Notice.id), "title": (Notice.title, Notice.id)}


@bp.route("/notices")
@permission(can_compose_notice)
def notices():
    """The gate's notices, drafts and published."""
    stmt = sa.select(Notice).where(Notice.gate_id == user().gate_id)
    listing = list_page(stmt, sorts=SORTS, default_sort="-created")
    return render_template("supervision/notices.html", listing=listing)


@bp.route("/notices/new", methods=["GET", "POST"])
@permission(can_compose_notice)
def new_notice():
    """Compose a draft: a title, the period (on the day reports were upheld), a body."""
    today = clock.today()
    first = today.replace(day=1)
    last_month_end = first - dt.timedelta(days=1)
    initial = {
        "period_from": last_month_end.replace(day=1).isoformat(),
        "period_to": last_month_end.isoformat(),
    }
    form = PageForm(NoticeInputSchema(), initial=initial)
    if form.apply(lambda data: ops.create_notice(data, actor=user())):
        return done(_("The draft notice was composed."), "notice_pages.notice", notice_id=form.result.id)
    return form.render("supervision/notice_new.html")


def _notice(notice_id: int, **_others):
    return ops.get_notice(notice_id)


@bp.route("/notices/<int:notice_id>")
@permission(can_edit_notice, load=_notice, can_see=can_see_notice)
def notice(notice_):
    """The preview of a notice; for a draft, the reports to add or remove and the publication."""
    return _notice_page(notice_)


def _notice_page(notice_, errors=None, status=200):
    named = ops.reports_of(notice_)
    others = []
    if notice_.state == NoticeState.DRAFT:
        ids = {r.id for r in named}
        others = [r for r in ops.candidates(notice_.gate_id, dt.date.min, dt.date.max) if r.id not in ids]
    page = render_template(
        "supervision/notice.html",
        notice=notice_,
        named=named,
        others=others,
        upheld=ops.upheld_on([r.id for r in named + others]),
        errors=errors or {},
    )
    return page, status


@bp.route("/notices/<int:notice_id>/reports", methods=["POST"])
@permission(can_edit_notice, load=_notice, can_see=can_see_notice)
def add_report(notice_):
    form = PageForm(NoticeReportInputSchema(), integers=("report",))
    if form.apply(lambda data: ops.add_notice_report(notice_, data["report"], actor=user())):
        return done(_("The report was added to the notice."), "notice_pages.notice", notice_id=notice_.id)
    return _notice_page(notice_, form.errors, 422)


@bp.route("/notices/<int:notice_id>/reports/<int:report_id>/remove", methods=["POST"])
@permission(can_edit_notice, load=_notice, can_see=can_see_notice)
def remove_report(notice_):
    ops.remove_notice_report(notice_, request.view_args["report_id"], actor=user())
    return done(_("The report was taken out of the notice."), "notice_pages.notice", notice_id=notice_.id)


@bp.route("/notices/<int:notice_id>/publish", methods=["POST"])
@permission(can_edit_notice, load=_notice, can_see=can_see_notice)
def publish(notice_):
    form = PageForm(NoticeReportInputSchema(partial=True))
    if form.apply(lambda _data: ops.publish_notice(notice_, actor=user())):
        return done(_("The notice was published."), "notice_pages.notice", notice_id=notice_.id)
    return _notice_page(notice_, form.errors, 422)


@bp.route("/notices/<int:notice_id>/notice.pdf")
@permission(can_edit_notice, load=_notice, can_see=can_see_notice)
def notice_pdf(notice_):
    """The notice as a PDF (a draft is marked so): the preview of what will be published."""
    db.session.rollback()  # nothing to write: a read-only answer
    return send_document(
        "supervision_notice",
        NoticePdfSchema(),
        notice_,
        title=notice_title,
        filename=notice_filename(notice_),
    )
