"""The agenda (会议议程) and minutes (会议纪要) of a meeting as a PDF, read back: names, votes, recusals,
the tally counted here from the votes, decisions, the referral, the language and who may print it."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from gatekeeper.core import clock
from gatekeeper.modules.committee import meetings
from gatekeeper.modules.committee import operations as committee_ops
from gatekeeper.modules.committee.models import Vote, VoteChoice
from tests import factories
from tests.factories import TODAY, user
from tests.pdf_tools import assert_cjk_fonts_embedded, flat, pdf_pages, pdf_text

API = "/api/v1"
NEXT_DAY = TODAY + dt.timedelta(days=1)


@pytest.fixture(autouse=True)
def today(document_fonts):
    with clock.frozen(TODAY):
        yield


def vote(req, username: str, choice: str, comment: str = "") -> None:
    committee_ops.cast_vote(req, VoteChoice(choice), comment, actor=user(username))


@pytest.fixture
def sitting(db, world):
    """A sitting today with three items of 区卫健委 (member1 works there: recused automatically):
    approved with conditions (member2 declared a conflict), outside the catalogue (referred, then
    ruled on), rejected with a reason."""
    meeting = meetings.create_meeting(
        world.gate,
        {"kind": "meeting", "title": "第三次主任会议", "on_date": TODAY, "location": "区政府三楼会议室"},
        actor=user("secretariat"),
    )
    approved = factories.in_review()
    referred = factories.in_review(**factories.OUT_OF_CATALOGUE)
    rejected = factories.in_review(title="协助开展重点人群健康随访")
    meetings.schedule(meeting, [approved, referred, rejected], actor=user("secretariat"))
    committee_ops.declare_recusal(approved, "曾参与该方案起草", actor=user("member2"))
    vote(approved, "member3", "approve", "同意，经费须按季度拨付")
    vote(approved, "member4", "reject", "台账过多，建议合并")
    vote(approved, "member5", "approve")
    for username in ("member2", "member3", "member4"):
        vote(referred, username, "approve", "确有必要")
    vote(rejected, "member3", "reject", "与现有随访工作重复")
    vote(rejected, "member4", "reject")
    vote(rejected, "chair", "abstain")
    db.commit()
    factories.decided(approved, conditions="数据通过一表通报送，不另设台账")
    factories.decided(referred)
    factories.ruled(referred)
    factories.decided(rejected, "reject", reason="与已准入的健康随访事项重复")
    return {"meeting": meeting, "approved": approved, "referred": referred, "rejected": rejected}


def document(client, meeting_id: int, *, query: str = "", status: int = 200):
    answer = client.get(f"{API}/meetings/{meeting_id}/minutes.pdf{query}")
    assert answer.status_code == status, answer.get_data(as_text=True)[:300]
    return answer


def counted(db, req) -> dict[str, int]:
    """The votes of the request's current round, counted here from the rows."""
    choices = db.scalars(
        sa.select(Vote.choice).where(Vote.request_id == req.id, Vote.round == req.review_round)
    ).all()
    return {choice.value: choices.count(choice) for choice in VoteChoice}


def test_the_agenda_while_the_meeting_is_open(login_as, sitting, world):
    answer = document(login_as("secretariat"), sitting["meeting"].id)
    assert answer.mimetype == "application/pdf" and "agenda" in answer.headers["Content-Disposition"]
    body = answer.data
    text = flat(pdf_text(body))
    for expected in (
        "临江区社区建设与管理指导委员会办公室",
        "会议议程",
        "第三次主任会议",
        "2026年6月1日",
        "区政府三楼会议室",
        "应到委员",
        world.users["member3"].name,
        world.users["chair"].name,
        f"#{sitting['approved'].id}",
        "协助开展传染病防控和健康教育",
        "协助开展电动自行车入户充电",  # (a title wrapped in its cell)
        "区卫生健康委员会",
        "每百户每年",
        "可予准入",  # the pre-check of the catalogued item
        "报上级1项（OUT_OF_CATALOGUE）",  # the referral finding of the other
        "第1页共",
    ):
        assert expected in text, expected
    assert "会议纪要" not in text and "计票" not in text  # no votes on an agenda
    assert_cjk_fonts_embedded(body)


def test_the_minutes_once_the_day_has_passed(login_as, sitting, world, db):
    with clock.frozen(NEXT_DAY):
        body = document(login_as("member1"), sitting["meeting"].id).data
    text = flat(pdf_text(body))
    names = {u: world.users[u].name for u in ("member1", "member2", "member3", "member4", "member5", "chair")}
    assert "会议纪要" in text and "会议议程" not in text
    # attendance: member1 (of the filing department) voted on nothing and declared nothing
    attendance = text.split("出席情况", 1)[1].split("据表决记录", 1)[0]
    took_part, absent = attendance.split("未参加")
    assert [u for u in names if names[u] in took_part] == [
        "member2",
        "member3",
        "member4",
        "member5",
        "chair",
    ]
    assert names["member1"] in absent and names["member2"] not in absent
    # votes and comments, recusals with their reasons
    for comment in ("同意，经费须按季度拨付", "台账过多，建议合并", "确有必要", "与现有随访工作重复"):
        assert comment in text, comment
    assert f"{names['member2']}回避：曾参与该方案起草" in text
    assert f"{names['member1']}回避：系申报部门人员（自动回避）" in text
    # the tallies, counted here
    for key in ("approved", "referred", "rejected"):
        votes = counted(db, sitting[key])
        expected = f"同意{votes['approve']}票，反对{votes['reject']}票，弃权{votes['abstain']}票"
        assert expected in text, expected
    assert "同意2票，反对1票，弃权0票" in text and "同意0票，反对2票，弃权1票" in text
    assert "已达法定人数" in text
    # decisions, conditions, reasons, the referral and its ruling
    assert "数据通过一表通报送，不另设台账" in text
    assert "与已准入的健康随访事项重复" in text
    assert "提交临江区人民政府常务会议研究" in text
    assert "区政府常务会议纪要〔2026〕12号" in text
    assert "同意准入1项，提交临江区人民政府常务会议研究1项，不予准入1项" in text
    assert "第1页共" in text
    assert_cjk_fonts_embedded(body)


def test_the_agenda_of_a_held_meeting_on_request_and_no_minutes_before(login_as, sitting):
    secretariat = login_as("secretariat")
    answer = document(secretariat, sitting["meeting"].id, query="?part=minutes", status=409)
    assert answer.get_json()["error"]["code"] == "minutes_not_ready"
    with clock.frozen(NEXT_DAY):
        text = flat(pdf_text(document(secretariat, sitting["meeting"].id, query="?part=agenda").data))
        assert "会议议程" in text and "会议纪要" not in text
        bad = document(secretariat, sitting["meeting"].id, query="?part=notes", status=422)
    assert "part" in bad.get_json()["error"]["fields"]


def test_english_on_request(login_as, sitting):
    with clock.frozen(NEXT_DAY):
        body = document(login_as("chair"), sitting["meeting"].id, query="?lang=en").data
    text = flat(pdf_text(body))
    for expected in ("Minutesofthecommitteemeeting", "Page1of", "Approve", "Reject", "Quorummet", "Tookpart"):
        assert expected in text, expected
    words = text.replace("区政府常务会议纪要", "").replace("同意，经费须按季度拨付", "")
    assert "会议纪要" not in words and "同意" not in words
    assert "第三次主任会议" in text  # names stay as entered


def test_a_written_vote_prints_its_last_day(login_as, world, db):
    written = meetings.create_meeting(
        world.gate,
        {"kind": "written", "title": "书面表决（六月）", "on_date": TODAY + dt.timedelta(days=6)},
        actor=user("secretariat"),
    )
    meetings.schedule(written, [factories.in_review()], actor=user("secretariat"))
    db.commit()
    body = document(login_as("member2"), written.id).data
    text = flat(pdf_text(body))
    assert "书面表决事项" in text and "表决截止日期" in text and "2026年6月7日" in text
    assert pdf_pages(body) == 1


def test_who_may_print_it(client, login_as, sitting):
    meeting_id = sitting["meeting"].id
    document(client, meeting_id, status=401)
    for outsider in ("officer", "head", "street"):
        assert document(login_as(outsider), meeting_id, status=404).get_json()["error"]["code"] == "not_found"
    for insider in ("secretariat", "member4", "chair"):
        document(login_as(insider), meeting_id)
    document(login_as("secretariat"), 999999, status=404)


def test_the_meeting_page_offers_the_documents(page_as, sitting):
    meeting_id = sitting["meeting"].id
    url = f"/committee/meetings/{meeting_id}"
    page = page_as("secretariat").text(url)
    assert f"{API}/meetings/{meeting_id}/minutes.pdf?part=agenda" in page and "打印议程" in page
    assert "打印纪要" not in page  # not held yet
    with clock.frozen(NEXT_DAY):
        page = page_as("member3").text(url)
    assert "打印议程" in page and f"{API}/meetings/{meeting_id}/minutes.pdf?part=minutes" in page
