"""The funds statement (经费明细) as a PDF, read back: the lines, subtotals and totals against numbers
computed here from the rows, a community's payments, the repeated table header, the language, the
arguments' 422s and who may print which statement."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from funds_support import ALL, API, LUMP_SUM, allocation_at, allocation_money, approve, approved_for, pay

from gatekeeper.core.money import yuan_grouped
from gatekeeper.modules.authorisations.models import Authorisation
from gatekeeper.modules.funds import operations as ops
from gatekeeper.modules.funds.models import Allocation
from gatekeeper.modules.jurisdictions.models import Department, Jurisdiction
from tests.factories import TODAY, user
from tests.pdf_tools import assert_cjk_fonts_embedded, flat, pdf_pages, pdf_text

MONEY = ("allocated", "disbursed", "confirmed", "outstanding", "overdue")


@pytest.fixture(autouse=True)
def fonts(document_fonts):
    return document_fonts


@pytest.fixture
def money(db):
    """区卫健委: one authorisation over LJ01 (due in 2026), a lump sum over LJ02 (due in 2027). Paid:
    LJ0101 in part (confirmed), LJ0102 in full, LJ0101 by 区民政局 (disputed)."""
    wjw = approve()
    wjw_2027 = approve(
        scope={"type": "streets", "codes": ["LJ02"], "community_type": None},
        start_date="2027-01-04",
        end_date="2027-12-31",
        **LUMP_SUM,
    )
    mzj = approved_for("mzj.officer", ("member3", "member4", "member5"))
    confirmed = pay(allocation_at(wjw, "LJ0101"), 200000, reference="卫健拨付-0601")
    ops.confirm(confirmed, actor=user("head"))
    pay(allocation_at(wjw, "LJ0102"), allocation_at(wjw, "LJ0102").amount_fen, reference="卫健拨付-0602")
    disputed = ops.record_disbursement(
        allocation_at(mzj, "LJ0101"), 5000, TODAY, "民政拨付-0601", actor=user("mzj.officer")
    )
    ops.dispute(disputed, "款项未到账", actor=user("head"))
    db.commit()
    return {"wjw": wjw, "wjw_2027": wjw_2027, "mzj": mzj}


def statement(client, query: str, *, status: int = 200):
    answer = client.get(f"{API}/funds/statement.pdf?{query}")
    assert answer.status_code == status, answer.get_data(as_text=True)[:300]
    return answer


def expected(db, *, department: str | None = None, community: str | None = None, year: int = 2026):
    """Totals per authorisation and in all, from the rows, by the documented definitions."""
    rows = db.execute(
        sa.select(Allocation, Authorisation.number, Department.code)
        .join(Authorisation, Authorisation.id == Allocation.authorisation_id)
        .join(Department, Department.id == Authorisation.department_id)
        .join(Jurisdiction, Jurisdiction.id == Allocation.community_id)
    ).all()
    per: dict[str, dict[str, int]] = {}
    totals = dict.fromkeys(MONEY, 0)
    for allocation, number, code in rows:
        if (department and code != department) or (community and allocation.community.code != community):
            continue
        if allocation.due_date.year != year:
            continue
        values = allocation_money(allocation)
        line = per.setdefault(number, dict.fromkeys(MONEY, 0))
        for key, value in values.items():
            line[key] += value
            totals[key] += value
    return per, totals


def money_row(values: dict[str, int]) -> str:
    """A totals or subtotal row as read back."""
    return "".join(yuan_grouped(values[key]) for key in MONEY)


def line_row(values: dict[str, int]) -> str:
    """One allocation's row as read back: its overdue money flagged, or a dash."""
    overdue = f"逾期{yuan_grouped(values['overdue'])}" if values["overdue"] else "—"
    return "".join(yuan_grouped(values[key]) for key in MONEY[:-1]) + overdue


def test_a_departments_statement_adds_up(login_as, money, db):
    body = statement(login_as("officer"), "department=WJW").data  # the current year: 2026
    text, rows = flat(pdf_text(body)), flat(pdf_text(body, layout=True))
    per, totals = expected(db, department="WJW")
    assert list(per) == [money["wjw"].number]  # the 2027 lump sum is due in 2027
    for phrase in (
        "区卫生健康委员会2026年度经费明细",
        "临江区社区建设与管理指导委员会办公室",
        money["wjw"].number,
        "滨江社区",
        "拨付期限在当年1月1日至12月31日之间",
        "第1页共",
    ):
        assert phrase in text, phrase
    assert money["wjw_2027"].number not in text and money["mzj"].number not in text
    assert totals["disbursed"] == 200000 + allocation_at(money["wjw"], "LJ0102").amount_fen
    assert "笔数应拨已拨付已确认未拨付逾期未拨" in rows
    assert f"14{money_row(totals)}" in rows  # the totals row: 14 allocations
    assert f"{money['wjw'].number}小计{money_row(per[money['wjw'].number])}" in rows
    assert_cjk_fonts_embedded(body)

    later = flat(pdf_text(statement(login_as("officer"), "department=WJW&year=2027").data, layout=True))
    _per_2027, totals_2027 = expected(db, department="WJW", year=2027)
    assert money["wjw_2027"].number in later and money["wjw"].number not in later
    assert money_row(totals_2027) in later


def test_a_communitys_statement_lists_each_payment(login_as, money, db):
    body = statement(login_as("head"), "community=LJ0101&year=2026").data
    text, rows = flat(pdf_text(body)), flat(pdf_text(body, layout=True))
    per, totals = expected(db, community="LJ0101")
    assert set(per) == {money["wjw"].number, money["mzj"].number}
    for phrase in (
        "滨江社区2026年度经费明细",
        "区卫生健康委员会",
        "区民政局",
        "卫健拨付-0601",
        "已确认",
        "民政拨付-0601",
        "有异议",
        "款项未到账",
        yuan_grouped(200000),
    ):
        assert phrase in text, phrase
    assert "卫健拨付-0602" not in text  # paid to LJ0102
    assert money_row(totals) in rows
    for number, values in per.items():
        assert line_row(values) in rows, number  # each authorisation's line
    assert_cjk_fonts_embedded(body)


def test_a_long_statement_repeats_its_table_header_on_every_page(login_as, db):
    approve(**ALL)  # 80 communities
    body = statement(login_as("officer"), "department=WJW").data
    pages = pdf_text(body).split("\f")[: pdf_pages(body)]
    assert len(pages) >= 3
    for number, page in enumerate(pages[1:-1], start=2):
        assert "应拨" in flat(page) and "拨付期限" in flat(page), number
        assert f"第{number}页共{len(pages)}页" in flat(page)


def test_english_on_request(login_as, money):
    text = flat(pdf_text(statement(login_as("officer"), "department=WJW&lang=en").data))
    for phrase in ("Fundsstatementof区卫生健康委员会for2026", "Allocated", "Outstanding", "Page1of"):
        assert phrase in text, phrase
    assert "经费明细" not in text and "应拨" not in text


@pytest.mark.parametrize(
    ("query", "fields"),
    [
        ("", {"department", "community"}),
        ("year=2026", {"department", "community"}),
        ("department=WJW&community=LJ0101", {"department", "community"}),
        ("department=WJW&year=twenty", {"year"}),
        ("department=WJW&year=1999", {"year"}),
        ("department=" + "X" * 40, {"department"}),
    ],
)
def test_the_arguments_are_checked(login_as, query, fields):
    answer = statement(login_as("admin"), query, status=422)
    error = answer.get_json()["error"]
    assert error["code"] == "validation_error"
    assert set(error["fields"]) == fields


@pytest.mark.parametrize(
    ("username", "query", "status", "code"),
    [
        ("officer", "department=WJW", 200, None),
        ("mzj.officer", "department=WJW", 403, "not_your_department"),
        ("officer", "community=LJ0101", 403, "not_your_community"),
        ("head", "community=LJ0101", 200, None),
        ("head", "community=LJ0102", 403, "not_your_community"),
        ("head", "department=WJW", 403, "not_your_department"),
        ("street", "community=LJ0105", 200, None),
        ("street", "community=LJ0201", 403, "not_your_street"),
        ("secretariat", "department=MZJ", 200, None),
        ("chair", "community=LJ0201", 200, None),
        ("admin", "community=LJ0101", 200, None),
        ("admin", "department=NOPE", 404, "not_found"),
        ("admin", "community=LJ01", 404, "not_found"),  # a street, not a community
    ],
)
def test_who_may_print_which_statement(login_as, username, query, status, code):
    answer = statement(login_as(username), query, status=status)
    if code:
        assert answer.get_json()["error"]["code"] == code


def test_anonymous_is_401(client):
    assert statement(client, "department=WJW", status=401).get_json()["error"]["code"] == "unauthenticated"


def test_the_pages_offer_the_statement_of_this_year(page_as, money):
    officer = page_as("officer").text("/funds")
    assert f"{API}/funds/statement.pdf?year=2026&amp;department=WJW" in officer and "经费明细" in officer
    head = page_as("head").text("/community")
    assert f"{API}/funds/statement.pdf?community=LJ0101&amp;year=2026" in head
    secretariat = page_as("secretariat").text("/funds?department=MZJ")
    assert "department=MZJ" in secretariat and "经费明细" in secretariat
    assert "statement.pdf" not in page_as("secretariat").text("/funds")  # no department or community chosen
