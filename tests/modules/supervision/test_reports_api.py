"""Reports (举报) through the API and the operation: filed by a community head for their community,
stored as received with the gate, audited; listed for the head, the gate's office and the admin."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from gatekeeper.core import clock
from gatekeeper.core.audit import AuditEntry
from gatekeeper.core.errors import NotAllowed, ValidationFailed
from gatekeeper.modules.supervision import operations as ops
from gatekeeper.modules.supervision.models import Report, ReportState
from tests.factories import TODAY, user

API = "/api/v1"
BODY = {
    "department": "WJW",
    "kind": "ledger",
    "title": "要求社区建立居民健康档案纸质台账",
    "occurred_on": "2026-05-20",
    "description": "区卫健委工作人员电话通知社区每月报送纸质台账，未出示准入许可。",
}


@pytest.fixture(autouse=True)
def today():
    with clock.frozen(TODAY):
        yield


def count(db) -> int:
    return db.scalar(sa.select(sa.func.count(Report.id)))


def error_shape(answer, status: int) -> dict:
    assert answer.status_code == status, answer.get_data(as_text=True)
    error = answer.get_json()["error"]
    assert error["code"] and error["message"] and isinstance(error["fields"], dict)
    return error


# --- filing -----------------------------------------------------------------------------------------


def test_a_head_files_a_report(login_as, db, world):
    answer = login_as("head").post(f"{API}/reports", json=BODY)
    assert answer.status_code == 201, answer.get_json()
    body = answer.get_json()
    for key in ("department", "community", "kind", "title", "occurred_on", "description"):
        assert key in body
    assert body["department"] == "WJW" and body["department_name"] == "区卫生健康委员会"
    assert body["community"] == "LJ0101" and body["gate"] == "LJ"
    assert body["state"] == "received" and body["reporter"] == "head"
    report = db.get(Report, body["id"])
    assert report.gate_id == world.gate.id and report.community.code == "LJ0101"
    audit = db.scalar(sa.select(AuditEntry).where(AuditEntry.action == "report.file"))
    assert audit.object_id == str(report.id) and audit.after["community"] == "LJ0101"


def test_a_department_outside_the_register_is_kept_by_name(login_as, db):
    answer = login_as("head").post(f"{API}/reports", json={**BODY, "department": "区某某创建办"})
    assert answer.status_code == 201
    assert answer.get_json()["department"] is None
    assert answer.get_json()["department_name"] == "区某某创建办"


def test_a_department_named_exactly_is_the_registers(login_as):
    answer = login_as("head").post(f"{API}/reports", json={**BODY, "department": "区民政局"})
    assert answer.get_json()["department"] == "MZJ"


def test_the_authorisation_number_is_kept_as_typed(login_as):
    answer = login_as("head").post(f"{API}/reports", json={**BODY, "authorisation_number": " lj-2026-0999 "})
    assert answer.get_json()["authorisation_number"] == "LJ-2026-0999"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"occurred_on": "2026-06-02"}, "occurred_on"),  # tomorrow
        ({"occurred_on": "not a date"}, "occurred_on"),
        ({"title": "   "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"kind": "plaque"}, "kind"),
        ({"description": ""}, "description"),
        ({"department": ""}, "department"),
        ({"community": "NOPE"}, "community"),
        ({"authorisation_number": "x" * 41}, "authorisation_number"),
    ],
)
def test_an_invalid_report_is_refused_and_nothing_stored(login_as, db, change, field):
    answer = login_as("head").post(f"{API}/reports", json={**BODY, **change})
    error = error_shape(answer, 422)
    assert field in error["fields"]
    assert count(db) == 0


def test_a_missing_body_names_every_required_field(login_as, db):
    error = error_shape(login_as("head").post(f"{API}/reports", json={}), 422)
    assert {"kind", "title", "occurred_on", "description"} <= set(error["fields"])
    assert count(db) == 0


def test_another_community_is_refused(login_as, db):
    error = error_shape(login_as("head").post(f"{API}/reports", json={**BODY, "community": "LJ0102"}), 403)
    assert error["code"] == "not_your_community"
    assert count(db) == 0


def test_naming_ones_own_community_is_fine(login_as):
    assert login_as("head").post(f"{API}/reports", json={**BODY, "community": "LJ0101"}).status_code == 201


@pytest.mark.parametrize("username", ["officer", "secretariat", "member2", "chair", "street", "admin"])
def test_only_community_heads_file(login_as, db, username):
    error_shape(login_as(username).post(f"{API}/reports", json=BODY), 403)
    assert count(db) == 0


def test_anonymous_files_a_public_report_that_must_name_the_community(client, db):
    # Without a token the report is a public one (see test_public_reports.py): it names the community.
    error = error_shape(client.post(f"{API}/reports", json=BODY), 422)
    assert "community" in error["fields"]
    assert count(db) == 0


def test_the_operation_refuses_a_head_without_a_community(db):
    with pytest.raises(NotAllowed):
        ops.reporting_community(user("officer"), None)
    with pytest.raises(ValidationFailed):
        ops.reporting_community(user("head"), "NOPE")


def test_the_gate_is_the_nearest_holding_the_community(db, world):
    assert ops.gate_of(world.community("LJ0101")).code == "LJ"


# --- reading ----------------------------------------------------------------------------------------


@pytest.fixture
def filed(db, world):
    """Two reports of LJ0101's head, one of another head (LJ0102), one advanced to investigating."""
    other = _head_of(db, world, "LJ0102")
    first = ops.file_report(ops_body(), actor=user("head"))
    second = ops.file_report(ops_body(department="MZJ", kind="sign", title="挂牌"), actor=user("head"))
    third = ops.file_report(ops_body(title="另一社区的台账"), actor=other)
    second.state = ReportState.INVESTIGATING
    db.commit()
    return first, second, third


def ops_body(**changes) -> dict:
    from gatekeeper.modules.supervision.schemas import ReportInputSchema

    return ReportInputSchema().load({**BODY, **changes})


def _head_of(db, world, code: str):
    from gatekeeper.modules.accounts.models import Role, User

    head = User(
        username=f"head.{code.lower()}",
        name="另一位社区书记",
        role=Role.COMMUNITY_HEAD,
        jurisdiction=world.community(code),
        password_hash="x",
        created_at=clock.now(),
    )
    db.add(head)
    db.commit()
    return head


def ids(answer) -> set[int]:
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert set(body) >= {"items", "total", "page", "per_page"}
    return {item["id"] for item in body["items"]}


def test_who_lists_which_reports(login_as, filed):
    first, second, third = filed
    assert ids(login_as("head").get(f"{API}/reports")) == {first.id, second.id}
    assert ids(login_as("secretariat").get(f"{API}/reports")) == {first.id, second.id, third.id}
    assert ids(login_as("admin").get(f"{API}/reports")) == {first.id, second.id, third.id}
    # the department named sees the reports about itself, never who filed them (test_report_lifecycle)
    department = login_as("officer").get(f"{API}/reports").get_json()["items"]
    assert all(item["department"] == "WJW" and item["reporter"] is None for item in department)
    # the street officer of LJ01 reads its communities' reports (LJ0101, LJ0102), never who filed them
    street = login_as("street").get(f"{API}/reports").get_json()["items"]
    assert {item["id"] for item in street} == {first.id, second.id, third.id}
    assert all(item["reporter"] is None and item["contact"] is None for item in street)
    for username in ("member2", "chair"):
        error_shape(login_as(username).get(f"{API}/reports"), 403)


def test_list_filters(login_as, filed):
    first, second, third = filed
    office = login_as("secretariat")
    assert ids(office.get(f"{API}/reports?state=investigating")) == {second.id}
    assert ids(office.get(f"{API}/reports?community=LJ0102")) == {third.id}
    assert ids(office.get(f"{API}/reports?department=MZJ")) == {second.id}
    assert ids(office.get(f"{API}/reports?department=WJW&community=LJ0101")) == {first.id}
    error_shape(office.get(f"{API}/reports?state=lost"), 422)
    error_shape(office.get(f"{API}/reports?per_page=500"), 422)


def test_a_head_filtering_another_community_finds_nothing(login_as, filed):
    assert ids(login_as("head").get(f"{API}/reports?community=LJ0102")) == set()


def test_one_report(login_as, filed):
    first, _second, third = filed
    body = login_as("head").get(f"{API}/reports/{first.id}").get_json()
    assert body["id"] == first.id and body["kind"] == "ledger" and body["occurred_on"] == "2026-05-20"
    assert login_as("secretariat").get(f"{API}/reports/{third.id}").status_code == 200
    error_shape(login_as("head").get(f"{API}/reports/{third.id}"), 404)  # not theirs: not even there
    error_shape(login_as("mzj.officer").get(f"{API}/reports/{first.id}"), 404)  # not its department
    error_shape(login_as("admin").get(f"{API}/reports/999999"), 404)


def test_the_openapi_document_describes_reports(client):
    document = client.get(f"{API}/openapi.json").get_json()
    assert {"get", "post"} <= set(document["paths"][f"{API}/reports"])
    assert "get" in document["paths"][f"{API}/reports/{{report_id}}"]
    schemas = document["components"]["schemas"]
    assert {"department", "community", "kind", "title", "occurred_on", "description"} <= set(
        schemas["ReportInput"]["properties"]
    )


def test_a_nul_character_is_never_stored_nor_sent_to_the_database(login_as, db):
    """PostgreSQL refuses NUL in text: it is dropped from what is typed, and matches nothing in filters."""
    head = login_as("head")
    answer = head.post(f"{API}/reports", json={**BODY, "title": "台账\u0000要求"})
    assert answer.status_code == 201 and answer.get_json()["title"] == "台账要求"
    assert head.get(f"{API}/reports?community=LJ\u00000101").status_code == 200
