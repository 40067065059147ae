"""Who may see authorisations. Each sees only what concerns them.

| who               | sees                                                               |
|-------------------|--------------------------------------------------------------------|
| admin             | every authorisation                                                |
| office, members,  | the authorisations of their gate                                   |
| chair             |                                                                    |
| department officer| their department's authorisations                                  |
| community head    | the authorisations whose scope includes their community            |
| street officer    | the authorisations reaching at least one community of their street |
"""

from __future__ import annotations

import sqlalchemy as sa

from gatekeeper.extensions import db
from gatekeeper.modules.accounts.models import GATE_ROLES, Role, User
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
