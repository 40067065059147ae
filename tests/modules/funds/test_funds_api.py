"""The funds API: shapes and money formatting, every endpoint's permissions for the demo users,
errors, constant query counts, and the summary against numbers computed here."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import pytest
import sqlalchemy as sa
from funds_support import (
    ALL,
    API,
    LUMP_SUM,
    allocation_at,
    allocation_money,
    allocations_of,
    approve,
    approved_for,
    pay,
)

from gatekeeper.core import clock
from gatekeeper.extensions import db as extension_db
from gatekeeper.modules.authorisations.models import Authorisation
from gatekeeper.modules.funds import operations as ops
from gatekeeper.modules.funds.models import Allocation, Disbursement
from gatekeeper.modules.jurisdictions.models import Department
from tests.factories import TODAY, user
from tests.support import count_statements

ALLOCATION_FIELDS = {
    "id",
    "authorisation",
    "community",
    "amount_fen",
    "disbursed_fen",
    "confirmed_fen",
    "due_date",
}
DISBURSEMENT_FIELDS = {
    "id",
    "allocation",
    "amount_fen",
    "amount_yuan",
    "paid_on",
    "reference",
    "state",
    "recorded_by",
    "recorded_at",
    "answered_by",
    "answered_at",
    "dispute_reason",
    "batch",
}
MONEY = ("allocated", "disbursed", "confirmed", "outstanding", "overdue")


def as_yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def payment(amount_fen=1000, **more) -> dict:
    return {"amount_fen": amount_fen, "date": TODAY.isoformat(), "reference": "江财拨〔2026〕88号", **more}


# --- shapes ---------------------------------------------------------------------------------------


def test_the_allocations_of_an_authorisation(db, login_as):
    authorisation = approve(**LUMP_SUM)
    answer = login_as("officer").get(f"{API}/authorisations/{authorisation.number}/allocations")
    assert answer.status_code == 200
    page = answer.get_json()
    assert (page["total"], page["page"], page["per_page"]) == (14, 1, 50)
    items = page["items"]
    assert [i["community"] for i in items] == sorted(i["community"] for i in items)
    first = items[0]
    assert set(first) >= ALLOCATION_FIELDS
    assert first["authorisation"] == authorisation.number and first["community"] == "LJ0101"
    assert first["community_name"] == "滨江社区"
    assert first["state"] == "active" and first["funds_overdue"] is False
    assert first["due_date"] == allocation_at(authorisation, "LJ0101").due_date.isoformat()
    for item in items:
        for name in ("amount", "disbursed", "confirmed", "carried", "outstanding"):
            assert isinstance(item[f"{name}_fen"], int)
            assert item[f"{name}_yuan"] == as_yuan(item[f"{name}_fen"])
    assert sum(i["amount_fen"] for i in items) == 7000001


def test_money_is_integer_fen_with_the_yuan_string_beside_it(db, login_as):
    allocation = allocation_at(approve(), "LJ0101")
    answer = login_as("officer").post(
        f"{API}/allocations/{allocation.id}/disbursements", json=payment(123456)
    )
    assert answer.status_code == 201, answer.get_json()
    body = answer.get_json()
    assert set(body) >= DISBURSEMENT_FIELDS
    assert (body["amount_fen"], body["amount_yuan"]) == (123456, "1234.56")
    assert (body["paid_on"], body["state"], body["recorded_by"]) == ("2026-06-01", "recorded", "officer")
    assert body["allocation"] == allocation.id and body["batch"] is None and body["answered_by"] is None
    detail = login_as("head").get(f"{API}/allocations/{allocation.id}").get_json()
    assert (detail["disbursed_fen"], detail["disbursed_yuan"]) == (123456, "1234.56")
    assert detail["outstanding_fen"] == detail["amount_fen"] - 123456
    listed = login_as("head").get(f"{API}/allocations/{allocation.id}/disbursements").get_json()
    assert [d["id"] for d in listed["items"]] == [body["id"]] and listed["total"] == 1


@pytest.mark.parametrize(
    "amount", [1000.0, 10.5, "1000", "10.00", True, None, -1, 10**14], ids=lambda v: repr(v)
)
def test_an_amount_that_is_not_whole_fen_is_refused(db, login_as, amount):
    allocation = allocation_at(approve(), "LJ0101")
    answer = login_as("officer").post(
        f"{API}/allocations/{allocation.id}/disbursements", json=payment(amount)
    )
    assert answer.status_code == 422
    assert "amount_fen" in answer.get_json()["error"]["fields"]
    assert extension_db.session.scalar(sa.select(sa.func.count()).select_from(Disbursement)) == 0


def test_a_payment_needs_its_date_and_reference(db, login_as):
    allocation = allocation_at(approve(), "LJ0101")
    answer = login_as("officer").post(
        f"{API}/allocations/{allocation.id}/disbursements", json={"amount_fen": 1}
    )
    assert answer.status_code == 422
    assert set(answer.get_json()["error"]["fields"]) == {"date", "reference"}
    future = login_as("officer").post(
        f"{API}/allocations/{allocation.id}/disbursements", json=payment(date="2026-06-02")
    )
    assert future.status_code == 422 and set(future.get_json()["error"]["fields"]) == {"date"}


def test_over_payment_is_422_naming_what_is_outstanding(db, login_as):
    allocation = allocation_at(approve(), "LJ0101")
    officer = login_as("officer")
    too_much = officer.post(
        f"{API}/allocations/{allocation.id}/disbursements", json=payment(allocation.amount_fen + 1)
    )
    assert too_much.status_code == 422
    error = too_much.get_json()["error"]
    assert error["code"] == "over_payment" and list(error["fields"]) == ["amount_fen"]
    assert error["outstanding_fen"] == allocation.amount_fen
    assert error["outstanding_yuan"] == as_yuan(allocation.amount_fen)
    assert as_yuan(allocation.amount_fen) in error["message"]


def test_a_bulk_payment_answers_the_disbursements_it_created(db, login_as):
    authorisation = approve()
    answer = login_as("officer").post(
        f"{API}/authorisations/{authorisation.number}/disbursements", json=payment(140001)
    )
    assert answer.status_code == 201, answer.get_json()
    body = answer.get_json()
    assert (body["amount_fen"], body["amount_yuan"], body["total"]) == (140001, "1400.01", 14)
    assert sum(d["amount_fen"] for d in body["items"]) == 140001
    assert {d["batch"] for d in body["items"]} == {body["batch"]}
    assert all(d["amount_yuan"] == as_yuan(d["amount_fen"]) for d in body["items"])
    assert sorted(d["community"] for d in body["items"]) == [
        a.community.code for a in allocations_of(authorisation)
    ]
    outstanding = sum(a.outstanding_fen for a in allocations_of(authorisation))
    too_much = login_as("officer").post(
        f"{API}/authorisations/{authorisation.number}/disbursements", json=payment(outstanding + 1)
    )
    assert too_much.status_code == 422 and too_much.get_json()["error"]["code"] == "over_payment"


def test_confirm_and_dispute_through_the_api(db, login_as):
    allocation = allocation_at(approve(), "LJ0101")
    first, second = pay(allocation, 1000), pay(allocation, 2000)
    head = login_as("head")
    confirmed = head.post(f"{API}/disbursements/{first.id}/confirm", json={})
    assert confirmed.status_code == 200
    assert (confirmed.get_json()["state"], confirmed.get_json()["answered_by"]) == ("confirmed", "head")
    again = head.post(f"{API}/disbursements/{first.id}/confirm", json={})
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "invalid_transition"
    assert head.post(f"{API}/disbursements/{second.id}/dispute", json={}).status_code == 422
    assert head.post(f"{API}/disbursements/{second.id}/dispute", json={"reason": ""}).status_code == 422
    disputed = head.post(f"{API}/disbursements/{second.id}/dispute", json={"reason": "未到账"})
    assert disputed.status_code == 200
    assert (disputed.get_json()["state"], disputed.get_json()["dispute_reason"]) == ("disputed", "未到账")
    assert head.post(f"{API}/disbursements/{second.id}/dispute", json={"reason": "x"}).status_code == 409
    assert head.post(f"{API}/disbursements/{second.id}/confirm", json={}).status_code == 200
    detail = head.get(f"{API}/allocations/{allocation.id}").get_json()
    assert (detail["confirmed_fen"], detail["confirmed_yuan"]) == (3000, "30.00")


def test_a_closed_allocation_answers_409(db, login_as):
    authorisation = approve()
    allocation = allocation_at(authorisation, "LJ0101")
    ops.cancel_unpaid(authorisation, actor=user("secretariat"))
    db.commit()
    answer = login_as("officer").post(f"{API}/allocations/{allocation.id}/disbursements", json=payment())
    assert answer.status_code == 409 and answer.get_json()["error"]["code"] == "not_payable"


def test_unknown_objects_are_404(db, login_as):
    admin = login_as("admin")
    assert admin.get(f"{API}/authorisations/LJ-2099-9999/allocations").status_code == 404
    assert admin.get(f"{API}/allocations/999999").status_code == 404
    assert admin.post(f"{API}/disbursements/999999/confirm", json={}).status_code == 404


# --- permissions ----------------------------------------------------------------------------------

USERS = ("officer", "mzj.officer", "secretariat", "member1", "chair", "head", "street", "admin")
#: user -> the status of each call against 区卫健委's authorisation over LJ01, for LJ0101's allocation
#: (404: may not even see it; 403: sees it, may not act).
# fmt: off
MATRIX = {
    #               list  get  disb.  bulk  pay   confirm dispute summary
    "officer":     (200,  200, 200,   201,  201,  403,    403,    200),
    "mzj.officer": (404,  404, 404,   404,  404,  404,    404,    200),
    "secretariat": (200,  200, 200,   403,  403,  403,    403,    200),
    "member1":     (200,  200, 200,   403,  403,  403,    403,    200),
    "chair":       (200,  200, 200,   403,  403,  403,    403,    200),
    "head":        (200,  200, 200,   403,  403,  200,    200,    200),
    "street":      (200,  200, 200,   403,  403,  403,    403,    200),
    "admin":       (200,  200, 200,   403,  403,  403,    403,    200),
}
# fmt: on


@pytest.mark.parametrize("username", USERS)
def test_who_may_do_what(db, login_as, username):
    authorisation = approve()
    allocation = allocation_at(authorisation, "LJ0101")
    to_confirm, to_dispute = pay(allocation, 1000), pay(allocation, 1000)
    api = login_as(username)
    calls = [
        lambda: api.get(f"{API}/authorisations/{authorisation.number}/allocations"),
        lambda: api.get(f"{API}/allocations/{allocation.id}"),
        lambda: api.get(f"{API}/allocations/{allocation.id}/disbursements"),
        lambda: api.post(f"{API}/authorisations/{authorisation.number}/disbursements", json=payment(1400)),
        lambda: api.post(f"{API}/allocations/{allocation.id}/disbursements", json=payment()),
        lambda: api.post(f"{API}/disbursements/{to_confirm.id}/confirm", json={}),
        lambda: api.post(f"{API}/disbursements/{to_dispute.id}/dispute", json={"reason": "未到账"}),
        lambda: api.get(f"{API}/funds/summary"),
    ]
    statuses = tuple(call().status_code for call in calls)
    assert statuses == MATRIX[username]
    see_disbursement = api.get(f"{API}/disbursements/{to_confirm.id}").status_code
    assert see_disbursement == MATRIX[username][1]


def test_only_the_head_of_its_own_community_answers_a_payment(db, login_as):
    authorisation = approve()
    elsewhere = pay(allocation_at(authorisation, "LJ0102"), 1000)
    head = login_as("head")  # 滨江社区 LJ0101: sees the authorisation, so the allocation, but may not answer
    assert head.get(f"{API}/disbursements/{elsewhere.id}").status_code == 200
    assert head.post(f"{API}/disbursements/{elsewhere.id}/confirm", json={}).status_code == 403
    assert head.post(f"{API}/disbursements/{elsewhere.id}/dispute", json={"reason": "x"}).status_code == 403


def test_a_street_officer_sees_the_allocations_of_their_street_only(db, login_as):
    other_street = approve(scope={"type": "streets", "codes": ["LJ02"], "community_type": None})
    allocation = allocation_at(other_street, "LJ0201")
    street = login_as("street")  # LJ01
    assert street.get(f"{API}/allocations/{allocation.id}").status_code == 404
    assert street.get(f"{API}/authorisations/{other_street.number}/allocations").status_code == 404
    assert login_as("head").get(f"{API}/allocations/{allocation.id}").status_code == 404


# --- constant query counts ------------------------------------------------------------------------


def test_the_list_of_allocations_takes_the_same_queries_for_14_or_80(db, login_as):
    api = login_as("officer")
    counts = []
    for scope in ({}, ALL):
        authorisation = approve(**scope)
        answers = []
        url = f"{API}/authorisations/{authorisation.number}/allocations?per_page=200"
        statements = count_statements(lambda u=url, got=answers: got.append(api.get(u)))
        assert answers[0].get_json()["total"] == authorisation.community_count
        counts.append(len(statements))
    assert counts[0] == counts[1], counts


def test_the_summary_takes_the_same_queries_for_14_or_80_communities(db, login_as):
    api = login_as("admin")
    counts = []
    for scope in ({}, ALL):
        approve(**scope)
        statements = count_statements(lambda: api.get(f"{API}/funds/summary"))
        assert sum("GROUP BY" in s for s in statements) == 2
        counts.append(len(statements))
    assert counts[0] == counts[1], counts


# --- the summary ----------------------------------------------------------------------------------


@pytest.fixture
def money(db):
    """区卫健委: one authorisation over LJ01 (due in 2026), one lump sum over LJ02 (from 2027, due in
    2027); 区民政局: one over LJ01. Payments, a bulk payment, confirmations and a dispute."""
    wjw = approve()
    wjw_2027 = approve(
        scope={"type": "streets", "codes": ["LJ02"], "community_type": None},
        start_date="2027-01-04",
        end_date="2027-12-31",
        **LUMP_SUM,
    )
    mzj = approved_for("mzj.officer", ("member3", "member4", "member5"))
    paid = pay(allocation_at(wjw, "LJ0101"), 200000)
    ops.confirm(paid, actor=user("head"))
    pay(allocation_at(wjw, "LJ0102"), allocation_at(wjw, "LJ0102").amount_fen)
    ops.record_bulk(wjw_2027, 1000001, TODAY, "批量", actor=user("officer"))
    disputed = ops.record_disbursement(
        allocation_at(mzj, "LJ0101"), 5000, TODAY, "民政拨付", actor=user("mzj.officer")
    )
    ops.dispute(disputed, "未到账", actor=user("head"))
    db.commit()
    return {"wjw": wjw, "wjw_2027": wjw_2027, "mzj": mzj}


def expected_summary(db, *, departments=None, communities=None, year=None, today=TODAY) -> dict:
    """The summary computed here from the rows, by the documented definitions."""
    rows = db.execute(
        sa.select(Allocation, Authorisation.department_id).join(
            Authorisation, Authorisation.id == Allocation.authorisation_id
        )
    ).all()
    totals: dict = defaultdict(int)
    by_department: dict = defaultdict(lambda: defaultdict(int))
    by_community: dict = defaultdict(lambda: defaultdict(int))
    for allocation, department_id in rows:
        department = db.get(Department, department_id)
        if departments is not None and department.code not in departments:
            continue
        if communities is not None and allocation.community.code not in communities:
            continue
        if year is not None and allocation.due_date.year != year:
            continue
        values = {f"{key}_fen": value for key, value in allocation_money(allocation, today).items()}
        values["allocations"] = 1
        for key, value in values.items():
            totals[key] += value
            by_department[department.code][key] += value
            by_community[allocation.community.code][key] += value
    return {
        "totals": dict(totals),
        "departments": {k: dict(v) for k, v in by_department.items()},
        "communities": {k: dict(v) for k, v in by_community.items()},
    }


def numbers(row: dict) -> dict:
    for name in MONEY:
        assert row[f"{name}_yuan"] == as_yuan(row[f"{name}_fen"])
    return {k: v for k, v in row.items() if k.endswith("_fen") or k == "allocations"}


def summary_of(api, **query) -> dict:
    answer = api.get(f"{API}/funds/summary", query_string=query)
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    return {
        "totals": numbers(body["totals"]) if body["totals"]["allocations"] else {},
        "departments": {r["department"]: numbers(r) for r in body["departments"]},
        "communities": {r["community"]: numbers(r) for r in body["communities"]},
    }


def test_the_summary_adds_up_as_computed_here(db, login_as, money):
    admin = login_as("admin")
    assert summary_of(admin) == expected_summary(db)
    total_paid = db.scalar(sa.select(sa.func.sum(Disbursement.amount_fen)))
    assert summary_of(admin)["totals"]["disbursed_fen"] == total_paid
    assert summary_of(admin, department="WJW") == expected_summary(db, departments={"WJW"})
    assert summary_of(admin, community="LJ0101") == expected_summary(db, communities={"LJ0101"})
    assert summary_of(admin, year=2027) == expected_summary(db, year=2027)
    assert summary_of(admin, year=2026, department="MZJ") == expected_summary(
        db, year=2026, departments={"MZJ"}
    )
    assert summary_of(admin, year=2030)["totals"] == {}
    assert summary_of(login_as("secretariat"), gate="LJ") == expected_summary(db)


def test_overdue_money_shows_in_the_summary_after_the_due_date(db, login_as, money):
    due = allocation_at(money["wjw"], "LJ0101").due_date
    later = due + dt.timedelta(days=1)
    with clock.frozen(later):
        got = summary_of(login_as("admin"))
        assert got == expected_summary(db, today=later)
        wjw = got["departments"]["WJW"]
        assert 0 < wjw["overdue_fen"] < wjw["outstanding_fen"]  # the 2027 lump sum is not due yet
        # 区卫健委 paid LJ0102 up; what is overdue there is 区民政局's
        assert got["communities"]["LJ0102"]["overdue_fen"] == allocation_at(money["mzj"], "LJ0102").amount_fen


def test_each_sees_the_summary_of_their_own_part(db, login_as, money):
    assert summary_of(login_as("officer")) == expected_summary(db, departments={"WJW"})
    assert summary_of(login_as("mzj.officer")) == expected_summary(db, departments={"MZJ"})
    assert summary_of(login_as("head")) == expected_summary(db, communities={"LJ0101"})
    lj01 = {f"LJ01{n:02d}" for n in range(1, 15)}
    assert summary_of(login_as("street")) == expected_summary(db, communities=lj01)
    assert summary_of(login_as("chair")) == expected_summary(db)
    assert summary_of(login_as("officer"), community="LJ0201") == expected_summary(
        db, departments={"WJW"}, communities={"LJ0201"}
    )


@pytest.mark.parametrize(
    ("username", "query", "code"),
    [
        ("officer", {"department": "MZJ"}, "not_your_department"),
        ("head", {"community": "LJ0102"}, "not_your_community"),
        ("street", {"community": "LJ0201"}, "not_your_street"),
        ("secretariat", {"gate": "XX"}, "not_your_gate"),
    ],
)
def test_a_filter_outside_ones_part_is_403(db, login_as, username, query, code):
    answer = login_as(username).get(f"{API}/funds/summary", query_string=query)
    assert answer.status_code == 403 and answer.get_json()["error"]["code"] == code


def test_filters_inside_ones_part_are_fine(db, login_as, money):
    assert login_as("officer").get(f"{API}/funds/summary?department=WJW").status_code == 200
    assert login_as("head").get(f"{API}/funds/summary?community=LJ0101&department=MZJ").status_code == 200
    assert login_as("street").get(f"{API}/funds/summary?community=LJ0105").status_code == 200
    assert login_as("admin").get(f"{API}/funds/summary?gate=LJ&year=2026").status_code == 200
    assert login_as("admin").get(f"{API}/funds/summary?year=twenty").status_code == 422
