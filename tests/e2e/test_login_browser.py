"""Logging in and out in a real browser; the menu on a phone."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.conftest import PHONE


def test_log_in_and_out(browser_page):
    page = browser_page("officer")
    assert page.locator(".usermenu-who").inner_text().startswith("")
    page.click(".logout button")
    page.wait_for_url("**/login")
    page.goto("/notifications")
    assert "/login" in page.url


def test_wrong_password_is_said_beside_the_form(browser_page):
    page = browser_page()
    page.goto("/login")
    page.fill("#f-username", "officer")
    page.fill("#f-password", "not-the-password")
    page.click("button[type=submit]")
    expect(page.locator(".error-summary")).to_be_visible()
    assert page.input_value("#f-username") == "officer"


def test_the_menu_opens_on_a_phone(browser_page):
    page = browser_page("officer", viewport=PHONE)
    nav = page.locator("#site-nav")
    assert not nav.is_visible()
    page.click(".nav-toggle")
    expect(nav).to_be_visible()
