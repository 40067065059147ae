"""Permissions on gates, departments, communities and the calendar.

| action                         | who                          |
|--------------------------------|------------------------------|
| read gates, departments,       | every logged-in user         |
| communities, the calendar      |                              |
| change a gate's settings       | admin                        |
| load a calendar year           | admin                        |
| create and change departments  | admin                        |
| create, change and move        | admin                        |
| streets and communities        |                              |
"""

from __future__ import annotations

from gatekeeper.modules.accounts.permissions import is_admin


def can_read_reference(user) -> bool:
    return user.is_authenticated


def can_edit_gate(user, _gate=None) -> bool:
    return is_admin(user)


def can_load_calendar(user) -> bool:
    return is_admin(user)


def can_manage_departments(user, _department=None) -> bool:
    return is_admin(user)


def can_manage_jurisdictions(user, _jurisdiction=None) -> bool:
    return is_admin(user)
