"""Public pages of supervision (no login): filing a report, and the published notices (HTML and PDF).

Filing names the community by its code (or the chooser of communities under a gate), the department,
the item, the date, what happened, an optional contact and evidence files. Anti-abuse: see ``public``.
Nothing on these pages ever names who filed a report.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, make_response, redirect, render_template, request, url_for

from gatekeeper.core import clock
from gatekeeper.core.db import write_intent
from gatekeeper.core.errors import RateLimited, ValidationFailed
from gatekeeper.core.labels import options
from gatekeeper.core.pdf import send_document
from gatekeeper.core.permissions import public
from gatekeeper.core.web import PageForm, list_page, public_headers, public_language
from gatekeeper.extensions import db
from gatekeeper.modules.catalogue.models import Kind
from gatekeeper.modules.jurisdictions.models import Department, Jurisdiction, Level
from gatekeeper.modules.supervision import notices as notice_ops
from gatekeeper.modules.supervision import operations as ops
from gatekeeper.modules.supervision import public as guard
from gatekeeper.modules.supervision.documents import NoticePdfSchema, notice_filename, notice_title
from gatekeeper.modules.supervision.models import Notice, NoticeState
from gatekeeper.modules.supervision.schemas import PublicReportInputSchema

bp = Blueprint("supervision_public", __name__)

#: Fields of the form that are not the report's: the honeypot and the signed start time.
GUARD_FIELDS = ("website", "started", "csrf_token")


def _page(template: str, status: int = 200, **context):
    page = make_response(render_template(template, **public_language(), **context), status)
    return public_headers(page)


class PublicForm(PageForm):
    def body(self):
        body = super().body()
        for name in GUARD_FIELDS:
            body.pop(name, None)
        return body


def _choices():
    communities = db.session.execute(
        sa.select(Jurisdiction.code, Jurisdiction.name)
        .where(Jurisdiction.level == Level.COMMUNITY)
        .order_by(Jurisdiction.code)
    ).all()
    departments = db.session.execute(
        sa.select(Department.code, Department.name).order_by(Department.code)
    ).all()
    return {
        "communities": [(code, f"{name} ({code})") for code, name in communities],
        "departments": [(code, name) for code, name in departments],
        "kinds": options(Kind),
    }


@bp.route("/public/report", methods=["GET", "POST"])
@public
def report():
    """Anyone reports an item pushed into a community without authorisation (no login)."""
    form = PublicForm(
        PublicReportInputSchema(), initial={"community": request.args.get("community", "")[:32]}
    )
    if form.submitted:
        try:
            guard.refuse_robots(request.form.get("website"))
            guard.check_fill_time(request.form.get("started"))
            with write_intent():
                guard.count_filing(request.remote_addr)
                db.session.commit()  # counted even when the report is refused
        except RateLimited:
            db.session.rollback()
            return _page(
                "supervision/public_report.html",
                429,
                form=form,
                token=guard.form_token(),
                limited=True,
                today=clock.today(),
                max_files=ops.MAX_FILES,
                **_choices(),
            )
        except ValidationFailed as exc:
            db.session.rollback()
            form.errors = {"_schema": [exc.message]}
        else:
            files = request.files.getlist("files")
            if form.apply(lambda data: ops.file_public_report(data, files=files)):
                db.session.commit()
                return redirect(url_for(".report_sent", **public_language()["lang_args"]), 303)
    status = 422 if form.errors else 200
    return _page(
        "supervision/public_report.html",
        status,
        form=form,
        token=guard.form_token(),
        limited=False,
        today=clock.today(),
        max_files=ops.MAX_FILES,
        **_choices(),
    )


@bp.route("/public/report/sent")
@public
def report_sent():
    return _page("supervision/public_report_sent.html")


@bp.route("/public/notices")
@public
def notices():
    """The published supervision notices, newest first."""
    stmt = sa.select(Notice).where(Notice.state == NoticeState.PUBLISHED)
    listing = list_page(
        stmt, sorts={"published": (Notice.published_at, Notice.id)}, default_sort="-published", keep=("lang",)
    )
    return _page("supervision/public_notices.html", listing=listing)


def _published(notice_id: int) -> Notice | None:
    found = notice_ops.get_notice(notice_id)
    return found if found is not None and found.state == NoticeState.PUBLISHED else None


@bp.route("/public/notices/<int:notice_id>")
@public
def notice(notice_id: int):
    """One published notice: department, community, what was pushed in, the outcome, the rectification."""
    found = _published(notice_id)
    if found is None:
        return _page("supervision/public_notice_missing.html", 404)
    return _page("supervision/public_notice.html", notice=found, named=notice_ops.reports_of(found))


@bp.route("/public/notices/<int:notice_id>/notice.pdf")
@public
def notice_pdf(notice_id: int):
    found = _published(notice_id)
    if found is None:
        return _page("supervision/public_notice_missing.html", 404)
    return send_document(
        "supervision_notice", NoticePdfSchema(), found, title=notice_title, filename=notice_filename(found)
    )
