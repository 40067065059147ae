"""Documents from the pages in a real browser: the buttons lead to the PDFs with the browser's own
session, and the notice's QR code opens the public verification on a phone."""

from __future__ import annotations

from urllib.parse import urlsplit

from tests.e2e.conftest import PHONE
from tests.pdf_tools import flat, pdf_text, qr_codes


def download(page, link_text: str) -> bytes:
    """The document a button links to, fetched with the page's cookies (its session)."""
    link = page.locator("a.button", has_text=link_text)
    assert link.count() == 1 and link.is_visible()
    answer = page.request.get(link.get_attribute("href"))
    assert answer.status == 200 and answer.headers["content-type"] == "application/pdf"
    return answer.body()


def test_the_notice_and_the_community_list_from_their_pages(browser_page, live):
    with live.context():
        from tests import factories

        number = factories.approved(title="协助开展居民健康素养宣传").authorisation.number

    officer = browser_page("officer")
    officer.goto(f"/authorisations/{number}")
    notice = download(officer, "准入通知书（PDF）")
    assert number in flat(pdf_text(notice)) and "社区工作事项准入通知书" in flat(pdf_text(notice))
    (code,) = qr_codes(notice)
    assert code.startswith(f"{live.url}/verify/{number}?code=")

    phone = browser_page(None, viewport=PHONE)  # anyone, without logging in
    target = urlsplit(code)
    phone.goto(f"{target.path}?{target.query}")
    assert "有效" in phone.locator("main").inner_text()

    head = browser_page("head")
    head.goto("/community")
    listing = flat(pdf_text(download(head, "准入清单（PDF")))
    assert "社区工作事项准入清单" in listing and "滨江社区" in listing and number in listing
