"""Pages of the money: recording payments (one community, in bulk), the head's confirmation or
dispute, the payments of an authorisation and the summary."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from gatekeeper.core import clock
from gatekeeper.core.money import yuan_grouped
from gatekeeper.extensions import db as extension_db
from gatekeeper.modules.accounts.models import Role
from gatekeeper.modules.accounts.operations import create_user
from gatekeeper.modules.funds.models import Allocation, Disbursement, DisbursementState
from gatekeeper.modules.jurisdictions.models import Jurisdiction
from gatekeeper.modules.notifications.models import Notification, NotificationKind
from tests.conftest import PASSWORD
from tests.factories import TODAY, user
from tests.modules.funds.funds_support import allocation_at, allocations_of, approve, pay


@pytest.fixture
def issued(db):
    """An authorisation of 区卫健委 over street LJ01, nothing paid yet."""
    return approve()


def head_of(code: str) -> str:
    """A community head who can log in (the demo's ``head`` for LJ0101); returns the user name."""
    if code == "LJ0101":
        return "head"
    community = extension_db.session.scalar(sa.select(Jurisdiction).where(Jurisdiction.code == code))
    create_user(
        username=f"head.{code.lower()}",
        name=f"{community.name}书记",
        role=Role.COMMUNITY_HEAD,
        password=PASSWORD,
        jurisdiction=community,
    )
    extension_db.session.commit()
    return f"head.{code.lower()}"


def disbursements(db, allocation) -> list[Disbursement]:
    db.expire_all()
    return list(db.scalars(sa.select(Disbursement).where(Disbursement.allocation_id == allocation.id)))


# --- one payment -----------------------------------------------------------------------------------


def test_the_payment_form_shows_what_is_outstanding(page_as, issued):
    allocation = allocation_at(issued, "LJ0101")
    html = page_as("officer").text(f"/allocations/{allocation.id}/disburse")
    assert yuan_grouped(allocation.amount_fen) in html
    for name in ("amount_fen", "date", "reference", "csrf_token"):
        assert f'name="{name}"' in html
    assert f'value="{TODAY.isoformat()}"' in html and "novalidate" in html


def test_an_over_payment_is_refused_beside_the_amount_and_nothing_is_recorded(db, page_as, issued):
    allocation = allocation_at(issued, "LJ0101")
    too_much = allocation.amount_fen + 1
    answer = page_as("officer").form(
        f"/allocations/{allocation.id}/disburse",
        {"amount_fen": yuan_grouped(too_much), "date": TODAY.isoformat(), "reference": "凭证-9"},
    )
    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    error = html[html.index('id="f-amount-fen-error"') :]
    error = error[: error.index("</p>")]
    outstanding = f"{allocation.amount_fen // 100}.{allocation.amount_fen % 100:02d}"
    assert outstanding in error  # the amount still outstanding, beside the field
    assert f'value="{yuan_grouped(too_much)}"' in html and 'value="凭证-9"' in html  # input kept
    assert disbursements(db, allocation) == []
    assert db.get(Allocation, allocation.id).disbursed_fen == 0


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"amount_fen": "", "date": "2026-06-01", "reference": "凭证"}, "amount-fen"),
        ({"amount_fen": "12.345", "date": "2026-06-01", "reference": "凭证"}, "amount-fen"),
        ({"amount_fen": "10", "date": "2026-06-02", "reference": "凭证"}, "date"),  # in the future
        ({"amount_fen": "10", "date": "2026-06-01", "reference": " "}, "reference"),
    ],
)
def test_a_payment_form_with_a_mistake_is_refused_beside_the_field(db, page_as, issued, data, field):
    allocation = allocation_at(issued, "LJ0101")
    answer = page_as("officer").form(f"/allocations/{allocation.id}/disburse", data)
    assert answer.status_code == 422
    assert f'id="f-{field}-error"' in answer.get_data(as_text=True)
    assert disbursements(db, allocation) == []


def test_a_payment_is_recorded_and_the_head_is_asked_to_confirm(db, page_as, issued):
    allocation = allocation_at(issued, "LJ0101")
    answer = page_as("officer").form(
        f"/allocations/{allocation.id}/disburse",
        {"amount_fen": "1,234.5", "date": TODAY.isoformat(), "reference": "临财拨〔2026〕1号"},
    )
    assert answer.status_code == 303
    assert answer.headers["Location"].endswith(f"/authorisations/{issued.number}")
    [paid] = disbursements(db, allocation)
    assert (paid.amount_fen, paid.paid_on, paid.reference) == (123450, TODAY, "临财拨〔2026〕1号")
    assert paid.state == DisbursementState.RECORDED
    told = db.scalars(
        sa.select(Notification.user_id).where(Notification.kind == NotificationKind.FUNDS_PAID)
    ).all()
    assert told == [user("head").id]


def test_only_the_departments_officers_record_payments(page_as, issued):
    allocation = allocation_at(issued, "LJ0101")
    url = f"/allocations/{allocation.id}/disburse"
    for username in ("secretariat", "chair", "head", "street", "admin"):
        assert page_as(username).get(url).status_code == 403, username
    assert page_as("mzj.officer").get(url).status_code == 404
    assert page_as("officer").get("/allocations/999999/disburse").status_code == 404


def test_a_payment_without_csrf_token_is_refused(db, page_as, issued):
    allocation = allocation_at(issued, "LJ0101")
    answer = page_as("officer").post(
        f"/allocations/{allocation.id}/disburse",
        data={"amount_fen": "10", "date": TODAY.isoformat(), "reference": "凭证"},
    )
    assert answer.status_code == 400
    assert disbursements(db, allocation) == []


# --- one payment for every community ---------------------------------------------------------------


def test_a_bulk_payment_is_previewed_then_recorded(db, page_as, issued):
    rows = allocations_of(issued)
    outstanding = sum(a.amount_fen for a in rows)
    officer = page_as("officer")
    url = f"/authorisations/{issued.number}/disburse"
    assert yuan_grouped(outstanding) in officer.text(url)
    half = outstanding // 2
    data = {"amount_fen": f"{half // 100}.{half % 100:02d}", "date": TODAY.isoformat(), "reference": "批量-1"}

    preview = officer.form(url, {**data, "step": "preview"})
    assert preview.status_code == 200
    html = preview.get_data(as_text=True)
    shares = [
        int(s.replace(",", "").replace(".", ""))
        for s in re.findall(r"<strong>([\d,]+\.\d\d) 元</strong>", html)
    ]
    assert len(shares) == len(rows) and sum(shares) == half
    assert db.scalar(sa.select(sa.func.count(Disbursement.id))) == 0  # nothing recorded yet

    answer = officer.form(url, {**data, "step": "record"})
    assert answer.status_code == 303
    db.expire_all()
    recorded = db.scalars(sa.select(Disbursement.amount_fen).order_by(Disbursement.id)).all()
    assert sorted(recorded) == sorted(shares) and sum(recorded) == half


def test_a_bulk_over_payment_is_refused_beside_the_amount(db, page_as, issued):
    outstanding = sum(a.amount_fen for a in allocations_of(issued))
    too_much = outstanding + 1
    for step in ("preview", "record"):
        answer = page_as("officer").form(
            f"/authorisations/{issued.number}/disburse",
            {
                "amount_fen": f"{too_much // 100}.{too_much % 100:02d}",
                "date": TODAY.isoformat(),
                "reference": "批量-2",
                "step": step,
            },
        )
        assert answer.status_code == 422
        assert 'id="f-amount-fen-error"' in answer.get_data(as_text=True)
    assert db.scalar(sa.select(sa.func.count(Disbursement.id))) == 0


def test_only_the_departments_officers_pay_in_bulk(page_as, issued):
    url = f"/authorisations/{issued.number}/disburse"
    for username in ("secretariat", "chair", "head", "admin"):
        assert page_as(username).get(url).status_code == 403, username
    assert page_as("mzj.officer").get(url).status_code == 404


# --- the head's answer -----------------------------------------------------------------------------


@pytest.fixture
def paid(issued):
    """A payment of 500 元 to 滨江社区 (LJ0101), not answered yet."""
    return pay(allocation_at(issued, "LJ0101"), 50000)


def test_the_head_confirms_and_goes_back_where_they_were(db, page_as, issued, paid):
    head = page_as("head")
    answer = head.form(
        f"/disbursements/{paid.id}/confirm", {"next": f"/authorisations/{issued.number}?page=1"}
    )
    assert answer.status_code == 303
    assert answer.headers["Location"].endswith(f"/authorisations/{issued.number}?page=1")
    db.expire_all()
    assert db.get(Disbursement, paid.id).state == DisbursementState.CONFIRMED
    assert allocation_at(issued, "LJ0101").confirmed_fen == 50000
    assert "已确认到账" in head.text(f"/authorisations/{issued.number}") or "Receipt confirmed" in head.text(
        f"/authorisations/{issued.number}"
    )


def test_a_next_address_elsewhere_is_not_followed(db, page_as, issued, paid):
    answer = page_as("head").form(f"/disbursements/{paid.id}/confirm", {"next": "https://evil.example/x"})
    assert answer.status_code == 303
    assert answer.headers["Location"].endswith(f"/authorisations/{issued.number}")


def test_confirming_twice_is_said_on_the_page(db, page_as, issued, paid):
    head = page_as("head")
    head.form(f"/disbursements/{paid.id}/confirm")
    again = head.form(
        f"/disbursements/{paid.id}/confirm", headers={"Referer": "http://localhost/notifications"}
    )
    assert again.status_code == 303  # refused (409): flashed on the page it came from
    assert db.get(Allocation, allocation_at(issued, "LJ0101").id).confirmed_fen == 50000


def test_only_the_head_of_that_community_answers(db, page_as, issued, paid):
    neighbour = head_of("LJ0102")  # a community of the same authorisation
    assert page_as(neighbour).form(f"/disbursements/{paid.id}/confirm").status_code == 403
    assert page_as(neighbour).get(f"/disbursements/{paid.id}/dispute").status_code == 403
    outsider = head_of("LJ0201")  # not in the scope: may not even know it exists
    assert page_as(outsider).form(f"/disbursements/{paid.id}/confirm").status_code == 404
    for username in ("officer", "secretariat", "street"):
        assert page_as(username).form(f"/disbursements/{paid.id}/confirm").status_code == 403, username
    db.expire_all()
    assert db.get(Disbursement, paid.id).state == DisbursementState.RECORDED


def test_a_confirmation_without_csrf_token_is_refused(db, page_as, paid):
    assert page_as("head").post(f"/disbursements/{paid.id}/confirm").status_code == 400
    assert db.get(Disbursement, paid.id).state == DisbursementState.RECORDED


def test_a_dispute_needs_a_reason_beside_the_field(db, page_as, issued, paid):
    head = page_as("head")
    url = f"/disbursements/{paid.id}/dispute?next=/authorisations/{issued.number}"
    form = head.text(url)
    assert 'name="reason"' in form and f'name="next" value="/authorisations/{issued.number}"' in form
    refused = head.form(url, {"reason": " ", "next": f"/authorisations/{issued.number}"})
    assert refused.status_code == 422
    assert 'id="f-reason-error"' in refused.get_data(as_text=True)
    db.expire_all()
    assert db.get(Disbursement, paid.id).state == DisbursementState.RECORDED


def test_a_dispute_is_recorded_and_the_department_told(db, page_as, issued, paid):
    answer = page_as("head").form(
        f"/disbursements/{paid.id}/dispute",
        {"reason": "社区账户未收到该笔经费", "next": f"/authorisations/{issued.number}"},
    )
    assert answer.status_code == 303
    assert answer.headers["Location"].endswith(f"/authorisations/{issued.number}")
    db.expire_all()
    disputed = db.get(Disbursement, paid.id)
    assert (
        disputed.state == DisbursementState.DISPUTED and disputed.dispute_reason == "社区账户未收到该笔经费"
    )
    told = db.scalars(
        sa.select(Notification.user_id).where(Notification.kind == NotificationKind.FUNDS_DISPUTED)
    ).all()
    assert user("officer").id in told
    html = page_as("officer").text(f"/authorisations/{issued.number}")
    assert "社区账户未收到该笔经费" in html and "badge--bad" in html
    # answered: the page no longer offers the form, a second dispute is refused
    assert 'name="reason"' not in page_as("head").text(f"/disbursements/{paid.id}/dispute")


# --- the payments of an authorisation --------------------------------------------------------------


def test_the_payments_page_lists_filters_and_sorts(db, page_as, issued, paid):
    pay(allocation_at(issued, "LJ0102"), 70000, reference="凭证-2")
    page_as("head").form(f"/disbursements/{paid.id}/confirm")
    officer = page_as("officer")
    html = officer.text(f"/authorisations/{issued.number}/payments")
    assert "凭证-2" in html and "财政拨付-001" in html
    confirmed = officer.text(f"/authorisations/{issued.number}/payments?state=confirmed")
    assert "财政拨付-001" in confirmed and "凭证-2" not in confirmed
    by_amount = officer.text(f"/authorisations/{issued.number}/payments?sort=-amount")
    assert by_amount.index("凭证-2") < by_amount.index("财政拨付-001")
    assert officer.text(f"/authorisations/{issued.number}/payments?community=LJ0102").count("<tr>") == 2
    assert page_as("mzj.officer").get(f"/authorisations/{issued.number}/payments").status_code == 404


# --- the summary -----------------------------------------------------------------------------------


def test_the_summary_adds_up_the_money(db, page_as, issued, paid):
    allocated = sum(a.amount_fen for a in allocations_of(issued))
    officer = page_as("officer")
    html = officer.text("/funds")
    assert yuan_grouped(allocated) in html and yuan_grouped(50000) in html
    assert "区卫健委" in html or "区卫生健康委员会" in html
    by_community = officer.text("/funds?by=community&sort=-disbursed_fen")
    assert re.search(r"<code>LJ0101</code>", by_community)
    assert by_community.index("LJ0101") < by_community.index("LJ0102")
    by_authorisation = officer.text("/funds?by=authorisation")
    assert f'href="/authorisations/{issued.number}"' in by_authorisation


def test_the_summary_is_limited_to_ones_own_part(db, page_as, issued, paid):
    assert page_as("officer").get("/funds?department=MZJ").status_code == 403
    assert page_as("mzj.officer").text("/funds").count("<tbody>") == 0  # nothing of its own yet
    assert page_as("head").get("/funds?community=LJ0102").status_code == 403
    assert page_as("secretariat").get("/funds?department=MZJ").status_code == 200


def test_a_bad_summary_filter_is_said_beside_it(page_as, issued):
    answer = page_as("secretariat").get("/funds?year=abc")
    assert answer.status_code == 422
    assert 'id="filter-year-error"' in answer.get_data(as_text=True)


def test_overdue_money_shows_in_the_summary(db, page_as, issued):
    due = allocation_at(issued, "LJ0101").due_date
    with clock.frozen(due + dt.timedelta(days=1)):
        html = page_as("secretariat").text("/funds")
        outstanding = sum(a.amount_fen for a in allocations_of(issued))
        assert html.count(yuan_grouped(outstanding)) >= 3  # committed, outstanding and overdue


def test_the_menu_shows_funds_to_the_roles_that_manage_money(page_as):
    for username, shown in (("officer", True), ("secretariat", True), ("chair", True), ("admin", True)):
        assert ('href="/funds"' in page_as(username).text("/notifications")) is shown
    assert 'href="/funds"' not in page_as("head").text("/notifications")
