"""How authorisations end: revocation, expiry and variation; and the community's list."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from gatekeeper.core import clock
from gatekeeper.modules.authorisations.models import Authorisation, CommunityLoad
from gatekeeper.modules.funds.models import Allocation, AllocationState
from gatekeeper.modules.jurisdictions.models import Jurisdiction
from gatekeeper.modules.notifications.models import Notification, NotificationKind
from tests import factories
from tests.factories import TODAY, body, user

API = "/api/v1"
LEDGER = {  # a funded ledger over street LJ01 (PL-103), so it weighs on each community's load
    "kind": "ledger",
    "role": None,
    "title": "消防安全巡查记录",
    "catalogue_entry": "PL-103",
    "legal_basis": "《中华人民共和国消防法》",
    "funding": {"basis": "per_community", "amount_fen": 20000},
}


@pytest.fixture(autouse=True)
def today():
    with clock.frozen(TODAY):
        yield


def load_of(db, code: str) -> int:
    community = db.scalar(sa.select(Jurisdiction).where(Jurisdiction.code == code))
    row = db.get(CommunityLoad, community.id)
    return row.ledgers if row else 0


def authorisation_of(req) -> Authorisation:
    return req.authorisation


# --- revocation ----------------------------------------------------------------------------------


def test_revocation_ends_it_everywhere_at_once(db, login_as):
    req = factories.approved(**LEDGER)
    number = authorisation_of(req).number
    assert load_of(db, "LJ0101") == 1
    head = login_as("head")
    assert [i["number"] for i in head.get(f"{API}/communities/LJ0101/authorised").get_json()["items"]] == [
        number
    ]

    no_reason = login_as("secretariat").post(f"{API}/authorisations/{number}/revoke", json={"reason": ""})
    assert no_reason.status_code == 422
    assert (
        login_as("officer").post(f"{API}/authorisations/{number}/revoke", json={"reason": "x"}).status_code
        == 403
    )
    answer = login_as("secretariat").post(
        f"{API}/authorisations/{number}/revoke", json={"reason": "群众反映负担重"}
    )
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["status"] == "revoked" and answer.get_json()["revoke_reason"] == "群众反映负担重"

    assert head.get(f"{API}/communities/LJ0101/authorised").get_json()["items"] == []
    assert load_of(db, "LJ0101") == 0
    states = set(
        db.scalars(sa.select(Allocation.state).where(Allocation.authorisation_id == authorisation_of(req).id))
    )
    assert states == {AllocationState.CANCELLED}
    told = db.scalars(
        sa.select(Notification.user_id).where(Notification.kind == NotificationKind.REVOKED_HERE)
    ).all()
    assert user("head").id in told and user("street").id in told
    again = login_as("chair").post(f"{API}/authorisations/{number}/revoke", json={"reason": "再次撤销"})
    assert again.status_code == 409


def test_the_chair_may_revoke_but_not_for_their_own_department(db, login_as):
    other = factories.approved(**LEDGER)
    assert (
        login_as("chair")
        .post(f"{API}/authorisations/{other.authorisation.number}/revoke", json={"reason": "依规撤销"})
        .status_code
        == 200
    )
    own = factories.approved(username="zfb.officer", title="协助开展传染病防控和健康教育（区政府办）")
    answer = login_as("chair").post(
        f"{API}/authorisations/{own.authorisation.number}/revoke", json={"reason": "x"}
    )
    assert answer.status_code == 403 and answer.get_json()["error"]["code"] == "own_department"


# --- expiry --------------------------------------------------------------------------------------


def test_expiry_is_idempotent_and_frees_the_load(app, db):
    req = factories.approved(**LEDGER)
    number = authorisation_of(req).number
    runner = app.test_cli_runner()
    assert "0 authorisation(s) expired" in runner.invoke(args=["expire"]).output
    with clock.frozen(req.end_date):
        assert runner.invoke(args=["expire", "--quiet"]).output == ""  # still in force on its last day
    with clock.frozen(req.end_date + dt.timedelta(days=1)):
        first = runner.invoke(args=["expire"])
        second = runner.invoke(args=["expire"])
    assert first.exit_code == 0 and number in first.output
    assert "0 authorisation(s) expired" in second.output
    db.expire_all()
    assert db.scalar(sa.select(Authorisation.status).where(Authorisation.number == number)).value == "expired"
    assert load_of(db, "LJ0101") == 0


def test_an_ended_validity_leaves_the_community_list_before_the_command_runs(db, login_as):
    req = factories.approved(**LEDGER)
    with clock.frozen(req.end_date + dt.timedelta(days=1)):
        assert login_as("head").get(f"{API}/communities/LJ0101/authorised").get_json()["items"] == []


# --- variation -----------------------------------------------------------------------------------


def test_a_variation_replaces_the_authorisation_and_carries_the_money(db, login_as):
    old = factories.approved(**LEDGER).authorisation
    officer, secretariat, chair = login_as("officer"), login_as("secretariat"), login_as("chair")
    variation = body(**LEDGER, variation_of=old.number, scope={"type": "streets", "codes": ["LJ01", "LJ02"]})

    check = officer.post(f"{API}/precheck", json=variation).get_json()
    assert "DUPLICATE_ACTIVE" not in [f["code"] for f in check["findings"]]
    assert check["communities"] == 28

    rid = officer.post(f"{API}/requests", json=variation).get_json()["id"]
    assert officer.get(f"{API}/requests/{rid}").get_json()["variation_of"] == old.number
    assert officer.post(f"{API}/requests/{rid}/submit", json={}).status_code == 200
    assert secretariat.post(f"{API}/requests/{rid}/accept", json={}).status_code == 200
    shown = login_as("head").get(f"{API}/communities/LJ0101/authorised").get_json()["items"]
    assert [i["number"] for i in shown] == [old.number]  # still in force while the variation is decided
    for name in ("member2", "member3", "member4"):
        login_as(name).post(f"{API}/requests/{rid}/votes", json={"vote": "approve"})
    decided = chair.post(f"{API}/requests/{rid}/decide", json={"outcome": "approve"}).get_json()
    new_number = decided["authorisation"]["number"]

    replaced = officer.get(f"{API}/authorisations/{old.number}").get_json()
    assert replaced["status"] == "superseded" and replaced["superseded_by"] == new_number
    assert officer.get(f"{API}/authorisations/{new_number}").get_json()["replaces"] == old.number
    shown = login_as("head").get(f"{API}/communities/LJ0101/authorised").get_json()["items"]
    assert [i["number"] for i in shown] == [new_number]
    assert load_of(db, "LJ0101") == 1  # replaced, not added


def test_one_variation_at_a_time_and_only_of_ones_own_items(db, login_as):
    old = factories.approved(**LEDGER).authorisation
    officer = login_as("officer")
    first = officer.post(f"{API}/requests", json=body(**LEDGER, variation_of=old.number)).get_json()["id"]
    second = officer.post(f"{API}/requests", json=body(**LEDGER, variation_of=old.number)).get_json()["id"]
    assert officer.post(f"{API}/requests/{first}/submit", json={}).status_code == 200
    refused = officer.post(f"{API}/requests/{second}/submit", json={})
    assert refused.status_code == 422 and "variation_of" in refused.get_json()["error"]["fields"]

    other = login_as("mzj.officer").post(f"{API}/precheck", json=body(variation_of=old.number))
    assert other.status_code == 422 and "variation_of" in other.get_json()["error"]["fields"]
    kind = officer.post(f"{API}/precheck", json=body(variation_of=old.number))  # a duty, not a ledger
    assert kind.status_code == 422
    unknown = officer.post(f"{API}/precheck", json=body(**LEDGER, variation_of="LJ-2026-9999"))
    assert unknown.status_code == 422


# --- the community's list ----------------------------------------------------------------------------


def test_the_community_list_counts_kinds_and_flags_late_money(db, login_as, world):
    from gatekeeper.modules.jurisdictions.operations import update_gate

    update_gate(world.gate, {"settings": {"funding_due_days": 5}}, actor=world.user("admin"))
    ledger = factories.approved(**LEDGER).authorisation
    duty = factories.approved(end_date="2026-09-20", start_date="2026-09-01").authorisation
    view = login_as("head").get(f"{API}/communities/LJ0101/authorised").get_json()
    assert view["community"]["code"] == "LJ0101" and view["community"]["street"] == "LJ01"
    assert {i["number"] for i in view["items"]} == {ledger.number, duty.number}
    assert view["counts"]["ledger"] == 1 and view["counts"]["duty"] == 1 and view["counts"]["sign"] == 0
    item = next(i for i in view["items"] if i["number"] == ledger.number)
    assert item["allocation"]["amount_fen"] > 0 and item["funds_overdue"] is False
    with clock.frozen(dt.date(2026, 9, 10)):
        later = login_as("head").get(f"{API}/communities/LJ0101/authorised").get_json()
    assert later["expiring_soon"] == [duty.number]
    # Due 5 working days after 1 September (8 September); nothing paid yet.
    assert all(i["funds_overdue"] for i in later["items"] if i["allocation"])
    assert any(i["allocation"] for i in later["items"])


@pytest.mark.parametrize(
    ("username", "code", "status"),
    [
        ("head", "LJ0101", 200),
        ("head", "LJ0102", 403),
        ("street", "LJ0102", 200),
        ("street", "LJ0201", 403),
        ("secretariat", "LJ0601", 200),
        ("admin", "LJ0101", 200),
        ("officer", "LJ0101", 403),
    ],
)
def test_who_sees_a_community_list(login_as, username, code, status):
    assert login_as(username).get(f"{API}/communities/{code}/authorised").status_code == status


def test_unknown_community_is_404(login_as):
    assert login_as("admin").get(f"{API}/communities/NOPE/authorised").status_code == 404
