"""Permissions on catalogue versions and entries.

| action                                       | who                                              |
|----------------------------------------------|--------------------------------------------------|
| read a published version, its entries,       | every logged-in user                             |
| changes, diff and export                     |                                                  |
| read a draft (the same reads)                | the secretariat, members and chair of its gate;  |
|                                              | admin (everyone else: 404, as if it did not exist) |
| open a draft version                         | the secretariat of the gate                      |
| add, amend, remove entries of a draft        | the secretariat of the gate                      |
| import a file into a draft                   | the secretariat of the gate                      |
| publish a draft                              | the secretariat of the gate                      |

Changing a published version is allowed to nobody; the operations answer 409 for it.
"""

from __future__ import annotations

import sqlalchemy as sa

from gatekeeper.modules.accounts.models import GATE_ROLES
from gatekeeper.modules.accounts.permissions import is_admin, is_secretariat_of, sits_at
from gatekeeper.modules.catalogue.models import CatalogueVersion, VersionState


def can_read_catalogue(user) -> bool:
    """Read the published catalogue (lists of entries and versions)."""
    return user.is_authenticated


def can_read_version(user, version: CatalogueVersion) -> bool:
    """See a version at all: published ones everybody, drafts the committee of the gate and admin."""
    if not user.is_authenticated:
        return False
    if version.state == VersionState.PUBLISHED:
        return True
    return is_admin(user) or sits_at(user, version.gate_id)


def readable_versions(user) -> sa.ColumnElement[bool]:
    """The SQL condition of :func:`can_read_version`, for lists."""
    published = CatalogueVersion.state == VersionState.PUBLISHED
    if is_admin(user):
        return sa.true()
    if user.role in GATE_ROLES and user.gate_id is not None:
        return sa.or_(published, CatalogueVersion.gate_id == user.gate_id)
    return published


def can_open_versions(user) -> bool:
    """Open draft versions at some gate (the gate's own check is :func:`can_create_version`)."""
    return user.is_authenticated and user.gate_id is not None and is_secretariat_of(user, user.gate_id)


def can_create_version(user, gate) -> bool:
    """Open the next draft version of ``gate``'s catalogue."""
    return is_secretariat_of(user, gate.id)


def can_edit_entries(user, version: CatalogueVersion) -> bool:
    """Add, amend and remove entries of ``version`` (a draft; published ones answer 409)."""
    return is_secretariat_of(user, version.gate_id)


def can_import_catalogue(user, version: CatalogueVersion) -> bool:
    """Import a CSV or XLSX file into ``version``."""
    return is_secretariat_of(user, version.gate_id)


def can_publish_version(user, version: CatalogueVersion) -> bool:
    """Publish ``version``."""
    return is_secretariat_of(user, version.gate_id)


def can_read_entry(user, entry) -> bool:
    """See an entry: whoever may see its version."""
    return can_read_version(user, entry.version)


def can_edit_entry(user, entry) -> bool:
    """Amend or remove ``entry`` (of a draft; published ones answer 409)."""
    return can_edit_entries(user, entry.version)
