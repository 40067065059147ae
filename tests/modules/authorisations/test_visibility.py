"""Who sees which authorisation (DESIGN §2, authorisations/permissions.py), filters and pagination.

Two approvals of 区卫健委 (WJW): one over street LJ01 (which holds 滨江社区 LJ0101, the ``head``'s
community, and is the ``street`` officer's street) and one over street LJ02; and one of 区民政局 (MZJ)
over LJ01.
"""

from __future__ import annotations

import pytest

from gatekeeper.core import clock
from gatekeeper.extensions import db as _db
from gatekeeper.modules.requests import operations as ops
from tests import factories
from tests.factories import TODAY

API = "/api/v1"
LJ02 = {"type": "streets", "codes": ["LJ02"], "community_type": None}


@pytest.fixture(autouse=True)
def today():
    with clock.frozen(TODAY):
        yield


def approved_for(username: str, voters: tuple[str, ...]):
    """A request of another department, filed by its own officer and approved by the committee."""
    req = factories.draft(username)
    with clock.frozen(TODAY):
        req, run, _ = ops.submit_request(req, actor=factories.user(username))
        _db.session.commit()
        ops.raise_if_blocked(run)
        ops.accept_request(req, actor=factories.user("secretariat"))
        _db.session.commit()
    return factories.decided(factories.voted(req, dict.fromkeys(voters, "approve")))


@pytest.fixture
def numbers(db):
    lj01 = factories.approved()
    lj02 = factories.approved(scope=LJ02)
    mzj = approved_for("mzj.officer", ("member3", "member4", "member5"))  # member2 works for MZJ
    return {
        "lj01": lj01.authorisation.number,
        "lj02": lj02.authorisation.number,
        "mzj": mzj.authorisation.number,
    }


def listed(api, **query) -> list[str]:
    response = api.get(f"{API}/authorisations", query_string={"per_page": 200, **query})
    assert response.status_code == 200, response.get_json()
    return [item["number"] for item in response.get_json()["items"]]


# fmt: off
#: user -> which of the three authorisations they see
VISIBILITY = {
    "officer":     {"lj01": True,  "lj02": True,  "mzj": False},
    "mzj.officer": {"lj01": False, "lj02": False, "mzj": True},
    "zfb.officer": {"lj01": False, "lj02": False, "mzj": False},
    "secretariat": {"lj01": True,  "lj02": True,  "mzj": True},
    "member1":     {"lj01": True,  "lj02": True,  "mzj": True},
    "chair":       {"lj01": True,  "lj02": True,  "mzj": True},
    "head":        {"lj01": True,  "lj02": False, "mzj": True},
    "street":      {"lj01": True,  "lj02": False, "mzj": True},
    "admin":       {"lj01": True,  "lj02": True,  "mzj": True},
}
# fmt: on


@pytest.mark.parametrize("username", list(VISIBILITY))
def test_who_sees_which_authorisation(login_as, numbers, username):
    api = login_as(username)
    everything = listed(api)
    for key, sees in VISIBILITY[username].items():
        number = numbers[key]
        response = api.get(f"{API}/authorisations/{number}")
        if sees:
            assert response.status_code == 200, (key, response.get_json())
            assert response.get_json()["number"] == number
            assert number in everything, key
        else:
            assert response.status_code == 404, (key, response.get_json())
            assert response.get_json()["error"]["code"] == "not_found"
            assert number not in everything, key


def test_anonymous_and_unknown_numbers(client, login_as, numbers):
    assert client.get(f"{API}/authorisations").status_code == 401
    assert client.get(f"{API}/authorisations/{numbers['lj01']}").status_code == 401
    missing = login_as("admin").get(f"{API}/authorisations/LJ-2099-9999")
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "not_found"


def test_the_authorisation_names_its_communities(login_as, numbers):
    shown = login_as("head").get(f"{API}/authorisations/{numbers['lj01']}").get_json()
    assert "LJ0101" in shown["communities"]
    assert all(code.startswith("LJ01") for code in shown["communities"])
    assert shown["status"] == "active" and shown["department"] == "WJW"


# --- filters -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param({"community": "LJ0101"}, {"lj01", "mzj"}, id="community-LJ0101"),
        pytest.param({"community": "LJ0201"}, {"lj02"}, id="community-LJ0201"),
        pytest.param({"community": "XX9999"}, set(), id="community-unknown"),
        pytest.param({"department": "WJW"}, {"lj01", "lj02"}, id="department-WJW"),
        pytest.param({"department": "MZJ"}, {"mzj"}, id="department-MZJ"),
        pytest.param({"status": "active"}, {"lj01", "lj02", "mzj"}, id="status-active"),
        pytest.param({"status": "revoked"}, set(), id="status-revoked"),
        pytest.param({"department": "WJW", "community": "LJ0201"}, {"lj02"}, id="department-and-community"),
    ],
)
def test_filters(login_as, numbers, query, expected):
    assert set(listed(login_as("admin"), **query)) == {numbers[key] for key in expected}


@pytest.mark.parametrize(
    ("username", "query"),
    [
        pytest.param("mzj.officer", {"department": "WJW"}, id="officer-other-department"),
        pytest.param("head", {"community": "LJ0201"}, id="head-other-community"),
        pytest.param("street", {"community": "LJ0201"}, id="street-other-street"),
    ],
)
def test_a_filter_never_widens_what_one_sees(login_as, numbers, username, query):
    assert listed(login_as(username), **query) == []


@pytest.mark.parametrize(
    "query",
    [{"status": "bogus"}, {"kind": "banner"}, {"per_page": 201}, {"per_page": 0}, {"page": 0}, {"page": "x"}],
    ids=["status-bogus", "kind-banner", "per_page-201", "per_page-0", "page-0", "page-not-a-number"],
)
def test_bad_query_parameters_are_422(login_as, query):
    response = login_as("admin").get(f"{API}/authorisations", query_string=query)
    assert response.status_code == 422, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "validation_error" and set(query) <= set(error["fields"])


# --- pagination --------------------------------------------------------------------------------


def test_pagination_envelope(login_as, numbers):
    api = login_as("admin")
    first = api.get(f"{API}/authorisations", query_string={"per_page": 2}).get_json()
    assert {"items", "total", "page", "per_page"} <= set(first)
    assert (first["total"], first["page"], first["per_page"], len(first["items"])) == (3, 1, 2, 2)
    second = api.get(f"{API}/authorisations", query_string={"per_page": 2, "page": 2}).get_json()
    assert (second["total"], second["page"], len(second["items"])) == (3, 2, 1)
    seen = [a["number"] for a in first["items"] + second["items"]]
    assert sorted(seen) == sorted(numbers.values())
    beyond = api.get(f"{API}/authorisations", query_string={"per_page": 2, "page": 9}).get_json()
    assert beyond["items"] == [] and beyond["total"] == 3
    most = api.get(f"{API}/authorisations", query_string={"per_page": 200})
    assert most.status_code == 200 and most.get_json()["per_page"] == 200


def test_the_total_counts_only_what_one_sees(login_as, numbers):
    head = login_as("head").get(f"{API}/authorisations", query_string={"per_page": 1}).get_json()
    assert head["total"] == 2 and len(head["items"]) == 1
