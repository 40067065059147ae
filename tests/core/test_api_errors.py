"""Errors of the JSON API (API.md "Conventions"): the right status, ``{"error": {"code", "message",
"fields"}}`` as ``application/json``, fields named by their dotted path, and never a 500 for anything
a client sends.

Each write endpoint is called by a user allowed to use it, on a request in a state where it applies,
so what is tested is the body, not the permission.
"""

from __future__ import annotations

import datetime as dt

import pytest

from gatekeeper.core import clock
from gatekeeper.core.auth import issue_token, revoke_token
from tests import factories
from tests.conftest import PASSWORD
from tests.factories import TODAY, body

API = "/api/v1"


@pytest.fixture(autouse=True)
def today():
    with clock.frozen(TODAY):
        yield


#: endpoint -> (user allowed to call it, HTTP method, how to make its path)
TARGETS = {
    "precheck": ("officer", "POST", lambda: "/precheck"),
    "create": ("officer", "POST", lambda: "/requests"),
    "patch": ("officer", "PATCH", lambda: f"/requests/{factories.draft().id}"),
    "vote": ("member2", "POST", lambda: f"/requests/{factories.in_review().id}/votes"),
    "decide": ("chair", "POST", lambda: f"/requests/{factories.voted(factories.in_review()).id}/decide"),
    "ruling": ("secretariat", "POST", lambda: f"/requests/{factories.referred().id}/ruling"),
    "return": ("secretariat", "POST", lambda: f"/requests/{factories.submitted().id}/return"),
    "token": (None, "POST", lambda: "/auth/token"),
    "gate": ("admin", "PATCH", lambda: "/gates/LJ"),
    "calendar": ("admin", "PUT", lambda: "/calendar"),
}


@pytest.fixture
def send(login_as, client):
    """``send(target, json=... | data=...)``: call that endpoint as a user allowed to."""

    def call(target: str, **kwargs):
        username, method, path = TARGETS[target]
        api = login_as(username) if username else client
        return api.open(API + path(), method=method, **kwargs)

    return call


def error_of(response, status: int | tuple[int, ...], code: str | None = None) -> dict:
    """The error body of ``response``, after checking its status, media type and shape."""
    statuses = status if isinstance(status, tuple) else (status,)
    assert response.status_code in statuses, f"{response.status_code} {response.get_data(as_text=True)[:400]}"
    assert response.headers["Content-Type"].startswith("application/json")
    error = response.get_json()["error"]
    assert isinstance(error["code"], str) and error["code"]
    assert isinstance(error["message"], str) and error["message"]
    assert isinstance(error["fields"], dict)
    assert all(isinstance(p, list) and all(isinstance(x, str) for x in p) for p in error["fields"].values())
    if code is not None:
        assert error["code"] == code
    return error


def without(*keys: str) -> dict:
    data = body()
    for key in keys:
        del data[key]
    return data


# --- bodies that are not what they should be -----------------------------------------------------


@pytest.mark.parametrize("target", list(TARGETS))
def test_malformed_json_is_400(send, target):
    response = send(target, data='{"title": "未闭合', content_type="application/json")
    error_of(response, 400, "malformed_json")


@pytest.mark.parametrize("payload", [[], ["a"], "text", 42], ids=["empty-array", "array", "string", "number"])
@pytest.mark.parametrize("target", list(TARGETS))
def test_a_body_that_is_not_an_object(send, target, payload):
    error_of(send(target, json=payload), (400, 422))


@pytest.mark.parametrize("target", list(TARGETS))
def test_unknown_fields_are_named(send, target):
    assert "bogus" in error_of(send(target, json={"bogus": 1}), 422, "validation_error")["fields"]


# fmt: off
#: (endpoint, body, the field the error must name)
FIELD_CASES = [
    ("precheck", body(funding={"amount_fen": "15000"}),             "funding.amount_fen"),
    ("precheck", body(funding={"amount_fen": 100.5}),               "funding.amount_fen"),
    ("precheck", body(funding={"amount_fen": -1}),                  "funding.amount_fen"),
    ("precheck", body(funding={"bogus": 1}),                        "funding.bogus"),
    ("precheck", body(start_date="2026-13-01"),                     "start_date"),
    ("precheck", body(kind="banner"),                               "kind"),
    ("precheck", body(scope={"type": "galaxy"}),                    "scope.type"),
    ("precheck", body(scope={"codes": "LJ01"}),                     "scope.codes"),
    ("precheck", body(demands={"reports_per_year": "2"}),           "demands.reports_per_year"),
    ("precheck", body(start_date="2026-09-01", end_date="2026-08-31"), "end_date"),
    ("precheck", body(role=None),                                   "role"),
    ("precheck", without("title"),                                  "title"),
    ("precheck", without("scope"),                                  "scope"),
    ("create",   body(funding={"amount_fen": 100.5}),               "funding.amount_fen"),
    ("create",   body(end_date="2026-01-01", start_date="2025-12-01"), "end_date"),
    ("create",   body(role=None),                                   "role"),
    ("create",   without("kind"),                                   "kind"),
    ("vote",     {"vote": "maybe"},                                 "vote"),
    ("vote",     {},                                                "vote"),
    ("vote",     {"vote": "approve", "comment": 5},                 "comment"),
    ("decide",   {"outcome": "banner"},                             "outcome"),
    ("decide",   {"outcome": "reject"},                             "reason"),
    ("decide",   {},                                                "outcome"),
    ("ruling",   {"outcome": "approve"},                            "reference"),
    ("ruling",   {"outcome": "approve", "reference": "纪要", "ruled_on": "2026-13-01"}, "ruled_on"),
    ("ruling",   {"outcome": "approve", "reference": "纪要", "add_to_catalogue": "x"}, "add_to_catalogue"),
    ("return",   {},                                                "reason"),
    ("return",   {"reason": ""},                                    "reason"),
    ("token",    {"username": "officer"},                           "password"),
    ("token",    {"username": 1, "password": 2},                    "username"),
    ("gate",     {"settings": {"decision_limit_days": "x"}},        "settings.decision_limit_days"),
    ("gate",     {"settings": {"quorum": "most"}},                  "settings.quorum"),
    ("gate",     {"number_prefix": "lj-"},                          "number_prefix"),
    ("calendar", {"year": 2027, "days": [{"day": "2027-13-01", "kind": "holiday"}]}, "days.0.day"),
    ("calendar", {"year": 2027, "days": [{"day": "2027-10-01", "kind": "party"}]},   "days.0.kind"),
    ("calendar", {"year": 2027, "days": [{"day": "2026-10-01", "kind": "holiday"}]}, "days"),
    ("calendar", {"year": "x", "days": []},                         "year"),
    ("calendar", {"year": 2027},                                    "days"),
]
# fmt: on


@pytest.mark.parametrize(
    ("target", "payload", "field"),
    [pytest.param(t, p, f, id=f"{t}-{f}-{i}") for i, (t, p, f) in enumerate(FIELD_CASES)],
)
def test_invalid_fields_are_named_by_their_path(send, target, payload, field):
    error = error_of(send(target, json=payload), 422, "validation_error")
    assert field in error["fields"], error["fields"]


@pytest.mark.parametrize("settings", [{"bogus": 1}, {"decision_limit_day": 5}], ids=["bogus", "typo"])
def test_unknown_gate_settings_are_named(send, settings):
    error = error_of(send("gate", json={"settings": settings}), 422, "validation_error")
    assert f"settings.{next(iter(settings))}" in error["fields"]


# The PATCH body is merged into the request and validated as a whole (operations.update_request).
PATCH_CASES = [
    ({"funding": {"amount_fen": "x"}}, "funding.amount_fen"),
    ({"funding": {"amount_fen": 100.5}}, "funding.amount_fen"),
    ({"start_date": "2026-13-01"}, "start_date"),
    ({"kind": "banner"}, "kind"),
    ({"scope": {"type": "galaxy"}}, "scope.type"),
    ({"end_date": "2026-08-01"}, "end_date"),
    ({"title": 5}, "title"),
    ({"funding": {"bogus": 1}}, "funding.bogus"),
]


@pytest.mark.parametrize(("payload", "field"), PATCH_CASES, ids=[f for _p, f in PATCH_CASES])
def test_patch_validates_the_merged_request(send, payload, field):
    error = error_of(send("patch", json=payload), 422, "validation_error")
    assert field in error["fields"]


@pytest.mark.parametrize("payload", [{"bogus": 1}, {"gate": "XX"}, {"department": "MZJ"}])
def test_patch_refuses_fields_it_does_not_take(send, payload):
    assert next(iter(payload)) in error_of(send("patch", json=payload), 422)["fields"]


def test_query_parameters_are_validated(login_as):
    response = login_as("officer").get(f"{API}/requests", query_string={"state": "bogus", "per_page": 500})
    assert {"state", "per_page"} <= set(error_of(response, 422, "validation_error")["fields"])


# --- a blocked submission ----------------------------------------------------------------------


def test_a_blocked_submission_names_its_findings_and_fields(login_as):
    req = factories.draft(demands={"dedicated_staff": True, "veto": True})
    error = error_of(login_as("officer").post(f"{API}/requests/{req.id}/submit", json={}), 422, "blocked")
    assert error["findings"], error
    for finding in error["findings"]:
        assert {"code", "severity", "message", "citation", "fields"} <= set(finding)
        assert finding["severity"] in ("block", "refer", "warn", "info")
        assert isinstance(finding["fields"], list)
    codes = {f["code"] for f in error["findings"] if f["severity"] == "block"}
    assert {"NO_DEDICATED_PREMISES_STAFF", "NO_VETO_LETTER_RANKING"} <= codes
    assert {"demands.dedicated_staff", "demands.veto"} <= set(error["fields"])
    shown = login_as("officer").get(f"{API}/requests/{req.id}").get_json()
    assert shown["state"] == "draft"  # refused: it stays where it was


# --- authentication ----------------------------------------------------------------------------


def _expired(user):
    return issue_token(user, label="test", ttl_hours=0)[0]


def _revoked(user):
    token, row = issue_token(user, label="test")
    revoke_token(row, actor=user)
    return token


def _disabled(user):
    token = issue_token(user, label="test")[0]
    user.active = False
    return token


TOKENS = {
    "wrong": lambda user: "gk_" + "x" * 43,
    "empty": lambda user: "",
    "expired": _expired,
    "revoked": _revoked,
    "disabled-user": _disabled,
}


@pytest.mark.parametrize("kind", list(TOKENS))
def test_bad_tokens_are_401(client, db, world, kind):
    token = TOKENS[kind](world.user("officer"))
    db.commit()
    response = client.get(f"{API}/me", headers={"Authorization": f"Bearer {token}"})
    error_of(response, 401, "unauthenticated")


@pytest.mark.parametrize("header", ["Basic b2ZmaWNlcjp4", "Token gk_abc", "Bearer"])
def test_other_schemes_are_401(client, header):
    error_of(client.get(f"{API}/me", headers={"Authorization": header}), 401, "unauthenticated")


def test_a_deleted_token_stops_working(client):
    token = client.post(f"{API}/auth/token", json={"username": "officer", "password": PASSWORD})
    headers = {"Authorization": f"Bearer {token.get_json()['token']}"}
    assert client.get(f"{API}/me", headers=headers).status_code == 200
    assert client.delete(f"{API}/auth/token", headers=headers).status_code == 204
    error_of(client.get(f"{API}/me", headers=headers), 401)


def test_log_in_is_throttled_after_repeated_failures(app, client):
    def log_in(password, username="officer"):
        return client.post(f"{API}/auth/token", json={"username": username, "password": password})

    for _attempt in range(app.config["LOGIN_MAX_FAILURES"]):
        error_of(log_in("wrong-password"), 401, "invalid_credentials")
    error_of(log_in("wrong-password"), 429, "rate_limited")
    error_of(log_in(PASSWORD), 429, "rate_limited")  # the right password waits too
    error_of(log_in(PASSWORD, "OFFICER "), 429, "rate_limited")  # the same user, spelt otherwise
    assert log_in(PASSWORD, "mzj.officer").status_code == 201  # others are not locked out
    later = dt.datetime.combine(TODAY, dt.time(10, 0), tzinfo=clock.timezone())
    with clock.frozen(later + dt.timedelta(minutes=app.config["LOGIN_WINDOW_MINUTES"] + 1)):
        assert log_in(PASSWORD).status_code == 201


# --- not found, wrong method, too large ----------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/requests/999999"),
        ("PATCH", "/requests/999999"),
        ("POST", "/requests/999999/submit"),
        ("POST", "/requests/999999/withdraw"),
        ("GET", "/requests/999999/votes"),
        ("GET", "/requests/999999/events"),
        ("GET", "/authorisations/LJ-2099-9999"),
        ("GET", "/gates/XX"),
        ("GET", "/catalogue/versions/999999"),
        ("GET", "/requests/not-a-number"),
        ("GET", "/nowhere"),
    ],
)
def test_unknown_things_are_404(login_as, method, path):
    error_of(login_as("officer").open(API + path, method=method, json={}), 404, "not_found")


@pytest.mark.parametrize(
    ("method", "path"),
    [("DELETE", "/requests"), ("PUT", "/precheck"), ("GET", "/precheck"), ("POST", "/gates/LJ")],
)
def test_a_wrong_method_is_405_json(login_as, method, path):
    error_of(login_as("officer").open(API + path, method=method, json={}), 405, "method_not_allowed")


@pytest.mark.parametrize("target", ["create", "token"])
def test_a_body_over_the_limit_is_413_json(app, send, target):
    huge = b'{"title": "' + b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1) + b'"}'
    error_of(send(target, data=huge, content_type="application/json"), 413, "too_large")
