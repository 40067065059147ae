"""Pages of in-app notifications (站内消息): the list, opening one (it is then read), reading them all."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from gatekeeper.core.permissions import permission, user
from gatekeeper.core.web import back, list_page, page_url
from gatekeeper.extensions import db
from gatekeeper.modules.notifications import operations as ops
from gatekeeper.modules.notifications.messages import message
from gatekeeper.modules.notifications.models import Notification
from gatekeeper.modules.notifications.permissions import (
    can_list_notifications,
    can_mark_all_notifications_read,
    can_mark_notification_read,
    can_see_notification,
)

bp = Blueprint("notifications_pages", __name__)
PAGES = [bp]
NAV: list = []
SORTS = {"created": (Notification.created_at, Notification.id)}


def target(notification: Notification) -> str | None:
    """The page the notification is about: its request, its report, else its authorisation."""
    if notification.request_id is not None:
        return page_url("requests_pages.detail", request_id=notification.request_id)
    if notification.report_id is not None:
        return page_url("supervision_pages.report", report_id=notification.report_id)
    number = getattr(notification, "authorisation_number", None)
    if number:
        return page_url("authorisations_pages.detail", number=number)
    return None


@bp.route("/notifications")
@permission(can_list_notifications)
def index():
    """My messages, newest first; ``?unread=1`` for those not read yet."""
    unread = True if request.args.get("unread") == "1" else None
    listing = list_page(
        ops.notifications_of(user(), unread=unread),
        sorts=SORTS,
        default_sort="-created",
        keep=("unread",),
    )
    ops.attach_authorisation_numbers(listing.items)
    rows = [(n, message(n), target(n)) for n in listing.items]
    return render_template("notifications/index.html", listing=listing, rows=rows, unread=unread)


@bp.route("/notifications/<int:notification_id>/open", methods=["POST"])
@permission(can_mark_notification_read, load=ops.get_notification, can_see=can_see_notification)
def open_(notification):
    """Mark it read and go to what it is about."""
    ops.mark_read(notification, user=user())
    db.session.commit()
    ops.attach_authorisation_numbers([notification])
    return redirect(target(notification) or url_for(".index"), 303)


@bp.route("/notifications/read-all", methods=["POST"])
@permission(can_mark_all_notifications_read)
def read_all():
    marked = ops.mark_all_read(user())
    db.session.commit()
    flash(_("%(num)s messages marked as read.", num=marked), "success")
    return back(url_for(".index"))
