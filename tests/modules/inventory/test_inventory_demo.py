"""The demo's inventory baseline: every community has 3-8 items, the check sorted them, part of
what must go is already taken down, so the reduction rate per kind is visible."""

from __future__ import annotations

import random

import sqlalchemy as sa

from gatekeeper.modules.demo.inventory import PER_COMMUNITY, load_inventory
from gatekeeper.modules.inventory import operations as ops
from gatekeeper.modules.inventory.models import CleanupStatus, InventoryItem
from gatekeeper.modules.jurisdictions.models import Jurisdiction, Level


def test_the_demo_inventory(db, world):
    summary = load_inventory(random.Random(7))
    db.commit()
    assert summary.startswith("Demo inventory:")
    per_community = dict(
        db.execute(
            sa.select(InventoryItem.community_id, sa.func.count()).group_by(InventoryItem.community_id)
        ).all()
    )
    communities = db.scalar(sa.select(sa.func.count()).where(Jurisdiction.level == Level.COMMUNITY))
    assert len(per_community) == communities
    assert all(PER_COMMUNITY[0] <= n <= PER_COMMUNITY[1] for n in per_community.values())
    statuses = set(db.scalars(sa.select(InventoryItem.status).distinct()))
    assert statuses == {CleanupStatus.KEEP, CleanupStatus.REMOVE, CleanupStatus.REMOVED}
    counts = ops.baseline_counts(world.gate)
    assert sum(c["removed"] for c in counts.values()) > 0
    assert all(c["remaining"] == c["baseline"] - c["removed"] for c in counts.values())
    # the banned certificates of the negative list are all marked for removal
    banned = db.scalars(sa.select(InventoryItem).where(InventoryItem.title == "亲属关系证明")).all()
    assert banned and all(item.status != CleanupStatus.KEEP for item in banned)


def test_each_demo_title_gets_the_verdict_its_data_expects(db, world):
    from gatekeeper.modules.catalogue.operations import current_version
    from gatekeeper.modules.demo.inventory import _titles
    from gatekeeper.modules.inventory.check import Checker

    checker = Checker(world.gate, current_version(world.gate))
    community = world.community("LJ0101")
    wrong = [
        row["title"]
        for row in _titles()
        if checker.check(community, row["kind"], row["title"]).status.value != row["expect"]
    ]
    assert wrong == []
