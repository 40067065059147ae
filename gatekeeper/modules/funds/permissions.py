"""Who may see and move the money of authorisations.

| action                        | who                                                                  |
|-------------------------------|----------------------------------------------------------------------|
| list an authorisation's       | whoever may see the authorisation (``can_see_authorisation``)        |
| allocations                   |                                                                      |
| see one allocation and its    | whoever may see its authorisation, the head of its community and     |
| disbursements                 | the officer of its community's street                                |
| record a disbursement (one    | officers of the authorisation's department                           |
| allocation or in bulk)        |                                                                      |
| confirm or dispute a          | the head of the allocation's community                               |
| disbursement                  |                                                                      |
| funds summary                 | everyone logged in, each over their own part: admin everything; the  |
|                               | gate's office, members and chair their gate; officers their          |
|                               | department; community heads their community; street officers the     |
|                               | communities of their street. A filter naming something outside one's |
|                               | part (another department, community, street or gate) is refused.     |
| funds statement (经费明细, a    | admin any; the gate's office, members and chair any department and   |
| PDF) of a department or a     | the communities inside their gate (their gate's money only);         |
| community                     | officers their own department; community heads their community;      |
|                               | street officers the communities of their street. Anything else 403.  |

The workflow (``workflow.py``) and the operations decide *when* (an answered payment cannot be
answered again, a closed allocation takes no payment); these functions decide *who*.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from gatekeeper.core.permissions import Denied
from gatekeeper.extensions import db
from gatekeeper.modules.accounts.models import GATE_ROLES, Role, User
from gatekeeper.modules.accounts.permissions import is_admin, is_officer_of
from gatekeeper.modules.authorisations.models import Authorisation
from gatekeeper.modules.authorisations.permissions import can_see_authorisation
from gatekeeper.modules.funds.models import Allocation, Disbursement
from gatekeeper.modules.jurisdictions.models import Department, Jurisdiction, Level


def _authorisation(allocation: Allocation) -> Authorisation:
    return db.session.get(Authorisation, allocation.authorisation_id)


def is_head_of(user: User, community_id: int) -> bool:
    return user.role == Role.COMMUNITY_HEAD and user.jurisdiction_id == community_id


def is_street_officer_of(user: User, community: Jurisdiction) -> bool:
    return user.role == Role.STREET_OFFICER and user.jurisdiction_id == community.parent_id


def can_list_allocations(user: User, authorisation: Authorisation) -> bool:
    return can_see_authorisation(user, authorisation)


def can_see_allocation(user: User, allocation: Allocation) -> bool:
    if is_head_of(user, allocation.community_id) or is_street_officer_of(user, allocation.community):
        return True
    return can_see_authorisation(user, _authorisation(allocation))


def can_record_disbursement(user: User, allocation: Allocation) -> bool:
    return is_officer_of(user, _authorisation(allocation).department_id)


def can_record_bulk_disbursement(user: User, authorisation: Authorisation) -> bool:
    return is_officer_of(user, authorisation.department_id)


def can_see_disbursement(user: User, disbursement: Disbursement) -> bool:
    return can_see_allocation(user, disbursement.allocation)


def can_confirm_disbursement(user: User, disbursement: Disbursement) -> bool:
    return is_head_of(user, disbursement.allocation.community_id)


def can_dispute_disbursement(user: User, disbursement: Disbursement) -> bool:
    return is_head_of(user, disbursement.allocation.community_id)


# --- the summary ---------------------------------------------------------------------------------


def can_read_funds_summary(user: User) -> bool:
    """Everyone logged in reads the summary of their own part (``visible_allocations``)."""
    return user.is_authenticated


def visible_allocations(user: User) -> sa.ColumnElement[bool]:
    """The allocations whose money ``user`` may add up, as a WHERE clause over ``Allocation`` and
    its ``Authorisation``."""
    if is_admin(user):
        return sa.true()
    if user.role in GATE_ROLES and user.gate_id is not None:
        return Authorisation.gate_id == user.gate_id
    if user.role == Role.OFFICER:
        return Authorisation.department_id == user.department_id
    if user.role == Role.COMMUNITY_HEAD:
        return Allocation.community_id == user.jurisdiction_id
    if user.role == Role.STREET_OFFICER:
        return Allocation.community_id.in_(
            sa.select(Jurisdiction.id).where(Jurisdiction.parent_id == user.jurisdiction_id)
        )
    return sa.false()


def can_filter_funds_summary(user: User, filters: dict) -> bool | Denied:
    """A filter may only narrow the user's own part; naming another part is refused (403)."""
    department, community, gate = filters.get("department"), filters.get("community"), filters.get("gate")
    if is_admin(user):
        return True
    if user.role in GATE_ROLES:
        if gate and (user.gate is None or gate != user.gate.code):
            return Denied("not_your_gate", _("You can only see the money of your own gate."))
        return True
    if user.role == Role.OFFICER:
        if department and (user.department is None or department != user.department.code):
            return Denied("not_your_department", _("You can only see the money of your own department."))
        return True
    if user.role == Role.COMMUNITY_HEAD:
        if community and (user.jurisdiction is None or community != user.jurisdiction.code):
            return Denied("not_your_community", _("You can only see the money of your own community."))
        return True
    if user.role == Role.STREET_OFFICER:
        if community and not db.session.scalar(
            sa.select(sa.literal(True)).where(
                Jurisdiction.code == community, Jurisdiction.parent_id == user.jurisdiction_id
            )
        ):
            return Denied("not_your_street", _("You can only see the money of your street's communities."))
        return True
    return False


def can_print_funds_statement(user: User, place: Department | Jurisdiction) -> bool | Denied:
    """The funds statement of a department or a community: each prints the statement of their own part
    (the money in it is further limited by ``visible_allocations``)."""
    department = isinstance(place, Department)
    if is_admin(user):
        return True
    if user.role in GATE_ROLES and user.gate is not None:
        if department or user.gate.jurisdiction.contains(place):
            return True
        return Denied("not_your_gate", _("You can only see the money of your own gate."))
    if user.role == Role.OFFICER and department and user.department_id == place.id:
        return True
    if (
        not department
        and place.level == Level.COMMUNITY
        and (is_head_of(user, place.id) or is_street_officer_of(user, place))
    ):
        return True
    if department:
        return Denied("not_your_department", _("You can only see the money of your own department."))
    if user.role == Role.STREET_OFFICER:
        return Denied("not_your_street", _("You can only see the money of your street's communities."))
    return Denied("not_your_community", _("You can only see the money of your own community."))
