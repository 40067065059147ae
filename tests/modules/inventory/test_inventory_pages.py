"""The inventory pages: progress, lists, an item and its removal, the import with its preview."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from gatekeeper.modules.inventory import pending
from gatekeeper.modules.inventory.models import CleanupStatus
from tests.modules.inventory.inventory_support import ROWS, counts, csv_bytes, import_rows, items_by_title


@pytest.fixture(autouse=True)
def instance(app, tmp_path, monkeypatch) -> Path:
    """Files kept between preview and apply go to this test's own folder."""
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    return tmp_path


def kept_files(instance: Path) -> list[Path]:
    folder = instance / pending.FOLDER
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def upload(browser, data: bytes, name: str = "inventory.csv"):
    return browser.form(
        "/inventory/import?lang=en", {"file": (io.BytesIO(data), name)}, content_type="multipart/form-data"
    )


def apply_form(html: str) -> dict:
    digest = re.search(r'name="digest" value="([0-9a-f]{64})"', html)
    plan = re.search(r'name="plan" value="([0-9a-f]{64})"', html)
    assert digest and plan, "no apply form on the preview"
    return {"digest": digest.group(1), "plan": plan.group(1)}


def test_preview_then_apply_exactly_what_was_previewed(db, world, page_as, instance):
    browser = page_as("secretariat")
    before = counts()
    answer = upload(browser, csv_bytes(ROWS))
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200, html[:800]
    assert "Preview" in html and "亲属关系证明" in html and "NEGATIVE_LIST" in html
    assert counts() == before
    assert len(kept_files(instance)) == 2
    done = browser.form("/inventory/import/apply", apply_form(html))
    assert done.status_code == 303
    assert counts()[1] == before[1] + len(ROWS)
    assert kept_files(instance) == []
    # applying twice (a double click) is refused: the file is gone; the page says so
    after = counts()
    again = browser.form("/inventory/import/apply?lang=en", apply_form(html))
    assert again.status_code == 303 and counts() == after
    assert "This preview is no longer available" in browser.text("/inventory/import?lang=en")


def test_a_preview_made_stale_is_refused(db, world, page_as):
    browser = page_as("secretariat")
    html = upload(browser, csv_bytes(ROWS)).get_data(as_text=True)
    import_rows(world, ROWS[:1])  # meanwhile, one of the rows was imported another way
    answer = browser.form("/inventory/import/apply?lang=en", apply_form(html))
    assert answer.status_code == 303 and counts()[1] == 1
    assert "changed since the preview" in browser.text("/inventory/import?lang=en")


def test_a_forged_plan_is_refused(db, page_as):
    browser = page_as("secretariat")
    form = apply_form(upload(browser, csv_bytes(ROWS)).get_data(as_text=True))
    before = counts()
    assert browser.form("/inventory/import/apply", {**form, "plan": "0" * 64}).status_code == 303
    assert counts() == before


def test_a_malformed_file_shows_its_problems_and_writes_nothing(db, page_as, instance):
    browser = page_as("secretariat")
    before = counts()
    answer = upload(browser, csv_bytes([ROWS[0], ("LJ9999", "sign", "", "", "", "")]))
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert "LJ9999" in html and "<code>community</code>" in html and "<code>title</code>" in html
    assert counts() == before and kept_files(instance) == []


def test_no_file_is_said_beside_the_field(db, page_as):
    answer = page_as("secretariat").form("/inventory/import?lang=en", {}, content_type="multipart/form-data")
    assert answer.status_code == 422
    assert "Choose a CSV or XLSX file." in answer.get_data(as_text=True)


@pytest.mark.parametrize("username", ["head", "street", "chair"])
def test_others_cannot_import(db, page_as, username):
    assert page_as(username).get("/inventory/import").status_code == 403


def test_progress_page(db, world, page_as):
    import_rows(world)
    html = page_as("secretariat").text("/inventory?lang=en")
    assert "Progress per street" in html and "滨江街道" in html and "Reduction per kind" in html
    assert "Import an inventory file" in html
    street = page_as("street").text("/inventory?lang=en")
    assert "滨江街道" in street and "朝阳街道" not in street


def test_items_page_with_filters(db, world, page_as):
    import_rows(world)
    browser = page_as("secretariat")
    html = browser.text("/inventory/items?lang=en&status=remove")
    assert "亲属关系证明" in html and "新时代文明实践站" not in html
    html = browser.text("/inventory/items?lang=en&street=LJ02")
    assert "死亡证明" in html and "亲属关系证明" not in html
    assert "综治中心" in browser.text("/inventory/items?kind=sign&community=LJ0201")


def test_the_head_records_a_removal_from_their_list(db, world, page_as):
    import_rows(world)
    items = items_by_title(world)
    browser = page_as("head")
    html = browser.text("/inventory/items?lang=en")
    assert "居民养犬证明" not in html  # another community
    assert f"/inventory/items/{items['亲属关系证明'].id}#removal-title" in html
    assert f"/inventory/items/{items['新时代文明实践站'].id}#removal-title" not in html
    page = browser.text(f"/inventory/items/{items['亲属关系证明'].id}?lang=en")
    assert "Record removal" in page and "NEGATIVE_LIST" in page
    bad = browser.form(f"/inventory/items/{items['亲属关系证明'].id}/removal", {"removed_on": "2030-01-01"})
    assert bad.status_code == 422
    done = browser.form(
        f"/inventory/items/{items['亲属关系证明'].id}/removal",
        {"removed_on": "2026-05-30", "note": "已停止出具"},
    )
    assert done.status_code == 303
    db.refresh(items["亲属关系证明"])
    assert items["亲属关系证明"].status == CleanupStatus.REMOVED
    assert "已停止出具" in browser.text(f"/inventory/items/{items['亲属关系证明'].id}")
    assert browser.get(f"/inventory/items/{items['居民养犬证明'].id}").status_code == 404


def test_removal_without_csrf_is_refused(db, world, page_as):
    import_rows(world)
    item = items_by_title(world)["亲属关系证明"]
    browser = page_as("head")
    answer = browser.post(f"/inventory/items/{item.id}/removal", data={"removed_on": "2026-05-30"})
    assert answer.status_code in (400, 403)
    db.refresh(item)
    assert item.status == CleanupStatus.REMOVE


def test_a_removal_is_taken_back_through_the_page(db, world, page_as):
    import_rows(world)
    item = items_by_title(world)["亲属关系证明"]
    browser = page_as("secretariat")
    assert "Take back this removal" not in browser.text(f"/inventory/items/{item.id}?lang=en")
    assert (
        browser.form(f"/inventory/items/{item.id}/removal", {"removed_on": "2026-05-30"}).status_code == 303
    )
    page = browser.text(f"/inventory/items/{item.id}?lang=en")
    assert "Take back this removal" in page and "Record removal" not in page
    refused = browser.form(f"/inventory/items/{item.id}/removal/undo?lang=en", {"note": ""})
    assert refused.status_code == 422
    assert 'id="f-note-error"' in refused.get_data(as_text=True)  # the message beside the note
    db.refresh(item)
    assert item.status == CleanupStatus.REMOVED
    assert browser.form(f"/inventory/items/{item.id}/removal/undo", {"note": "牌子仍在"}).status_code == 303
    db.refresh(item)
    assert item.status == CleanupStatus.REMOVE
    assert "Record removal" in browser.text(f"/inventory/items/{item.id}?lang=en")
    # others than those who record removals cannot take one back
    assert page_as("officer").form(f"/inventory/items/{item.id}/removal/undo", {"note": "x"}).status_code in (
        403,
        404,
    )


def test_the_secretariat_checks_again(db, world, page_as):
    import_rows(world)
    item = items_by_title(world)["禁毒工作站"]
    browser = page_as("secretariat")
    assert "Check again" in browser.text(f"/inventory/items/{item.id}?lang=en")
    assert browser.form(f"/inventory/items/{item.id}/recheck", {"note": ""}).status_code == 422
    assert browser.form(f"/inventory/items/{item.id}/recheck", {"note": "复核"}).status_code == 303


def test_navigation(db, page_as):
    assert 'href="/inventory"' in page_as("secretariat").text("/inventory")
    assert 'href="/inventory/items"' in page_as("head").text("/inventory/items")
