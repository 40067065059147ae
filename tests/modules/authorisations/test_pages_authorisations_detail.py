"""The page of one authorisation (facts, communities and money, QR code), the request panel, and
revocation through the pages."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
import segno
import sqlalchemy as sa
from flask import render_template

from gatekeeper.core import clock
from gatekeeper.core.money import yuan_grouped
from gatekeeper.modules.authorisations.models import Authorisation, AuthorisationStatus
from gatekeeper.modules.authorisations.operations import verification_code, verification_url
from gatekeeper.modules.funds import operations as funds_ops
from gatekeeper.modules.funds.models import Allocation, AllocationState, Disbursement
from gatekeeper.modules.jurisdictions.models import Department, Jurisdiction
from gatekeeper.modules.notifications.models import Notification, NotificationKind
from tests import factories
from tests.factories import TODAY, user
from tests.support import count_statements


@pytest.fixture(autouse=True)
def today():
    with clock.frozen(TODAY):
        yield


@pytest.fixture
def issued(db) -> Authorisation:
    """An authorisation of 区卫健委 over street LJ01 (with conditions), 123.45 元 paid to 滨江社区."""
    req = factories.decided(factories.voted(factories.in_review()), conditions="数据通过一表通报送")
    authorisation = req.authorisation
    funds_ops.record_disbursement(
        allocation_in(db, authorisation, "LJ0101"), 12345, TODAY, "凭证-1", actor=user("officer")
    )
    db.commit()
    return authorisation


def allocation_in(db, authorisation, code: str) -> Allocation:
    return db.scalar(
        sa.select(Allocation)
        .join(Jurisdiction, Jurisdiction.id == Allocation.community_id)
        .where(Allocation.authorisation_id == authorisation.id, Jurisdiction.code == code)
    )


def allocations(db, authorisation) -> list[Allocation]:
    db.expire_all()
    return list(db.scalars(sa.select(Allocation).where(Allocation.authorisation_id == authorisation.id)))


def fen(amount: int) -> str:
    return yuan_grouped(amount)


# --- the page --------------------------------------------------------------------------------------


def test_the_page_says_what_is_authorised_where_and_until_when(db, page_as, issued):
    html = page_as("officer").text(f"/authorisations/{issued.number}")
    assert issued.number in html and issued.title in html
    assert issued.department.name in html and "数据通过一表通报送" in html
    assert "2026年9月1日" in html and "2027年8月31日" in html
    assert 'badge--good">有效' in html
    assert verification_code(issued.number) in html
    assert f'href="{verification_url(issued.number)}"'.replace("&", "&amp;") in html
    assert f'<img src="/authorisations/{issued.number}/qr.svg"' in html


def test_communities_with_their_money_and_the_totals(db, page_as, issued):
    rows = allocations(db, issued)
    html = page_as("officer").text(f"/authorisations/{issued.number}?per_page=100")
    community_count = db.scalar(
        sa.select(sa.func.count(Jurisdiction.id)).where(Jurisdiction.code.like("LJ01__"))
    )
    assert html.count('<td data-label="代码"') == community_count == len(rows)
    total = sum(a.amount_fen for a in rows)
    footer = html[html.index("<tfoot>") : html.index("</tfoot>")]
    assert fen(total) in footer  # allocated
    assert fen(12345) in footer  # paid
    assert fen(total - 12345) in footer  # outstanding
    lj0101 = allocation_in(db, issued, "LJ0101")
    row = html[html.index("<code>LJ0101</code>") :]
    row = row[: row.index("</tr>")]
    assert fen(lj0101.amount_fen) in row and fen(lj0101.amount_fen - 12345) in row


def test_the_communities_are_paginated_sortable_and_searchable(db, page_as, issued):
    officer = page_as("officer")
    first = officer.text(f"/authorisations/{issued.number}?per_page=10")
    assert first.count('<td data-label="代码"') == 10 and 'rel="next"' in first
    by_amount = officer.text(f"/authorisations/{issued.number}?sort=-amount&per_page=100")
    amounts = sorted(((a.amount_fen, a.community.code) for a in allocations(db, issued)), reverse=True)
    codes = re.findall(r"<code>(LJ01\d\d)</code>", by_amount)
    assert codes[0] == amounts[0][1]
    found = officer.text(f"/authorisations/{issued.number}?q=LJ0103")
    assert re.findall(r"<code>(LJ01\d\d)</code>", found) == ["LJ0103"]
    assert 'class="row-flag"' not in officer.text(f"/authorisations/{issued.number}?per_page=100")


def test_the_page_costs_the_same_queries_whatever_the_communities_shown(page_as, issued):
    officer = page_as("officer")
    ten = len(count_statements(lambda: officer.text(f"/authorisations/{issued.number}?per_page=10")))
    all_ = len(count_statements(lambda: officer.text(f"/authorisations/{issued.number}?per_page=100")))
    assert ten == all_


def test_overdue_money_is_flagged_and_filtered(db, page_as, issued):
    due = allocation_in(db, issued, "LJ0101").due_date
    with clock.frozen(due + dt.timedelta(days=1)):
        officer = page_as("officer")
        html = officer.text(f"/authorisations/{issued.number}?overdue=1&per_page=100")
        codes = re.findall(r"<code>(LJ01\d\d)</code>", html)
        assert codes and "LJ0101" in codes
        assert html.count('<span class="row-flag">逾期</span>') == len(codes)


def test_the_status_is_live(db, page_as, issued):
    with clock.frozen(issued.valid_to + dt.timedelta(days=1)):
        html = page_as("officer").text(f"/authorisations/{issued.number}")
        assert 'badge--ended">已过期' in html
        assert "申请变更" not in html  # no variation of what is no longer in force
    assert db.get(Authorisation, issued.id).status == AuthorisationStatus.ACTIVE


def test_buttons_follow_the_permissions(app, db, page_as, issued):
    officer = page_as("officer").text(f"/authorisations/{issued.number}")
    assert f'href="/authorisations/{issued.number}/disburse"' in officer
    lj0101 = allocation_in(db, issued, "LJ0101")
    assert f'href="/allocations/{lj0101.id}/disburse"' in officer
    assert f'href="/authorisations/{issued.number}/revoke"' not in officer
    if "requests_pages.new" in app.view_functions:
        assert f"variation_of={issued.number}" in officer

    office = page_as("secretariat").text(f"/authorisations/{issued.number}")
    assert f'href="/authorisations/{issued.number}/revoke"' in office
    assert '/disburse"' not in office and "variation_of=" not in office

    head = page_as("head").text(f"/authorisations/{issued.number}")
    assert '/disburse"' not in head and '/revoke"' not in head
    assert "本社区的拨付" in head  # the head's own payments, with the buttons to answer them
    payment = db.scalar(sa.select(Disbursement).order_by(Disbursement.id.desc()))
    assert f'action="/disbursements/{payment.id}/confirm"' in head
    assert f'href="/disbursements/{payment.id}/dispute?next=' in head
    assert f'action="/disbursements/{payment.id}/confirm"' not in office


def test_a_chair_of_the_filing_department_is_told_why_there_is_no_revoke_button(db, page_as, issued):
    chair = user("chair")
    chair.department_id = db.scalar(sa.select(Department.id).where(Department.code == "WJW"))
    db.commit()
    browser = page_as("chair")
    html = browser.text(f"/authorisations/{issued.number}")
    assert f'href="/authorisations/{issued.number}/revoke"' not in html
    assert "Nobody decides about their own department" in html or "本部门" in html
    refused = browser.get(f"/authorisations/{issued.number}/revoke")
    assert refused.status_code == 403
    answer = browser.form(f"/authorisations/{issued.number}/revoke", {"reason": "撤销"})
    assert answer.status_code == 403
    assert db.get(Authorisation, issued.id).status == AuthorisationStatus.ACTIVE


def test_an_unfunded_authorisation_lists_its_communities_without_money(db, page_as):
    unfunded = factories.approved(
        kind="certificate",
        role=None,
        catalogue_entry="PC-005",
        title="其他依法依规需要出具的证明事项",
        demands={"reports_per_year": 0},
        funding={"basis": "none", "amount_fen": 0, "source": ""},
    ).authorisation
    html = page_as("officer").text(f"/authorisations/{unfunded.number}?per_page=100")
    assert "本事项无配套经费" in html
    assert html.count('<td data-label="代码"') == unfunded.community_count
    assert '/disburse"' not in html


def test_unknown_number_is_404(page_as):
    assert page_as("admin").get("/authorisations/LJ-2099-9999").status_code == 404


# --- the QR code -----------------------------------------------------------------------------------


def test_the_qr_code_is_an_svg_of_the_verification_address(page_as, issued):
    answer = page_as("head").get(f"/authorisations/{issued.number}/qr.svg")
    assert answer.status_code == 200 and answer.mimetype == "image/svg+xml"
    svg = answer.get_data(as_text=True)
    assert svg.startswith("<svg") and "style=" not in svg and "<script" not in svg
    expected = io.BytesIO()
    segno.make(verification_url(issued.number), error="m").save(
        expected, kind="svg", scale=4, border=2, xmldecl=False, dark="#000", light="#fff",
        svgclass=None, lineclass=None, title=issued.number,
    )  # fmt: skip
    assert svg == expected.getvalue().decode()
    assert "no-store" in answer.headers["Cache-Control"]
    saved = page_as("officer").get(f"/authorisations/{issued.number}/qr.svg?download=1")
    assert saved.headers["Content-Disposition"] == f'attachment; filename="{issued.number}-qr.svg"'


def test_the_qr_code_is_for_those_who_may_see_the_page(page_as, anonymous_page, issued):
    assert page_as("mzj.officer").get(f"/authorisations/{issued.number}/qr.svg").status_code == 404
    anonymous = anonymous_page.get(f"/authorisations/{issued.number}/qr.svg")
    assert anonymous.status_code in (302, 303) and "/login" in anonymous.headers["Location"]


# --- the request's panel ---------------------------------------------------------------------------


def test_the_request_panel_names_the_authorisation_issued(app, db, issued):
    with app.test_request_context("/"):
        html = render_template("authorisations/_request_panel.html", req=issued.request)
    assert f'href="/authorisations/{issued.number}"' in html
    assert "2026年9月1日" in html or "September 1, 2026" in html
    assert "badge--good" in html
    draft = factories.draft()
    with app.test_request_context("/"):
        assert render_template("authorisations/_request_panel.html", req=draft).strip() == ""


def test_the_request_page_includes_the_panel(app, page_as, issued):
    if "requests_pages.detail" not in app.view_functions:
        pytest.skip("the request page is not there yet")
    html = page_as("officer").text(f"/requests/{issued.request_id}")
    assert 'id="req-authorisation-title"' in html
    assert f'href="/authorisations/{issued.number}"' in html


# --- revocation ------------------------------------------------------------------------------------


def test_revocation_explains_what_it_does(page_as, issued):
    html = page_as("secretariat").text(f"/authorisations/{issued.number}/revoke")
    assert 'name="reason"' in html and 'name="csrf_token"' in html
    assert fen(12345) in html  # what was paid stays on record
    assert "novalidate" in html


def test_a_revocation_without_reason_is_refused_beside_the_field(db, page_as, issued):
    office = page_as("secretariat")
    for reason in ("", "   "):
        answer = office.form(f"/authorisations/{issued.number}/revoke", {"reason": reason})
        assert answer.status_code == 422
        html = answer.get_data(as_text=True)
        assert 'id="f-reason-error"' in html and 'aria-invalid="true"' in html
    db.expire_all()
    assert db.get(Authorisation, issued.id).status == AuthorisationStatus.ACTIVE
    assert {a.state for a in allocations(db, issued)} == {AllocationState.ACTIVE}


def test_revocation_ends_it_and_cancels_the_money_not_paid(db, page_as, issued):
    office = page_as("secretariat")
    answer = office.form(f"/authorisations/{issued.number}/revoke", {"reason": "群众反映负担重"})
    assert answer.status_code == 303
    assert answer.headers["Location"].endswith(f"/authorisations/{issued.number}")
    db.expire_all()
    revoked = db.get(Authorisation, issued.id)
    assert revoked.status == AuthorisationStatus.REVOKED and revoked.revoke_reason == "群众反映负担重"
    rows = allocations(db, issued)
    assert {a.state for a in rows} == {AllocationState.CANCELLED}
    assert sum(a.disbursed_fen for a in rows) == 12345  # what was paid stays on record
    told = db.scalars(
        sa.select(Notification.user_id).where(Notification.kind == NotificationKind.REVOKED_HERE)
    )
    assert user("head").id in set(told)
    page = office.text(f"/authorisations/{issued.number}")
    assert "群众反映负担重" in page and 'badge--bad">已撤销' in page
    assert f'href="/authorisations/{issued.number}/revoke"' not in page
    again = office.form(f"/authorisations/{issued.number}/revoke", {"reason": "再次撤销"})
    assert again.status_code == 303  # refused (409), said on the page it came from
    assert "cannot be revoked" in office.text(f"/authorisations/{issued.number}/revoke") or "不能撤销" in (
        office.text(f"/authorisations/{issued.number}/revoke")
    )


def test_revocation_is_for_the_office_and_chair_only(page_as, issued):
    for username in ("officer", "member3", "head", "street"):
        assert page_as(username).get(f"/authorisations/{issued.number}/revoke").status_code == 403
    assert page_as("mzj.officer").get(f"/authorisations/{issued.number}/revoke").status_code == 404
    assert page_as("chair").get(f"/authorisations/{issued.number}/revoke").status_code == 200


def test_a_revocation_without_csrf_token_is_refused(db, page_as, issued):
    office = page_as("secretariat")
    answer = office.post(f"/authorisations/{issued.number}/revoke", data={"reason": "群众反映负担重"})
    assert answer.status_code == 400
    db.expire_all()
    assert db.get(Authorisation, issued.id).status == AuthorisationStatus.ACTIVE
