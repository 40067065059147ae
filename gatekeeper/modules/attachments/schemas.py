"""Schemas of attachments: the metadata answered (out) and the multipart upload (in)."""

from __future__ import annotations

from flask import url_for
from flask_smorest.fields import Upload
from marshmallow import Schema, fields

from gatekeeper.modules.attachments.models import AttachmentKind


class AttachmentSchema(Schema):
    id = fields.Integer()
    kind = fields.Enum(AttachmentKind, by_value=True)
    filename = fields.String(metadata={"description": "the uploader's file name, cleaned"})
    content_type = fields.String(metadata={"description": "found in the file's bytes"})
    size = fields.Integer(metadata={"description": "bytes"})
    sha256 = fields.String()
    uploaded_by = fields.Function(lambda a: a.uploaded_by.username)
    uploaded_at = fields.AwareDateTime()
    download_url = fields.Function(
        lambda a: url_for("attachments.download_attachment", attachment_id=a.id),
        metadata={"description": "the file itself, as an attachment"},
    )


_FILE_DESCRIPTION = "PDF, PNG, JPEG, Word (.docx), Excel (.xlsx) or OFD; the type is read from the bytes"


class AttachmentFormSchema(Schema):
    """The fields of the multipart upload; ``file`` is here for the API document only (it is read
    from the files of the request by ``AttachmentFileSchema``)."""

    file = Upload(metadata={"description": f"{_FILE_DESCRIPTION} (required)"})
    kind = fields.Enum(
        AttachmentKind,
        by_value=True,
        required=True,
        metadata={"description": "legal_basis: the law or document relied on; plan: the work plan"},
    )


class AttachmentFileSchema(Schema):
    file = Upload(required=True, metadata={"description": _FILE_DESCRIPTION})
