"""End-to-end through the API: a permitted item and an out-of-catalogue item, filed to authorised."""

from __future__ import annotations

import pytest

from gatekeeper.core import clock
from gatekeeper.modules.catalogue import operations as catalogue_ops
from tests.factories import OUT_OF_CATALOGUE, TODAY, body


@pytest.fixture(autouse=True)
def today():
    with clock.frozen(TODAY):
        yield


def test_permitted_item_from_filing_to_authorisation(login_as):
    officer, secretariat, chair = login_as("officer"), login_as("secretariat"), login_as("chair")

    check = officer.post("/api/v1/precheck", json=body())
    assert check.status_code == 200, check.get_json()
    assert check.get_json()["outcome"] == "admissible"
    assert check.get_json()["communities"] == 14

    created = officer.post("/api/v1/requests", json=body())
    assert created.status_code == 201, created.get_json()
    req = created.get_json()
    assert req["state"] == "draft" and req["outcome"] == "admissible"
    assert "submit" in req["actions"]
    rid = req["id"]

    submitted = officer.post(f"/api/v1/requests/{rid}/submit", json={})
    assert submitted.status_code == 200, submitted.get_json()
    assert submitted.get_json()["state"] == "submitted"
    assert submitted.get_json()["revision"] == 1

    accepted = secretariat.post(f"/api/v1/requests/{rid}/accept", json={})
    assert accepted.status_code == 200, accepted.get_json()
    assert accepted.get_json()["state"] == "in_review"
    # 15 working days after Monday 1 June 2026, the Dragon Boat Festival (Friday 19 June) not counted
    assert accepted.get_json()["due_date"] == "2026-06-23"

    recused = login_as("member1").post(f"/api/v1/requests/{rid}/votes", json={"vote": "approve"})
    assert recused.status_code == 403
    assert recused.get_json()["error"]["code"] == "recused"

    for name in ("member2", "member3", "member4"):
        vote = login_as(name).post(
            f"/api/v1/requests/{rid}/votes", json={"vote": "approve", "comment": "同意"}
        )
        assert vote.status_code == 201, vote.get_json()
    tally = vote.get_json()["tally"]
    assert tally["eligible"] == 5  # 6 voting members (5 members and the chair), member1 recused
    assert tally["voted"] == 3 and tally["quorum_met"] and tally["majority_for_approval"]

    decided = chair.post(
        f"/api/v1/requests/{rid}/decide", json={"outcome": "approve", "conditions": "每季度报送一次工作进展"}
    )
    assert decided.status_code == 200, decided.get_json()
    result = decided.get_json()
    assert result["state"] == "approved"
    number = result["authorisation"]["number"]
    assert number == "LJ-2026-0001"

    shown = officer.get(f"/api/v1/authorisations/{number}").get_json()
    assert shown["status"] == "active"
    assert len(shown["communities"]) == 14 and shown["communities"][0] == "LJ0101"
    assert shown["conditions"] == "每季度报送一次工作进展"
    assert shown["valid_from"] == "2026-09-01"
    assert shown["verification_url"].endswith(f"?code={shown['verification_code']}")

    head = login_as("head")  # 滨江社区 LJ0101 is in scope
    assert head.get(f"/api/v1/authorisations/{number}").status_code == 200
    listed = head.get("/api/v1/authorisations?community=LJ0101&status=active").get_json()
    assert [a["number"] for a in listed["items"]] == [number]

    again = chair.post(f"/api/v1/requests/{rid}/decide", json={"outcome": "approve"})
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "invalid_transition"


def test_out_of_catalogue_item_is_referred_ruled_and_becomes_precedent(login_as, world, db):
    officer, secretariat, chair = login_as("officer"), login_as("secretariat"), login_as("chair")
    data = body(**OUT_OF_CATALOGUE)

    check = officer.post("/api/v1/precheck", json=data).get_json()
    assert check["outcome"] == "refer"
    assert [f["code"] for f in check["findings"] if f["severity"] == "refer"] == ["OUT_OF_CATALOGUE"]

    rid = officer.post("/api/v1/requests", json=data).get_json()["id"]
    assert officer.post(f"/api/v1/requests/{rid}/submit", json={}).status_code == 200
    assert secretariat.post(f"/api/v1/requests/{rid}/accept", json={}).status_code == 200
    for name in ("member2", "member3", "member5"):
        assert (
            login_as(name).post(f"/api/v1/requests/{rid}/votes", json={"vote": "approve"}).status_code == 201
        )

    decided = chair.post(f"/api/v1/requests/{rid}/decide", json={"outcome": "approve"}).get_json()
    assert decided["state"] == "referred" and decided["authorisation"] is None

    no_reason = secretariat.post(f"/api/v1/requests/{rid}/ruling", json={"outcome": "approve"})
    assert no_reason.status_code == 422 and "reference" in no_reason.get_json()["error"]["fields"]

    ruled = secretariat.post(
        f"/api/v1/requests/{rid}/ruling",
        json={"outcome": "approve", "reference": "区政府常务会议纪要〔2026〕12号", "add_to_catalogue": True},
    )
    assert ruled.status_code == 200, ruled.get_json()
    result = ruled.get_json()
    assert result["state"] == "approved" and result["authorisation"]["number"].startswith("LJ-2026-")
    code = result["ruling"]["catalogue_code"]
    assert code == "PD-021"  # PD-001..PD-020: the duties of the published list

    # The precedent sits in the next (draft) version; once published, the same request passes.
    draft = catalogue_ops.draft_version(world.gate)
    assert catalogue_ops.find_entry(draft, code).title == OUT_OF_CATALOGUE["title"]
    assert catalogue_ops.current_version(world.gate).number == 1  # not in force before publication
    catalogue_ops.publish_version(draft, actor=world.user("secretariat"))
    db.commit()
    again = officer.post("/api/v1/precheck", json=data).get_json()
    assert again["outcome"] == "admissible", again["findings"]
