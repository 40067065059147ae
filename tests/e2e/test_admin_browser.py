"""The admin's pages in a real browser: creating an officer (the fields follow the role), who then
logs in with the password shown once; the user list on a phone."""

from __future__ import annotations

from tests.e2e.conftest import PHONE, login


def test_the_admin_creates_an_officer_who_then_logs_in(browser_page):
    page = browser_page("admin")
    page.goto("/admin/users/new")
    page.select_option("#f-role", "member")
    assert page.locator("#f-gate").is_visible() and not page.locator("#f-jurisdiction").is_visible()
    page.select_option("#f-role", "officer")
    assert page.locator("#f-department").is_visible()
    assert not page.locator("#f-gate").is_visible() and not page.locator("#f-jurisdiction").is_visible()
    page.fill("#f-username", "li.na")
    page.fill("#f-name", "李娜(区民政局经办人)")
    page.select_option("#f-department", "MZJ")
    page.click("button[type=submit]:has-text('创建用户')")
    password = page.locator("#generated-password").inner_text().strip()
    assert len(password) >= 12
    page.click(".logout button")
    page.wait_for_url("**/login")

    login(page, "li.na", password)
    assert page.locator(".who-name").inner_text() == "李娜(区民政局经办人)"
    assert "/admin" not in page.url
    assert page.goto("/admin/").status == 403


def test_the_user_list_reads_as_cards_on_a_phone(browser_page):
    page = browser_page("admin", viewport=PHONE)
    page.goto("/admin/users?role=member")
    first = page.locator("table.data tbody tr").first
    assert first.locator("td").first.is_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page scrolls sideways: {width}px"
