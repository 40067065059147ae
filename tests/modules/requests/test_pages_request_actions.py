"""Submitting (and answering a return), withdrawing, and the request's files, through the pages; the
API's submission with an answer."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

from gatekeeper.core import clock
from gatekeeper.extensions import db as _db
from gatekeeper.modules.attachments.models import Attachment
from gatekeeper.modules.requests import operations as ops
from gatekeeper.modules.requests.models import CheckRun, RequestEvent, RequestRevision, RequestState
from tests import factories
from tests.factories import TODAY
from tests.modules.attachments.attachment_support import pdf_bytes


@pytest.fixture(autouse=True)
def today():
    with clock.frozen(TODAY):
        yield


def returned(reason: str):
    req = factories.submitted(start_date="2026-06-15")  # LEAD_TIME warning at the first submission
    with clock.frozen(TODAY):
        ops.return_request(req, reason, actor=factories.user("secretariat"))
        _db.session.commit()
    return req


def revisions(db, req) -> list[RequestRevision]:
    return db.scalars(
        sa.select(RequestRevision)
        .where(RequestRevision.request_id == req.id)
        .order_by(RequestRevision.number)
    ).all()


# --- submit -----------------------------------------------------------------------------------------


def test_submit_page_shows_the_findings_now(page_as, db):
    req = factories.draft(start_date="2026-06-15")
    html = page_as("officer").text(f"/requests/{req.id}/submit?lang=en")
    assert "What the check finds now" in html and "LEAD_TIME" in html
    assert 'name="response"' in html and "Your answer to the findings (optional)" in html


def test_an_admissible_request_is_submitted_with_the_answer(page_as, db):
    req = factories.draft()
    answer = page_as("officer").form(f"/requests/{req.id}/submit", {"response": "  已与街道沟通。 "})
    assert answer.status_code == 303 and answer.headers["Location"].endswith(f"/requests/{req.id}")
    db.refresh(req)
    assert req.state == RequestState.SUBMITTED and req.revision == 1
    assert [r.response for r in revisions(db, req)] == ["已与街道沟通。"]


def test_a_blocked_submission_is_refused_with_its_findings_and_the_answer_kept(page_as, db):
    req = factories.draft(demands={"veto": True})
    assert "A finding blocks this request" in page_as("officer").text(f"/requests/{req.id}/submit?lang=en")
    answer = page_as("officer").form(f"/requests/{req.id}/submit?lang=en", {"response": "我们的说明"})
    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    assert "NO_VETO_LETTER_RANKING" in html and "一票否决" in html  # the finding and its citation
    assert "我们的说明" in html
    assert f"/requests/{req.id}/edit" in html
    db.refresh(req)
    assert req.state == RequestState.DRAFT and req.revision == 0
    assert revisions(db, req) == []
    triggers = db.scalars(sa.select(CheckRun.trigger).where(CheckRun.request_id == req.id)).all()
    assert triggers == ["create", "submit"]  # the refused check is kept, as the API keeps it


def test_answering_a_return_shows_the_reason_and_the_findings_then_and_now(page_as, db):
    req = returned("开始日期过早，请调整并说明理由")
    officer = page_as("officer")
    html = officer.text(f"/requests/{req.id}/submit?lang=en")
    assert "开始日期过早，请调整并说明理由" in html
    assert "Findings at the last submission" in html and "LEAD_TIME" in html
    assert "Your answer to the return" in html

    with clock.frozen(TODAY):
        ops.update_request(req, {"start_date": "2026-09-01"}, actor=factories.user("officer"))
        db.commit()
    html = officer.text(f"/requests/{req.id}/submit?lang=en")
    resolved = html[html.index("<h3>Resolved") : html.index("<h3>New")]
    assert "LEAD_TIME" in resolved

    answer = officer.form(f"/requests/{req.id}/submit", {"response": "已将开始日期调整为9月1日。"})
    assert answer.status_code == 303
    db.refresh(req)
    assert req.state == RequestState.SUBMITTED and req.revision == 2
    assert [r.response for r in revisions(db, req)] == ["", "已将开始日期调整为9月1日。"]
    detail = officer.text(f"/requests/{req.id}")
    assert "已将开始日期调整为9月1日。" in detail


def test_an_answer_over_5000_characters_is_refused_and_kept(page_as, db):
    req = factories.draft()
    answer = page_as("officer").form(f"/requests/{req.id}/submit", {"response": "长" * 5001})
    assert answer.status_code == 422
    assert 'id="f-response-error"' in answer.get_data(as_text=True)
    db.refresh(req)
    assert req.state == RequestState.DRAFT


def test_submit_is_refused_without_csrf_and_to_others(page_as, db):
    req = factories.draft()
    assert page_as("officer").post(f"/requests/{req.id}/submit", data={}).status_code == 400
    assert page_as("mzj.officer").get(f"/requests/{req.id}/submit").status_code == 404
    review = factories.submitted()
    assert page_as("secretariat").get(f"/requests/{review.id}/submit").status_code == 403
    assert page_as("officer").get(f"/requests/{review.id}/submit").status_code == 409
    db.refresh(req)
    assert req.state == RequestState.DRAFT


# --- withdraw ---------------------------------------------------------------------------------------


def test_withdraw_with_a_reason(page_as, db):
    req = factories.submitted()
    officer = page_as("officer")
    assert 'name="reason"' in officer.text(f"/requests/{req.id}/withdraw")
    answer = officer.form(f"/requests/{req.id}/withdraw", {"reason": "工作安排调整"})
    assert answer.status_code == 303
    db.refresh(req)
    assert req.state == RequestState.WITHDRAWN
    event = db.scalar(
        sa.select(RequestEvent).where(RequestEvent.request_id == req.id).order_by(RequestEvent.id.desc())
    )
    assert event.action == "withdraw" and event.reason == "工作安排调整"
    assert officer.get(f"/requests/{req.id}/withdraw").status_code == 409


def test_withdraw_is_the_filing_departments(page_as, db):
    req = factories.submitted()
    assert page_as("secretariat").get(f"/requests/{req.id}/withdraw").status_code == 403
    assert page_as("secretariat").form(f"/requests/{req.id}/withdraw", {}).status_code == 403
    assert page_as("mzj.officer").form(f"/requests/{req.id}/withdraw", {}).status_code == 404
    assert page_as("officer").post(f"/requests/{req.id}/withdraw", data={}).status_code == 400
    db.refresh(req)
    assert req.state == RequestState.SUBMITTED


# --- attachments ------------------------------------------------------------------------------------


@pytest.fixture
def storage(app, tmp_path, monkeypatch) -> Path:
    """Files go to a folder of the test, never to the real instance folder."""
    instance = tmp_path / "instance"
    instance.mkdir()
    monkeypatch.setattr(app, "instance_path", str(instance))
    yield instance / "attachments"
    shutil.rmtree(instance)


def upload(browser, req, data: bytes, filename: str = "工作方案.pdf", kind: str = "plan"):
    body = {"csrf_token": browser.csrf, "kind": kind, "file": (io.BytesIO(data), filename)}
    return browser.post(f"/requests/{req.id}/attachments", data=body, content_type="multipart/form-data")


def test_attach_and_remove_a_file(page_as, db, storage):
    req = factories.draft()
    officer = page_as("officer")
    answer = upload(officer, req, pdf_bytes())
    assert answer.status_code == 303
    att = db.scalar(sa.select(Attachment).where(Attachment.request_id == req.id))
    assert att.filename == "工作方案.pdf" and att.kind.value == "plan"
    html = officer.text(f"/requests/{req.id}")
    assert f'href="/api/v1/attachments/{att.id}/download"' in html and "工作方案.pdf" in html
    download = officer.get(f"/api/v1/attachments/{att.id}/download")
    assert download.status_code == 200 and download.get_data() == pdf_bytes()
    download.close()

    removed = officer.form(f"/requests/{req.id}/attachments/{att.id}/remove")
    assert removed.status_code == 303
    db.refresh(att)
    assert att.deleted_at is not None
    assert f"/attachments/{att.id}/download" not in officer.text(f"/requests/{req.id}")


def test_a_refused_file_is_said_beside_the_field(page_as, db, storage):
    req = factories.draft()
    officer = page_as("officer")
    answer = upload(officer, req, b"<html>not a document</html>", "plan.html")
    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    assert 'id="f-file-error"' in html
    missing = officer.post(
        f"/requests/{req.id}/attachments", data={"csrf_token": officer.csrf, "kind": "plan"}
    )
    assert missing.status_code == 422 and 'id="f-file-error"' in missing.get_data(as_text=True)
    assert db.scalar(sa.select(sa.func.count(Attachment.id)).where(Attachment.request_id == req.id)) == 0


def test_files_are_the_filing_departments_and_change_only_while_editable(page_as, db, storage):
    req = factories.draft()
    assert upload(page_as("mzj.officer"), req, pdf_bytes()).status_code == 404
    officer = page_as("officer")
    upload(officer, req, pdf_bytes())
    att = db.scalar(sa.select(Attachment).where(Attachment.request_id == req.id))
    assert page_as("mzj.officer").form(f"/requests/{req.id}/attachments/{att.id}/remove").status_code == 404
    assert officer.post(f"/requests/{req.id}/attachments/{att.id}/remove").status_code == 400  # no CSRF
    other = factories.draft()
    assert officer.form(f"/requests/{other.id}/attachments/{att.id}/remove").status_code == 404

    with clock.frozen(TODAY):
        ops.submit_request(req, actor=factories.user("officer"))
        db.commit()
    assert officer.form(f"/requests/{req.id}/attachments/{att.id}/remove").status_code == 303  # refused: back
    db.refresh(att)
    assert att.deleted_at is None
    assert page_as("secretariat").form(f"/requests/{req.id}/attachments/{att.id}/remove").status_code == 403


# --- the API's submission with an answer ------------------------------------------------------------


def test_the_api_submission_takes_an_optional_answer(login_as, db):
    officer = login_as("officer")
    plain = factories.draft()
    assert officer.post(f"/api/v1/requests/{plain.id}/submit", json={}).status_code == 200

    req = returned("请说明经费测算依据")
    answer = officer.post(f"/api/v1/requests/{req.id}/submit", json={"response": "经费按每百户150元测算。"})
    assert answer.status_code == 200, answer.get_json()
    listed = officer.get(f"/api/v1/requests/{req.id}/revisions").get_json()["items"]
    assert [r["response"] for r in listed] == ["", "经费按每百户150元测算。"]

    too_long = factories.draft()
    refused = officer.post(f"/api/v1/requests/{too_long.id}/submit", json={"response": "长" * 5001})
    assert refused.status_code == 422 and "response" in refused.get_json()["error"]["fields"]
    unknown = officer.post(f"/api/v1/requests/{too_long.id}/submit", json={"answer": "x"})
    assert unknown.status_code == 422
