"""Supervision notices: composed from the reports upheld in a period (by the day they were upheld),
reports added and removed, published with a number per gate and year, on the public page and as a PDF
(read back with pdftotext) — never naming who filed a report."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from gatekeeper.core import clock
from gatekeeper.extensions import db as _db
from gatekeeper.modules.supervision import notices as notice_ops
from gatekeeper.modules.supervision import operations as ops
from gatekeeper.modules.supervision.models import Notice, NoticeState
from gatekeeper.modules.supervision.schemas import ReportInputSchema
from tests.factories import TODAY, user
from tests.pdf_tools import flat, pdf_text

API = "/api/v1"
BODY = {
    "department": "WJW",
    "kind": "ledger",
    "title": "要求社区建立居民健康档案纸质台账",
    "occurred_on": "2026-05-20",
    "description": "电话通知社区每月报送纸质台账。",
}


@pytest.fixture(autouse=True)
def today(document_fonts):
    with clock.frozen(TODAY):
        yield


def upheld(title: str, *, on: dt.date = TODAY, response: str = ""):
    with clock.frozen(on):
        data = {**BODY, "title": title, "occurred_on": str(on - dt.timedelta(days=3))}
        report = ops.file_report(ReportInputSchema().load(data), actor=user("head"))
        office = user("secretariat")
        ops.advance_report(report, "investigate", "开始核查", actor=office)
        ops.advance_report(report, "uphold", "情况属实", actor=office)
        if response:
            ops.respond_report(report, response, actor=user("officer"))
            ops.advance_report(report, "rectify", "已整改", actor=office)
        _db.session.commit()
    return report


def compose(client, **changes):
    body = {
        "title": "2026年6月督查通报",
        "body": "现将违规向社区摊派事项通报如下。",
        "period_from": "2026-06-01",
        "period_to": "2026-06-30",
        **changes,
    }
    return client.post(f"{API}/notices", json=body)


def test_compose_takes_the_reports_upheld_in_the_period(login_as, db):
    june = upheld("六月认定的台账", response="已撤回台账要求")
    may = upheld("五月认定的台账", on=dt.date(2026, 5, 15))
    dismissed = ops.file_report(ReportInputSchema().load({**BODY, "title": "不属实"}), actor=user("head"))
    db.commit()
    answer = compose(login_as("secretariat"))
    assert answer.status_code == 201, answer.get_json()
    body = answer.get_json()
    assert body["state"] == "draft" and body["number"] is None
    assert [i["report"] for i in body["items"]] == [june.id]
    item = body["items"][0]
    assert item["outcome"] == "rectified" and item["department_response"] == "已撤回台账要求"
    assert item["department_name"] == "区卫生健康委员会" and item["community"] == "LJ0101"
    assert may.id not in [i["report"] for i in body["items"]] and dismissed.id
    assert "reporter" not in item and "head" not in str(body)


def test_reports_are_added_and_removed_only_if_upheld(login_as, db):
    report = upheld("六月认定的台账")
    fresh = ops.file_report(ReportInputSchema().load(BODY), actor=user("head"))
    db.commit()
    office = login_as("secretariat")
    notice = compose(office, reports=[]).get_json()
    assert notice["items"] == []
    added = office.post(f"{API}/notices/{notice['id']}/reports", json={"report": report.id})
    assert [i["report"] for i in added.get_json()["items"]] == [report.id]
    refused = office.post(f"{API}/notices/{notice['id']}/reports", json={"report": fresh.id})
    assert refused.status_code == 422
    removed = office.delete(f"{API}/notices/{notice['id']}/reports/{report.id}")
    assert removed.status_code == 200 and removed.get_json()["items"] == []
    assert office.post(f"{API}/notices/{notice['id']}/publish", json={}).status_code == 422  # names nothing


def test_publish_numbers_per_gate_and_year_and_freezes(login_as, db):
    upheld("第一份")
    office = login_as("secretariat")
    first = compose(office).get_json()
    published = office.post(f"{API}/notices/{first['id']}/publish", json={})
    assert published.status_code == 200
    assert (
        published.get_json()["number"] == "LJ督〔2026〕1号" and published.get_json()["state"] == "published"
    )
    again = office.post(f"{API}/notices/{first['id']}/publish", json={})
    assert again.status_code == 409
    upheld("第二份")
    second = compose(office, title="第二期").get_json()
    assert len(second["items"]) == 1  # the report of the first notice is not named again
    assert (
        office.post(f"{API}/notices/{second['id']}/publish", json={}).get_json()["number"]
        == "LJ督〔2026〕2号"
    )
    frozen = office.delete(f"{API}/notices/{first['id']}/reports/{first['items'][0]['report']}")
    assert frozen.status_code == 409


def test_who_composes_and_who_reads(login_as, client, db):
    upheld("六月认定的台账")
    for name in ("head", "officer", "chair"):
        assert compose(login_as(name)).status_code == 403, name
    draft = compose(login_as("secretariat")).get_json()
    assert client.get(f"{API}/notices/{draft['id']}").status_code == 404  # a draft is not public
    assert client.get(f"{API}/notices").get_json()["items"] == []
    login_as("secretariat").post(f"{API}/notices/{draft['id']}/publish", json={})
    assert client.get(f"{API}/notices/{draft['id']}").status_code == 200
    assert [n["id"] for n in client.get(f"{API}/notices").get_json()["items"]] == [draft["id"]]


def test_the_public_page_and_the_pdf(login_as, client, anonymous_page, page_as, db):
    report = upheld("要求社区悬挂健康小屋标牌", response="已撤除标牌")
    upheld("要求社区每月报送纸质台账")  # upheld, not yet rectified
    office = login_as("secretariat")
    notice = compose(office).get_json()
    office.post(f"{API}/notices/{notice['id']}/publish", json={})
    head_name = user("head").name
    html = anonymous_page.text(f"/public/notices/{notice['id']}")
    for text in (
        "LJ督〔2026〕1号",
        "区卫生健康委员会",
        report.community.name,
        "要求社区悬挂健康小屋标牌",
        "已撤除标牌",
        "属实，已整改",  # the outcome as a notice says it, not the report's last state
        "属实，整改中",
    ):
        assert text in html
    assert head_name not in html
    assert "LJ督〔2026〕1号" in anonymous_page.text("/public/notices")
    pdf = client.get(f"{API}/notices/{notice['id']}/notice.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = flat(pdf_text(pdf.data))
    for words in (
        "LJ督〔2026〕1号",
        "区卫生健康委员会",
        "要求社区悬挂健康小屋标牌",
        "已撤除标牌",
        "属实，已整改",
    ):
        assert flat(words) in text
    assert flat(head_name) not in text
    assert anonymous_page.get(f"/public/notices/{notice['id']}/notice.pdf").status_code == 200


def test_a_draft_is_previewed_by_the_office_only(login_as, client, anonymous_page, page_as, db):
    upheld("六月认定的台账")
    notice = compose(login_as("secretariat")).get_json()
    assert client.get(f"{API}/notices/{notice['id']}/notice.pdf").status_code == 404
    assert anonymous_page.get(f"/public/notices/{notice['id']}").status_code == 404
    preview = login_as("secretariat").get(f"{API}/notices/{notice['id']}/notice.pdf")
    assert preview.status_code == 200 and "六月认定的台账" in flat(pdf_text(preview.data))


def test_compose_and_publish_on_the_pages(page_as, db):
    upheld("六月认定的台账")
    office = page_as("secretariat")
    assert "Compose" in office.text("/notices/new?lang=en")
    answer = office.form(
        "/notices/new",
        {"title": "六月通报", "period_from": "2026-06-01", "period_to": "2026-06-30", "body": "通报如下。"},
    )
    assert answer.status_code == 303, answer.get_data(as_text=True)[:1500]
    notice = db.scalar(sa.select(Notice))
    assert "六月认定的台账" in office.text(f"/notices/{notice.id}")
    assert office.form(f"/notices/{notice.id}/publish").status_code == 303
    db.expire_all()
    assert db.get(Notice, notice.id).state == NoticeState.PUBLISHED
    assert notice_ops.reports_of(db.get(Notice, notice.id))
