"""Catalogue operations: versions copied on creation, reasoned changes, immutability, diffs."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from gatekeeper.core.audit import AuditEntry
from gatekeeper.core.errors import Conflict, InvalidTransition, NotFound, ValidationFailed
from gatekeeper.modules.catalogue import operations as ops
from gatekeeper.modules.catalogue.models import (
    CatalogueChange,
    CatalogueEntry,
    ChangeAction,
    DutyRole,
    Kind,
    PublishedVersionChanged,
    StandardBasis,
    Standing,
    VersionState,
)

NEW_ENTRY = {
    "code": "PD-900",
    "title": "协助开展居家养老服务需求调查",
    "kind": Kind.DUTY,
    "standing": Standing.PERMITTED,
    "role": DutyRole.ASSIST,
    "legal_basis": "《中华人民共和国老年人权益保障法》",
    "department": "区民政局",
    "funding_basis": StandardBasis.PER_COMMUNITY,
    "funding_amount_fen": 120050,
}


def changes_of(db, version) -> list[tuple[str, ChangeAction, str]]:
    rows = db.scalars(
        sa.select(CatalogueChange)
        .where(CatalogueChange.version_id == version.id)
        .order_by(CatalogueChange.id)
    )
    return [(c.code, c.action, c.reason) for c in rows]


def test_demo_catalogue_is_published(published):
    assert published.number == 1
    assert published.state == VersionState.PUBLISHED
    assert len(published.entries) == 68 + 29
    assert sum(e.standing == Standing.BANNED for e in published.entries) > 0


def test_create_version_copies_the_current_one(db, world, published):
    draft = ops.create_version(world.gate, label=" 2027年版 ", actor=world.user("secretariat"))
    db.commit()
    assert (draft.number, draft.state, draft.label) == (2, VersionState.DRAFT, "2027年版")
    assert draft.based_on_id == published.id
    assert draft.created_by_id == world.user("secretariat").id
    copied = sorted(draft.entries, key=lambda e: e.code)
    original = sorted(published.entries, key=lambda e: e.code)
    assert [e.content() for e in copied] == [e.content() for e in original]
    assert [e.initials for e in copied] == [e.initials for e in original]
    assert not {e.id for e in copied} & {e.id for e in original}
    assert changes_of(db, draft) == []  # a copy is not a change
    audit = db.scalar(sa.select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1))
    assert (audit.action, audit.actor_name, audit.after["based_on"]) == (
        "catalogue.version_create",
        "secretariat",
        1,
    )


def test_only_one_draft_per_gate(db, world, draft):
    with pytest.raises(Conflict) as caught:
        ops.create_version(world.gate, label="again", actor=None)
    assert caught.value.code == "draft_exists"


def test_a_first_version_starts_empty_and_cannot_be_published_empty(db, other_gate):
    version = ops.create_version(other_gate, label="v1", actor=None)
    assert version.number == 1 and version.based_on is None and version.entries == []
    with pytest.raises(ValidationFailed) as caught:
        ops.publish_version(version, actor=None)
    assert caught.value.code == "empty_catalogue"


def test_add_amend_interpret_remove_each_with_its_reason(db, world, draft):
    secretariat = world.user("secretariat")
    entry = ops.add_entry(draft, dict(NEW_ENTRY), reason="新增协助事项", actor=secretariat)
    assert entry.initials.startswith("xzkz")
    ops.amend_entry(
        draft, "PD-900", {"title": "协助开展居家养老需求调查"}, reason="名称调整", actor=secretariat
    )
    ops.amend_entry(draft, "PD-900", {"notes": "每年一次"}, reason="说明频次", actor=secretariat)
    ops.amend_entry(draft, "PD-900", {"notes": "每年一次"}, reason="没有变化", actor=secretariat)
    ops.remove_entry(draft, "PD-900", reason="并入其他事项", actor=secretariat)
    db.commit()
    assert changes_of(db, draft) == [
        ("PD-900", ChangeAction.ADD, "新增协助事项"),
        ("PD-900", ChangeAction.AMEND, "名称调整"),
        ("PD-900", ChangeAction.INTERPRET, "说明频次"),
        ("PD-900", ChangeAction.REMOVE, "并入其他事项"),
    ]
    amend = db.scalar(sa.select(CatalogueChange).where(CatalogueChange.action == ChangeAction.AMEND))
    assert amend.before["title"] == NEW_ENTRY["title"] and amend.after["title"] == "协助开展居家养老需求调查"
    assert amend.actor.username == "secretariat"
    actions = db.scalars(
        sa.select(AuditEntry.action)
        .where(AuditEntry.action.like("catalogue.entry_%"))
        .order_by(AuditEntry.id)
    ).all()
    assert actions[-4:] == [
        "catalogue.entry_add",
        "catalogue.entry_amend",
        "catalogue.entry_interpret",
        "catalogue.entry_remove",
    ]
    assert ops.find_entry(draft, "PD-900") is None


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_every_change_needs_a_reason(db, world, draft, reason):
    code = draft.entries[0].code
    calls = [
        lambda: ops.add_entry(draft, dict(NEW_ENTRY), reason=reason, actor=None),
        lambda: ops.amend_entry(draft, code, {"notes": "x"}, reason=reason, actor=None),
        lambda: ops.remove_entry(draft, code, reason=reason, actor=None),
        lambda: ops.import_file(draft, b"code,title,kind,standing\n", "x.csv", reason=reason, actor=None),
    ]
    for call in calls:
        with pytest.raises(ValidationFailed) as caught:
            call()
        assert "reason" in caught.value.fields
    assert changes_of(db, draft) == []


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"kind": Kind.SIGN}, "role"),  # a role only for duties
        ({"funding_basis": StandardBasis.NONE}, "funding_standard.amount_fen"),
        ({"funding_amount_fen": 0}, "funding_standard.amount_fen"),
        ({"funding_amount_fen": -1}, "funding_standard.amount_fen"),
        ({"funding_amount_fen": 12.5}, "funding_standard.amount_fen"),
        ({"code": "PD 900"}, "code"),
        ({"title": "  "}, "title"),
        ({"title": "长" * 201}, "title"),
        ({"notes": "bell\x07"}, "notes"),
        ({"kind": "unknown"}, "kind"),
    ],
)
def test_entries_are_checked(db, draft, changes, field):
    with pytest.raises(ValidationFailed) as caught:
        ops.add_entry(draft, {**NEW_ENTRY, **changes}, reason="r", actor=None)
    assert field in caught.value.fields


def test_amendments_are_checked_on_the_whole_entry(db, draft):
    ops.add_entry(draft, dict(NEW_ENTRY), reason="r", actor=None)
    with pytest.raises(ValidationFailed) as caught:
        ops.amend_entry(draft, "PD-900", {"kind": Kind.LEDGER}, reason="r", actor=None)
    assert list(caught.value.fields) == ["role"]
    entry = ops.amend_entry(draft, "PD-900", {"kind": "ledger", "role": None}, reason="r", actor=None)
    assert entry.kind == Kind.LEDGER and entry.role is None


def test_a_code_is_used_once_per_version(db, draft):
    with pytest.raises(Conflict) as caught:
        ops.add_entry(draft, {**NEW_ENTRY, "code": draft.entries[0].code}, reason="r", actor=None)
    assert caught.value.code == "duplicate_code"
    with pytest.raises(NotFound):
        ops.amend_entry(draft, "NOPE", {"notes": "x"}, reason="r", actor=None)


def test_published_versions_refuse_every_operation(db, published):
    code = published.entries[0].code
    calls = [
        lambda: ops.add_entry(published, dict(NEW_ENTRY), reason="r", actor=None),
        lambda: ops.amend_entry(published, code, {"notes": "x"}, reason="r", actor=None),
        lambda: ops.remove_entry(published, code, reason="r", actor=None),
        lambda: ops.publish_version(published, actor=None),
        lambda: ops.import_file(published, b"", "x.csv", reason="r", actor=None),
    ]
    for call in calls:
        with pytest.raises(InvalidTransition):
            call()


def _retitle(db, version):
    version.entries[0].title = "改过的标题"


def _add_by_id(db, version):
    db.add(CatalogueEntry(**{**NEW_ENTRY, "version_id": version.id, "initials": ""}))


def _add_to_collection(db, version):
    version.entries.append(CatalogueEntry(**NEW_ENTRY, initials=""))


def _delete(db, version):
    db.delete(version.entries[0])


def _relabel(db, version):
    version.label = "改过的版本"


def _unpublish(db, version):
    version.state = VersionState.DRAFT
    version.published_at = None


def _delete_version(db, version):
    db.delete(version)


def _add_change(db, version):
    db.add(
        CatalogueChange(
            version_id=version.id, code="X", action=ChangeAction.ADD, reason="r", at=version.created_at
        )
    )


@pytest.mark.parametrize(
    "change",
    [_retitle, _add_by_id, _add_to_collection, _delete, _relabel, _unpublish, _delete_version, _add_change],
)
def test_the_flush_guard_refuses_direct_changes_to_a_published_version(db, published, change):
    change(db, published)
    with pytest.raises(PublishedVersionChanged):
        db.flush()
    db.rollback()


def test_publish_makes_the_draft_current_and_frozen(db, world, published, draft):
    ops.amend_entry(draft, draft.entries[0].code, {"notes": "新版说明"}, reason="释义", actor=None)
    ops.publish_version(draft, actor=world.user("secretariat"))
    db.commit()
    assert ops.current_version(world.gate).id == draft.id
    assert draft.published_at is not None and draft.published_by_id == world.user("secretariat").id
    assert published.state == VersionState.PUBLISHED  # the old one stays, frozen too
    with pytest.raises(InvalidTransition):
        ops.publish_version(draft, actor=None)
    draft.entries[0].notes = "再改"
    with pytest.raises(PublishedVersionChanged):
        db.flush()
    db.rollback()


def test_diff_names_added_removed_and_changed_fields(db, published, draft):
    first, second = sorted(e.code for e in draft.entries)[:2]
    ops.add_entry(draft, dict(NEW_ENTRY), reason="r", actor=None)
    ops.remove_entry(draft, first, reason="r", actor=None)
    old = ops.find_entry(published, second)
    flipped = Standing.PERMITTED if old.standing == Standing.BANNED else Standing.BANNED
    ops.amend_entry(
        draft, second, {"title": "新标题", "standing": flipped, "notes": "n"}, reason="r", actor=None
    )
    diff = ops.diff_versions(published, draft)
    assert diff["from"] is published and diff["to"] is draft
    assert [e["code"] for e in diff["added"]] == ["PD-900"]
    assert diff["added"][0]["funding_amount_fen"] == 120050
    assert [e["code"] for e in diff["removed"]] == [first]
    assert len(diff["changed"]) == 1
    change = diff["changed"][0]
    assert change["code"] == second and change["action"] == "amend"
    assert change["fields"]["title"] == {"before": old.title, "after": "新标题"}
    assert change["fields"]["standing"] == {"before": old.standing.value, "after": flipped.value}
    assert set(change["fields"]) == {"title", "standing", "notes"}
    assert diff["unchanged"] == len(published.entries) - 2
    backwards = ops.diff_versions(draft, published)
    assert [e["code"] for e in backwards["removed"]] == ["PD-900"]
    assert ops.diff_versions(published, published)["changed"] == []


def test_diff_refuses_versions_of_different_gates(db, published, other_gate):
    version = ops.create_version(other_gate, label="v1", actor=None)
    ops.add_entry(version, dict(NEW_ENTRY), reason="r", actor=None)
    with pytest.raises(ValidationFailed) as caught:
        ops.diff_versions(published, version)
    assert caught.value.code == "different_gates"
