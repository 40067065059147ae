"""The report lifecycle: the office's steps (allowed and refused), notes, events and audit, deadlines
in working days and the overdue flag with a frozen clock; the department's view (never who filed) and
its rectification; the link to an authorisation in force."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from gatekeeper.core import clock
from gatekeeper.core.audit import AuditEntry
from gatekeeper.core.errors import InvalidTransition, ValidationFailed
from gatekeeper.extensions import db as _db
from gatekeeper.modules.accounts.models import Role, User
from gatekeeper.modules.jurisdictions.models import Gate
from gatekeeper.modules.supervision import operations as ops
from gatekeeper.modules.supervision.models import ReportEvent, ReportState
from gatekeeper.modules.supervision.schemas import ReportInputSchema
from tests import factories
from tests.factories import TODAY, user

API = "/api/v1"
BODY = {
    "department": "WJW",
    "kind": "ledger",
    "title": "要求社区建立居民健康档案纸质台账",
    "occurred_on": "2026-05-20",
    "description": "区卫健委工作人员电话通知社区每月报送纸质台账。",
}


@pytest.fixture(autouse=True)
def today():
    with clock.frozen(TODAY):
        yield


def filed(**changes):
    report = ops.file_report(ReportInputSchema().load({**BODY, **changes}), actor=user("head"))
    _db.session.commit()
    return report


def step(client, report_id, action, note="核查记录"):
    return client.post(f"{API}/reports/{report_id}/{action}", json={"note": note})


def test_the_whole_lifecycle_through_the_api(login_as, db):
    report = filed()
    office = login_as("secretariat")
    assert step(office, report.id, "investigate").get_json()["state"] == "investigating"
    assert step(office, report.id, "uphold").get_json()["state"] == "upheld"
    officer = login_as("officer")
    answer = officer.post(f"{API}/reports/{report.id}/response", json={"response": "已停止下发纸质台账"})
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["department_response"] == "已停止下发纸质台账"
    assert answer.get_json()["state"] == "upheld" and answer.get_json()["responded_at"]
    assert step(office, report.id, "rectify").get_json()["state"] == "rectified"
    closed = step(office, report.id, "close").get_json()
    assert closed["state"] == "closed" and closed["step_due_on"] is None and closed["overdue"] is False
    actions = [e["action"] for e in closed["events"]]
    assert actions == ["file", "investigate", "uphold", "respond", "rectify", "close"]
    audits = db.scalars(sa.select(AuditEntry.action).where(AuditEntry.object_id == str(report.id))).all()
    for action in ("report.investigate", "report.uphold", "report.respond", "report.rectify", "report.close"):
        assert action in audits


def test_unfounded_then_closed(login_as):
    report = filed()
    office = login_as("secretariat")
    step(office, report.id, "investigate")
    assert step(office, report.id, "dismiss").get_json()["state"] == "unfounded"
    assert step(office, report.id, "rectify").status_code == 409
    assert step(office, report.id, "close").get_json()["state"] == "closed"


@pytest.mark.parametrize(
    ("path", "action"),
    [
        ([], "uphold"),
        ([], "dismiss"),
        ([], "rectify"),
        ([], "close"),
        (["investigate"], "investigate"),
        (["investigate"], "close"),
        (["investigate", "uphold"], "close"),
        (["investigate", "uphold"], "dismiss"),
        (["investigate", "dismiss"], "uphold"),
    ],
)
def test_refused_transitions_are_409(login_as, path, action):
    report = filed()
    office = login_as("secretariat")
    for done in path:
        assert step(office, report.id, done).status_code == 200
    answer = step(office, report.id, action)
    assert answer.status_code == 409
    assert answer.get_json()["error"]["code"] == "invalid_transition"


def test_a_step_needs_a_note(login_as, db):
    report = filed()
    answer = login_as("secretariat").post(f"{API}/reports/{report.id}/investigate", json={"note": ""})
    assert answer.status_code == 422
    with pytest.raises(ValidationFailed):
        ops.advance_report(report, "investigate", "  ", actor=user("secretariat"))
    assert db.get(type(report), report.id).state == ReportState.RECEIVED


def test_only_the_office_takes_the_steps(login_as):
    report = filed()
    for name in ("head", "officer", "chair", "member1"):
        assert step(login_as(name), report.id, "investigate").status_code in (403, 404), name


def test_the_department_answers_only_an_upheld_report(login_as):
    report = filed()
    answer = login_as("officer").post(f"{API}/reports/{report.id}/response", json={"response": "x"})
    assert answer.status_code == 409
    other = login_as("mzj.officer").post(f"{API}/reports/{report.id}/response", json={"response": "x"})
    assert other.status_code == 404  # another department does not even see it


# --- deadlines and overdue -------------------------------------------------------------------------


def test_deadlines_count_working_days_from_the_gate_settings(login_as, db, world):
    world.gate.settings = {
        **(world.gate.settings or {}),
        "report_investigate_days": 2,
        "report_decide_days": 3,
    }
    db.commit()
    # 2026-06-01 is a Monday: 2 working days later is Wednesday 06-03
    report = filed()
    assert report.step_due_on == dt.date(2026, 6, 3)
    office = login_as("secretariat")
    with clock.frozen(dt.date(2026, 6, 5)):  # a Friday; 3 working days later: Wednesday 06-10
        body = step(office, report.id, "investigate").get_json()
    assert body["step_due_on"] == "2026-06-10"


def test_overdue_is_flagged_and_filtered(login_as, db):
    late = filed(title="逾期未处理的举报")
    fresh = filed(title="刚收到的举报")
    fresh.step_due_on = dt.date(2026, 7, 1)
    db.commit()
    with clock.frozen(dt.date(2026, 6, 20)):
        office = login_as("secretariat")
        items = office.get(f"{API}/reports?overdue=true").get_json()["items"]
        assert [i["id"] for i in items] == [late.id]
        assert office.get(f"{API}/reports/{late.id}").get_json()["overdue"] is True
        assert office.get(f"{API}/reports/{fresh.id}").get_json()["overdue"] is False


def test_the_overdue_badge_and_filter_on_the_page(page_as, db):
    late = filed(title="逾期未处理的举报")
    with clock.frozen(dt.date(2026, 6, 20)):
        office = page_as("secretariat")
        html = office.text("/reports?overdue=1&lang=en")
        assert "逾期未处理的举报" in html and "Overdue" in html
        assert "Overdue" in office.text(f"/reports/{late.id}?lang=en")


# --- what the department sees ----------------------------------------------------------------------


def test_the_department_sees_reports_about_itself_without_the_filer(login_as, page_as, db):
    report = filed()
    officer = login_as("officer")
    listed = officer.get(f"{API}/reports").get_json()
    assert [i["id"] for i in listed["items"]] == [report.id]
    body = officer.get(f"{API}/reports/{report.id}").get_json()
    assert body["reporter"] is None and body["contact"] is None and body["source"] is None
    assert body["files"] is None
    assert all(e["actor"] is None for e in body["events"])
    head_name = user("head").name
    assert head_name not in str(body) and "head" not in str(body.values())
    assert login_as("mzj.officer").get(f"{API}/reports").get_json()["items"] == []
    html = page_as("officer").text(f"/reports/{report.id}")
    assert head_name not in html
    listing = page_as("officer").text("/reports")
    assert report.title in listing and head_name not in listing


def test_the_street_reads_its_communities_reports_without_the_filer(login_as, page_as, db, world):
    report = filed()
    step(login_as("secretariat"), report.id, "investigate")
    street = login_as("street")
    assert [i["id"] for i in street.get(f"{API}/reports").get_json()["items"]] == [report.id]
    body = street.get(f"{API}/reports/{report.id}").get_json()
    assert body["reporter"] is None and body["contact"] is None and body["files"] is None
    assert all(e["actor"] is None for e in body["events"])
    # read only: no step, no answer
    assert street.post(f"{API}/reports/{report.id}/investigate", json={"note": "x"}).status_code == 403
    assert street.post(f"{API}/reports/{report.id}/response", json={"response": "x"}).status_code == 403
    html = page_as("street").text(f"/reports/{report.id}?lang=en")
    assert user("head").name not in html and user("secretariat").name not in html
    assert "/respond" not in html and 'name="note"' not in html
    listing = page_as("street").text("/reports?lang=en")
    assert "Reports from the communities of your street" in listing and report.title in listing
    # a street officer of another street sees none of it
    other = User(
        username="street.lj02",
        name="另一街道",
        role=Role.STREET_OFFICER,
        jurisdiction=world.community("LJ02"),
        password_hash="x",
        created_at=clock.now(),
    )
    _db.session.add(other)
    _db.session.commit()
    assert login_as(other.username).get(f"{API}/reports").get_json()["items"] == []
    assert login_as("street.lj02").get(f"{API}/reports/{report.id}").status_code == 404


def test_the_office_and_the_head_see_who_filed(login_as):
    report = filed()
    assert login_as("secretariat").get(f"{API}/reports/{report.id}").get_json()["reporter"] == "head"
    assert login_as("head").get(f"{API}/reports/{report.id}").get_json()["reporter"] == "head"


# --- authorisations --------------------------------------------------------------------------------


def test_a_report_naming_an_authorisation_in_force_is_linked(login_as, db):
    authorisation = factories.approved().authorisation  # its scope is the street LJ01, so LJ0101
    with clock.frozen(authorisation.valid_from):
        report = filed(
            authorisation_number=authorisation.number.lower(), occurred_on=str(authorisation.valid_from)
        )
        assert report.authorisation_id == authorisation.id
        body = login_as("secretariat").get(f"{API}/reports/{report.id}").get_json()
    assert body["authorisation"]["number"] == authorisation.number
    assert body["authorisation"]["conditions"] == authorisation.conditions


def test_a_revoked_or_out_of_scope_authorisation_is_not_linked(db):
    authorisation = factories.approved().authorisation
    report = ops.file_report(
        ReportInputSchema().load({**BODY, "authorisation_number": authorisation.number}), actor=user("head")
    )
    with clock.frozen(authorisation.valid_from):
        assert ops.linked_authorisation(authorisation.number, report.community) == authorisation.id
        other = _db.session.scalar(
            sa.select(type(report.community)).where(type(report.community).code.like("LJ02%"))
        )
        if other is not None and other.level == report.community.level:
            assert ops.linked_authorisation(authorisation.number, other) is None
    with clock.frozen(authorisation.valid_to + dt.timedelta(days=1)):
        assert ops.linked_authorisation(authorisation.number, report.community) is None


def test_an_unknown_number_is_kept_but_not_linked(db):
    report = filed(authorisation_number="LJ-2026-9999")
    assert report.authorisation_number == "LJ-2026-9999" and report.authorisation_id is None


def test_operations_refuse_out_of_order_directly(db):
    report = filed()
    with pytest.raises(InvalidTransition):
        ops.advance_report(report, "close", "结案", actor=user("secretariat"))
    assert db.scalar(sa.select(sa.func.count(ReportEvent.id)).where(ReportEvent.report_id == report.id)) == 1
    assert isinstance(report.gate, Gate)


def test_the_office_inbox_counts_the_reports_being_handled(login_as, page_as, db):
    def tile() -> tuple[int, str]:
        html = page_as("secretariat").text("/committee/inbox?lang=en")
        found = re.search(
            r'<a class="stat stat--(\w+)" href="([^"]*/reports[^"]*)">\s*'
            r'<span class="stat-number">(\d+)</span>\s*'
            r'<span class="stat-label">Reports being handled([^<]*(?:<strong[^>]*>[^<]*</strong>)?)',
            html,
        )
        assert found, "no reports tile on the inbox"
        return int(found.group(3)), found.group(2) + found.group(4)

    assert tile()[0] == 0
    filed()
    second = filed(title="第二条举报")
    office = login_as("secretariat")
    for action in ("investigate", "dismiss", "close"):
        step(office, second.id, action)
    count, rest = tile()
    assert count == 1 and "overdue" not in rest  # the closed one is done
    with clock.frozen(TODAY + dt.timedelta(days=30)):  # past the deadline to investigate
        count, rest = tile()
        assert count == 1 and "1 overdue" in rest and "overdue=1" in rest
