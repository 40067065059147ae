"""Who is told what about a report: the office of a new report and of the department's answer, the
department named of an upheld report, the head who filed it of every step; never who filed it."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from gatekeeper.core import clock
from gatekeeper.extensions import db as _db
from gatekeeper.modules.notifications.models import Notification, NotificationKind
from gatekeeper.modules.supervision import operations as ops
from gatekeeper.modules.supervision.schemas import PublicReportInputSchema, ReportInputSchema
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


def told(kind: NotificationKind, report_id: int) -> dict[str, list[dict]]:
    """username → the params of each notification of ``kind`` about the report."""
    from gatekeeper.modules.accounts.models import User

    _db.session.expire_all()
    rows = _db.session.execute(
        sa.select(User.username, Notification.params)
        .join(User, User.id == Notification.user_id)
        .where(Notification.kind == kind, Notification.report_id == report_id)
        .order_by(Notification.id)
    ).all()
    out: dict[str, list[dict]] = {}
    for username, params in rows:
        out.setdefault(username, []).append(params)
    return out


def step(client, report_id, action, note="核查记录"):
    return client.post(f"{API}/reports/{report_id}/{action}", json={"note": note})


def test_a_new_report_reaches_the_office_without_naming_the_filer(login_as, db):
    answer = login_as("head").post(f"{API}/reports", json=BODY)
    assert answer.status_code == 201
    report_id = answer.get_json()["id"]
    office = told(NotificationKind.REPORT_FILED, report_id)
    assert set(office) == {"secretariat"}  # the gate's office only; nobody else, not the filer
    assert office["secretariat"][0]["community"] == "滨江社区"
    item = login_as("secretariat").get(f"{API}/notifications?lang=en").get_json()["items"][0]
    assert item["kind"] == "report_filed" and item["report_id"] == report_id
    assert item["link"] == f"{API}/reports/{report_id}"
    assert "A report was filed" in item["message"] and "滨江社区" in item["message"]
    assert user("head").name not in item["message"]
    assert login_as("secretariat").get(item["link"]).status_code == 200


def test_a_public_report_reaches_the_office_too(db):
    data = PublicReportInputSchema().load({**BODY, "community": "LJ0101", "contact": "李先生 138"})
    report = ops.file_public_report(data)
    db.commit()
    office = told(NotificationKind.REPORT_FILED, report.id)
    assert set(office) == {"secretariat"}
    assert "李先生" not in str(office)  # the contact stays on the report, for the office to open


def test_each_step_tells_the_head_and_the_uphold_tells_the_department(login_as, page_as, db):
    report = ops.file_report(ReportInputSchema().load(BODY), actor=user("head"))
    db.commit()
    office = login_as("secretariat")
    assert step(office, report.id, "investigate").status_code == 200
    assert len(told(NotificationKind.REPORT_CHANGED, report.id)["head"]) == 1
    assert told(NotificationKind.REPORT_UPHELD, report.id) == {}  # the department learns of it when upheld
    assert step(office, report.id, "uphold").status_code == 200
    changed = told(NotificationKind.REPORT_CHANGED, report.id)
    assert [p["state"] for p in changed["head"]] == ["investigating", "upheld"]
    upheld = told(NotificationKind.REPORT_UPHELD, report.id)
    assert set(upheld) == {"officer"}  # WJW's officers; not MZJ's, not the office itself
    message = login_as("officer").get(f"{API}/notifications?lang=en").get_json()["items"][0]["message"]
    assert "was upheld" in message and user("head").name not in message
    # the head reads it in words and opens the report from the notification page
    head = login_as("head").get(f"{API}/notifications?lang=en").get_json()["items"][0]
    assert "is now: Upheld" in head["message"] and user("secretariat").name in head["message"]
    browser = page_as("head")
    opened = browser.form(f"/notifications/{head['id']}/open")
    assert opened.status_code == 303 and opened.headers["Location"].endswith(f"/reports/{report.id}")


def test_the_answer_reaches_the_office(login_as, db):
    report = ops.file_report(ReportInputSchema().load(BODY), actor=user("head"))
    db.commit()
    office = login_as("secretariat")
    step(office, report.id, "investigate")
    step(office, report.id, "uphold")
    answer = login_as("officer").post(
        f"{API}/reports/{report.id}/response", json={"response": "已撤销台账要求"}
    )
    assert answer.status_code == 200
    answered = told(NotificationKind.REPORT_ANSWERED, report.id)
    assert set(answered) == {"secretariat"} and answered["secretariat"][0]["department"] == "区卫生健康委员会"


def test_a_refused_step_tells_nobody(login_as, db):
    report = ops.file_report(ReportInputSchema().load(BODY), actor=user("head"))
    db.commit()
    before = db.scalar(sa.select(sa.func.count(Notification.id)))
    assert step(login_as("secretariat"), report.id, "close").status_code == 409
    assert db.scalar(sa.select(sa.func.count(Notification.id))) == before


def test_a_public_reporter_has_no_account_to_tell(login_as, db):
    data = PublicReportInputSchema().load({**BODY, "community": "LJ0101"})
    report = ops.file_public_report(data)
    db.commit()
    step(login_as("secretariat"), report.id, "investigate")
    assert told(NotificationKind.REPORT_CHANGED, report.id) == {}
