"""Who a user is, in the terms every feature's permissions are written in.

| predicate               | true for                                                         |
|-------------------------|------------------------------------------------------------------|
| is_admin                | the system administrator                                         |
| is_officer_of(dept)     | a department officer of that department                          |
| sits_at(gate)           | the secretariat, a member or the chair of that gate              |
| is_secretariat_of(gate) | the committee office of that gate                                |
| can_manage_users        | admin                                                            |
| can_edit_user           | admin                                                            |
| can_disable_user        | admin, never themselves                                          |
| can_enable_user         | admin                                                            |
| can_reset_password      | admin                                                            |
| can_name_deputy         | members and the chair (for themselves), admin (for anyone)       |
| can_list_deputies       | the committee and its office, admin                              |
"""

from __future__ import annotations

from gatekeeper.modules.accounts.models import GATE_ROLES, Role, User


def is_admin(user: User) -> bool:
    return user.role == Role.ADMIN


def is_officer_of(user: User, department_id: int | None) -> bool:
    return user.role == Role.OFFICER and department_id is not None and user.department_id == department_id


def sits_at(user: User, gate_id: int | None) -> bool:
    return user.role in GATE_ROLES and gate_id is not None and user.gate_id == gate_id


def is_secretariat_of(user: User, gate_id: int | None) -> bool:
    return user.role == Role.SECRETARIAT and user.gate_id == gate_id


def can_manage_users(user: User) -> bool:
    return is_admin(user)


def can_edit_user(user: User, _target: User | None = None) -> bool:
    return is_admin(user)


def can_disable_user(user: User, target: User | None = None) -> bool:
    """The admin disables anyone but themselves (nobody locks the last door from inside)."""
    return is_admin(user) and (target is None or target.id != user.id)


def can_enable_user(user: User, _target: User | None = None) -> bool:
    return is_admin(user)


def can_reset_password(user: User, _target: User | None = None) -> bool:
    return is_admin(user)


def can_see_self(user: User) -> bool:
    return user.is_authenticated


def can_name_deputy(user: User) -> bool:
    """Members and the chair name their own deputy; the admin names anyone's."""
    return user.role in (Role.MEMBER, Role.CHAIR, Role.ADMIN)


def can_list_deputies(user: User) -> bool:
    return user.role in (*GATE_ROLES, Role.ADMIN)
