"""Who may do what with admission requests. The workflow (not these functions) decides *when*.

| action            | who                                                                          |
|-------------------|------------------------------------------------------------------------------|
| list              | officers, the gate's office, members and chair, admin (each sees only below) |
| see               | admin; an officer: their department's requests (drafts included);            |
|                   | the gate's office, members and chair: the gate's requests except drafts      |
| create, precheck  | department officers, for their own department, at a gate on their branch     |
| edit, submit      | officers of the filing department                                            |
| withdraw          | officers of the filing department                                            |
| accept            | the gate's office, but not the person who filed it                           |
| return            | the gate's office; at decision (in review) also the chair or acting chair,   |
|                   | unless of the filing department                                              |
| ruling            | the gate's office                                                            |
Community heads and street officers see authorisations, never the requests behind them.
Votes, recusals and decisions are in ``committee.permissions``.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from gatekeeper.core.permissions import Denied
from gatekeeper.modules.accounts.models import Role, User
from gatekeeper.modules.accounts.permissions import is_admin, is_officer_of, is_secretariat_of, sits_at
from gatekeeper.modules.jurisdictions.models import Department, Gate
from gatekeeper.modules.requests.models import AdmissionRequest, RequestState


def can_list_requests(user: User) -> bool:
    return user.role in (Role.OFFICER, Role.SECRETARIAT, Role.MEMBER, Role.CHAIR, Role.ADMIN)


def can_see_request(user: User, req: AdmissionRequest) -> bool:
    if is_admin(user) or is_officer_of(user, req.department_id):
        return True
    return sits_at(user, req.gate_id) and req.state != RequestState.DRAFT


def visible_requests(user: User) -> sa.ColumnElement[bool]:
    """The same rule as ``can_see_request``, as a WHERE clause for lists."""
    if is_admin(user):
        return sa.true()
    if user.role == Role.OFFICER:
        return AdmissionRequest.department_id == user.department_id
    if user.gate_id is not None and user.role in (Role.SECRETARIAT, Role.MEMBER, Role.CHAIR):
        return sa.and_(AdmissionRequest.gate_id == user.gate_id, AdmissionRequest.state != RequestState.DRAFT)
    return sa.false()


def can_create_request(user: User) -> bool:
    return user.role == Role.OFFICER


def can_file(user: User, department: Department, gate: Gate) -> bool | Denied:
    """An officer files for their own department, at a gate on the department's branch of the tree."""
    if not is_officer_of(user, department.id):
        return Denied("not_your_department", _("You can only file for your own department."))
    a, b = department.jurisdiction.path, gate.jurisdiction.path
    if not (a.startswith(b) or b.startswith(a)):
        return Denied("gate_out_of_reach", _("This gate is not responsible for your department."))
    return True


def can_edit_request(user: User, req: AdmissionRequest) -> bool:
    return is_officer_of(user, req.department_id)


can_submit_request = can_edit_request
can_withdraw_request = can_edit_request


def can_accept_request(user: User, req: AdmissionRequest) -> bool | Denied:
    if not is_secretariat_of(user, req.gate_id):
        return False
    if req.created_by_id == user.id:
        return Denied("own_request", _("Nobody reviews a request they filed themselves."))
    return True


def can_return_request(user: User, req: AdmissionRequest) -> bool | Denied:
    """The office returns at formal review or later; the chair only at decision (in review)."""
    if is_secretariat_of(user, req.gate_id) and req.created_by_id != user.id:
        return True
    if req.state != RequestState.IN_REVIEW:
        return False
    from gatekeeper.modules.committee.permissions import can_decide

    return can_decide(user, req)


def can_rule(user: User, req: AdmissionRequest) -> bool:
    return is_secretariat_of(user, req.gate_id)
