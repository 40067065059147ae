"""The demo district's inventory baseline: the plaques, ledgers, appraisals, bodies and systems
already in its communities before the admission regime, imported through the inventory operations
and checked against the published catalogue, with part of the cleanup done.

Titles come from ``data/inventory_titles.csv``: certificates of the published negative lists (民政部等
六部门 2020, 湖北省), entries of the demo catalogue, and plaques, ledgers and appraisals that the
"牌子多、台账多" campaigns took down. Deterministic: the same seed gives the same inventory.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
from pathlib import Path

import sqlalchemy as sa

from gatekeeper.core import clock
from gatekeeper.extensions import db
from gatekeeper.modules.accounts.models import User
from gatekeeper.modules.inventory import operations as ops
from gatekeeper.modules.inventory.models import CleanupStatus, InventoryItem
from gatekeeper.modules.jurisdictions.models import Gate, Jurisdiction, Level

DATA = Path(__file__).parent / "data"
SEED = 20260601
#: Items per community (inclusive range) and the share of the to-remove items already taken down.
PER_COMMUNITY = (3, 8)
REMOVED_SHARE = 0.45


def _titles() -> list[dict[str, str]]:
    with (DATA / "inventory_titles.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def inventory_file(gate: Gate, rng: random.Random) -> bytes:
    """A CSV inventory (Chinese headings) of every community of ``gate``."""
    titles = _titles()
    communities = db.session.scalars(
        sa.select(Jurisdiction)
        .where(
            Jurisdiction.level == Level.COMMUNITY,
            Jurisdiction.path.startswith(gate.jurisdiction.path, autoescape=True),
        )
        .order_by(Jurisdiction.code)
    ).all()
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(("社区", "类别", "名称", "部门", "设立时间", "备注"))
    today = clock.today()
    for community in communities:
        for row in rng.sample(titles, rng.randint(*PER_COMMUNITY)):
            since = today - dt.timedelta(days=rng.randint(400, 3650))
            writer.writerow(
                (community.code, row["kind"], row["title"], row["department"], since.isoformat(), "")
            )
    return out.getvalue().encode("utf-8-sig")


def load_inventory(rng: random.Random | None = None, *, actor_username: str = "secretariat") -> str:
    """Import the baseline for the demo gate and record the removal of part of what must go.

    Returns a one-line summary. Call it after the district (and its catalogue) is loaded.
    """
    rng = rng or random.Random(SEED)
    gate = db.session.scalar(sa.select(Gate).order_by(Gate.id).limit(1))
    actor = db.session.scalar(sa.select(User).where(User.username == actor_username))
    data = inventory_file(gate, rng)
    record, report = ops.import_file(gate, data, "清理台账-基线.csv", actor=actor)
    to_remove = db.session.scalars(
        sa.select(InventoryItem)
        .where(InventoryItem.import_id == record.id, InventoryItem.status == CleanupStatus.REMOVE)
        .order_by(InventoryItem.id)
    ).all()
    today = clock.today()
    removed = 0
    for item in to_remove:
        if rng.random() >= REMOVED_SHARE:
            continue
        earliest = max(item.since or today, today - dt.timedelta(days=240))
        span = max(0, (today - earliest).days)
        on = today - dt.timedelta(days=rng.randint(0, span))
        ops.record_removal(item, {"removed_on": on, "note": "已摘除并登记"}, actor=actor)
        removed += 1
    return (
        f"Demo inventory: {report['rows']} items in {gate.name}, {report['remove']} to remove "
        f"({removed} removed already), {report['keep']} kept."
    )
