"""The permission matrix of requests and committee actions, as data (DESIGN §2, API.md "Actions").

Each row: an action, the state its request is in (made by the factories, filed by ``officer`` of
区卫健委 WJW) and, per demo user, what they get: ``OK`` (allowed: 2xx, or 409/422 when the workflow
or the body refuses it), ``FORBIDDEN`` (403) or ``HIDDEN`` (404: they may not even see it).
"""

from __future__ import annotations

import datetime as dt

import pytest

from gatekeeper.core import clock
from tests import factories
from tests.factories import OUT_OF_CATALOGUE, TODAY, body

OK, FORBIDDEN, HIDDEN = "ok", "403", "404"
API = "/api/v1"
REFERENCE = "区政府常务会议纪要〔2026〕12号"


@pytest.fixture(autouse=True)
def today():
    with clock.frozen(TODAY):
        yield


#: action -> (method, path under /api/v1, JSON body)
ACTIONS = {
    "precheck": ("POST", "/precheck", body),
    "create": ("POST", "/requests", body),
    "list": ("GET", "/requests", None),
    "get": ("GET", "/requests/{id}", None),
    "patch": ("PATCH", "/requests/{id}", lambda: {"description": "补充说明工作方式。"}),
    "submit": ("POST", "/requests/{id}/submit", dict),
    "withdraw": ("POST", "/requests/{id}/withdraw", dict),
    "accept": ("POST", "/requests/{id}/accept", dict),
    "return": ("POST", "/requests/{id}/return", lambda: {"reason": "请补充经费测算依据"}),
    "vote": ("POST", "/requests/{id}/votes", lambda: {"vote": "approve", "comment": "同意"}),
    "recusal": ("POST", "/requests/{id}/recusal", lambda: {"reason": "本人曾参与该方案起草"}),
    "decide": ("POST", "/requests/{id}/decide", lambda: {"outcome": "approve"}),
    "ruling": ("POST", "/requests/{id}/ruling", lambda: {"outcome": "approve", "reference": REFERENCE}),
    "tally": ("GET", "/requests/{id}/votes", None),
}

#: state -> how to make a request of ``officer`` (WJW) in it
STATES = {
    "none": lambda: None,
    "draft": factories.draft,
    "submitted": factories.submitted,
    "in_review": factories.in_review,
    "voted": lambda: factories.voted(factories.in_review()),
    "referred": factories.referred,
}

USERS = ("officer", "mzj.officer", "secretariat", "member1", "member2", "chair", "head", "street", "admin")
#: Y allowed, F forbidden (403), H hidden (404), R forbidden with the code ``recused``
Y, F, H, R = OK, FORBIDDEN, HIDDEN, "recused"

# fmt: off
#                                officer
#                                |  mzj.officer
#                                |  |  secretariat
#                                |  |  |  member1
#                                |  |  |  |  member2
#                                |  |  |  |  |  chair
#                                |  |  |  |  |  |  head
#                                |  |  |  |  |  |  |  street
#                                |  |  |  |  |  |  |  |  admin
MATRIX = {
    ("precheck", "none"):       (Y, Y, F, F, F, F, F, F, F),
    ("create", "none"):         (Y, Y, F, F, F, F, F, F, F),
    ("list", "none"):           (Y, Y, Y, Y, Y, Y, F, F, Y),
    ("get", "draft"):           (Y, H, H, H, H, H, H, H, Y),
    ("get", "submitted"):       (Y, H, Y, Y, Y, Y, H, H, Y),
    ("patch", "draft"):         (Y, H, H, H, H, H, H, H, F),
    ("patch", "submitted"):     (Y, H, F, F, F, F, H, H, F),
    ("submit", "draft"):        (Y, H, H, H, H, H, H, H, F),
    ("withdraw", "submitted"):  (Y, H, F, F, F, F, H, H, F),
    ("accept", "submitted"):    (F, H, Y, F, F, F, H, H, F),
    ("return", "in_review"):    (F, H, Y, F, F, Y, H, H, F),
    ("vote", "in_review"):      (F, H, F, R, Y, Y, H, H, F),
    ("vote", "draft"):          (F, H, H, H, H, H, H, H, F),
    ("recusal", "in_review"):   (F, H, F, Y, Y, Y, H, H, F),
    ("decide", "voted"):        (F, H, F, F, F, Y, H, H, F),
    ("ruling", "referred"):     (F, H, Y, F, F, F, H, H, F),
    ("tally", "in_review"):     (Y, H, Y, Y, Y, Y, H, H, Y),
    ("tally", "draft"):         (Y, H, H, H, H, H, H, H, Y),
}
# fmt: on

CASES = [
    pytest.param(action, state, user, expected, id=f"{action}-{state}-{user}-{expected}")
    for (action, state), row in MATRIX.items()
    for user, expected in zip(USERS, row, strict=True)
]


def perform(api, action: str, request_id: int | None):
    method, path, make_body = ACTIONS[action]
    url = API + path.format(id=request_id)
    return api.open(url, method=method, json=make_body() if make_body else None)


def assert_outcome(response, expected: str) -> None:
    status, error = response.status_code, (response.get_json(silent=True) or {}).get("error")
    where = f"{status} {response.get_data(as_text=True)[:300]}"
    if expected == OK:
        assert 200 <= status < 300 or status in (409, 422), where
    elif expected == HIDDEN:
        assert status == 404 and error["code"] == "not_found", where
    else:  # 403, or 403 with that error code
        assert status == 403, where
        if expected != FORBIDDEN:
            assert error["code"] == expected, where


@pytest.mark.parametrize(("action", "state", "username", "expected"), CASES)
def test_permission_matrix(login_as, action, state, username, expected):
    req = STATES[state]()
    response = perform(login_as(username), action, req.id if req else None)
    assert_outcome(response, expected)


# --- visibility of lists -----------------------------------------------------------------------


def listed_ids(api, **query) -> set[int]:
    response = api.get(f"{API}/requests", query_string={"per_page": 200, **query})
    assert response.status_code == 200, response.get_json()
    return {item["id"] for item in response.get_json()["items"]}


def test_a_department_lists_only_its_own_requests(login_as):
    draft = factories.draft()
    other = factories.draft("mzj.officer")
    assert listed_ids(login_as("officer")) >= {draft.id}
    assert other.id not in listed_ids(login_as("officer"))
    assert draft.id not in listed_ids(login_as("mzj.officer"))
    assert other.id in listed_ids(login_as("mzj.officer"))
    assert draft.id not in listed_ids(login_as("mzj.officer"), department="WJW")  # a filter widens nothing


@pytest.mark.parametrize("username", ["secretariat", "member1", "chair"])
def test_the_committee_lists_requests_once_submitted(login_as, username):
    draft, submitted = factories.draft(), factories.submitted()
    ids = listed_ids(login_as(username))
    assert submitted.id in ids and draft.id not in ids
    assert draft.id not in listed_ids(login_as(username), state="draft")


def test_admin_lists_everything(login_as):
    draft, other = factories.draft(), factories.draft("mzj.officer")
    assert {draft.id, other.id} <= listed_ids(login_as("admin"))


# --- separation of duties ----------------------------------------------------------------------


def file_and_review_as(api) -> int:
    """A request of the filing officer behind ``api``, submitted, accepted and voted on."""
    created = api.post(f"{API}/requests", json=body())
    assert created.status_code == 201, created.get_json()
    rid = created.get_json()["id"]
    submitted = api.post(f"{API}/requests/{rid}/submit", json={})
    assert submitted.status_code == 200, submitted.get_json()
    return rid


def test_nobody_decides_a_request_of_their_own_department_but_a_deputy_may(login_as):
    rid = file_and_review_as(login_as("zfb.officer"))  # 区人民政府办公室, the chair's department
    assert login_as("secretariat").post(f"{API}/requests/{rid}/accept", json={}).status_code == 200
    chair = login_as("chair")
    recused = chair.post(f"{API}/requests/{rid}/votes", json={"vote": "approve"})
    assert recused.status_code == 403 and recused.get_json()["error"]["code"] == "recused"
    for name in ("member2", "member3", "member4"):
        vote = login_as(name).post(f"{API}/requests/{rid}/votes", json={"vote": "approve"})
        assert vote.status_code == 201, vote.get_json()

    own = chair.post(f"{API}/requests/{rid}/decide", json={"outcome": "approve"})
    assert own.status_code == 403 and own.get_json()["error"]["code"] == "own_department"
    member2 = login_as("member2")
    assert member2.post(f"{API}/requests/{rid}/decide", json={"outcome": "approve"}).status_code == 403

    named = chair.post(
        f"{API}/deputies",
        json={"deputy": "member2", "starts_on": TODAY.isoformat(), "ends_on": str(TODAY + dt.timedelta(7))},
    )
    assert named.status_code == 201, named.get_json()
    decided = member2.post(f"{API}/requests/{rid}/decide", json={"outcome": "approve"})
    assert decided.status_code == 200, decided.get_json()
    decision = decided.get_json()["decision"]
    assert decision["decided_by"] == "member2" and decision["acting_for"] == "chair"


def test_a_deputy_from_the_filing_department_may_not_decide_either(login_as):
    req = factories.voted(factories.in_review())  # filed by 区卫健委; member1 works there
    named = login_as("chair").post(
        f"{API}/deputies",
        json={"deputy": "member1", "starts_on": TODAY.isoformat(), "ends_on": TODAY.isoformat()},
    )
    assert named.status_code == 201, named.get_json()
    refused = login_as("member1").post(f"{API}/requests/{req.id}/decide", json={"outcome": "approve"})
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "own_department"


def test_only_members_and_the_chair_name_deputies(login_as):
    data = {"deputy": "member3", "starts_on": TODAY.isoformat(), "ends_on": TODAY.isoformat()}
    for username in ("officer", "secretariat", "head"):
        assert login_as(username).post(f"{API}/deputies", json=data).status_code == 403, username
    refused = login_as("member2").post(f"{API}/deputies", json={**data, "principal": "chair"})
    assert refused.status_code == 403  # only the admin names someone else's deputy


def test_the_office_does_not_review_a_request_it_filed(login_as, db, world):
    """Not reachable through the API (the office cannot file), so the filer is set by hand."""
    req = factories.submitted()
    req.created_by = world.user("secretariat")
    db.commit()
    refused = login_as("secretariat").post(f"{API}/requests/{req.id}/accept", json={})
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "own_request"


def test_another_department_cannot_file_for_the_officers_department(login_as):
    refused = login_as("mzj.officer").post(f"{API}/requests", json=body(department="WJW"))
    assert refused.status_code == 403
    assert refused.get_json()["error"]["code"] == "not_your_department"


def test_the_chair_returns_only_at_decision(login_as):
    req = factories.submitted()
    response = login_as("chair").post(f"{API}/requests/{req.id}/return", json={"reason": "不符合要求"})
    assert response.status_code in (403, 409), response.get_json()


def test_the_admin_cannot_take_committee_seats_and_approve_alone(login_as):
    req = factories.in_review()
    admin = login_as("admin")
    named = [
        admin.post(
            f"{API}/deputies",
            json={"principal": seat, "deputy": "admin", "starts_on": str(TODAY), "ends_on": str(TODAY)},
        ).status_code
        for seat in ("member2", "member3", "member4", "chair")
    ]
    votes = [
        admin.post(f"{API}/requests/{req.id}/votes", json={"vote": "approve"}).status_code for _s in named
    ]
    decided = admin.post(f"{API}/requests/{req.id}/decide", json={"outcome": "approve"})
    assert decided.status_code == 403, (named, votes, decided.get_json())


def test_out_of_catalogue_request_is_ruled_by_the_office_only(login_as):
    req = factories.referred(**OUT_OF_CATALOGUE)
    ruling = {"outcome": "approve", "reference": REFERENCE}
    for username in ("chair", "member2", "officer", "admin"):
        response = login_as(username).post(f"{API}/requests/{req.id}/ruling", json=ruling)
        assert response.status_code == 403, username
    assert login_as("secretariat").post(f"{API}/requests/{req.id}/ruling", json=ruling).status_code == 200
