"""The committee in a real browser: three members vote from their queues, the chair (on a phone)
decides from theirs; the request ends approved with its authorisation issued."""

from __future__ import annotations

from gatekeeper.extensions import db
from gatekeeper.modules.committee.models import Vote
from gatekeeper.modules.requests.models import AdmissionRequest, RequestState
from tests import factories
from tests.e2e.conftest import PHONE

TITLE = "协助开展重点人群结核病筛查（浏览器测试）"


def test_three_members_vote_and_the_chair_decides(browser_page, live):
    with live.context():
        req_id = factories.in_review(title=TITLE).id
    vote_link = f"a[href='/requests/{req_id}/vote']"
    for username, choice in (("member2", "approve"), ("member3", "approve"), ("member4", "abstain")):
        page = browser_page(username)
        assert page.url.endswith("/committee/queue")  # the member's home
        page.locator(vote_link).first.click()
        page.wait_for_url(f"**/requests/{req_id}/vote")
        page.check(f"input[name=vote][value={choice}]")
        page.fill("#f-comment", f"{username}：经费已按标准安排，同意。")
        page.get_by_role("button", name="提交表决").click()
        page.wait_for_url("**/committee/queue?tab=awaiting")
        assert page.locator(".flash--success").is_visible()
        assert page.locator(vote_link).count() == 0  # no longer awaiting this member's vote

    chair = browser_page("chair", viewport=PHONE)
    assert chair.locator(".tabs a[aria-current=page]").inner_text().startswith("可作决定")
    chair.locator(f"a[href='/requests/{req_id}/decide']").click()
    chair.wait_for_url(f"**/requests/{req_id}/decide")
    assert chair.locator(".seat").count() == 6  # every seat, with its vote or recusal
    assert chair.get_by_text("member2：经费已按标准安排，同意。").is_visible()
    chair.check("input[name=outcome][value=approve]")
    chair.fill("#f-conditions", "每年向社区反馈一次实施情况")
    chair.get_by_role("button", name="作出决定").click()
    chair.wait_for_url("**/committee/queue?tab=decide")
    assert chair.locator(".flash--success").is_visible()

    with live.context():
        req = db.session.get(AdmissionRequest, req_id)
        assert req.state == RequestState.APPROVED and req.authorisation is not None
        assert db.session.query(Vote).filter_by(request_id=req_id).count() == 3
