"""Meetings and written votes: opening them, their agendas (only requests in review at the gate, each
round taken up once), taking items off, and votes in writing refused after the last day."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from gatekeeper.core import clock
from gatekeeper.core.audit import AuditEntry
from gatekeeper.core.errors import Conflict, NotFound, ValidationFailed
from gatekeeper.modules.committee import meetings
from gatekeeper.modules.committee.models import Meeting, MeetingItem, MeetingKind
from gatekeeper.modules.requests import operations as request_ops
from tests import factories
from tests.factories import TODAY, user

API = "/api/v1"


@pytest.fixture(autouse=True)
def today():
    with clock.frozen(TODAY):
        yield


def open_meeting(world, kind="meeting", on_date=TODAY + dt.timedelta(days=7), title="第三次主任会议"):
    meeting = meetings.create_meeting(
        world.gate, {"kind": kind, "title": title, "on_date": on_date}, actor=user("secretariat")
    )
    return meeting


# --- operations ---------------------------------------------------------------------------------


def test_a_written_votes_last_day_cannot_be_past_but_a_sitting_may_be_recorded(db, world):
    with pytest.raises(ValidationFailed) as past:
        open_meeting(world, "written", TODAY - dt.timedelta(days=1))
    assert "on_date" in past.value.fields
    sitting = open_meeting(world, "meeting", TODAY - dt.timedelta(days=1))
    written = open_meeting(world, "written", TODAY)  # today is still open
    assert sitting.kind == MeetingKind.MEETING and meetings.is_open(written)
    db.commit()
    assert (
        db.scalar(sa.select(sa.func.count(AuditEntry.id)).where(AuditEntry.action == "meeting.create")) == 2
    )


def test_schedule_appends_and_each_round_is_taken_up_once(db, world):
    first, second = factories.in_review(), factories.in_review(title="协助开展重点人群健康随访")
    meeting = open_meeting(world)
    meetings.schedule(meeting, [first], actor=user("secretariat"))
    meetings.schedule(meeting, [second], actor=user("secretariat"))
    db.commit()
    assert [(e.position, e.request.id) for e in meetings.agenda(meeting)] == [(1, first.id), (2, second.id)]
    assert meetings.schedule_of(first).id == meeting.id
    other = open_meeting(world, "written", title="书面表决")
    with pytest.raises(Conflict) as twice:
        meetings.schedule(other, [first], actor=user("secretariat"))
    assert twice.value.code == "already_scheduled"
    assert "第三次主任会议" in twice.value.message
    db.rollback()
    entries = db.scalars(sa.select(AuditEntry).where(AuditEntry.action == "request.schedule")).all()
    assert {e.object_id for e in entries} == {str(first.id), str(second.id)}


def test_only_requests_in_review_at_the_gate(db, world):
    submitted = factories.submitted()
    with pytest.raises(Conflict) as refused:
        meetings.schedule(open_meeting(world), [submitted], actor=user("secretariat"))
    assert refused.value.code == "not_in_review"
    db.rollback()
    assert db.scalar(sa.select(sa.func.count(MeetingItem.id))) == 0


def test_unschedule_then_reschedule_and_a_new_round_after_a_return(db, world):
    req = factories.in_review()
    meeting = open_meeting(world)
    meetings.schedule(meeting, [req], actor=user("secretariat"))
    meetings.unschedule(meeting, req, actor=user("secretariat"))
    assert meetings.schedule_of(req) is None
    with pytest.raises(NotFound):
        meetings.unschedule(meeting, req, actor=user("secretariat"))
    meetings.schedule(meeting, [req], actor=user("secretariat"))
    request_ops.return_request(req, "请补充经费测算依据", actor=user("secretariat"))
    db.commit()
    assert meetings.schedule_of(req).id == meeting.id  # round 1 was taken up there, and stays so
    with pytest.raises(Conflict) as kept:
        meetings.unschedule(meeting, req, actor=user("secretariat"))
    assert kept.value.code == "agenda_closed"
    db.rollback()
    request_ops.submit_request(req, actor=user("officer"))
    request_ops.accept_request(req, actor=user("secretariat"))
    assert meetings.schedule_of(req) is None  # round 2 is on no agenda yet
    meetings.schedule(meeting, [req], actor=user("secretariat"))  # round 2 on the same agenda
    db.commit()
    assert [(e.round, e.current) for e in meetings.agenda(meeting)] == [(1, False), (2, True)]


def test_a_closed_written_vote_takes_no_more_items(db, world):
    req = factories.in_review()
    written = open_meeting(world, "written", TODAY)
    db.commit()
    with clock.frozen(TODAY + dt.timedelta(days=1)), pytest.raises(Conflict) as closed:
        meetings.schedule(written, [req], actor=user("secretariat"))
    assert closed.value.code == "written_vote_closed"


# --- API ----------------------------------------------------------------------------------------


def test_api_create_list_get_schedule_unschedule(db, world, login_as):
    req = factories.in_review()
    office = login_as("secretariat")
    created = office.post(
        f"{API}/meetings",
        json={
            "kind": "written",
            "title": "2026年第6次书面表决",
            "on_date": "2026-06-10",
            "notes": "请按时表决",
        },
    )
    assert created.status_code == 201, created.get_json()
    meeting = created.get_json()
    assert meeting["gate"] == "LJ" and meeting["open"] is True and meeting["items"] == []
    listed = login_as("member2").get(f"{API}/meetings?kind=written&open=true").get_json()
    assert [m["id"] for m in listed["items"]] == [meeting["id"]]
    added = office.post(f"{API}/meetings/{meeting['id']}/items", json={"requests": [req.id]})
    assert added.status_code == 200
    assert added.get_json()["items"] == [
        {
            "position": 1,
            "round": 1,
            "request": req.id,
            "title": req.title,
            "department": "WJW",
            "state": "in_review",
            "current": True,
        }
    ]
    twice = office.post(f"{API}/meetings/{meeting['id']}/items", json={"requests": [req.id]})
    assert twice.status_code == 409 and twice.get_json()["error"]["code"] == "already_scheduled"
    unknown = office.post(f"{API}/meetings/{meeting['id']}/items", json={"requests": [999999]})
    assert unknown.status_code == 422 and "requests" in unknown.get_json()["error"]["fields"]
    removed = office.delete(f"{API}/meetings/{meeting['id']}/items/{req.id}")
    assert removed.status_code == 200 and removed.get_json()["items"] == []
    again = office.delete(f"{API}/meetings/{meeting['id']}/items/{req.id}")
    assert again.status_code == 404 and again.get_json()["error"]["code"] == "not_found"


def test_api_refusals(db, world, login_as):
    office = login_as("secretariat")
    past = office.post(
        f"{API}/meetings", json={"kind": "written", "title": "书面表决", "on_date": "2026-05-31"}
    )
    assert past.status_code == 422 and "on_date" in past.get_json()["error"]["fields"]
    missing = office.post(f"{API}/meetings", json={"kind": "meeting"})
    assert missing.status_code == 422
    assert set(missing.get_json()["error"]["fields"]) >= {"title", "on_date"}
    member = login_as("member2")
    body = {"kind": "meeting", "title": "会议", "on_date": "2026-06-10"}
    assert member.post(f"{API}/meetings", json=body).status_code == 403
    assert login_as("officer").get(f"{API}/meetings").status_code == 403
    assert login_as("head").get(f"{API}/meetings").status_code == 403
    assert office.get(f"{API}/meetings/999999").status_code == 404
    meeting = open_meeting(world)
    db.commit()
    assert member.post(f"{API}/meetings/{meeting.id}/items", json={"requests": [1]}).status_code == 403
    assert member.get(f"{API}/meetings/{meeting.id}").status_code == 200
    assert login_as("officer").get(f"{API}/meetings/{meeting.id}").status_code == 404  # not even seen


def test_votes_in_writing_are_refused_after_the_last_day(db, world, login_as):
    req = factories.in_review()
    written = open_meeting(world, "written", TODAY + dt.timedelta(days=2))
    meetings.schedule(written, [req], actor=user("secretariat"))
    db.commit()
    member2, member3 = login_as("member2"), login_as("member3")
    assert member2.post(f"{API}/requests/{req.id}/votes", json={"vote": "approve"}).status_code == 201
    with clock.frozen(TODAY + dt.timedelta(days=2)):  # the last day itself is still open
        assert member3.post(f"{API}/requests/{req.id}/votes", json={"vote": "approve"}).status_code == 201
    with clock.frozen(TODAY + dt.timedelta(days=3)):
        late = login_as("member4").post(f"{API}/requests/{req.id}/votes", json={"vote": "approve"})
        assert late.status_code == 409
        assert late.get_json()["error"]["code"] == "written_vote_closed"
        recusal = login_as("member5").post(
            f"{API}/requests/{req.id}/recusal", json={"reason": "亲属在该部门"}
        )
        assert recusal.status_code == 201  # only votes close with the written vote
    assert db.scalar(sa.select(sa.func.count()).select_from(Meeting)) == 1


def test_a_sitting_in_the_past_does_not_close_votes(db, world, login_as):
    req = factories.in_review()
    meetings.schedule(open_meeting(world, "meeting", TODAY), [req], actor=user("secretariat"))
    db.commit()
    with clock.frozen(TODAY + dt.timedelta(days=5)):
        answer = login_as("member2").post(f"{API}/requests/{req.id}/votes", json={"vote": "reject"})
    assert answer.status_code == 201
