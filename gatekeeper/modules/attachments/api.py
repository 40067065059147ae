"""JSON API: the attachments of a request (the legal document, the department's plan) and their files."""

from __future__ import annotations

from pathlib import PurePath
from urllib.parse import quote

from flask import send_file

from gatekeeper.core.api import PageArgs, blueprint, list_schema, paginate
from gatekeeper.core.permissions import permission, user
from gatekeeper.extensions import db
from gatekeeper.modules.attachments import operations as ops
from gatekeeper.modules.attachments import storage
from gatekeeper.modules.attachments.models import Attachment
from gatekeeper.modules.attachments.permissions import (
    can_add_attachment,
    can_list_attachments,
    can_remove_attachment,
    can_see_attachment,
)
from gatekeeper.modules.attachments.schemas import (
    AttachmentFileSchema,
    AttachmentFormSchema,
    AttachmentSchema,
)
from gatekeeper.modules.requests.api import on_request

blp = blueprint("attachments", "Attachments of requests: upload, list, download, remove")
BLUEPRINTS = [blp]

_FILE = {"type": "string", "format": "binary"}


def on_attachment(check):
    """Permission on one attachment: 404 unless the user may see it (and its request), then ``check``."""
    return permission(check, load=ops.get_attachment, can_see=can_see_attachment)


def content_disposition(att: Attachment) -> str:
    """``attachment`` with an ASCII ``filename`` and the real name as RFC 5987 ``filename*``.

    The stored name always ends in the ASCII extension of its type (``checks.clean_filename``), so
    the fallback of a Chinese name still opens with the right program.
    """
    name = att.filename
    plain = name.isascii() and name.isprintable() and not any(c in name for c in '"\\')
    fallback = name if plain else f"attachment-{att.id}{PurePath(name).suffix}"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


@blp.route("/requests/<int:request_id>/attachments", methods=["POST"])
@blp.response(201, AttachmentSchema)
@on_request(can_add_attachment)
@blp.arguments(AttachmentFileSchema, location="files")
@blp.arguments(AttachmentFormSchema, location="form", content_type="multipart/form-data")
def add_attachment(req, files, form):
    """Attach a file (multipart ``file`` and ``kind``) to a draft or returned request.

    The type is read from the file's bytes; anything but PDF, PNG, JPEG, DOCX, XLSX or OFD, and
    anything over the size limit, is refused (422); in another state the answer is 409.
    """
    att = ops.add_attachment(req, form["kind"], files["file"], actor=user())
    db.session.commit()
    return att


@blp.route("/requests/<int:request_id>/attachments")
@blp.response(200, list_schema(AttachmentSchema))
@on_request(can_list_attachments)
@blp.arguments(PageArgs, location="query")
def list_attachments(req, args):
    """The request's attachments as they are now (removed ones are not listed)."""
    return paginate(ops.live_query(req), args)


@blp.route("/attachments/<int:attachment_id>")
@blp.response(200, AttachmentSchema)
@on_attachment(can_see_attachment)
def get_attachment(att):
    return att


@blp.route("/attachments/<int:attachment_id>/download")
@blp.response(200, _FILE, content_type="application/octet-stream", description="the file's bytes")
@on_attachment(can_see_attachment)
def download_attachment(att):
    """The file, as an attachment, with the type found in its bytes (never rendered in the page)."""
    response = send_file(
        storage.open_attachment(att),
        mimetype=att.content_type,
        as_attachment=True,
        download_name=f"attachment-{att.id}",
        etag=att.sha256,
        last_modified=att.uploaded_at,
    )
    response.headers["Content-Disposition"] = content_disposition(att)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    # Should a browser render it after all, it runs nothing and loads nothing.
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@blp.route("/attachments/<int:attachment_id>", methods=["DELETE"])
@blp.response(204)
@on_attachment(can_remove_attachment)
def remove_attachment(att):
    """Remove an attachment from a draft or returned request (the revisions submitted keep it)."""
    ops.remove_attachment(att, actor=user())
    db.session.commit()
