"""Permissions of the administrator's pages.

| action                               | who   |
|--------------------------------------|-------|
| see the administration overview      | admin |

The pages' actions decide with the permissions of the features they change (``can_manage_users``,
``can_disable_user``, ``can_manage_departments``, ``can_manage_jurisdictions``, ``can_edit_gate``,
``can_load_calendar``).
"""

from __future__ import annotations

from gatekeeper.modules.accounts.permissions import is_admin


def can_administer(user) -> bool:
    return is_admin(user)
