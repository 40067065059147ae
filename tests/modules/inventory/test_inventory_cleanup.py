"""Cleanup: who records a removal and when, re-checks, and the progress and baseline counts (checked
against numbers computed here from the rows themselves)."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
import sqlalchemy as sa

from gatekeeper.core.errors import InvalidTransition, ValidationFailed
from gatekeeper.modules.inventory import operations as ops
from gatekeeper.modules.inventory import permissions as perms
from gatekeeper.modules.inventory.models import CleanupStatus, InventoryItem
from gatekeeper.modules.jurisdictions.models import Jurisdiction
from tests.factories import TODAY
from tests.modules.inventory.inventory_support import ROWS, import_rows, items_by_title


@pytest.fixture
def items(db, world):
    import_rows(world)
    return items_by_title(world)


def test_removal_is_recorded_with_date_note_and_who(db, world, items):
    item = items["亲属关系证明"]
    ops.record_removal(
        item, {"removed_on": TODAY - dt.timedelta(days=3), "note": "已停止出具"}, actor=world.user("head")
    )
    db.commit()
    db.refresh(item)
    assert item.status == CleanupStatus.REMOVED
    assert item.removed_on == TODAY - dt.timedelta(days=3)
    assert item.removal_note == "已停止出具"
    assert item.removed_by_id == world.user("head").id


def test_removal_defaults_to_today(db, world, items):
    item = ops.record_removal(items["禁毒工作站"], {}, actor=world.user("secretariat"))
    assert item.removed_on == TODAY


@pytest.mark.parametrize("title", ["新时代文明实践站", "亲属关系证明"])
def test_only_an_item_to_remove_can_be_removed(db, world, items, title):
    item = items[title]
    if item.status == CleanupStatus.REMOVE:
        ops.record_removal(item, {}, actor=world.user("secretariat"))  # now removed: not again
    with pytest.raises(InvalidTransition):
        ops.record_removal(item, {}, actor=world.user("secretariat"))


def test_removal_date_not_in_the_future_nor_before_the_item_existed(db, world, items):
    item = items["亲属关系证明"]  # since 2019-03-01
    with pytest.raises(ValidationFailed) as future:
        ops.record_removal(item, {"removed_on": TODAY + dt.timedelta(days=1)}, actor=world.user("head"))
    assert "removed_on" in future.value.fields
    with pytest.raises(ValidationFailed) as early:
        ops.record_removal(item, {"removed_on": dt.date(2019, 2, 28)}, actor=world.user("head"))
    assert "removed_on" in early.value.fields
    assert item.status == CleanupStatus.REMOVE


@pytest.mark.parametrize(
    ("username", "title", "allowed"),
    [
        ("secretariat", "死亡证明", True),
        ("admin", "死亡证明", True),
        ("head", "亲属关系证明", True),  # head of LJ0101
        ("head", "居民养犬证明", False),  # LJ0102: not the head's community
        ("street", "亲属关系证明", False),  # street officers read, they do not record
        ("chair", "亲属关系证明", False),
        ("member2", "亲属关系证明", False),
        ("mzj.officer", "亲属关系证明", False),
    ],
)
def test_who_records_a_removal(world, items, username, title, allowed):
    assert bool(perms.can_record_removal(world.user(username), items[title])) is allowed


@pytest.mark.parametrize(
    ("username", "visible"),
    [
        ("admin", {r[2] for r in ROWS}),
        ("secretariat", {r[2] for r in ROWS}),
        ("chair", {r[2] for r in ROWS}),
        ("head", {r[2] for r in ROWS if r[0] == "LJ0101"}),
        ("street", {r[2] for r in ROWS if r[0].startswith("LJ01")}),
        ("mzj.officer", {r[2] for r in ROWS if r[3] == "MZJ"}),
        ("officer", {r[2] for r in ROWS if r[3] == "WJW"}),
    ],
)
def test_who_sees_which_items(db, world, items, username, visible):
    user = world.user(username)
    listed = set(db.scalars(sa.select(InventoryItem.title).where(perms.visible_items(user))))
    assert listed == visible
    assert {t for t, item in items.items() if perms.can_see_inventory_item(user, item)} == visible


def test_who_imports(world):
    assert perms.can_import_inventory(world.user("secretariat"), world.gate)
    assert perms.can_import_inventory(world.user("admin"), world.gate)
    for username in ("chair", "member1", "head", "street", "officer"):
        assert not perms.can_import_inventory(world.user(username), world.gate)


def test_a_removal_recorded_by_mistake_is_taken_back_with_a_note(db, world, items):
    from gatekeeper.core.audit import AuditEntry

    item = ops.record_removal(items["亲属关系证明"], {"note": "已摘牌"}, actor=world.user("head"))
    db.commit()
    before = ops.baseline_counts(world.gate)
    with pytest.raises(ValidationFailed) as refused:
        ops.undo_removal(item, {"note": "  "}, actor=world.user("secretariat"))
    assert "note" in refused.value.fields
    ops.undo_removal(item, {"note": "核实牌子仍在"}, actor=world.user("secretariat"))
    db.commit()
    db.refresh(item)
    assert item.status == CleanupStatus.REMOVE
    assert item.removed_on is None and item.removed_by_id is None and item.removal_note == ""
    after = ops.baseline_counts(world.gate)
    assert after != before  # the reduction moves back
    entry = db.scalars(sa.select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert entry.action == "inventory.removal_undone"
    assert entry.before["note"] == "已摘牌" and entry.after["note"] == "核实牌子仍在"
    # only a recorded removal is taken back
    with pytest.raises(InvalidTransition):
        ops.undo_removal(item, {"note": "再来一次"}, actor=world.user("secretariat"))
    with pytest.raises(InvalidTransition):
        ops.undo_removal(items["新时代文明实践站"], {"note": "保留项"}, actor=world.user("secretariat"))


def test_recheck_needs_a_note_and_keeps_removed_items(db, world, items):
    item = items["禁毒工作站"]
    with pytest.raises(ValidationFailed):
        ops.recheck_item(item, {"note": " "}, actor=world.user("secretariat"))
    ops.recheck_item(item, {"note": "目录未变，复核"}, actor=world.user("secretariat"))
    assert item.status == CleanupStatus.REMOVE
    ops.record_removal(item, {}, actor=world.user("secretariat"))
    with pytest.raises(InvalidTransition):
        ops.recheck_item(item, {"note": "再次复核"}, actor=world.user("secretariat"))


def _remove(world, items, titles):
    for title in titles:
        ops.record_removal(items[title], {}, actor=world.user("secretariat"))


def _expected(db, where=None):
    """Progress computed from the rows in Python, independently of the SQL of ``progress``."""
    rows = db.execute(
        sa.select(InventoryItem.status, Jurisdiction.code, Jurisdiction.parent_id).join(
            Jurisdiction, Jurisdiction.id == InventoryItem.community_id
        )
    ).all()
    streets = {j.id: j.code for j in db.scalars(sa.select(Jurisdiction))}
    by_street, by_community = {}, {}
    for status, code, parent_id in rows:
        for table, key in ((by_street, streets[parent_id]), (by_community, code)):
            line = table.setdefault(key, Counter())
            line["items"] += 1
            line["to_remove"] += status in ("remove", "removed")
            line["removed"] += status == "removed"
    return by_street, by_community


def test_progress_per_street_and_community(db, world, items):
    _remove(world, items, ["亲属关系证明", "死亡证明", "居民养犬证明"])
    report = ops.progress(sa.true())
    by_street, by_community = _expected(db)
    for lines, expected in ((report["streets"], by_street), (report["communities"], by_community)):
        assert {line["code"] for line in lines} == set(expected)
        for line in lines:
            want = expected[line["code"]]
            assert (line["items"], line["to_remove"], line["removed"]) == (
                want["items"],
                want["to_remove"],
                want["removed"],
            )
            assert line["pending"] == want["to_remove"] - want["removed"]
            assert line["percent_done"] == round(100 * want["removed"] / want["to_remove"], 1)
    # by hand: LJ01 has 6 items, 4 to remove (亲属关系证明, 禁毒工作站, 居民养犬证明, 文明楼栋评比), 2 removed
    lj01 = next(line for line in report["streets"] if line["code"] == "LJ01")
    assert (lj01["items"], lj01["to_remove"], lj01["removed"], lj01["percent_done"]) == (6, 4, 2, 50.0)
    assert report["total"] == {"items": 8, "to_remove": 5, "removed": 3, "pending": 2, "percent_done": 60.0}


def test_progress_narrowed_to_a_street_a_community_and_a_users_part(db, world, items):
    report = ops.progress(sa.true(), street="LJ02")
    assert [line["code"] for line in report["streets"]] == ["LJ02"]
    assert [line["code"] for line in report["communities"]] == ["LJ0201"]
    report = ops.progress(perms.visible_items(world.user("head")))
    assert [line["code"] for line in report["communities"]] == ["LJ0101"]
    assert report["total"]["items"] == 4
    report = ops.progress(sa.true(), community="LJ0102")
    assert report["total"]["items"] == 2


def test_progress_of_nothing(db, world):
    report = ops.progress(sa.true())
    assert report["streets"] == [] and report["total"]["items"] == 0
    assert report["total"]["percent_done"] == 100.0


def test_baseline_counts_per_kind(db, world, items):
    _remove(world, items, ["亲属关系证明", "禁毒工作站"])
    expected = {}
    for _community, kind, title, *_rest in ROWS:
        line = expected.setdefault(kind, {"baseline": 0, "removed": 0, "remaining": 0})
        line["baseline"] += 1
        gone = title in ("亲属关系证明", "禁毒工作站")
        line["removed"] += gone
        line["remaining"] += not gone
    assert ops.baseline_counts(world.gate) == expected
    street = ops.baseline_counts(world.gate, street="LJ02")
    assert street == {
        "certificate": {"baseline": 1, "removed": 0, "remaining": 1},
        "sign": {"baseline": 1, "removed": 0, "remaining": 1},
    }
    lj01 = db.scalar(sa.select(Jurisdiction).where(Jurisdiction.code == "LJ01"))
    assert ops.baseline_counts(world.gate, street=lj01) == ops.baseline_counts(world.gate, street=lj01.id)
    assert ops.baseline_counts(world.gate, street=lj01)["sign"] == {
        "baseline": 2,
        "removed": 1,
        "remaining": 1,
    }


def test_baseline_counts_of_an_empty_inventory_and_an_unknown_street(db, world):
    assert ops.baseline_counts(world.gate) == {}
    with pytest.raises(ValidationFailed):
        ops.baseline_counts(world.gate, street="NOPE")


def test_findings_speak_of_an_item_already_there_not_of_a_request(db, world, items):
    banned = items["亲属关系证明"].findings
    outside = items["禁毒工作站"].findings
    assert "NEGATIVE_LIST" in [f["code"] for f in banned]
    assert [f["code"] for f in outside] == ["OUT_OF_CATALOGUE"]
    negative = next(f for f in banned if f["code"] == "NEGATIVE_LIST")
    assert negative["entry_code"] and negative["entry_code"] in negative["message"]
    assert "应予清理" in negative["message"] and "撤回" not in negative["message"]
    assert "must be removed" in negative["messages"]["en"] and "withdraw" not in negative["messages"]["en"]
    (out,) = outside
    assert "未经准入，应予清理" in out["message"] and "关联" not in out["message"]
    assert "never admitted" in out["messages"]["en"] and "link the right entry" not in out["messages"]["en"]
    assert out["citation"]  # the clause cited is the engine's, unchanged
