"""The pages of members and the chair: the queue (exactly what awaits the user's vote, their own seat and
the seats they deputise for), voting, declaring a conflict, the chair's decision, and the committee's
panel on the request page."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from gatekeeper.core import clock
from gatekeeper.extensions import db as _db
from gatekeeper.modules.accounts.operations import name_deputy
from gatekeeper.modules.committee import meetings
from gatekeeper.modules.committee.models import Decision, Recusal, Vote
from gatekeeper.modules.requests import operations as request_ops
from gatekeeper.modules.requests.models import RequestState
from tests import factories
from tests.factories import TODAY, user


@pytest.fixture(autouse=True)
def today():
    with clock.frozen(TODAY):
        yield


def in_review_of(username: str, **changes):
    """A request of ``username``'s department, accepted for review."""
    req = factories.draft(username, **changes)
    req, run, _ = request_ops.submit_request(req, actor=req.created_by)
    request_ops.raise_if_blocked(run)
    request_ops.accept_request(req, actor=user("secretariat"))
    _db.session.commit()
    return req


@pytest.fixture
def two(db):
    """A request of 区卫健委 (member1's department) and one of 区民政局 (member2's)."""
    wjw = factories.in_review()
    mzj = in_review_of("mzj.officer", title="协助开展困难群众走访慰问")
    return wjw, mzj


def votes_of(db, req) -> dict[str, tuple[str, str]]:
    rows = db.scalars(sa.select(Vote).where(Vote.request_id == req.id, Vote.round == req.review_round))
    return {v.member.username: (v.choice.value, v.cast_by.username) for v in rows}


# --- the queue ----------------------------------------------------------------------------------


def test_the_queue_shows_exactly_what_awaits_the_member(db, page_as, two):
    wjw, mzj = two
    member1 = page_as("member1")
    awaiting = member1.text("/committee/queue?tab=awaiting")
    assert f"/requests/{mzj.id}/vote" in awaiting
    assert f"/requests/{wjw.id}/vote" not in awaiting  # member1 works for 区卫健委: recused
    recused = member1.text("/committee/queue?tab=recused")
    assert wjw.title in recused and "申请部门人员" in recused and mzj.title not in recused
    member2 = page_as("member2")
    awaiting = member2.text("/committee/queue")
    assert f"/requests/{wjw.id}/vote" in awaiting and f"/requests/{mzj.id}/vote" not in awaiting
    member3 = page_as("member3")
    assert member3.text("/committee/queue").count('class="panel queue-item"') == 2
    factories.voted(wjw, {"member3": "approve"})
    after = member3.text("/committee/queue")
    assert after.count('class="panel queue-item"') == 1 and f"/requests/{mzj.id}/vote" in after
    voted = member3.text("/committee/queue?tab=voted")
    assert wjw.title in voted and mzj.title not in voted


def test_the_queue_shows_findings_answers_money_and_deadline(db, world, page_as):
    req = factories.submitted(**factories.OUT_OF_CATALOGUE)
    request_ops.return_request(req, "请说明经费测算依据", actor=user("secretariat"))
    db.commit()
    request_ops.submit_request(
        req, actor=user("officer"), response="按每社区每年1200元测算，区财政专项列支。"
    )
    request_ops.accept_request(req, actor=user("secretariat"))
    written = meetings.create_meeting(
        world.gate,
        {"kind": "written", "title": "2026年第6次书面表决", "on_date": TODAY + dt.timedelta(days=5)},
        actor=user("secretariat"),
    )
    meetings.schedule(written, [req], actor=user("secretariat"))
    db.commit()
    html = page_as("member2").text("/committee/queue")
    assert "OUT_OF_CATALOGUE" in html and "依据" in html  # the finding with its citation
    assert "请说明经费测算依据" in html and "按每社区每年1200元测算" in html  # the return and the answer
    assert "1,200.00 元" in html and "有效期内合计" in html  # the money and the total it implies
    assert "2026年第6次书面表决" in html and "表决截止" in html  # the written vote's last day
    assert "剩余15个工作日" in html


def test_a_deputy_sees_and_votes_for_the_principals_seat(db, page_as, two):
    wjw, _mzj = two
    name_deputy(
        user("member4"), user("member5"), TODAY, TODAY + dt.timedelta(days=10), "出差", actor=user("member4")
    )
    db.commit()
    member5 = page_as("member5")
    assert member5.text("/committee/queue").count('class="panel queue-item"') == 2
    factories.voted(wjw, {"member5": "approve"})  # member5's own seat
    queue = member5.text("/committee/queue")
    assert f"/requests/{wjw.id}/vote" in queue and "代孙丽(区司法局)" in queue  # still member4's seat
    page = member5.text(f"/requests/{wjw.id}/vote")
    assert 'name="acting_for"' in page and 'value="member4"' in page
    answer = member5.form(
        f"/requests/{wjw.id}/vote", {"vote": "reject", "comment": "需补充说明", "acting_for": "member4"}
    )
    assert answer.status_code == 303
    assert votes_of(db, wjw)["member4"] == ("reject", "member5")
    voted = member5.text("/committee/queue?tab=voted")
    assert wjw.title in voted and "代孙丽(区司法局)" in voted  # both votes cast by member5 are listed
    assert f"/requests/{wjw.id}/vote" not in member5.text("/committee/queue?tab=awaiting")


# --- voting and recusal -------------------------------------------------------------------------


def test_vote_needs_a_choice_beside_the_field_and_then_counts(db, page_as, two):
    wjw, _mzj = two
    member2 = page_as("member2")
    page = member2.text(f"/requests/{wjw.id}/vote")
    assert 'name="vote"' in page and 'name="acting_for"' not in page
    refused = member2.form(f"/requests/{wjw.id}/vote", {"comment": "同意，注意控制报表频次"})
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert 'id="f-vote-error"' in html and "同意，注意控制报表频次" in html  # the comment is kept
    assert votes_of(db, wjw) == {}
    assert member2.post(f"/requests/{wjw.id}/vote", data={"vote": "approve"}).status_code == 400
    assert votes_of(db, wjw) == {}
    answer = member2.form(f"/requests/{wjw.id}/vote", {"vote": "approve", "comment": "同意"})
    assert answer.status_code == 303 and answer.headers["Location"].endswith("/committee/queue?tab=awaiting")
    assert votes_of(db, wjw) == {"member2": ("approve", "member2")}
    again = member2.text(f"/requests/{wjw.id}/vote")
    assert "您本轮的表决已记录" in again and 'name="vote"' not in again


def test_a_recused_member_is_told_why_instead_of_the_form(db, page_as, two):
    wjw, _mzj = two
    member1 = page_as("member1")
    page = member1.text(f"/requests/{wjw.id}/vote")
    assert "回避" in page and 'name="vote"' not in page
    assert member1.form(f"/requests/{wjw.id}/vote", {"vote": "approve"}).status_code == 403
    assert votes_of(db, wjw) == {}


def test_declaring_a_conflict_needs_a_reason_and_moves_the_item(db, page_as, two):
    wjw, _mzj = two
    member3 = page_as("member3")
    refused = member3.form(f"/requests/{wjw.id}/recuse", {"reason": ""})
    assert refused.status_code == 422 and 'id="f-reason-error"' in refused.get_data(as_text=True)
    assert db.scalar(sa.select(sa.func.count(Recusal.id))) == 0
    answer = member3.form(f"/requests/{wjw.id}/recuse", {"reason": "配偶在区卫健委工作"})
    assert answer.status_code == 303
    assert f"/requests/{wjw.id}/vote" not in member3.text("/committee/queue?tab=awaiting")
    recused = member3.text("/committee/queue?tab=recused")
    assert "配偶在区卫健委工作" in recused
    page = member3.text(f"/requests/{wjw.id}/vote")
    assert 'name="vote"' not in page and "回避" in page


def test_votes_in_a_closed_written_vote_are_refused_on_the_page(db, world, page_as, two):
    wjw, _mzj = two
    written = meetings.create_meeting(
        world.gate, {"kind": "written", "title": "书面表决", "on_date": TODAY}, actor=user("secretariat")
    )
    meetings.schedule(written, [wjw], actor=user("secretariat"))
    db.commit()
    with clock.frozen(TODAY + dt.timedelta(days=1)):
        member2 = page_as("member2")
        page = member2.text(f"/requests/{wjw.id}/vote")
        assert "不再接受书面表决票" in page and 'name="vote"' not in page
        url = f"/requests/{wjw.id}/vote"
        answer = member2.form(url, {"vote": "approve"}, headers={"Referer": f"http://localhost{url}"})
        assert answer.status_code == 303 and answer.headers["Location"] == url
    assert votes_of(db, wjw) == {}


def test_vote_and_recuse_pages_are_the_committees(db, page_as, two):
    wjw, _mzj = two
    for username in ("secretariat", "officer"):
        browser = page_as(username)
        assert browser.get(f"/requests/{wjw.id}/vote").status_code == 403, username
        assert browser.get(f"/requests/{wjw.id}/recuse").status_code == 403, username
        assert browser.form(f"/requests/{wjw.id}/vote", {"vote": "approve"}).status_code == 403, username
        assert browser.get("/committee/queue").status_code == 403, username
    head = page_as("head")
    assert head.get(f"/requests/{wjw.id}/vote").status_code == 404
    assert head.get("/committee/queue").status_code == 403
    assert votes_of(db, wjw) == {}


# --- the chair's decision -----------------------------------------------------------------------


def test_the_chair_sees_what_is_ready_to_decide_first(db, page_as, two):
    wjw, mzj = two
    factories.voted(wjw)  # 3 of 5: quorum
    chair = page_as("chair")
    assert chair.get("/").headers["Location"].endswith("/committee/queue")
    html = chair.text("/committee/queue")
    assert 'aria-current="page">可作决定' in html
    assert f"/requests/{wjw.id}/decide" in html and f"/requests/{mzj.id}/decide" not in html
    assert "已达法定人数" in html
    assert f"/requests/{wjw.id}/decide" not in page_as("member2").text("/committee/queue?tab=decide")


def test_decide_needs_a_reason_to_reject_or_return(db, page_as, two):
    wjw, _mzj = two
    factories.voted(wjw, {"member2": "reject", "member3": "reject", "member4": "approve"})
    chair = page_as("chair")
    page = chair.text(f"/requests/{wjw.id}/decide")
    assert "王芳(区民政局)" in page and "回避：申请部门人员" in page and "不同意" in page
    for outcome in ("reject", "return"):
        refused = chair.form(f"/requests/{wjw.id}/decide", {"outcome": outcome, "conditions": ""})
        assert refused.status_code == 422, outcome
        assert 'id="f-reason-error"' in refused.get_data(as_text=True)
    db.refresh(wjw)
    assert wjw.state == RequestState.IN_REVIEW
    assert db.scalar(sa.select(sa.func.count(Decision.id))) == 0
    answer = chair.form(f"/requests/{wjw.id}/decide", {"outcome": "reject", "reason": "属于部门自身职责"})
    assert answer.status_code == 303
    db.refresh(wjw)
    assert wjw.state == RequestState.REJECTED


def test_approving_an_out_of_catalogue_item_refers_it_and_the_page_says_so(db, page_as):
    req = factories.voted(factories.in_review(**factories.OUT_OF_CATALOGUE))
    chair = page_as("chair")
    page = chair.text(f"/requests/{req.id}/decide")
    assert "不在准入目录内" in page and req.gate.escalation_body_name in page
    answer = chair.form(f"/requests/{req.id}/decide", {"outcome": "approve", "conditions": "每年报告一次"})
    assert answer.status_code == 303
    db.refresh(req)
    assert req.state == RequestState.REFERRED


def test_decide_is_the_chairs_and_needs_the_csrf_token(db, page_as, two):
    wjw, _mzj = two
    factories.voted(wjw)
    for username in ("member2", "secretariat", "officer"):
        assert page_as(username).get(f"/requests/{wjw.id}/decide").status_code == 403, username
    chair = page_as("chair")
    assert chair.post(f"/requests/{wjw.id}/decide", data={"outcome": "approve"}).status_code == 400
    db.refresh(wjw)
    assert wjw.state == RequestState.IN_REVIEW
    assert chair.form(f"/requests/{wjw.id}/decide", {"outcome": "approve"}).status_code == 303
    db.refresh(wjw)
    assert wjw.state == RequestState.APPROVED


# --- the panel on the request page --------------------------------------------------------------


def test_the_request_page_shows_the_committees_record(app, db, world, page_as):
    if "requests_pages.detail" not in app.view_functions:
        pytest.skip("the request page is not there yet")
    req = factories.in_review()
    meeting = meetings.create_meeting(
        world.gate,
        {"kind": "meeting", "title": "第三次主任会议", "on_date": TODAY},
        actor=user("secretariat"),
    )
    meetings.schedule(meeting, [req], actor=user("secretariat"))
    db.commit()
    factories.voted(req, {"member2": "approve", "member3": "approve", "member4": "reject"})
    from gatekeeper.modules.committee import operations as committee_ops

    committee_ops.declare_recusal(req, "配偶在区卫健委工作", actor=user("member5"))
    db.commit()
    office = page_as("secretariat").text(f"/requests/{req.id}")
    assert "委员会审议" in office and "第三次主任会议" in office and "配偶在区卫健委工作" in office
    factories.decided(req, "approve", conditions="每年向社区反馈一次")
    officer = page_as("officer").text(f"/requests/{req.id}")
    assert "委员会决定" in officer and "每年向社区反馈一次" in officer
    assert "应表决4人，已表决3人" in officer  # as they stood at the decision (member1, member5 recused)


def test_an_acting_chair_decides_from_their_queue(db, page_as, two):
    wjw, _mzj = two
    factories.voted(wjw)
    name_deputy(
        user("chair"), user("member3"), TODAY, TODAY + dt.timedelta(days=3), "休假", actor=user("chair")
    )
    db.commit()
    member3 = page_as("member3")
    html = member3.text("/committee/queue")
    assert 'aria-current="page">可作决定' in html and f"/requests/{wjw.id}/decide" in html
    assert "可作决定" not in page_as("member4").text("/committee/queue")  # only the chair's seat decides
    answer = member3.form(f"/requests/{wjw.id}/decide", {"outcome": "approve"})
    assert answer.status_code == 303
    decision = db.scalar(sa.select(Decision).where(Decision.request_id == wjw.id))
    assert decision.decided_by.username == "member3" and decision.acting_for.username == "chair"
