"""Who may read and mark notifications: each user their own, nobody anyone else's.

| action               | who                                                             |
|----------------------|-----------------------------------------------------------------|
| list, count, read-all| any logged-in user, over their own notifications only           |
| see, mark read       | the recipient; anyone else gets 404, as if it did not exist     |
"""

from __future__ import annotations

from gatekeeper.modules.accounts.models import User
from gatekeeper.modules.notifications.models import Notification


def can_list_notifications(user: User) -> bool:
    return user.is_authenticated


def can_mark_all_notifications_read(user: User) -> bool:
    return user.is_authenticated


def can_see_notification(user: User, notification: Notification) -> bool:
    return notification.user_id == user.id


def can_mark_notification_read(user: User, notification: Notification) -> bool:
    return notification.user_id == user.id
