"""Who may import the inventory, see its items and record their removal.

| action                               | who                                                              |
|--------------------------------------|------------------------------------------------------------------|
| import a file (preview or apply)     | the secretariat of the gate, admin                               |
| list imports                         | the secretariat, members and chair of the gate, admin            |
| see items, the progress              | admin all; the gate's office, members and chair their gate;      |
|                                      | community heads their community; street officers the communities |
|                                      | of their street; officers the items of their department          |
| record the removal of an item        | the secretariat of its gate, admin, the head of its community    |
| check an item again (with a note)    | the secretariat of its gate, admin                               |

``operations`` decides *when* (only an item the check says must go can be removed); these functions
decide *who*. ``visible_items`` is the same rule as a WHERE clause, for lists and counts.
"""

from __future__ import annotations

import sqlalchemy as sa

from gatekeeper.modules.accounts.models import GATE_ROLES, Role, User
from gatekeeper.modules.accounts.permissions import is_admin, is_secretariat_of, sits_at
from gatekeeper.modules.inventory.models import InventoryImport, InventoryItem
from gatekeeper.modules.jurisdictions.models import Gate, Jurisdiction

#: Roles that see some part of the inventory.
READERS = (*GATE_ROLES, Role.ADMIN, Role.COMMUNITY_HEAD, Role.STREET_OFFICER, Role.OFFICER)


def _head_of(user: User, community_id: int) -> bool:
    return user.role == Role.COMMUNITY_HEAD and user.jurisdiction_id == community_id


def can_import_inventory(user: User, gate: Gate | None = None) -> bool:
    """The gate's secretariat (for its own gate), admin (any gate)."""
    if is_admin(user):
        return True
    return user.role == Role.SECRETARIAT and (gate is None or user.gate_id == gate.id)


def can_list_inventory_imports(user: User) -> bool:
    return is_admin(user) or user.role in GATE_ROLES


def can_see_inventory_import(user: User, record: InventoryImport) -> bool:
    return is_admin(user) or sits_at(user, record.gate_id)


def can_read_inventory(user: User) -> bool:
    """Everyone with a part of the inventory reads it (each their own part: ``visible_items``)."""
    return user.role in READERS


def can_see_inventory_item(user: User, item: InventoryItem) -> bool:
    if is_admin(user) or sits_at(user, item.gate_id) or _head_of(user, item.community_id):
        return True
    if user.role == Role.STREET_OFFICER:
        return item.community.parent_id == user.jurisdiction_id
    return (
        user.role == Role.OFFICER
        and item.department_id is not None
        and item.department_id == user.department_id
    )


def can_record_removal(user: User, item: InventoryItem) -> bool:
    return is_admin(user) or is_secretariat_of(user, item.gate_id) or _head_of(user, item.community_id)


def can_recheck_inventory_item(user: User, item: InventoryItem) -> bool:
    return is_admin(user) or is_secretariat_of(user, item.gate_id)


def visible_items(user: User) -> sa.ColumnElement[bool]:
    """The items ``user`` may see, as a WHERE clause over ``InventoryItem``."""
    if is_admin(user):
        return sa.true()
    if user.role in GATE_ROLES and user.gate_id is not None:
        return InventoryItem.gate_id == user.gate_id
    if user.role == Role.COMMUNITY_HEAD:
        return InventoryItem.community_id == user.jurisdiction_id
    if user.role == Role.STREET_OFFICER:
        return InventoryItem.community_id.in_(
            sa.select(Jurisdiction.id).where(Jurisdiction.parent_id == user.jurisdiction_id)
        )
    if user.role == Role.OFFICER and user.department_id is not None:
        return InventoryItem.department_id == user.department_id
    return sa.false()
