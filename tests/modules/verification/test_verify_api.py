"""``GET /api/v1/verify/<number>?code=&community=``: public, live status, the same 404 for every miss.

The authorisation of the fixture is valid 2026-09-01 to 2027-08-31 (approved on ``TODAY``,
2026-06-01) over street LJ01's 14 communities; LJ0101 (滨江社区) is one of them, LJ0201 is not.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from gatekeeper.core import clock
from gatekeeper.modules.authorisations.models import AuthorisationStatus
from gatekeeper.modules.authorisations.operations import verification_code
from tests import factories

API = "/api/v1"
SHANGHAI = ZoneInfo("Asia/Shanghai")
LJ02 = {"type": "streets", "codes": ["LJ02"], "community_type": None}
KEYS = {
    "number",
    "status",
    "status_label",
    "not_yet_valid",
    "department",
    "kind",
    "kind_label",
    "title",
    "valid_from",
    "valid_to",
    "conditions",
    "issued_on",
    "revoked_on",
    "revoke_reason",
    "superseded_by",
    "superseded_by_code",
    "checked_at",
    "community",
    "in_scope",
}


def verify(client, number: str, code: str | None = None, **query):
    if code is not None:
        query["code"] = code
    return client.get(f"{API}/verify/{number}", query_string=query)


def ok(client, authorisation, **query) -> dict:
    response = verify(client, authorisation.number, verification_code(authorisation.number), **query)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_the_right_code_answers_the_public_facts_and_nothing_else(client, authorisation):
    body = ok(client, authorisation)
    assert set(body) == KEYS  # no id, no request, no user, no money
    assert body == {
        "number": authorisation.number,
        "status": "active",
        "status_label": "有效",
        "not_yet_valid": True,
        "department": authorisation.department.name,
        "kind": "duty",
        "kind_label": "工作事项",
        "title": "协助开展传染病防控和健康教育",
        "valid_from": "2026-09-01",
        "valid_to": "2027-08-31",
        "conditions": "",
        "issued_on": "2026-06-01",
        "revoked_on": None,
        "revoke_reason": None,
        "superseded_by": None,
        "superseded_by_code": None,
        "checked_at": body["checked_at"],
        "community": None,
        "in_scope": None,
    }
    assert dt.datetime.fromisoformat(body["checked_at"]) == clock.now()


def test_it_needs_no_login_and_is_not_cached(client, authorisation):
    response = verify(client, authorisation.number, verification_code(authorisation.number))
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"


def test_labels_follow_the_language(client, authorisation):
    body = ok(client, authorisation, lang="en")
    assert (body["status_label"], body["kind_label"]) == ("Valid", "Work duty")


# --- the same 404 for every miss ------------------------------------------------------------------


def test_a_wrong_code_a_malformed_code_and_an_unknown_number_answer_the_same_404(client, authorisation):
    number = authorisation.number
    code = verification_code(number)
    unknown = "XQ-2099-9999"
    misses = {
        "wrong code": verify(client, number, "0" * 16),
        "code of another number": verify(client, number, verification_code(unknown)),
        "code in capitals": verify(client, number, code.upper()),
        "code too short": verify(client, number, code[:15]),
        "code too long": verify(client, number, code + "0"),
        "empty code": verify(client, number, ""),
        "not hex at all": verify(client, number, "校验码'; DROP TABLE x; --"),
        "unknown number, its own right code": verify(client, unknown, verification_code(unknown)),
        "unknown number, wrong code": verify(client, unknown, code),
        "a number no column holds": verify(client, "X" * 300, code),
        "a NUL in the number": verify(client, number + "%00", code),
    }
    reference = misses["wrong code"]
    assert reference.get_json() == {
        "error": {
            "code": "not_found",
            "message": "未找到该准入许可，请核对编号和校验码。",
            "fields": {},
        }
    }
    for what, response in misses.items():
        assert response.status_code == 404, what
        assert response.get_json() == reference.get_json(), what
        assert response.headers["Content-Type"] == reference.headers["Content-Type"], what


def test_only_a_missing_code_is_a_validation_error(client, authorisation):
    response = verify(client, authorisation.number)
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "validation_error"
    assert list(response.get_json()["error"]["fields"]) == ["code"]


def test_the_english_404_says_the_same(client, authorisation):
    response = verify(client, "XQ-2099-9999", "0" * 16, lang="en")
    assert response.get_json()["error"]["message"] == (
        "No authorisation matches this number and verification code; check both."
    )


# --- communities ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "known", "in_scope"),
    [
        ("LJ0101", True, True),
        ("LJ0201", True, False),  # a community of street LJ02
        ("NOPE99", False, False),
        ("LJ01", False, False),  # a street, not a community
        ("X" * 300, False, False),  # longer than any code
    ],
    ids=["in scope", "another street's", "unknown", "not a community", "too long"],
)
def test_community_in_scope(client, world, authorisation, code, known, in_scope):
    body = ok(client, authorisation, community=code)
    name = world.community(code).name if known else None
    assert (body["community"], body["in_scope"]) == ({"code": code, "name": name}, in_scope)
    if code == "LJ0101":
        assert name == "滨江社区"


def test_an_empty_community_is_no_question(client, authorisation):
    body = ok(client, authorisation, community="")
    assert (body["community"], body["in_scope"]) == (None, None)


def test_a_wrong_code_says_nothing_about_the_community(client, authorisation):
    response = verify(client, authorisation.number, "0" * 16, community="LJ0101")
    assert response.status_code == 404
    assert "LJ0101" not in response.get_data(as_text=True)


# --- live status ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("at", "status", "not_yet_valid"),
    [
        (dt.datetime(2026, 6, 1, 10, 0, tzinfo=SHANGHAI), "active", True),
        (dt.datetime(2026, 8, 31, 23, 59, tzinfo=SHANGHAI), "active", True),
        (dt.datetime(2026, 9, 1, 0, 1, tzinfo=SHANGHAI), "active", False),
        (dt.datetime(2027, 8, 31, 23, 30, tzinfo=SHANGHAI), "active", False),  # its last day
        # 16:30 UTC on 31 August is already 1 September in Shanghai: over, though stored active
        (dt.datetime(2027, 8, 31, 16, 30, tzinfo=dt.UTC), "expired", False),
        (dt.datetime(2028, 1, 1, 10, 0, tzinfo=SHANGHAI), "expired", False),
    ],
    ids=["approved", "eve of start", "first day", "last day", "day after (UTC)", "long after"],
)
def test_live_status_follows_the_local_date(client, authorisation, at, status, not_yet_valid):
    with clock.frozen(at):
        body = ok(client, authorisation)
    assert (body["status"], body["not_yet_valid"]) == (status, not_yet_valid)
    assert authorisation.status == AuthorisationStatus.ACTIVE  # reported, not stored


def test_stored_expired(db, client, authorisation):
    # Set directly: expiry (`gatekeeper expire`) is being built in authorisations/lifecycle.py.
    authorisation.status = AuthorisationStatus.EXPIRED
    authorisation.ended_at = clock.now()
    db.commit()
    body = ok(client, authorisation)
    assert (body["status"], body["status_label"], body["not_yet_valid"]) == ("expired", "已过期", False)


def test_revoked(db, world, client, authorisation):
    # Set directly: revocation is being built in authorisations/lifecycle.py by another engineer.
    chair = world.user("chair")
    authorisation.status = AuthorisationStatus.REVOKED
    authorisation.revoked_at = authorisation.ended_at = dt.datetime(2026, 7, 15, 17, 0, tzinfo=dt.UTC)
    authorisation.revoke_reason = "经核查，该事项已由区卫健委自行承担"
    authorisation.revoked_by_id = chair.id
    db.commit()
    body = ok(client, authorisation, community="LJ0101")
    assert body["status"] == "revoked" and body["status_label"] == "已撤销"
    assert body["revoked_on"] == "2026-07-16"  # 01:00 on the 16th in Shanghai
    assert body["revoke_reason"] == "经核查，该事项已由区卫健委自行承担"
    assert body["in_scope"] is True  # the scope is a fact of the number; the status says it ended
    text = str(body)
    assert chair.username not in text and chair.name not in text


def test_superseded_points_to_its_successor_which_verifies_too(db, client, authorisation):
    successor = factories.approved(scope=LJ02).authorisation
    # Set directly: variation (supersede) is being built in authorisations/lifecycle.py.
    authorisation.status = AuthorisationStatus.SUPERSEDED
    authorisation.superseded_by_id = successor.id
    authorisation.ended_at = clock.now()
    db.commit()
    body = ok(client, authorisation)
    assert body["status"] == "superseded" and body["status_label"] == "已被替代"
    assert body["superseded_by"] == successor.number
    assert body["superseded_by_code"] == verification_code(successor.number)
    followed = verify(client, body["superseded_by"], body["superseded_by_code"]).get_json()
    assert followed["number"] == successor.number and followed["status"] == "active"
    assert followed["superseded_by"] is None


# --- the OpenAPI document -------------------------------------------------------------------------


def test_documented_as_public_with_its_answers(client):
    document = client.get(f"{API}/openapi.json").get_json()
    operation = document["paths"]["/api/v1/verify/{number}"]["get"]
    assert operation["security"] == []
    assert {"200", "404", "422", "429"} <= set(operation["responses"])
    parameters = {p["name"]: p for p in operation["parameters"] if p["in"] == "query"}
    assert parameters["code"]["required"] is True
    assert parameters["community"].get("required", False) is False
    schema = document["components"]["schemas"]["Verification"]
    assert set(schema["properties"]) == KEYS
