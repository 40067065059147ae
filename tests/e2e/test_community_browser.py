"""The community head in a real browser at 375 px: their community's page (no sideways scrolling, the
items as cards), then a report of an unauthorised entry: refused once, with the errors beside the
fields and the input kept, then filed and listed."""

from __future__ import annotations

import datetime as dt
import re

from playwright.sync_api import expect

from tests.e2e.conftest import PHONE

TITLE = "要求社区每周上报创建工作照片"


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_the_heads_page_on_a_phone_and_filing_a_report(browser_page, live):
    with live.context():
        from tests import factories

        number = factories.approved(title="协助开展居民健康素养宣传").authorisation.number

    page = browser_page("head", viewport=PHONE)
    page.goto("/community")
    assert "滨江社区" in page.locator("h1").inner_text()
    row = page.locator("table.items tbody tr", has=page.locator(f"text={number}"))
    assert row.count() == 1 and row.is_visible()
    assert row.locator("td[data-label]").first.evaluate("cell => getComputedStyle(cell).display") == "block"
    assert fits_the_screen(page)

    page.click("text=举报未经准入事项")
    page.wait_for_url("**/reports/new")
    assert fits_the_screen(page)
    page.fill("#f-description", "街道某部门电话通知每周上报照片。")
    page.click("main button[type=submit]")  # nothing else filled in: refused
    expect(page.locator(".error-summary")).to_be_visible()
    expect(page.locator("#f-title-error")).to_be_visible()
    expect(page.locator("#f-kind-error")).to_be_visible()
    assert page.input_value("#f-description") == "街道某部门电话通知每周上报照片。"

    page.select_option("#f-department", "WJW")
    page.select_option("#f-kind", "system")
    page.fill("#f-title", TITLE)
    page.fill("#f-occurred-on", (dt.date.today() - dt.timedelta(days=2)).isoformat())
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r"/reports/\d+$"))
    assert page.locator("h1").inner_text() == TITLE
    assert page.locator(".flash--success").is_visible()
    assert fits_the_screen(page)

    page.goto("/reports")
    assert page.locator(f"text={TITLE}").is_visible()
