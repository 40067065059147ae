"""The committee office's pages: the inbox and its counts, accepting and returning, meetings and written
votes with their agendas, the escalation ruling; each refused to the other roles."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from gatekeeper.core import clock
from gatekeeper.modules.catalogue import operations as catalogue_ops
from gatekeeper.modules.committee import meetings
from gatekeeper.modules.committee.models import Meeting, MeetingItem, Ruling
from gatekeeper.modules.requests.models import AdmissionRequest, RequestEvent, RequestState
from tests import factories
from tests.factories import TODAY, user

#: Forty days on, the requests accepted on TODAY are past their decision's due date.
LATER = TODAY + dt.timedelta(days=40)


@pytest.fixture(autouse=True)
def today():
    with clock.frozen(TODAY):
        yield


def counts_on(html: str) -> dict[str, int]:
    """The inbox's counts, as its cards show them."""
    found = re.findall(r'href="/committee/inbox\?tab=(\w+)"[^>]*>\s*<span class="stat-number">(\d+)<', html)
    return {tab: int(n) for tab, n in found}


def real_counts(db, today: dt.date) -> dict[str, int]:
    def count(*conditions):
        return db.scalar(sa.select(sa.func.count(AdmissionRequest.id)).where(*conditions))

    scheduled = sa.select(MeetingItem.request_id).where(MeetingItem.round == AdmissionRequest.review_round)
    state = AdmissionRequest.state
    return {
        "accept": count(state == RequestState.SUBMITTED),
        "review": count(state == RequestState.IN_REVIEW),
        "unscheduled": count(state == RequestState.IN_REVIEW, AdmissionRequest.id.not_in(scheduled)),
        "referred": count(state == RequestState.REFERRED),
        "returned": count(state == RequestState.RETURNED),
        "overdue": count(state == RequestState.IN_REVIEW, AdmissionRequest.due_date < today),
    }


def open_meeting(world, kind="meeting", on_date=TODAY + dt.timedelta(days=7), title="第三次主任会议"):
    return meetings.create_meeting(
        world.gate, {"kind": kind, "title": title, "on_date": on_date}, actor=user("secretariat")
    )


@pytest.fixture
def spread(db, world):
    """Requests at every step of the office's work; one in review is on an agenda."""
    reqs = {
        "submitted": [factories.submitted(), factories.submitted(title="协助开展重点人群健康随访")],
        "review": [factories.in_review(title="协助开展慢性病患者随访管理"), factories.in_review()],
        "referred": [factories.referred()],
        "returned": [factories.submitted(title="协助开展居民健康档案更新")],
    }
    factories.ops.return_request(reqs["returned"][0], "请补充经费测算依据", actor=user("secretariat"))
    meetings.schedule(open_meeting(world), [reqs["review"][0]], actor=user("secretariat"))
    db.commit()
    return reqs


# --- the inbox ----------------------------------------------------------------------------------


def test_inbox_counts_equal_the_real_numbers(db, page_as, spread):
    office = page_as("secretariat")
    html = office.text("/committee/inbox")
    expected = real_counts(db, TODAY)
    assert counts_on(html) == {k: v for k, v in expected.items() if k != "overdue"}
    assert counts_on(html) == {"accept": 2, "review": 2, "unscheduled": 1, "referred": 1, "returned": 1}
    assert "逾期" not in html  # nothing is overdue today
    with clock.frozen(LATER):
        later = page_as("secretariat").text("/committee/inbox?tab=review")
        assert real_counts(db, LATER)["overdue"] == 2
        assert "2项逾期" in later


def test_each_tab_lists_its_requests(db, page_as, spread):
    office = page_as("secretariat")
    accept = office.text("/committee/inbox?tab=accept")
    for req in spread["submitted"]:
        assert f"/requests/{req.id}/accept" in accept
    assert spread["review"][0].title not in accept
    unscheduled = office.text("/committee/inbox?tab=unscheduled")
    assert f'value="{spread["review"][1].id}"' in unscheduled
    assert f'value="{spread["review"][0].id}"' not in unscheduled  # it is on an agenda
    assert "第三次主任会议" in unscheduled  # the meeting to schedule into
    referred = office.text("/committee/inbox?tab=referred")
    assert f"/requests/{spread['referred'][0].id}/ruling" in referred
    returned = office.text("/committee/inbox?tab=returned")
    assert "请补充经费测算依据" in returned


def test_review_tab_flags_overdue_first_with_working_days(db, page_as, spread):
    office = page_as("secretariat")
    html = office.text("/committee/inbox?tab=review")
    assert "剩余15个工作日" in html and "第三次主任会议" in html
    with clock.frozen(LATER):
        late = page_as("secretariat").text("/committee/inbox?tab=review")
    assert re.search(r"已逾期\d+个工作日", late)
    assert late.count('class="row--late"') == 2


def test_inbox_filters_sorts_and_pages(db, page_as, spread):
    office = page_as("secretariat")
    found = office.text("/committee/inbox?tab=accept&q=重点人群")
    assert "重点人群健康随访" in found and spread["submitted"][0].title not in found
    by_number = office.text(f"/committee/inbox?tab=accept&q=%23{spread['submitted'][0].id}")
    assert f"/requests/{spread['submitted'][0].id}/accept" in by_number
    assert "没有符合筛选条件" in office.text("/committee/inbox?tab=accept&department=MZJ")
    ordered = office.text("/committee/inbox?tab=accept&sort=-number")
    first, second = spread["submitted"]
    assert ordered.index(f"/requests/{second.id}/accept") < ordered.index(f"/requests/{first.id}/accept")
    paged = office.text("/committee/inbox?tab=review&per_page=10")
    assert 'rel="next"' not in paged


def test_the_inbox_is_the_office_home_and_refused_to_others(db, page_as):
    office = page_as("secretariat")
    home = office.get("/")
    assert home.headers["Location"].endswith("/committee/inbox")
    for username in ("officer", "member2", "chair", "head", "admin"):
        assert page_as(username).get("/committee/inbox").status_code == 403, username


# --- accepting and returning --------------------------------------------------------------------


def test_accept_shows_findings_and_the_time_limit_then_accepts(db, page_as):
    req = factories.submitted(**factories.OUT_OF_CATALOGUE)
    office = page_as("secretariat")
    html = office.text(f"/requests/{req.id}/accept")
    assert "OUT_OF_CATALOGUE" in html and "依据" in html
    assert "15个工作日内作出决定" in html and "2026年6月23日" in html  # 19 June is the Dragon Boat holiday
    answer = office.form(f"/requests/{req.id}/accept")
    assert answer.status_code == 303 and answer.headers["Location"].endswith("/committee/inbox?tab=accept")
    db.refresh(req)
    assert req.state == RequestState.IN_REVIEW and req.due_date == dt.date(2026, 6, 23)
    again = office.text(f"/requests/{req.id}/accept")
    assert "不能受理" in again


def test_accept_without_csrf_is_refused_and_changes_nothing(db, page_as):
    req = factories.submitted()
    office = page_as("secretariat")
    answer = office.post(f"/requests/{req.id}/accept", data={})
    assert answer.status_code == 400
    db.refresh(req)
    assert req.state == RequestState.SUBMITTED


def test_accept_twice_is_said_on_the_page(db, page_as):
    req = factories.in_review()
    office = page_as("secretariat")
    answer = office.form(
        f"/requests/{req.id}/accept", headers={"Referer": "http://localhost/committee/inbox"}
    )
    assert answer.status_code == 303 and answer.headers["Location"] == "/committee/inbox"
    assert "只有已提交的申请才能受理" in office.text("/committee/inbox")


def test_return_needs_a_reason_beside_the_field(db, page_as):
    req = factories.submitted()
    office = page_as("secretariat")
    refused = office.form(f"/requests/{req.id}/return", {"reason": "  "})
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert 'id="f-reason-error"' in html and 'aria-invalid="true"' in html
    db.refresh(req)
    assert req.state == RequestState.SUBMITTED
    answer = office.form(f"/requests/{req.id}/return", {"reason": "请补充法律依据原文"})
    assert answer.status_code == 303
    db.refresh(req)
    assert req.state == RequestState.RETURNED
    event = db.scalar(
        sa.select(RequestEvent).where(RequestEvent.request_id == req.id).order_by(RequestEvent.id.desc())
    )
    assert event.action == "return" and event.reason == "请补充法律依据原文"


def test_the_chair_returns_at_decision_the_office_keeps_the_reason(db, page_as):
    req = factories.in_review()
    chair = page_as("chair")
    answer = chair.form(f"/requests/{req.id}/return", {"reason": "请明确经费来源"})
    assert answer.status_code == 303 and answer.headers["Location"].endswith("/committee/queue")
    db.refresh(req)
    assert req.state == RequestState.RETURNED


def test_accept_and_return_are_refused_to_other_roles(db, page_as):
    req = factories.submitted()
    for username in ("officer", "member2"):
        browser = page_as(username)
        assert browser.get(f"/requests/{req.id}/accept").status_code == 403, username
        assert browser.form(f"/requests/{req.id}/accept").status_code == 403, username
        assert browser.get(f"/requests/{req.id}/return").status_code == 403, username
    assert page_as("head").get(f"/requests/{req.id}/accept").status_code == 404  # not even seen
    assert page_as("secretariat").get("/requests/999999/accept").status_code == 404
    db.refresh(req)
    assert req.state == RequestState.SUBMITTED


# --- meetings and written votes -----------------------------------------------------------------


def test_new_written_vote_refuses_a_past_day_beside_the_field(db, page_as):
    office = page_as("secretariat")
    refused = office.form(
        "/committee/meetings/new",
        {"kind": "written", "title": "2026年第6次书面表决", "on_date": "2026-05-30"},
    )
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert 'id="f-on-date-error"' in html and "不能早于今天" in html
    assert 'value="2026年第6次书面表决"' in html  # what was typed is kept
    assert db.scalar(sa.select(sa.func.count(Meeting.id))) == 0
    missing = office.form("/committee/meetings/new", {"kind": "meeting"})
    assert missing.status_code == 422 and 'id="f-title-error"' in missing.get_data(as_text=True)


def test_open_a_written_vote_add_items_and_take_one_off(db, page_as):
    first, second = factories.in_review(), factories.in_review(title="协助开展重点人群健康随访")
    factories.submitted(title="协助开展居民健康档案更新")  # not in review: not offered
    office = page_as("secretariat")
    created = office.form(
        "/committee/meetings/new",
        {"kind": "written", "title": "2026年第6次书面表决", "on_date": "2026-06-10"},
    )
    assert created.status_code == 303
    meeting = db.scalar(sa.select(Meeting))
    assert created.headers["Location"].endswith(f"/committee/meetings/{meeting.id}")
    page = office.text(f"/committee/meetings/{meeting.id}")
    assert "表决截止日期" in page and "表决中" in page
    assert f'value="{first.id}"' in page and f'value="{second.id}"' in page
    assert "居民健康档案更新" not in page
    nothing = office.form(f"/committee/meetings/{meeting.id}/items", {})
    assert nothing.status_code == 422 and 'id="f-requests-error"' in nothing.get_data(as_text=True)
    added = office.form(f"/committee/meetings/{meeting.id}/items", {"requests": [first.id, second.id]})
    assert added.status_code == 303
    assert [e.request.id for e in meetings.agenda(meeting)] == [first.id, second.id]
    page = office.text(f"/committee/meetings/{meeting.id}")
    assert f"/committee/meetings/{meeting.id}/items/{first.id}/remove" in page
    assert "已表决0人" in page
    removed = office.form(f"/committee/meetings/{meeting.id}/items/{first.id}/remove")
    assert removed.status_code == 303
    assert [e.request.id for e in meetings.agenda(meeting)] == [second.id]
    assert office.form(f"/committee/meetings/{meeting.id}/items/{first.id}/remove").status_code == 404


def test_scheduling_twice_is_a_clear_error_and_changes_nothing(db, world, page_as):
    req = factories.in_review()
    taken = open_meeting(world, title="第三次主任会议")
    other = open_meeting(world, "written", title="书面表决")
    meetings.schedule(taken, [req], actor=user("secretariat"))
    db.commit()
    office = page_as("secretariat")
    url = f"/committee/meetings/{other.id}"
    answer = office.form(
        f"{url}/items", {"requests": [req.id]}, headers={"Referer": f"http://localhost{url}"}
    )
    assert answer.status_code == 303 and answer.headers["Location"] == url
    assert "已列入“第三次主任会议”" in office.text(url)
    assert [e.request.id for e in meetings.agenda(other)] == []


def test_schedule_from_the_inbox(db, world, page_as):
    first, second = factories.in_review(), factories.in_review(title="协助开展重点人群健康随访")
    meeting = open_meeting(world)
    db.commit()
    office = page_as("secretariat")
    answer = office.form("/committee/agenda", {"meeting": meeting.id, "requests": [second.id, first.id]})
    assert answer.status_code == 303 and answer.headers["Location"].endswith(
        f"/committee/meetings/{meeting.id}"
    )
    assert [e.request.id for e in meetings.agenda(meeting)] == [second.id, first.id]
    assert office.form("/committee/agenda", {"meeting": 999999, "requests": [first.id]}).status_code == 404


def test_members_see_meetings_but_do_not_set_agendas(db, world, page_as):
    req = factories.in_review()
    meeting = open_meeting(world)
    meetings.schedule(meeting, [req], actor=user("secretariat"))
    db.commit()
    member = page_as("member2")
    listing = member.text("/committee/meetings")
    assert "第三次主任会议" in listing and "/committee/meetings/new" not in listing
    page = member.text(f"/committee/meetings/{meeting.id}")
    assert f"/requests/{req.id}/vote" in page and "/remove" not in page and 'name="requests"' not in page
    assert member.get("/committee/meetings/new").status_code == 403
    assert member.form(f"/committee/meetings/{meeting.id}/items", {"requests": [req.id]}).status_code == 403
    assert member.form(f"/committee/meetings/{meeting.id}/items/{req.id}/remove").status_code == 403
    for username in ("officer", "head", "admin"):
        assert page_as(username).get("/committee/meetings").status_code == 403, username
        assert page_as(username).get(f"/committee/meetings/{meeting.id}").status_code == 404, username
    assert [e.request.id for e in meetings.agenda(meeting)] == [req.id]


def test_meeting_forms_need_the_csrf_token(db, world, page_as):
    req = factories.in_review()
    meeting = open_meeting(world)
    db.commit()
    office = page_as("secretariat")
    body = {"kind": "meeting", "title": "会议", "on_date": "2026-06-10"}
    assert office.post("/committee/meetings/new", data=body).status_code == 400
    assert (
        office.post(f"/committee/meetings/{meeting.id}/items", data={"requests": [req.id]}).status_code == 400
    )
    assert db.scalar(sa.select(sa.func.count(Meeting.id))) == 1
    assert meetings.agenda(meeting) == []


# --- the escalation ruling ----------------------------------------------------------------------


def test_a_rejecting_ruling_needs_a_reason_beside_the_field(db, page_as):
    req = factories.referred()
    office = page_as("secretariat")
    html = office.text(f"/requests/{req.id}/ruling")
    assert "区政府常务会议" in html or req.gate.escalation_body_name in html
    refused = office.form(
        f"/requests/{req.id}/ruling", {"outcome": "reject", "reference": "纪要〔2026〕12号"}
    )
    assert refused.status_code == 422
    assert 'id="f-reason-error"' in refused.get_data(as_text=True)
    assert 'value="纪要〔2026〕12号"' in refused.get_data(as_text=True)
    db.refresh(req)
    assert req.state == RequestState.REFERRED
    assert db.scalar(sa.select(sa.func.count(Ruling.id))) == 0


def test_an_approving_ruling_adds_the_item_to_the_next_catalogue(db, world, page_as):
    req = factories.referred()
    office = page_as("secretariat")
    answer = office.form(
        f"/requests/{req.id}/ruling",
        {
            "outcome": "approve",
            "reference": "区政府常务会议纪要〔2026〕12号",
            "ruled_on": "2026-06-01",
            "add_to_catalogue": "1",
        },
    )
    assert answer.status_code == 303 and answer.headers["Location"].endswith("/committee/inbox?tab=referred")
    db.refresh(req)
    assert req.state == RequestState.APPROVED and req.authorisation is not None
    ruling = db.scalar(sa.select(Ruling).where(Ruling.request_id == req.id))
    assert ruling.add_to_catalogue and ruling.catalogue_code
    draft = catalogue_ops.draft_version(world.gate)
    assert req.title in {e.title for e in draft.entries}


def test_the_ruling_page_is_the_offices(db, page_as):
    req = factories.referred()
    for username in ("officer", "member2", "chair"):
        assert page_as(username).get(f"/requests/{req.id}/ruling").status_code == 403, username
    office = page_as("secretariat")
    assert (
        office.post(f"/requests/{req.id}/ruling", data={"outcome": "approve", "reference": "x"}).status_code
        == 400
    )
    db.refresh(req)
    assert req.state == RequestState.REFERRED
