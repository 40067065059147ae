"""Issue 4's acceptance, in a real browser and through the pages only.

One request goes from filing to authorisation — the officer of 区卫健委 files and submits it, the
committee office accepts it and opens a written vote on it, three members vote (member1 of 区卫健委 is
recused and is told so), the chair decides — and the authorisation is then found on the community
head's page and on the public verification page, reached from its verification link on a phone.
Then: each role is refused the others' pages (403), a post without the CSRF token fails, and the
English pages show no Chinese that is not data. Every page of these tests is watched for requests
outside the app and for console errors (``tests/e2e/conftest.py``).
"""

from __future__ import annotations

import datetime as dt
import re

import sqlalchemy as sa
from playwright.sync_api import expect

from tests.e2e.conftest import PHONE

TITLE = "协助开展冬季流感疫苗接种宣传"
CJK_RUN = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]+")


def start_and_end() -> tuple[str, str]:
    start = dt.date.today() + dt.timedelta(days=120)
    start = start.replace(day=1)
    return start.isoformat(), (start.replace(year=start.year + 1) - dt.timedelta(days=1)).isoformat()


def file_the_request(page) -> int:
    """The officer fills the form, sees the live pre-check say admissible, saves and submits."""
    page.locator(".mainnav").get_by_role("link", name="新建申请").click()
    page.check('input[name="kind"][value="duty"]')
    page.check('input[name="role"][value="assist"]')
    page.fill("#f-title", TITLE)
    page.fill("#entry-search", "传染病")
    page.locator("#entry-results .entry-result", has_text="PD-107").click()
    expect(page.locator("#f-catalogue-entry")).to_have_value("PD-107")
    page.fill("#f-legal-basis", "《中华人民共和国传染病防治法》第九条")
    page.fill("#f-description", "入户发放流感疫苗接种宣传材料，协助统计老年人接种意愿。")
    page.check('input[name="scope.type"][value="streets"]')
    page.check('input[name="scope.street_codes"][value="LJ01"]')
    start, end = start_and_end()
    page.fill("#f-start-date", start)
    page.fill("#f-end-date", end)
    page.fill("#f-workload-hours", "4")
    page.fill("#f-demands-reports-per-year", "1")
    page.select_option("#f-funding-basis", "per_100_households")
    page.fill("#f-funding-amount-fen", "150.00")
    page.fill("#f-funding-source", "区财政专项")
    expect(page.locator("#precheck-outcome")).to_contain_text("可予准入")
    expect(page.locator("#precheck-reach")).to_contain_text("14 个社区")
    page.locator("#request-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/requests/\d+$"))
    request_id = int(page.url.rsplit("/", 1)[1])
    expect(page.locator("h1")).to_contain_text(TITLE)
    page.locator('[data-action="submit"]').click()
    page.get_by_role("button", name="提交申请").click()
    page.wait_for_url(re.compile(rf"/requests/{request_id}$"))
    expect(page.locator(".badge").first).to_contain_text("已提交")
    return request_id


def accept_and_open_a_written_vote(page, request_id: int) -> None:
    """The office finds it in its inbox, accepts it and puts it to a written vote."""
    expect(page.locator("main")).to_contain_text(TITLE)
    page.goto(f"/requests/{request_id}/accept")
    page.get_by_role("button", name="受理").click()
    expect(page.locator(".flash--success")).to_be_visible()
    page.goto("/committee/meetings/new")
    page.check('input[name="kind"][value="written"]')
    page.fill("#f-title", "2026年第12次书面表决")
    page.fill("#f-on-date", (dt.date.today() + dt.timedelta(days=7)).isoformat())
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/committee/meetings/\d+$"))
    page.check(f'input[name="requests"][value="{request_id}"]')
    page.get_by_role("button", name=re.compile("列入")).click()
    expect(page.locator("main")).to_contain_text(TITLE)


def vote(page, request_id: int) -> None:
    page.locator(f"a[href='/requests/{request_id}/vote']").first.click()
    page.check('input[name="vote"][value="approve"]')
    page.fill("#f-comment", "同意，请部门按时足额拨付经费。")
    page.get_by_role("button", name="提交表决").click()
    expect(page.locator(".flash--success")).to_be_visible()


def test_a_request_from_filing_to_authorisation_through_the_pages(browser_page, live):
    officer = browser_page("officer")
    request_id = file_the_request(officer)

    accept_and_open_a_written_vote(browser_page("secretariat"), request_id)

    recused = browser_page("member1")
    recused.goto(f"/requests/{request_id}/vote")
    expect(recused.locator("main")).to_contain_text("回避")
    expect(recused.locator('input[name="vote"]')).to_have_count(0)
    for member in ("member2", "member3", "member4"):
        vote(browser_page(member), request_id)

    chair = browser_page("chair")
    chair.locator(f"a[href='/requests/{request_id}/decide']").first.click()
    expect(chair.locator("main")).to_contain_text("3")
    chair.check('input[name="outcome"][value="approve"]')
    chair.fill("#f-conditions", "不得要求社区另设台账；宣传材料由区卫健委统一印制。")
    chair.get_by_role("button", name="作出决定").click()
    chair.goto(f"/requests/{request_id}")
    number = chair.locator("#req-authorisation-title ~ dl a.number").inner_text().strip()
    assert re.fullmatch(r"LJ-\d{4}-\d{4}", number)

    # the officer sees the decision and the authorisation on the request's page
    officer.goto(f"/requests/{request_id}")
    expect(officer.locator("main")).to_contain_text("已批准")
    expect(officer.locator("main")).to_contain_text(number)

    # 滨江社区 (LJ0101, in street LJ01) finds it among what is authorised there, with its money
    head = browser_page("head")
    expect(head.locator("main")).to_contain_text(number)
    expect(head.locator("main")).to_contain_text(TITLE)

    # the public: the verification link of the authorisation, opened on a phone without logging in
    officer.locator(f"a[href='/authorisations/{number}']").first.click()
    link = officer.locator("a.verify-url").get_attribute("href")
    assert link.startswith(live.url + f"/verify/{number}?code=")
    phone = browser_page(viewport=PHONE)
    phone.goto(link + "&community=LJ0101")
    expect(phone.locator(".badge-word")).to_have_text("有效")
    expect(phone.locator(".scope-word")).to_have_text("在范围内")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


#: A page only one role may open, for each role.
OWN_PAGES = {
    "officer": "/requests/new",
    "secretariat": "/committee/inbox",
    "member2": "/committee/queue",
    "head": "/community",
    "street": "/street",
    "admin": "/admin/",
}


def test_each_role_is_refused_the_pages_of_the_others(browser_page):
    for username in OWN_PAGES:
        page = browser_page(username)
        for other, path in OWN_PAGES.items():
            answer = page.goto(path)
            expected = 200 if other == username else 403
            assert answer.status == expected, f"{username} on {path}: {answer.status}"
        if username != "admin":
            expect(page.locator("h1")).to_have_text("无权访问")


def test_a_post_without_the_csrf_token_fails(browser_page):
    page = browser_page("officer")
    status = page.evaluate(
        """async () => {
            const body = new URLSearchParams({current_password: "x", new_password: "y"});
            const answer = await fetch("/account/password", {method: "POST", body});
            return answer.status;
        }"""
    )
    assert status == 400
    api = page.evaluate(
        """async () => (await fetch("/api/v1/notifications/read-all", {method: "POST",
            headers: {"Content-Type": "application/json"}, body: "{}"})).status"""
    )
    assert api == 400


def data_text(live) -> str:
    """Every text the database holds that pages may show as data (names, titles, reasons...), but not
    the Chinese wording of the rules' findings, which an English page must not show."""
    from gatekeeper.extensions import db

    chunks: list[str] = []
    with live.context():
        for table in db.metadata.sorted_tables:
            columns = [
                c
                for c in table.columns
                if isinstance(c.type, sa.String | sa.Text) and not c.name.endswith("_zh")
            ]
            if columns:
                for row in db.session.execute(sa.select(*columns)):
                    chunks.extend(str(value) for value in row if value)
            json_columns = [c for c in table.columns if isinstance(c.type, sa.JSON)]
            if json_columns and table.name != "audit_entries":
                for row in db.session.execute(sa.select(*json_columns)):
                    chunks.extend(str(value) for value in row if value)
        db.session.remove()
    return "\n".join(chunks)


#: The main pages of each role, in English.
MAIN_PAGES = {
    "officer": ["/", "/requests/new", "/authorisations", "/funds", "/catalogue"],
    "secretariat": ["/", "/requests", "/committee/meetings", "/reports"],
    "member2": ["/"],
    "chair": ["/"],
    "head": ["/", "/reports", "/reports/new"],
    "street": ["/"],
    "admin": ["/", "/admin/users", "/admin/jurisdictions"],
    "": ["/login", "/verify", "/public/communities", "/public/communities/LJ0101"],
}


def test_the_english_pages_show_no_chinese_but_data(browser_page, live):
    known = data_text(live)
    leaks = []
    for username, paths in MAIN_PAGES.items():
        page = browser_page(username or None, locale="en-US")
        page.goto("/lang/en?next=/")
        for path in paths:
            page.goto(path)
            text = page.locator("body").inner_text()
            for run in CJK_RUN.findall(text):
                if run not in known and run not in ("中文",):  # the switch names Chinese in Chinese
                    leaks.append(f"{username or 'public'} {path}: {run}")
    assert not leaks, "Chinese on English pages that is not data:\n" + "\n".join(sorted(set(leaks)))
