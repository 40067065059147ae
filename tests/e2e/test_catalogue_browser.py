"""The catalogue in a real browser: searching and filtering the catalogue in force (the filters submit
themselves), and importing a file into a draft: preview first, then apply what was previewed."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.conftest import PHONE


def test_search_and_filter_the_catalogue(browser_page):
    page = browser_page("officer", viewport=PHONE)
    page.goto("/catalogue")
    page.fill("#filter-q", "PD-10")
    page.press("#filter-q", "Enter")
    page.wait_for_url(re.compile(r"q=PD-10"))
    codes = page.locator("table.catalogue-entries tbody td:first-child code").all_inner_texts()
    assert codes and all(code.startswith("PD-10") for code in codes)
    page.fill("#filter-q", "")
    page.press("#filter-q", "Enter")
    page.wait_for_url(re.compile(r"q=(&|$)"))
    page.select_option("#filter-standing", "banned")  # submits itself
    page.wait_for_url(re.compile(r"standing=banned"))
    assert page.locator("table.catalogue-entries tbody tr").count() == 25
    assert page.locator("table.catalogue-entries .badge--bad").count() == 25
    # a stacked card on a phone: the table is no wider than the screen
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_import_a_file_preview_then_apply(browser_page, live):
    from gatekeeper.extensions import db
    from gatekeeper.modules.accounts.models import User
    from gatekeeper.modules.catalogue import operations as ops
    from gatekeeper.modules.jurisdictions.models import Gate

    with live.context():
        gate = db.session.query(Gate).filter_by(code="LJ").one()
        office = db.session.query(User).filter_by(username="secretariat").one()
        draft = ops.draft_version(gate) or ops.create_version(gate, label="浏览器测试版", actor=office)
        db.session.commit()
        draft_id = draft.id
    data = (
        "code,title,kind,standing,funding_basis,funding_amount_yuan\r\n"
        "PE-777,浏览器导入的宣传栏,sign,permitted,per_community,88.80\r\n"
    ).encode()

    page = browser_page("secretariat")
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(f"/catalogue/versions/{draft_id}")
    page.click(f"a[href='/catalogue/versions/{draft_id}/import']")
    page.set_input_files("#f-file", files=[{"name": "新增.csv", "mimeType": "text/csv", "buffer": data}])
    page.fill("#f-reason", "浏览器导入测试")
    page.click("form[enctype='multipart/form-data'] button[type=submit]")
    expect(page.locator(".import-preview")).to_be_visible()  # the re-rendered page, once it has loaded
    assert "PE-777" in page.locator("main").inner_text() and "88.80" in page.locator("main").inner_text()
    with live.context():
        assert ops.find_entry(ops.get_version(draft_id), "PE-777") is None  # the preview wrote nothing
    page.click(".import-preview button[type=submit]")
    page.wait_for_url(re.compile(rf"/catalogue/versions/{draft_id}\?show=changes"))
    assert page.locator(".flash--success").is_visible()
    assert "浏览器导入测试" in page.locator("table.catalogue-changes").inner_text()
    with live.context():
        entry = ops.find_entry(ops.get_version(draft_id), "PE-777")
        assert entry is not None and entry.funding_amount_fen == 8880
