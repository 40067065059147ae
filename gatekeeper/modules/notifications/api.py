"""JSON API: the current user's notifications, their unread counts, marking them read."""

from __future__ import annotations

from gatekeeper.core.api import EmptySchema, blueprint, list_schema, paginate
from gatekeeper.core.permissions import permission, user
from gatekeeper.extensions import db
from gatekeeper.modules.notifications import operations as ops
from gatekeeper.modules.notifications.permissions import (
    can_list_notifications,
    can_mark_all_notifications_read,
    can_mark_notification_read,
    can_see_notification,
)
from gatekeeper.modules.notifications.schemas import (
    MarkedSchema,
    NotificationListArgs,
    NotificationSchema,
    UnreadCountSchema,
)

blp = blueprint("notifications", "In-app notifications (站内消息) of the current user")
BLUEPRINTS = [blp]


@blp.route("/notifications")
@blp.response(200, list_schema(NotificationSchema))
@permission(can_list_notifications)
@blp.arguments(NotificationListArgs, location="query")
def list_notifications(args):
    """My notifications, newest first; ``unread=true`` for those still to read."""
    page = paginate(ops.notifications_of(user(), unread=args["unread"], kind=args["kind"]), args)
    ops.attach_authorisation_numbers(page["items"])
    return page


@blp.route("/notifications/unread-count")
@blp.response(200, UnreadCountSchema)
@permission(can_list_notifications)
def unread_count():
    """How many of my notifications are unread, in all and by kind."""
    return ops.unread_counts(user())


@blp.route("/notifications/<int:notification_id>/read", methods=["POST"])
@blp.response(200, NotificationSchema)
@permission(can_mark_notification_read, load=ops.get_notification, can_see=can_see_notification)
@blp.arguments(EmptySchema)
def mark_read(notification, _data):
    ops.mark_read(notification, user=user())
    db.session.commit()
    ops.attach_authorisation_numbers([notification])
    return notification


@blp.route("/notifications/read-all", methods=["POST"])
@blp.response(200, MarkedSchema)
@permission(can_mark_all_notifications_read)
@blp.arguments(EmptySchema)
def mark_all_read(_data):
    marked = ops.mark_all_read(user())
    db.session.commit()
    return {"marked": marked}
