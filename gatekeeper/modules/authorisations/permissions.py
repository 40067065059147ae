"""Who may see authorisations. Each sees only what concerns them.

| who               | sees                                                               |
|-------------------|--------------------------------------------------------------------|
| admin             | every authorisation                                                |
| office, members,  | the authorisations of their gate                                   |
| chair             |                                                                    |
| department officer| their department's authorisations                                  |
| community head    | the authorisations whose scope includes their community            |
| street officer    | the authorisations reaching at least one community of their street |

A community's list of what is authorised there: its community head, the officer of its street, the
committee and office of a gate whose jurisdiction contains it, and the admin.

Revocation: the gate's office, or its chair (or the chair's deputy) unless of the department the
authorisation belongs to (nobody decides about their own department's items).

Variation (a new request that would replace it): the officers of its department.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from gatekeeper.core.permissions import Denied
from gatekeeper.extensions import db
from gatekeeper.modules.accounts.models import GATE_ROLES, Role, User
from gatekeeper.modules.accounts.permissions import is_officer_of
from gatekeeper.modules.authorisations.models import Authorisation, AuthorisationCommunity
from gatekeeper.modules.jurisdictions.models import Jurisdiction


def can_list_authorisations(user: User) -> bool:
    return user.is_authenticated


def visible_authorisations(user: User) -> sa.ColumnElement[bool]:
    """The authorisations ``user`` may see, as a WHERE clause."""
    if user.role == Role.ADMIN:
        return sa.true()
    if user.role in GATE_ROLES and user.gate_id is not None:
        return Authorisation.gate_id == user.gate_id
    if user.role == Role.OFFICER:
        return Authorisation.department_id == user.department_id
    if user.role == Role.COMMUNITY_HEAD:
        return sa.exists().where(
            AuthorisationCommunity.authorisation_id == Authorisation.id,
            AuthorisationCommunity.community_id == user.jurisdiction_id,
        )
    if user.role == Role.STREET_OFFICER:
        return sa.exists().where(
            AuthorisationCommunity.authorisation_id == Authorisation.id,
            AuthorisationCommunity.community_id.in_(
                sa.select(Jurisdiction.id).where(Jurisdiction.parent_id == user.jurisdiction_id)
            ),
        )
    return sa.false()


def can_see_authorisation(user: User, authorisation: Authorisation) -> bool:
    return bool(
        db.session.scalar(
            sa.select(sa.literal(True)).where(
                Authorisation.id == authorisation.id, visible_authorisations(user)
            )
        )
    )


def can_revoke(user: User, authorisation: Authorisation) -> bool | Denied:
    if user.role == Role.SECRETARIAT and user.gate_id == authorisation.gate_id:
        return True
    from gatekeeper.modules.accounts.operations import principals_of

    chairs = [
        u for u in (user, *principals_of(user)) if u.role == Role.CHAIR and u.gate_id == authorisation.gate_id
    ]
    if not chairs:
        return False
    if user.department_id is not None and user.department_id == authorisation.department_id:
        return Denied("own_department", _("Nobody decides about their own department's authorisations."))
    return True


def can_vary(user: User, authorisation: Authorisation) -> bool:
    """File a variation of it (changing scope, dates or money): an officer of its department."""
    return is_officer_of(user, authorisation.department_id)


def can_see_community_list(user: User, community: Jurisdiction) -> bool:
    if user.role == Role.ADMIN:
        return True
    if user.role == Role.COMMUNITY_HEAD:
        return user.jurisdiction_id == community.id
    if user.role == Role.STREET_OFFICER:
        return community.parent_id == user.jurisdiction_id
    if user.role in GATE_ROLES and user.gate is not None:
        return community.path.startswith(user.gate.jurisdiction.path)
    return False
