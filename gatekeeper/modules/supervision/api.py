"""JSON API of reports (举报) and supervision notices (督查通报).

Reports: file one (a community head, or anyone without login: ``source=public``), list and read them,
the office's steps, the department's answer, the evidence files. Notices: list, compose a draft, read,
add and remove reports, publish, and the PDF (public once published).
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import request, send_file
from marshmallow import ValidationError

from gatekeeper.core.api import ErrorSchema, blueprint, list_schema, paginate
from gatekeeper.core.db import write_intent
from gatekeeper.core.errors import NotFound, ValidationFailed, flatten_messages
from gatekeeper.core.pdf import send_document
from gatekeeper.core.permissions import authorize, permission, public, user, user_is_logged_in
from gatekeeper.extensions import db
from gatekeeper.modules.attachments import storage
from gatekeeper.modules.supervision import notices as notice_ops
from gatekeeper.modules.supervision import operations as ops
from gatekeeper.modules.supervision import public as public_ops
from gatekeeper.modules.supervision.documents import NoticePdfSchema, notice_filename, notice_title
from gatekeeper.modules.supervision.models import Notice, Report
from gatekeeper.modules.supervision.permissions import (
    can_advance_report,
    can_compose_notice,
    can_edit_notice,
    can_file_report,
    can_list_reports,
    can_respond_report,
    can_see_notice,
    can_see_report,
    can_see_report_files,
    visible_notices,
    visible_reports,
)
from gatekeeper.modules.supervision.schemas import (
    NoticeInputSchema,
    NoticeListArgs,
    NoticeReportInputSchema,
    NoticeSchema,
    PublicReportInputSchema,
    ReportDetailSchema,
    ReportInputSchema,
    ReportListArgs,
    ReportResponseSchema,
    ReportSchema,
    ReportStepSchema,
)

blp = blueprint("supervision", "Reports (举报) of items pushed into a community, and supervision notices")
BLUEPRINTS = [blp]


def _body(schema):
    """The body as JSON or as a multipart form (with ``files``), loaded by ``schema`` (422 otherwise)."""
    if request.mimetype == "multipart/form-data":
        raw = {key: value for key, value in request.form.items()}
        files = request.files.getlist("files")
    else:
        raw = request.get_json(silent=True)
        if not isinstance(raw, dict):
            raise ValidationFailed(fields={"_schema": ["A JSON object is expected."]})
        files = []
    try:
        return schema.load(raw), files
    except ValidationError as exc:
        raise ValidationFailed(fields=flatten_messages(exc.messages)) from None


@blp.route("/reports", methods=["POST"])
@blp.response(201, ReportDetailSchema)
@blp.alt_response(403, schema=ErrorSchema, description="Logged in, but not a community head.")
@blp.alt_response(
    422, schema=ErrorSchema, description="A field or a file is missing or wrong; nothing is stored."
)
@blp.alt_response(429, schema=ErrorSchema, description="Too many public reports from this address.")
@blp.doc(
    security=[],
    requestBody={
        "required": True,
        "content": {
            "application/json": {"schema": ReportInputSchema},
            "multipart/form-data": {"schema": PublicReportInputSchema},
        },
        "description": "A head's report (with a token), or a public one (without: `community` and "
        "`contact` too). As multipart, evidence files go in `files` (several allowed).",
    },
)
@public
def file_report():
    """File a report of an item pushed into a community without authorisation (JSON, or multipart
    with `files`). A community head (with a token) files for their community; without a token anyone
    files a public report naming the community by code (`source=public`), rate-limited per address."""
    if user_is_logged_in():
        authorize(can_file_report(user()))
        data, files = _body(ReportInputSchema())
        report = ops.file_report(data, actor=user(), files=files)
    else:
        data, files = _body(PublicReportInputSchema())
        public_ops.refuse_robots(data.get("website"))
        with write_intent():
            public_ops.count_filing(request.remote_addr)
            db.session.commit()  # counted even when the report is refused
        report = ops.file_public_report(data, files=files)
    db.session.commit()
    return report


@blp.route("/reports")
@blp.response(200, list_schema(ReportSchema))
@permission(can_list_reports)
@blp.arguments(ReportListArgs, location="query")
def list_reports(args):
    """Reports the caller may see, newest first: a head their community's, an officer their
    department's (without who filed them), the office its gate's (its supervision queue), the admin all."""
    where = ops.criteria(
        state=args.get("state"),
        community=args.get("community"),
        department=args.get("department"),
        overdue=args.get("overdue", False),
    )
    stmt = (
        sa.select(Report)
        .where(visible_reports(user()), *where)
        .order_by(Report.created_at.desc(), Report.id.desc())
    )
    return paginate(stmt, args)


@blp.route("/reports/<int:report_id>")
@blp.response(200, ReportDetailSchema)
@permission(can_see_report, load=ops.get_report, can_see=can_see_report)
def get_report(report):
    """One report with its steps; evidence files, who filed it and the contact only for those allowed."""
    return report


def _step(action: str):
    @blp.route(f"/reports/<int:report_id>/{action}", methods=["POST"], endpoint=f"{action}_report")
    @blp.response(200, ReportDetailSchema)
    @blp.alt_response(409, schema=ErrorSchema, description="The report's state does not allow this step.")
    @permission(can_advance_report, load=ops.get_report, can_see=can_see_report)
    @blp.arguments(ReportStepSchema)
    def step(report, data):
        report = ops.advance_report(report, action, data["note"], actor=user())
        db.session.commit()
        return report

    step.__doc__ = f"The office's step `{action}` of the report, with a required note."
    return step


for _action in ("investigate", "uphold", "dismiss", "rectify", "close"):
    _step(_action)


@blp.route("/reports/<int:report_id>/response", methods=["POST"])
@blp.response(200, ReportDetailSchema)
@blp.alt_response(409, schema=ErrorSchema, description="Only an upheld report is answered.")
@permission(can_respond_report, load=ops.get_report, can_see=can_see_report)
@blp.arguments(ReportResponseSchema)
def respond_report(report, data):
    """The department's rectification of an upheld report; the office then records it rectified."""
    report = ops.respond_report(report, data["response"], actor=user())
    db.session.commit()
    return report


def _report(report_id: int, **_others):
    return ops.get_report(report_id)


def _notice(notice_id: int, **_others):
    return notice_ops.get_notice(notice_id)


@blp.route("/reports/<int:report_id>/files/<int:file_id>")
@permission(can_see_report_files, load=_report, can_see=can_see_report)
def report_file(report):
    """An evidence file (never for the department named)."""
    found = ops.get_file(report, request.view_args["file_id"])
    path = storage.path_of(found.sha256)
    if not path.is_file():
        raise NotFound()
    return send_file(path, mimetype=found.content_type, as_attachment=True, download_name=found.filename)


# --- notices -------------------------------------------------------------------------------------


def _viewer():
    return user() if user_is_logged_in() else None


@blp.route("/notices")
@blp.response(200, list_schema(NoticeSchema))
@blp.doc(security=[])
@public
@blp.arguments(NoticeListArgs, location="query")
def list_notices(args):
    """Published notices, newest first (public); the office sees its gate's drafts too."""
    stmt = sa.select(Notice).where(visible_notices(_viewer()))
    if args.get("state"):
        stmt = stmt.where(Notice.state == args["state"])
    return paginate(stmt.order_by(Notice.published_at.desc().nulls_first(), Notice.id.desc()), args)


@blp.route("/notices", methods=["POST"])
@blp.response(201, NoticeSchema)
@permission(can_compose_notice)
@blp.arguments(NoticeInputSchema)
def create_notice(data):
    """A draft notice of the caller's gate for a period; `reports` defaults to every report upheld in
    the period (on the day it was upheld) and not named by a published notice."""
    notice = notice_ops.create_notice(data, actor=user())
    db.session.commit()
    return notice


def _load_visible(notice_id: int):
    notice = notice_ops.get_notice(notice_id)
    if notice is None or not can_see_notice(_viewer(), notice):
        raise NotFound()
    return notice


@blp.route("/notices/<int:notice_id>")
@blp.response(200, NoticeSchema)
@blp.doc(security=[])
@public
def get_notice(notice_id):
    """A published notice (public), or a draft for the office of its gate."""
    return _load_visible(notice_id)


@blp.route("/notices/<int:notice_id>/reports", methods=["POST"])
@blp.response(200, NoticeSchema)
@blp.alt_response(409, schema=ErrorSchema, description="The notice is published.")
@permission(can_edit_notice, load=notice_ops.get_notice, can_see=can_see_notice)
@blp.arguments(NoticeReportInputSchema)
def add_notice_report(notice, data):
    notice = notice_ops.add_notice_report(notice, data["report"], actor=user())
    db.session.commit()
    return notice


@blp.route("/notices/<int:notice_id>/reports/<int:report_id>", methods=["DELETE"])
@blp.response(200, NoticeSchema)
@blp.alt_response(409, schema=ErrorSchema, description="The notice is published.")
@permission(can_edit_notice, load=_notice, can_see=can_see_notice)
def remove_notice_report(notice):
    notice = notice_ops.remove_notice_report(notice, request.view_args["report_id"], actor=user())
    db.session.commit()
    return notice


@blp.route("/notices/<int:notice_id>/publish", methods=["POST"])
@blp.response(200, NoticeSchema)
@blp.alt_response(409, schema=ErrorSchema, description="Already published.")
@blp.alt_response(422, schema=ErrorSchema, description="The notice names no report.")
@permission(can_edit_notice, load=notice_ops.get_notice, can_see=can_see_notice)
def publish_notice(notice):
    """Publish the draft: it gets its number (e.g. LJ督〔2026〕1号) and is public from now on."""
    notice = notice_ops.publish_notice(notice, actor=user())
    db.session.commit()
    return notice


@blp.route("/notices/<int:notice_id>/notice.pdf")
@blp.response(200, description="The notice as a PDF (a draft is marked so).")
@blp.doc(security=[])
@public
def notice_pdf(notice_id):
    """The notice as a PDF: public once published; a draft for the office of its gate (a preview)."""
    notice = _load_visible(notice_id)
    return send_document(
        "supervision_notice", NoticePdfSchema(), notice, title=notice_title, filename=notice_filename(notice)
    )
