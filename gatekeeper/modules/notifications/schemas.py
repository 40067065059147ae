"""Schemas of notifications: one notification (worded in the reader's language), the list's
filters, the unread counts."""

from __future__ import annotations

from flask import url_for
from marshmallow import Schema, fields

from gatekeeper.core.api import PageArgs
from gatekeeper.modules.notifications.messages import message
from gatekeeper.modules.notifications.models import NotificationKind


def _link(notification) -> str | None:
    """The API URL of what the notification is about: its request, its report, else its authorisation."""
    if notification.request_id is not None:
        return url_for("requests.get_request", request_id=notification.request_id)
    if notification.report_id is not None:
        return url_for("supervision.get_report", report_id=notification.report_id)
    number = getattr(notification, "authorisation_number", None)
    if number is not None:
        return url_for("authorisations.get_authorisation", number=number)
    return None


class NotificationSchema(Schema):
    id = fields.Integer()
    kind = fields.Enum(NotificationKind, by_value=True)
    message = fields.Function(message, metadata={"description": "worded in the reader's language"})
    request_id = fields.Integer(allow_none=True)
    report_id = fields.Integer(allow_none=True)
    authorisation = fields.String(
        attribute="authorisation_number", allow_none=True, metadata={"description": "its number"}
    )
    created_at = fields.AwareDateTime()
    read_at = fields.AwareDateTime(allow_none=True)
    link = fields.Function(_link, allow_none=True, metadata={"description": "API URL of the object"})


class NotificationListArgs(PageArgs):
    unread = fields.Boolean(
        load_default=None, metadata={"description": "true: only unread; false: only read; absent: all"}
    )
    kind = fields.Enum(NotificationKind, by_value=True, load_default=None)


class UnreadCountSchema(Schema):
    unread = fields.Integer(required=True)
    by_kind = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)


class MarkedSchema(Schema):
    marked = fields.Integer(required=True, metadata={"description": "how many were unread"})
