"""Who may file and read reports (举报) of unauthorised entries.

| action              | who                                                                     |
|---------------------|-------------------------------------------------------------------------|
| file a report       | community heads, for their own community                                |
| list reports        | community heads (their community's), the gate's office (the gate's:     |
|                     | its supervision queue), admin (all)                                     |
| see one report      | the same: the head of its community, the office of its gate, admin      |

Committee members and the chair do not handle reports (the office does, DESIGN §2); departments never
see who reported them.
"""

from __future__ import annotations

import sqlalchemy as sa

from gatekeeper.modules.accounts.models import Role, User
from gatekeeper.modules.accounts.permissions import is_admin, is_secretariat_of
from gatekeeper.modules.supervision.models import Report


def can_file_report(user: User) -> bool:
    return user.role == Role.COMMUNITY_HEAD and user.jurisdiction_id is not None


def can_list_reports(user: User) -> bool:
    office = user.role == Role.SECRETARIAT and user.gate_id is not None
    return is_admin(user) or can_file_report(user) or office


def visible_reports(user: User) -> sa.ColumnElement[bool]:
    """The reports ``user`` may see, as a WHERE clause over ``Report``."""
    if is_admin(user):
        return sa.true()
    if user.role == Role.COMMUNITY_HEAD and user.jurisdiction_id is not None:
        return Report.community_id == user.jurisdiction_id
    if user.role == Role.SECRETARIAT and user.gate_id is not None:
        return Report.gate_id == user.gate_id
    return sa.false()


def can_see_report(user: User, report: Report) -> bool:
    if is_admin(user):
        return True
    if user.role == Role.COMMUNITY_HEAD:
        return user.jurisdiction_id == report.community_id
    return is_secretariat_of(user, report.gate_id)
