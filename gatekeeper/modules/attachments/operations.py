"""Operations on attachments: add one to a request, remove one, list the live ones.

A request's attachments change only while its content may change (the workflow's ``edit``: a draft
or a returned request); in any other state the answer is 409. Every upload is read up to
``ATTACHMENT_MAX_BYTES``, typed by its bytes (``checks``) and stored by content (``storage``) before
its row is written. Removal is soft (``deleted_at``): the row and the bytes stay, since the revisions
submitted before refer to the attachment by id. Operations flush but never commit.
"""

from __future__ import annotations

from typing import Protocol

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from gatekeeper.core import audit, clock
from gatekeeper.core.errors import NotFound, ValidationFailed
from gatekeeper.extensions import db
from gatekeeper.modules.attachments import checks, storage
from gatekeeper.modules.attachments.models import Attachment, AttachmentKind
from gatekeeper.modules.requests import workflow
from gatekeeper.modules.requests.models import AdmissionRequest, RequestRevision

#: Live attachments one request may have (a guard against filling the disk through one request).
MAX_PER_REQUEST = 50


class Upload(Protocol):
    """What an upload offers: a werkzeug ``FileStorage``, or anything with a name and ``read``."""

    filename: str | None

    def read(self, size: int = -1, /) -> bytes: ...


def max_bytes() -> int:
    return int(current_app.config["ATTACHMENT_MAX_BYTES"])


def _megabytes(size: int) -> str:
    value = size / (1024 * 1024)
    return f"{value:.0f}" if value == int(value) else f"{value:.1f}"


def read_upload(upload: Upload) -> bytes:
    """The upload's bytes; 422 ``too_large`` when it holds more than ``ATTACHMENT_MAX_BYTES``.

    Reads one byte past the limit at most, whatever the client declared.
    """
    limit = max_bytes()
    data = upload.read(limit + 1)
    if len(data) > limit:
        message = _("The file is larger than %(limit)s MB.", limit=_megabytes(limit))
        raise ValidationFailed(message, code="too_large", fields={"file": [message]})
    return data


def _lock(req: AdmissionRequest) -> AdmissionRequest:
    # Under the request's row lock, an upload and a submission happen one after the other: a file is
    # either in the submitted revision or refused because the request is no longer editable.
    from gatekeeper.modules.requests.operations import lock

    return lock(req)


def _summary(att: Attachment) -> dict:
    return {
        "request": att.request_id,
        "kind": att.kind.value,
        "filename": att.filename,
        "content_type": att.content_type,
        "size": att.size,
        "sha256": att.sha256,
    }


def add_attachment(req: AdmissionRequest, kind: AttachmentKind, upload: Upload, *, actor) -> Attachment:
    """Attach an uploaded file to a draft or returned request (409 in any other state).

    The bytes decide the type (422 ``unsupported_type``, ``empty_file``, ``zip_bomb``), the size
    is bounded (422 ``too_large``); only then are the bytes stored and the row written.
    """
    req = _lock(req)
    workflow.target("edit", req.state)
    if len(live_attachment_ids(req)) >= MAX_PER_REQUEST:
        message = _("A request can have at most %(count)s attachments.", count=MAX_PER_REQUEST)
        raise ValidationFailed(message, code="too_many_attachments", fields={"file": [message]})
    data = read_upload(upload)
    file_type = checks.detect(data)
    att = Attachment(
        request_id=req.id,
        kind=AttachmentKind(kind),
        filename=checks.clean_filename(upload.filename, file_type),
        content_type=file_type.content_type,
        size=len(data),
        sha256=storage.store(data),
        uploaded_by_id=actor.id,
        uploaded_at=clock.now(),
    )
    db.session.add(att)
    req.updated_at = clock.now()
    db.session.flush()
    audit.record("attachment.add", att, actor=actor, after=_summary(att))
    return att


def remove_attachment(att: Attachment, *, actor) -> Attachment:
    """Remove an attachment from a draft or returned request (409 otherwise): the row is marked,
    the bytes stay for the revisions that refer to it."""
    req = _lock(request_of(att))
    workflow.target("edit", req.state)
    db.session.refresh(att)  # as it is now that the request is locked (a concurrent removal)
    if att.deleted_at is not None:
        raise NotFound(_("This attachment has already been removed."))
    att.deleted_at = clock.now()
    req.updated_at = clock.now()
    db.session.flush()
    audit.record("attachment.remove", att, actor=actor, before=_summary(att))
    return att


def live_query(req: AdmissionRequest) -> sa.Select:
    """The request's attachments that have not been removed, oldest first."""
    return (
        sa.select(Attachment)
        .where(Attachment.request_id == req.id, Attachment.deleted_at.is_(None))
        .order_by(Attachment.id)
    )


def live_attachments(req: AdmissionRequest) -> list[Attachment]:
    return list(db.session.scalars(live_query(req)).unique())


def live_attachment_ids(req: AdmissionRequest) -> list[int]:
    """The ids of the live attachments, as a revision's snapshot keeps them."""
    return list(
        db.session.scalars(
            sa.select(Attachment.id)
            .where(Attachment.request_id == req.id, Attachment.deleted_at.is_(None))
            .order_by(Attachment.id)
        )
    )


def get_attachment(attachment_id: int) -> Attachment | None:
    return db.session.get(Attachment, attachment_id)


def request_of(att: Attachment) -> AdmissionRequest:
    return db.session.get(AdmissionRequest, att.request_id)


def in_a_revision(att: Attachment) -> bool:
    """Whether a submitted revision of its request lists this attachment (so it stays readable
    after removal)."""
    snapshots = db.session.scalars(
        sa.select(RequestRevision.snapshot).where(RequestRevision.request_id == att.request_id)
    )
    return any(att.id in (snapshot or {}).get("attachments", []) for snapshot in snapshots)
