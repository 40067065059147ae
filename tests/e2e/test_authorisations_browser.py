"""Money through the pages in a real browser: the officer records a payment, the community head (on a
phone) opens the message about it and confirms the receipt."""

from __future__ import annotations

import re

import sqlalchemy as sa
from playwright.sync_api import expect

from gatekeeper.extensions import db
from gatekeeper.modules.funds.models import Allocation, Disbursement, DisbursementState
from gatekeeper.modules.jurisdictions.models import Jurisdiction
from tests import factories
from tests.e2e.conftest import PHONE


def test_an_officer_records_a_payment_and_the_head_confirms_it(browser_page, live):
    with live.context():
        authorisation = factories.approved(title="协助开展浏览器测试专项宣传").authorisation
        number = authorisation.number
        allocation_id = db.session.scalar(
            sa.select(Allocation.id)
            .join(Jurisdiction, Jurisdiction.id == Allocation.community_id)
            .where(Allocation.authorisation_id == authorisation.id, Jurisdiction.code == "LJ0101")
        )

    officer = browser_page("officer")
    officer.goto(f"/authorisations/{number}")
    officer.click(f'a[href="/allocations/{allocation_id}/disburse"]')
    officer.fill("#f-amount-fen", "999999999")  # more than is owed: refused beside the field
    officer.fill("#f-reference", "临财拨〔2026〕88号")
    officer.click("#main form button[type=submit]")
    expect(officer.locator("#f-amount-fen-error")).to_be_visible()
    assert officer.input_value("#f-reference") == "临财拨〔2026〕88号"
    officer.fill("#f-amount-fen", "1,200.50")
    officer.click("#main form button[type=submit]")
    officer.wait_for_url(re.compile(rf".*/authorisations/{number}$"))
    assert officer.locator(".flash--success").is_visible()
    assert "1,200.50" in officer.locator("section[aria-labelledby=payments-title] .table-wrap").inner_text()

    head = browser_page("head", viewport=PHONE)
    head.goto("/notifications")
    head.locator("li.message", has_text=number).first.locator("button[type=submit]").click()
    head.wait_for_url(re.compile(rf".*/authorisations/{number}$"))
    with head.expect_navigation():  # back to this very page
        head.click('form[action$="/confirm"] button[type=submit]')
    assert head.locator(".flash--success").is_visible()
    assert head.locator("section[aria-labelledby=payments-title] .table-wrap .badge--good").first.is_visible()
    width = head.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is wider than the phone: {width}px"

    with live.context():
        payment = db.session.scalar(
            sa.select(Disbursement).where(Disbursement.allocation_id == allocation_id)
        )
        assert payment.amount_fen == 120050 and payment.state == DisbursementState.CONFIRMED
        assert db.session.get(Allocation, allocation_id).confirmed_fen == 120050
