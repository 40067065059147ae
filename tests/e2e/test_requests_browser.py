"""The request form in a real browser: the live pre-check as one types (findings with citations, the
scope's count of communities and households), the catalogue entry picker, and the form on a phone."""

from __future__ import annotations

import datetime as dt
import re

from playwright.sync_api import expect

from tests.e2e.conftest import PHONE

START = dt.date.today() + dt.timedelta(days=200)
END = START + dt.timedelta(days=364)


def fill_dates(page) -> None:
    page.fill("#f-start-date", START.isoformat())
    page.fill("#f-end-date", END.isoformat())


def test_the_pre_check_answers_as_one_types(browser_page):
    page = browser_page("officer")
    page.goto("/requests/new")
    findings = page.locator("#precheck-findings")
    page.check('input[name="kind"][value="certificate"]')
    fill_dates(page)
    page.fill("#f-title", "居民生存情况证明")

    banned = findings.locator(".finding--block", has_text="NEGATIVE_LIST")
    expect(banned).to_be_visible()
    expect(banned.locator(".finding-citation")).to_contain_text("不应由基层群众性自治组织出具证明事项清单")
    expect(page.locator("#precheck-outcome")).to_contain_text("不得提交")
    expect(page.locator("#precheck-reach")).to_contain_text("80 个社区")

    # the scope: one street, then two; the count follows
    page.check('input[name="scope.type"][value="streets"]')
    expect(page.locator('[data-scope="streets"]')).to_be_visible()
    expect(page.locator('[data-scope="communities"]')).to_be_hidden()
    page.check('input[name="scope.street_codes"][value="LJ01"]')
    expect(page.locator("#precheck-reach")).to_contain_text("14 个社区")
    expect(page.locator("#scope-count")).to_contain_text("14 个社区")
    page.check('input[name="scope.street_codes"][value="LJ02"]')
    expect(page.locator("#precheck-reach")).to_contain_text("28 个社区")
    households = re.search(r"([\d,]+) 户", page.locator("#precheck-reach").inner_text()).group(1)
    assert int(households.replace(",", "")) > 0

    # a field the gate cannot check yet is named beside the findings
    page.fill("#f-end-date", "")
    expect(page.locator("#precheck-problems")).to_contain_text("结束日期")


def test_the_entry_picker_finds_an_entry_and_fills_its_code(browser_page):
    page = browser_page("officer")
    page.goto("/requests/new")
    page.check('input[name="kind"][value="duty"]')
    expect(page.locator(".role-field")).to_be_visible()
    page.fill("#entry-search", "传染病")
    result = page.locator("#entry-results .entry-result", has_text="PD-107")
    expect(result).to_be_visible()
    page.focus("#entry-search")
    page.keyboard.press("ArrowDown")
    expect(page.locator("#entry-results .entry-result").first).to_be_focused()
    result.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#f-catalogue-entry")).to_have_value("PD-107")
    card = page.locator("#entry-card")
    expect(card).to_be_visible()
    expect(card).to_contain_text("准入")
    expect(card).to_contain_text("每百户每年")

    # a banned entry shows as banned; a certificate has no role to choose
    page.check('input[name="kind"][value="certificate"]')
    expect(page.locator(".role-field")).to_be_hidden()
    page.fill("#entry-search", "NC-0")
    banned = page.locator("#entry-results .entry-result").first
    expect(banned).to_contain_text("禁止")
    banned.click()
    expect(page.locator("#entry-card")).to_have_class(re.compile("entry-card--banned"))


def test_the_form_on_a_phone(browser_page):
    page = browser_page("officer", viewport=PHONE)
    page.goto("/requests/new")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    form_box = page.locator("#request-form").bounding_box()
    panel_box = page.locator("#precheck").bounding_box()
    assert panel_box["y"] > form_box["y"] + form_box["height"] - 1  # the findings come below the form
    assert form_box["width"] <= PHONE["width"]

    page.check('input[name="kind"][value="duty"]')
    page.check('input[name="role"][value="assist"]')
    page.fill("#f-title", "协助开展冬季防火安全宣传")
    page.fill("#f-legal-basis", "《中华人民共和国消防法》")
    page.check('input[name="scope.type"][value="communities"]')
    page.fill("#community-filter", "滨江")
    page.locator(".community-group .choice:visible input").first.check()
    expect(page.locator("#community-picked")).to_contain_text("1")
    fill_dates(page)
    page.select_option("#f-funding-basis", "per_community")
    page.fill("#f-funding-amount-fen", "1200")
    expect(page.locator("#precheck-reach")).to_contain_text("1 个社区")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.click("#request-form button[type=submit]")
    page.wait_for_url(re.compile(r"/requests/\d+$"))
    expect(page.locator("h1")).to_contain_text("协助开展冬季防火安全宣传")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
