"""Who sees the views of a community and of a street.

| page                                  | who                                                       |
|---------------------------------------|-----------------------------------------------------------|
| "our community" (the head's home)     | a community head, of their own community                  |
| one community's view (``community``)  | ``authorisations.permissions.can_see_community_list``: its |
|                                       | head, its street's officer, its gate's committee and      |
|                                       | office, admin                                             |
| "our street" (the street's overview)  | a street officer, of their own street                     |
| looking up a number                   | everyone logged in (each learns no more than the public   |
|                                       | verification page says, unless they may see the item)     |
| the published (公示) lists            | anyone, without logging in                                |
"""

from __future__ import annotations

from gatekeeper.modules.accounts.models import Role, User


def can_see_own_community(user: User) -> bool:
    return user.role == Role.COMMUNITY_HEAD and user.jurisdiction_id is not None


def can_see_street_overview(user: User) -> bool:
    return user.role == Role.STREET_OFFICER and user.jurisdiction_id is not None


def can_look_up_number(user: User) -> bool:
    return user.is_authenticated
