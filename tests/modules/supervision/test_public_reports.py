"""Public filing (no login): the page and the API; evidence files (too large, wrong type, several
good ones); the anti-abuse measures (honeypot, too fast, rate limit); and what the department sees of
a public report (nothing that identifies who filed it)."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
import sqlalchemy as sa

from gatekeeper.core import clock
from gatekeeper.modules.supervision.models import Report, ReportFile, ReportSource
from tests.factories import TODAY

API = "/api/v1"
NOON = dt.datetime.combine(TODAY, dt.time(12, 0), tzinfo=clock.timezone())
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n%test\n"
FORM = {
    "community": "LJ0101",
    "department": "WJW",
    "kind": "sign",
    "title": "要求社区悬挂“健康小屋”标牌",
    "occurred_on": "2026-05-28",
    "description": "街道转来区卫健委通知，要求社区在门口悬挂标牌。",
    "contact": "李先生 13800000000",
}


@pytest.fixture(autouse=True)
def today():
    with clock.frozen(NOON):
        yield


def reports(db) -> list[Report]:
    db.expire_all()
    return list(db.scalars(sa.select(Report).order_by(Report.id)))


def served(browser) -> str:
    """Open the form (at NOON) and return its signed start time."""
    html = browser.text("/public/report")
    return re.search(r'name="started" value="([^"]+)"', html).group(1)


def post(browser, token, *, later=30, files=(), **changes):
    data = {**FORM, **changes, "started": token, "csrf_token": browser.csrf}
    data = {key: value for key, value in data.items() if value is not None}
    if files:
        data["files"] = [(io.BytesIO(content), name) for name, content in files]
    with clock.frozen(NOON + dt.timedelta(seconds=later)):
        return browser.post("/public/report", data=data, content_type="multipart/form-data")


def test_anyone_files_a_report_with_evidence(anonymous_page, db):
    token = served(anonymous_page)
    answer = post(anonymous_page, token, files=[("标牌.png", PNG), ("通知.pdf", PDF)])
    assert answer.status_code == 303, answer.get_data(as_text=True)[:2000]
    assert answer.headers["Location"].endswith("/public/report/sent")
    (report,) = reports(db)
    assert report.source == ReportSource.PUBLIC and report.reporter_id is None
    assert report.contact == "李先生 13800000000" and report.community.code == "LJ0101"
    files = db.scalars(sa.select(ReportFile).where(ReportFile.report_id == report.id)).all()
    assert sorted(f.content_type for f in files) == ["application/pdf", "image/png"]


def test_the_page_needs_no_login_and_has_the_guards(anonymous_page):
    html = anonymous_page.text("/public/report?lang=en")
    assert 'name="website"' in html and 'name="started"' in html and 'name="csrf_token"' in html
    assert 'enctype="multipart/form-data"' in html and "<script>" not in html


def test_without_csrf_it_is_refused(anonymous_page, db):
    token = served(anonymous_page)
    anonymous_page.csrf = "forged"
    assert post(anonymous_page, token).status_code in (400, 403)
    assert reports(db) == []


def test_the_honeypot_refuses_a_robot(anonymous_page, db):
    token = served(anonymous_page)
    assert post(anonymous_page, token, website="http://spam.example").status_code == 422
    assert reports(db) == []


def test_a_form_sent_too_fast_is_refused(anonymous_page, db):
    token = served(anonymous_page)
    answer = post(anonymous_page, token, later=1)
    assert answer.status_code == 422 and reports(db) == []
    assert post(anonymous_page, "forged-token").status_code == 422
    assert reports(db) == []


def test_the_rate_limit_per_address(anonymous_page, app, db):
    before = app.config["PUBLIC_REPORT_RATE_PER_HOUR"]
    app.config["PUBLIC_REPORT_RATE_PER_HOUR"] = 2
    try:
        token = served(anonymous_page)
        assert post(anonymous_page, token, title="一").status_code == 303
        assert post(anonymous_page, token, title="二").status_code == 303
        assert post(anonymous_page, token, title="三").status_code == 429
        assert len(reports(db)) == 2
    finally:
        app.config["PUBLIC_REPORT_RATE_PER_HOUR"] = before


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [("page.html", b"<html><script>alert(1)</script></html>", "not accepted"), ("empty.png", b"", "empty")],
)
def test_a_file_of_the_wrong_type_is_refused(anonymous_page, db, name, content, problem):
    token = served(anonymous_page)
    answer = post(anonymous_page, token, files=[(name, content)])
    assert answer.status_code == 422 and reports(db) == []


def test_a_file_too_large_is_refused(anonymous_page, app, db):
    app.config["ATTACHMENT_MAX_BYTES"] = 100
    try:
        token = served(anonymous_page)
        answer = post(anonymous_page, token, files=[("big.pdf", PDF + b"0" * 200)])
        assert answer.status_code == 422 and reports(db) == []
    finally:
        app.config["ATTACHMENT_MAX_BYTES"] = 20 * 1024 * 1024


# --- the API ---------------------------------------------------------------------------------------


def test_the_api_takes_an_anonymous_report_as_json(client, db):
    answer = client.post(f"{API}/reports", json=FORM)
    assert answer.status_code == 201, answer.get_json()
    body = answer.get_json()
    # who filed it is not said back to an anonymous caller either
    assert body["state"] == "received" and body["reporter"] is None and body["contact"] is None
    assert reports(db)[0].source == ReportSource.PUBLIC


def test_the_api_takes_multipart_with_files_and_checks_them(client, db):
    data = {**FORM, "files": [(io.BytesIO(PNG), "a.png"), (io.BytesIO(PDF), "b.pdf")]}
    answer = client.post(f"{API}/reports", data=data, content_type="multipart/form-data")
    assert answer.status_code == 201, answer.get_json()
    bad = {**FORM, "files": [(io.BytesIO(b"MZ\x90\x00"), "tool.exe")]}
    refused = client.post(f"{API}/reports", data=bad, content_type="multipart/form-data")
    assert refused.status_code == 422
    assert refused.get_json()["error"]["fields"]["files"][0].startswith("tool.exe: ")  # named as sent
    assert len(reports(db)) == 1


def test_the_api_honeypot_and_rate_limit(client, app, db):
    assert client.post(f"{API}/reports", json={**FORM, "website": "x"}).status_code == 422
    before = app.config["PUBLIC_REPORT_RATE_PER_HOUR"]
    app.config["PUBLIC_REPORT_RATE_PER_HOUR"] = 1
    try:
        assert client.post(f"{API}/reports", json=FORM).status_code == 201
        answer = client.post(f"{API}/reports", json=FORM)
        assert answer.status_code == 429 and answer.get_json()["error"]["code"]
    finally:
        app.config["PUBLIC_REPORT_RATE_PER_HOUR"] = before


def test_an_unknown_community_is_422(client, db):
    answer = client.post(f"{API}/reports", json={**FORM, "community": "NOPE"})
    assert answer.status_code == 422 and "community" in answer.get_json()["error"]["fields"]


# --- the department never learns who filed a public report ---------------------------------------


def test_the_department_sees_nothing_of_the_public_filer(client, login_as, page_as, db):
    data = {**FORM, "files": [(io.BytesIO(PNG), "李先生家门口.png")]}
    report_id = client.post(f"{API}/reports", data=data, content_type="multipart/form-data").get_json()["id"]
    body = login_as("officer").get(f"{API}/reports/{report_id}").get_json()
    text = str(body)
    assert "李先生" not in text and "13800000000" not in text
    assert body["source"] is None and body["reporter"] is None and body["contact"] is None
    assert body["files"] is None
    assert login_as("officer").get(f"{API}/reports/{report_id}/files/1").status_code in (403, 404)
    for url in (f"/reports/{report_id}", "/reports"):
        html = page_as("officer").text(url)
        assert "李先生" not in html and "13800000000" not in html and "公众" not in html
    office = login_as("secretariat").get(f"{API}/reports/{report_id}").get_json()
    assert office["contact"] == "李先生 13800000000" and office["source"] == "public"
    assert len(office["files"]) == 1
    assert "李先生" in page_as("secretariat").text(f"/reports/{report_id}")
    # the head of the community sees the report, not the public filer's contact
    head = login_as("head").get(f"{API}/reports/{report_id}").get_json()
    assert head["contact"] is None and head["reporter"] is None
