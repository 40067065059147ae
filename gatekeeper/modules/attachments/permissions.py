"""Who may do what with the attachments of a request. The workflow (not these functions) decides *when*.

| action          | who                                                                           |
|-----------------|-------------------------------------------------------------------------------|
| list            | whoever may see the request (``requests.permissions.can_see_request``)         |
| see, download   | whoever may see the request; a removed attachment only while a submitted      |
|                 | revision of the request lists it (what the office and the committee saw)      |
| add, remove     | officers of the filing department (``can_edit_request``)                      |
Whoever may not see the request gets 404 for its attachments: they never learn that they exist.
"""

from __future__ import annotations

from gatekeeper.modules.accounts.models import User
from gatekeeper.modules.attachments.models import Attachment
from gatekeeper.modules.attachments.operations import in_a_revision, request_of
from gatekeeper.modules.requests.models import AdmissionRequest
from gatekeeper.modules.requests.permissions import can_edit_request, can_see_request


def can_list_attachments(user: User, req: AdmissionRequest) -> bool:
    return can_see_request(user, req)


def can_add_attachment(user: User, req: AdmissionRequest) -> bool:
    return can_edit_request(user, req)


def can_see_attachment(user: User, att: Attachment) -> bool:
    if not can_see_request(user, request_of(att)):
        return False
    return att.deleted_at is None or in_a_revision(att)


def can_remove_attachment(user: User, att: Attachment) -> bool:
    return can_edit_request(user, request_of(att))
