"""Catalogue pages that change a draft: open it, add, amend and remove entries with a reason, publish it
(then it is read-only); who may do it; refused forms keep the input and change nothing."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from catalogue_support import snapshot

from gatekeeper.modules.catalogue import operations as ops
from gatekeeper.modules.catalogue.models import (
    CatalogueChange,
    CatalogueVersion,
    ChangeAction,
    DutyRole,
    Kind,
    StandardBasis,
    Standing,
    VersionState,
)

NEW_ENTRY = {
    "code": "PS-950",
    "title": "社区平安建设宣传栏",
    "kind": "sign",
    "standing": "permitted",
    "role": "",
    "legal_basis": "《平安建设条例》第十条",
    "department": "区委政法委员会",
    "funding_standard.basis": "per_community",
    "funding_standard.amount_fen": "1,200.50",
    "requires_premises": "1",
    "list_name": "",
    "source": "",
    "notes": "",
    "reason": "区委政法委员会申请，经委员会审议同意",
}


def entry_form(entry, **changes) -> dict:
    """The amend form as the page shows it for ``entry``, with ``changes``."""
    form = {
        "title": entry.title,
        "kind": entry.kind.value,
        "standing": entry.standing.value,
        "role": entry.role.value if entry.role else "",
        "legal_basis": entry.legal_basis,
        "department": entry.department,
        "funding_standard.basis": entry.funding_basis.value,
        "funding_standard.amount_fen": str(entry.funding_amount_fen / 100)
        if entry.funding_amount_fen
        else "",
        "list_name": entry.list_name,
        "source": entry.source,
        "notes": entry.notes,
        "reason": "",
    }
    if entry.requires_premises:
        form["requires_premises"] = "1"
    if entry.requires_staff:
        form["requires_staff"] = "1"
    form.update(changes)
    return form


def changes_of(db, version) -> list[tuple[str, ChangeAction, str]]:
    rows = db.execute(
        sa.select(CatalogueChange.code, CatalogueChange.action, CatalogueChange.reason)
        .where(CatalogueChange.version_id == version.id)
        .order_by(CatalogueChange.id)
    )
    return [tuple(r) for r in rows]


def error_beside(html: str, field: str) -> str:
    found = re.search(rf'<p class="field-error" id="f-{field}-error">(.*?)</p>', html, re.S)
    assert found, f"no error beside {field}"
    return found.group(1)


# --- opening a draft -------------------------------------------------------------------------------


def test_the_office_opens_the_next_draft_as_a_copy(db, page_as, world, published):
    secretariat = page_as("secretariat")
    answer = secretariat.form("/catalogue/versions/new", {"label": "2027年版", "notes": "年度修订"})
    assert answer.status_code == 303
    draft = ops.draft_version(world.gate)
    assert answer.headers["Location"].endswith(f"/catalogue/versions/{draft.id}")
    assert (draft.number, draft.label, draft.notes, draft.based_on_id) == (
        2,
        "2027年版",
        "年度修订",
        published.id,
    )
    assert len(draft.entries) == len(published.entries)


def test_a_draft_needs_a_label(db, page_as, world, published):
    secretariat = page_as("secretariat")
    before = snapshot(db)
    answer = secretariat.form("/catalogue/versions/new", {"label": "", "notes": "写了说明"})
    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    error_beside(html, "label")
    assert "写了说明" in html  # the input is kept
    assert snapshot(db) == before and ops.draft_version(world.gate) is None


def test_a_second_draft_is_refused_on_the_page(db, page_as, draft):
    browser = page_as("secretariat")
    before = snapshot(db)
    answer = browser.form(
        "/catalogue/versions/new?lang=en",
        {"label": "又一版"},
        headers={"Referer": "http://localhost/catalogue/versions"},
    )
    assert answer.status_code == 303 and answer.headers["Location"].endswith("/catalogue/versions")
    assert "This gate already has a draft catalogue version" in browser.text("/catalogue/versions")
    assert snapshot(db) == before


# --- adding, amending, removing ---------------------------------------------------------------------


def test_add_an_entry_with_its_reason(db, page_as, draft):
    secretariat = page_as("secretariat")
    answer = secretariat.form(f"/catalogue/versions/{draft.id}/entries/new", NEW_ENTRY)
    assert answer.status_code == 303
    assert answer.headers["Location"].endswith(f"/catalogue/versions/{draft.id}/entries/PS-950")
    entry = ops.find_entry(draft, "PS-950")
    assert (entry.title, entry.kind, entry.standing, entry.role) == (
        "社区平安建设宣传栏",
        Kind.SIGN,
        Standing.PERMITTED,
        None,
    )
    assert (entry.funding_basis, entry.funding_amount_fen) == (StandardBasis.PER_COMMUNITY, 120050)
    assert entry.requires_premises and not entry.requires_staff
    assert changes_of(db, draft) == [("PS-950", ChangeAction.ADD, NEW_ENTRY["reason"])]


def test_adding_without_a_reason_is_refused_beside_the_field_and_changes_nothing(db, page_as, draft):
    secretariat = page_as("secretariat")
    before = snapshot(db)
    answer = secretariat.form(
        f"/catalogue/versions/{draft.id}/entries/new?lang=en", {**NEW_ENTRY, "reason": "  "}
    )
    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    error_beside(html, "reason")
    assert 'value="社区平安建设宣传栏"' in html and 'value="1,200.50"' in html  # the input is kept
    assert snapshot(db) == before and ops.find_entry(draft, "PS-950") is None


def test_adding_a_code_already_used_is_said_beside_the_code(db, page_as, draft):
    secretariat = page_as("secretariat")
    before = snapshot(db)
    answer = secretariat.form(
        f"/catalogue/versions/{draft.id}/entries/new?lang=en", {**NEW_ENTRY, "code": "PD-101"}
    )
    assert answer.status_code == 422
    assert "already used" in error_beside(answer.get_data(as_text=True), "code")
    assert snapshot(db) == before


def test_adding_an_inconsistent_entry_names_the_fields(db, page_as, draft):
    secretariat = page_as("secretariat")
    before = snapshot(db)
    answer = secretariat.form(
        f"/catalogue/versions/{draft.id}/entries/new?lang=en",
        {**NEW_ENTRY, "role": "assist", "funding_standard.basis": "none"},
    )
    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    assert "only duties have a role" in error_beside(html, "role")
    error_beside(html, "funding-standard-amount-fen")
    assert snapshot(db) == before


def test_amend_an_entry_field_by_field(db, page_as, draft):
    secretariat = page_as("secretariat")
    entry = ops.find_entry(draft, "PD-101")
    form = entry_form(
        entry, title="协助开展低保对象入户核查", **{"funding_standard.amount_fen": "350.5"}, reason="调整标准"
    )
    answer = secretariat.form(f"/catalogue/versions/{draft.id}/entries/PD-101/amend", form)
    assert answer.status_code == 303
    db.refresh(entry)
    assert (entry.title, entry.funding_amount_fen, entry.role) == (
        "协助开展低保对象入户核查",
        35050,
        DutyRole.ASSIST,
    )
    change = db.scalar(sa.select(CatalogueChange).where(CatalogueChange.version_id == draft.id))
    assert (change.action, change.reason) == (ChangeAction.AMEND, "调整标准")
    assert {k for k in change.after if change.after[k] != change.before[k]} == {"title", "funding_amount_fen"}


def test_changing_only_the_notes_is_an_interpretation_and_emptying_a_field_clears_it(db, page_as, draft):
    secretariat = page_as("secretariat")
    entry = ops.find_entry(draft, "PD-101")
    assert entry.legal_basis
    form = entry_form(entry, notes="明确入户调查的范围", legal_basis="", reason="释义")
    assert secretariat.form(f"/catalogue/versions/{draft.id}/entries/PD-101/amend", form).status_code == 303
    db.refresh(entry)
    assert (entry.notes, entry.legal_basis) == ("明确入户调查的范围", "")
    assert changes_of(db, draft) == [("PD-101", ChangeAction.INTERPRET, "释义")]


def test_amending_nothing_records_nothing(db, page_as, draft):
    entry = ops.find_entry(draft, "PD-101")
    browser = page_as("secretariat")
    answer = browser.form(
        f"/catalogue/versions/{draft.id}/entries/PD-101/amend", entry_form(entry, reason="无")
    )
    assert answer.status_code == 303 and changes_of(db, draft) == []


@pytest.mark.parametrize(
    ("changes", "field"), [({"reason": ""}, "reason"), ({"title": "", "reason": "r"}, "title")]
)
def test_a_refused_amendment_keeps_the_input_and_changes_nothing(db, page_as, draft, changes, field):
    secretariat = page_as("secretariat")
    entry = ops.find_entry(draft, "PD-101")
    before = snapshot(db)
    form = entry_form(entry, notes="新说明文字", **changes)
    answer = secretariat.form(f"/catalogue/versions/{draft.id}/entries/PD-101/amend", form)
    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    error_beside(html, field)
    assert "新说明文字" in html
    assert snapshot(db) == before
    db.refresh(entry)
    assert entry.notes != "新说明文字"


def test_remove_an_entry_with_its_reason(db, page_as, draft):
    browser = page_as("secretariat")
    assert "PD-101" in browser.text(f"/catalogue/versions/{draft.id}/entries/PD-101/remove")
    answer = browser.form(f"/catalogue/versions/{draft.id}/entries/PD-101/remove", {"reason": "职责已调整"})
    assert answer.status_code == 303 and answer.headers["Location"].endswith(
        f"/catalogue/versions/{draft.id}"
    )
    assert ops.find_entry(draft, "PD-101") is None
    assert changes_of(db, draft) == [("PD-101", ChangeAction.REMOVE, "职责已调整")]


def test_removing_without_a_reason_is_refused(db, page_as, draft):
    secretariat = page_as("secretariat")
    before = snapshot(db)
    answer = secretariat.form(f"/catalogue/versions/{draft.id}/entries/PD-101/remove", {"reason": ""})
    assert answer.status_code == 422
    error_beside(answer.get_data(as_text=True), "reason")
    assert snapshot(db) == before and ops.find_entry(draft, "PD-101") is not None


def test_an_unknown_entry_is_404(page_as, draft):
    page_as("secretariat").text(f"/catalogue/versions/{draft.id}/entries/NOPE-9/amend", 404)


# --- publishing -----------------------------------------------------------------------------------


def test_the_publish_page_shows_the_diff_against_the_version_in_force_and_the_changes(
    db, page_as, published, draft
):
    ops.add_entry(
        draft,
        {"code": "PX-960", "title": "新增事项甲", "kind": "sign", "standing": "permitted"},
        reason="r1",
        actor=None,
    )
    ops.remove_entry(draft, "PD-102", reason="r2", actor=None)
    ops.amend_entry(draft, "PD-101", {"notes": "说明"}, reason="r3", actor=None)
    db.commit()
    html = page_as("secretariat").text(f"/catalogue/versions/{draft.id}/publish?lang=en")
    assert "This draft records 3 reasoned changes." in html
    assert "PX-960" in html and "PD-102" in html and "PD-101" in html
    assert f"Version {published.number}" in html  # what it is compared with
    assert 'data-confirm="Publish version 2? This cannot be undone."' in html


def test_publishing_makes_the_version_in_force_and_read_only(db, page_as, world, published, draft):
    browser = page_as("secretariat")
    version_page = browser.text(f"/catalogue/versions/{draft.id}")
    assert f"/catalogue/versions/{draft.id}/entries/new" in version_page
    assert f"/catalogue/versions/{draft.id}/publish" in version_page
    answer = browser.form(f"/catalogue/versions/{draft.id}/publish")
    assert answer.status_code == 303
    db.refresh(draft)
    assert draft.state == VersionState.PUBLISHED and ops.current_version(world.gate).id == draft.id
    # read-only: no edit button, and every edit endpoint refuses
    html = browser.text(f"/catalogue/versions/{draft.id}")
    for path in ("entries/new", "/import", "/publish"):
        assert f"/catalogue/versions/{draft.id}/{path.lstrip('/')}" not in html
    assert "/amend" not in browser.text(f"/catalogue/versions/{draft.id}/entries/PD-101")
    for path in ("entries/new", "entries/PD-101/amend", "entries/PD-101/remove", "publish", "import"):
        browser.text(f"/catalogue/versions/{draft.id}/{path}", 409)
    before = snapshot(db)
    referer = {"Referer": f"http://localhost/catalogue/versions/{draft.id}"}
    posts = {
        "entries/new": NEW_ENTRY,
        "entries/PD-101/amend": {"title": "改不了", "reason": "r"},
        "entries/PD-101/remove": {"reason": "r"},
        "publish": {},
    }
    for path, data in posts.items():
        answer = browser.form(f"/catalogue/versions/{draft.id}/{path}?lang=en", data, headers=referer)
        assert answer.status_code == 303 and answer.headers["Location"].endswith(f"/versions/{draft.id}"), (
            path
        )
    assert snapshot(db) == before
    assert "Version 2 is published and cannot change." in browser.text(f"/catalogue/versions/{draft.id}")
    # the catalogue in force is now this version
    assert f'href="/catalogue/versions/{draft.id}/entries/' in browser.text("/catalogue")


def test_an_empty_draft_cannot_be_published(db, page_as, draft):
    secretariat = page_as("secretariat")
    for entry in list(draft.entries):
        ops.remove_entry(draft, entry.code, reason="清空", actor=None)
    db.commit()
    before = snapshot(db)
    answer = secretariat.form(f"/catalogue/versions/{draft.id}/publish?lang=en")
    assert answer.status_code == 422
    assert "An empty catalogue cannot be published." in answer.get_data(as_text=True)
    assert snapshot(db) == before


# --- who may --------------------------------------------------------------------------------------


EDITS = {
    "entries/new": NEW_ENTRY,
    "entries/PD-101/amend": {"title": "x", "reason": "r"},
    "entries/PD-101/remove": {"reason": "r"},
    "publish": {},
    "import": {"reason": "r", "mode": "merge"},
}


@pytest.mark.parametrize("username", ["member1", "chair", "admin"])
def test_other_roles_that_see_drafts_are_refused_the_edits(db, page_as, draft, username):
    browser = page_as(username)
    assert f"/catalogue/versions/{draft.id}/entries/new" not in browser.text(
        f"/catalogue/versions/{draft.id}"
    )
    before = snapshot(db)
    for path, data in EDITS.items():
        browser.text(f"/catalogue/versions/{draft.id}/{path}", 403)
        assert browser.form(f"/catalogue/versions/{draft.id}/{path}", data).status_code == 403, path
    assert browser.form("/catalogue/versions/new", {"label": "x"}).status_code == 403
    assert (
        browser.form(f"/catalogue/versions/{draft.id}/import/apply", {"digest": "0" * 64}).status_code == 403
    )
    assert snapshot(db) == before


@pytest.mark.parametrize("username", ["officer", "head", "street"])
def test_roles_that_see_no_drafts_get_404_for_a_draft_and_403_for_the_version_in_force(
    db, page_as, published, draft, username
):
    browser = page_as(username)
    before = snapshot(db)
    for path, data in EDITS.items():
        browser.text(f"/catalogue/versions/{draft.id}/{path}", 404)
        assert browser.form(f"/catalogue/versions/{draft.id}/{path}", data).status_code == 404
        browser.text(f"/catalogue/versions/{published.id}/{path}", 403)
    assert browser.form("/catalogue/versions/new", {"label": "x"}).status_code == 403
    assert snapshot(db) == before


def test_posts_without_the_csrf_token_are_refused(db, page_as, draft):
    browser = page_as("secretariat")
    before = snapshot(db)
    for path, data in {**EDITS, "import/apply": {"digest": "0" * 64}}.items():
        answer = browser.post(f"/catalogue/versions/{draft.id}/{path}", data=data)
        assert answer.status_code == 400, path
    assert browser.post("/catalogue/versions/new", data={"label": "x"}).status_code == 400
    assert snapshot(db) == before
    assert db.scalar(sa.select(sa.func.count()).select_from(CatalogueVersion)) == 2
