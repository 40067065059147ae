"""Submitting re-runs the check: blocks refuse with the findings; a resubmission shows what changed."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from gatekeeper.core import clock
from gatekeeper.core.audit import AuditEntry
from gatekeeper.modules.requests.models import CheckRun, RequestRevision
from tests.factories import TODAY, body


@pytest.fixture(autouse=True)
def today():
    with clock.frozen(TODAY):
        yield


VETO = {"demands": {"veto": True, "responsibility_letter": True}}


def test_blocked_submission_is_refused_with_findings_and_recorded(login_as, db):
    officer = login_as("officer")
    rid = officer.post("/api/v1/requests", json=body(**VETO)).get_json()["id"]

    answer = officer.post(f"/api/v1/requests/{rid}/submit", json={})
    assert answer.status_code == 422
    error = answer.get_json()["error"]
    assert error["code"] == "blocked"
    codes = [f["code"] for f in error["findings"]]
    assert "NO_VETO_LETTER_RANKING" in codes
    finding = next(f for f in error["findings"] if f["code"] == "NO_VETO_LETTER_RANKING")
    assert set(finding) >= {"code", "severity", "message", "citation", "fields"}
    assert finding["severity"] == "block" and "一票否决" in finding["citation"]
    assert set(error["fields"]) >= {"demands.veto", "demands.responsibility_letter"}

    req = officer.get(f"/api/v1/requests/{rid}").get_json()
    assert req["state"] == "draft" and req["revision"] == 0 and req["outcome"] == "blocked"
    runs = db.scalars(sa.select(CheckRun).where(CheckRun.request_id == rid)).all()
    assert [(r.trigger, r.outcome.value) for r in runs] == [("create", "blocked"), ("submit", "blocked")]
    assert db.scalar(sa.select(sa.func.count()).where(RequestRevision.request_id == rid)) == 0
    checks = db.scalars(
        sa.select(AuditEntry.action).where(
            AuditEntry.object_type == "admission_requests", AuditEntry.object_id == str(rid)
        )
    ).all()
    assert "request.check" in checks and "request.submit" not in checks


def test_resubmission_after_return_compares_findings(login_as):
    officer, secretariat = login_as("officer"), login_as("secretariat")
    late = {"start_date": "2026-06-15"}  # inside the 30 working days of lead time: LEAD_TIME warning
    rid = officer.post("/api/v1/requests", json=body(**late)).get_json()["id"]
    first = officer.post(f"/api/v1/requests/{rid}/submit", json={}).get_json()
    assert first["comparison"] == {"resolved": [], "new": ["LEAD_TIME"], "remaining": []}

    returned = secretariat.post(f"/api/v1/requests/{rid}/return", json={"reason": "开始日期过早，请调整"})
    assert returned.get_json()["state"] == "returned"
    assert (
        officer.get(f"/api/v1/requests/{rid}/events").get_json()["items"][-1]["reason"]
        == "开始日期过早，请调整"
    )

    fixed = officer.patch(f"/api/v1/requests/{rid}", json={"start_date": "2026-09-01"})
    assert fixed.status_code == 200, fixed.get_json()
    again = officer.post(f"/api/v1/requests/{rid}/submit", json={}).get_json()
    assert again["state"] == "submitted" and again["revision"] == 2
    assert again["comparison"] == {"resolved": ["LEAD_TIME"], "new": [], "remaining": []}
    revisions = officer.get(f"/api/v1/requests/{rid}/revisions").get_json()["items"]
    assert [r["snapshot"]["start_date"] for r in revisions] == ["2026-06-15", "2026-09-01"]
    checks = officer.get(f"/api/v1/requests/{rid}/checks").get_json()["items"]
    assert [c["trigger"] for c in checks] == ["resubmit", "edit", "submit", "create"]


def test_patch_merges_and_validates_the_whole_request(login_as):
    officer = login_as("officer")
    rid = officer.post("/api/v1/requests", json=body()).get_json()["id"]
    answer = officer.patch(f"/api/v1/requests/{rid}", json={"funding": {"amount_fen": 10000}})
    result = answer.get_json()
    assert answer.status_code == 200
    assert result["funding"] == {
        "basis": "per_100_households",
        "amount_fen": 10000,
        "amount_yuan": "100.00",
        "source": "区财政专项",
    }
    assert "FUNDS_FOLLOW_DUTIES" in [f["code"] for f in result["findings"]]  # below PD-107's 150 元 standard

    wrong = officer.patch(f"/api/v1/requests/{rid}", json={"end_date": "2026-08-01"})
    assert wrong.status_code == 422 and "end_date" in wrong.get_json()["error"]["fields"]
    unknown = officer.patch(f"/api/v1/requests/{rid}", json={"state": "approved"})
    assert unknown.status_code == 422 and "state" in unknown.get_json()["error"]["fields"]
    other = officer.patch(f"/api/v1/requests/{rid}", json={"gate": "XX"})
    assert other.status_code == 422
    assert officer.get(f"/api/v1/requests/{rid}").get_json()["end_date"] == "2027-08-31"


def test_submitted_request_cannot_be_edited(login_as):
    officer = login_as("officer")
    rid = officer.post("/api/v1/requests", json=body()).get_json()["id"]
    officer.post(f"/api/v1/requests/{rid}/submit", json={})
    answer = officer.patch(f"/api/v1/requests/{rid}", json={"title": "改名"})
    assert answer.status_code == 409 and answer.get_json()["error"]["code"] == "invalid_transition"


def test_findings_speak_english_on_request(login_as):
    officer = login_as("officer")
    zh = officer.post("/api/v1/precheck", json=body(**VETO)).get_json()
    en = officer.post("/api/v1/precheck?lang=en", json=body(**VETO)).get_json()
    finding_zh = next(f for f in zh["findings"] if f["code"] == "NO_VETO_LETTER_RANKING")
    finding_en = next(f for f in en["findings"] if f["code"] == "NO_VETO_LETTER_RANKING")
    assert finding_zh["message"] == finding_zh["messages"]["zh"] and "一票否决" in finding_zh["message"]
    assert finding_en["message"] == finding_en["messages"]["en"] and "veto" in finding_en["message"].lower()
    header = officer.post(
        "/api/v1/precheck", json=body(**VETO), headers={"Accept-Language": "en-US,en;q=0.9"}
    )
    assert (
        "veto"
        in next(f for f in header.get_json()["findings"] if f["code"] == "NO_VETO_LETTER_RANKING")[
            "message"
        ].lower()
    )


def test_precheck_is_audited_but_files_nothing(login_as, db):
    officer = login_as("officer")
    before = db.scalar(sa.select(sa.func.count()).select_from(AuditEntry))
    answer = officer.post(
        "/api/v1/precheck",
        json=body(title="居民生存情况证明", kind="certificate", role=None, catalogue_entry=None),
    )
    result = answer.get_json()
    assert result["outcome"] == "blocked"
    negative = next(f for f in result["findings"] if f["code"] == "NEGATIVE_LIST")
    assert negative["details"]["matched_title"] == "健在证明"
    assert db.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == before + 1
    assert officer.get("/api/v1/requests").get_json()["total"] == 0
