"""Who may read the statistics (the dashboard page, ``/api/v1/stats`` and its exports).

| who                             | may read                                                         |
|---------------------------------|------------------------------------------------------------------|
| admin                           | every gate; any gate and street filter                           |
| secretariat, member, chair      | their own gate only (the gate filter defaults to it; naming      |
|                                 | another gate is 403); any street inside it                        |
| street officer                  | their own street only (the street filter defaults to it; naming  |
|                                 | another street is 403); the gate filter may narrow it            |
| department officer              | refused (403): the dashboard compares departments; an officer's  |
|                                 | own figures are in the request list and the funds summary        |
| community head, anyone else     | refused (403)                                                     |
"""

from __future__ import annotations

from flask_babel import gettext as _

from gatekeeper.core.permissions import Denied
from gatekeeper.modules.accounts.models import GATE_ROLES, Role, User
from gatekeeper.modules.accounts.permissions import is_admin

#: The roles the dashboard is for (also its entry in the menu).
READERS = (Role.SECRETARIAT, Role.MEMBER, Role.CHAIR, Role.STREET_OFFICER, Role.ADMIN)


def can_read_stats(user: User) -> bool | Denied:
    """The dashboard's readers (see the table); a department officer is told why not."""
    if user.role in READERS:
        return True
    if user.role == Role.OFFICER:
        return Denied(
            "not_for_departments",
            _("The statistics are for the committee office, its members and street officers."),
        )
    return False


def can_filter_stats(user: User, gate_code: str | None, street_code: str | None) -> bool | Denied:
    """A filter may only narrow the reader's own part: a gate role names only its gate, a street
    officer only their street."""
    if is_admin(user):
        return True
    if user.role in GATE_ROLES:
        if gate_code and (user.gate is None or gate_code != user.gate.code):
            return Denied("not_your_gate", _("You can only see the statistics of your own gate."))
        return True
    if user.role == Role.STREET_OFFICER:
        if street_code and (user.jurisdiction is None or street_code != user.jurisdiction.code):
            return Denied("not_your_street", _("You can only see the statistics of your own street."))
        return True
    return False
