"""What is authorised in one community now, with the money that came with each item.

One query loads every authorisation in force for the community with its allocation there, however
many there are. "In force" is live: status active and the validity not over today (an expiry the
scheduled command has not yet recorded is already left out). Revoked, expired and superseded items
are never listed.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

import sqlalchemy as sa

from gatekeeper.core import clock
from gatekeeper.extensions import db
from gatekeeper.modules.authorisations.models import (
    Authorisation,
    AuthorisationCommunity,
    AuthorisationStatus,
)
from gatekeeper.modules.catalogue.models import Kind
from gatekeeper.modules.funds.balances import funds_overdue
from gatekeeper.modules.funds.models import Allocation
from gatekeeper.modules.jurisdictions.models import Jurisdiction

#: Items ending within this many days are listed as expiring soon.
EXPIRING_DAYS = 30


@dataclass
class Item:
    authorisation: Authorisation
    allocation: Allocation | None

    @property
    def funds_overdue(self) -> bool:
        """Money due by now has not all been paid: the community may decline the item."""
        return self.allocation is not None and funds_overdue(self.allocation)


@dataclass
class CommunityView:
    community: Jurisdiction
    as_of: dt.date
    items: list[Item] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        counted = Counter(item.authorisation.kind.value for item in self.items)
        return {kind.value: counted.get(kind.value, 0) for kind in Kind}

    @property
    def expiring_soon(self) -> list[str]:
        limit = self.as_of + dt.timedelta(days=EXPIRING_DAYS)
        return [i.authorisation.number for i in self.items if i.authorisation.valid_to <= limit]


def community_view(community: Jurisdiction) -> CommunityView:
    """Every authorisation in force in ``community`` (nearest end first) and its allocation there."""
    today = clock.today()
    rows = db.session.execute(
        sa.select(Authorisation, Allocation)
        .join(AuthorisationCommunity, AuthorisationCommunity.authorisation_id == Authorisation.id)
        .outerjoin(
            Allocation,
            sa.and_(Allocation.authorisation_id == Authorisation.id, Allocation.community_id == community.id),
        )
        .where(
            AuthorisationCommunity.community_id == community.id,
            Authorisation.status == AuthorisationStatus.ACTIVE,
            Authorisation.valid_to >= today,
        )
        .order_by(Authorisation.valid_to, Authorisation.number)
        # Only what the list shows: not the gate, the successor or the allocation's own community.
        .options(
            sa.orm.lazyload("*"),
            sa.orm.joinedload(Authorisation.department).lazyload("*"),
            sa.orm.lazyload(Allocation.community),
        )
    ).all()
    return CommunityView(community=community, as_of=today, items=[Item(a, alloc) for a, alloc in rows])
