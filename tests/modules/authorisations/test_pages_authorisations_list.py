"""The list of authorisations: who sees which, filters, sorting, money summed without a query per row."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from gatekeeper.core import clock
from gatekeeper.core.money import yuan_grouped
from gatekeeper.modules.authorisations import lifecycle
from gatekeeper.modules.authorisations.models import Authorisation
from gatekeeper.modules.funds import operations as funds_ops
from gatekeeper.modules.funds.models import Allocation
from gatekeeper.modules.jurisdictions.models import Jurisdiction
from tests import factories
from tests.factories import TODAY, user
from tests.support import count_statements

#: 区民政局's own request (its member, member2, is recused: three others vote).
MZJ_VOTES = {"member1": "approve", "member3": "approve", "member4": "approve"}
LEDGER = {
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


def issue_wjw(**changes) -> Authorisation:
    """An authorisation of 区卫健委 (the demo ``officer``'s department) over street LJ01."""
    return factories.approved(**changes).authorisation


def issue_mzj(**changes) -> Authorisation:
    """An authorisation of 区民政局 (``mzj.officer``) over street LJ01."""
    req = factories.in_review(username="mzj.officer", **changes)
    return factories.decided(factories.voted(req, MZJ_VOTES)).authorisation


def numbers_on(html: str) -> set[str]:
    return set(re.findall(r'class="number" href="/authorisations/([A-Z]+-\d{4}-\d{4})"', html))


@pytest.fixture
def two(db):
    """One authorisation of 区卫健委 and one of 区民政局."""
    return issue_wjw(), issue_mzj(title="协助开展困难群众走访慰问")


@pytest.mark.parametrize(
    ("username", "sees_wjw", "sees_mzj"),
    [
        ("officer", True, False),
        ("mzj.officer", False, True),
        ("secretariat", True, True),
        ("member3", True, True),
        ("chair", True, True),
        ("admin", True, True),
        ("head", True, True),  # both reach 滨江社区 (LJ0101)
        ("street", True, True),
    ],
)
def test_each_role_sees_what_the_api_lets_it_see(page_as, two, username, sees_wjw, sees_mzj):
    wjw, mzj = two
    shown = numbers_on(page_as(username).text("/authorisations"))
    assert (wjw.number in shown) is sees_wjw
    assert (mzj.number in shown) is sees_mzj


def test_an_officer_never_reaches_another_departments_authorisation(page_as, two):
    _wjw, mzj = two
    officer = page_as("officer")
    assert officer.get(f"/authorisations/{mzj.number}").status_code == 404
    assert officer.get(f"/authorisations/{mzj.number}/qr.svg").status_code == 404
    assert mzj.number not in numbers_on(officer.text(f"/authorisations?q={mzj.number}"))


def test_the_menu_offers_the_list(page_as):
    html = page_as("officer").text("/authorisations")
    assert 'href="/authorisations" aria-current="page"' in html


def test_filters_by_status_kind_department_community_and_text(db, page_as, two):
    wjw, mzj = two
    ledger = issue_wjw(**LEDGER, scope={"type": "communities", "codes": ["LJ0102"], "community_type": None})
    lifecycle.revoke(mzj, "群众反映负担重", actor=user("secretariat"))
    db.commit()
    admin = page_as("admin")
    assert numbers_on(admin.text("/authorisations?status=revoked")) == {mzj.number}
    assert numbers_on(admin.text("/authorisations?status=active")) == {wjw.number, ledger.number}
    assert numbers_on(admin.text("/authorisations?kind=ledger")) == {ledger.number}
    assert numbers_on(admin.text("/authorisations?department=MZJ")) == {mzj.number}
    assert numbers_on(admin.text("/authorisations?community=LJ0103")) == {wjw.number, mzj.number}
    community = db.scalar(sa.select(Jurisdiction.name).where(Jurisdiction.code == "LJ0102"))
    assert ledger.number in numbers_on(admin.text(f"/authorisations?community={community}"))
    assert numbers_on(admin.text("/authorisations?q=困难群众")) == {mzj.number}
    assert numbers_on(admin.text(f"/authorisations?q={ledger.number.lower()}")) == {ledger.number}
    # filters combine, and an unknown value filters nothing out rather than failing
    assert numbers_on(admin.text("/authorisations?kind=ledger&department=MZJ")) == set()
    assert len(numbers_on(admin.text("/authorisations?status=bogus&kind=bogus"))) == 3
    empty = admin.text("/authorisations?q=没有这样的事项")
    assert "Clear the filters" in empty or "清除筛选条件" in empty


def test_the_status_shown_and_filtered_is_the_live_one(page_as, two):
    wjw, _mzj = two
    with clock.frozen(wjw.valid_to + dt.timedelta(days=1)):  # ended; the expire command has not run
        admin = page_as("admin")
        assert wjw.number in numbers_on(admin.text("/authorisations?status=expired"))
        assert wjw.number not in numbers_on(admin.text("/authorisations?status=active"))
        html = admin.text(f"/authorisations?q={wjw.number}")
        assert 'badge--ended">已过期' in html or 'badge--ended">Expired' in html


def test_sorting_by_number_both_ways(page_as, two):
    wjw, mzj = two
    admin = page_as("admin")
    ascending = admin.text("/authorisations?sort=number")
    descending = admin.text("/authorisations?sort=-number")
    first, second = sorted([wjw.number, mzj.number])
    assert ascending.index(first) < ascending.index(second)
    assert descending.index(second) < descending.index(first)
    assert 'aria-sort="descending"' in descending
    for key in ("title", "valid_from", "valid_to", "status", "department", "bogus"):
        admin.text(f"/authorisations?sort={key}")


def test_money_columns_are_summed_per_authorisation(db, page_as, two):
    wjw, _mzj = two
    first = db.scalars(sa.select(Allocation).where(Allocation.authorisation_id == wjw.id)).first()
    funds_ops.record_disbursement(first, 12345, TODAY, "财政拨付-001", actor=user("officer"))
    db.commit()
    allocated = db.scalar(
        sa.select(sa.func.sum(Allocation.amount_fen)).where(Allocation.authorisation_id == wjw.id)
    )
    html = page_as("officer").text("/authorisations")
    row = html[html.index(wjw.number) :]
    row = row[: row.index("</tr>")]
    assert yuan_grouped(int(allocated)) in row  # PostgreSQL sums BIGINT to a Decimal
    assert "123.45" in row


def test_the_list_costs_the_same_queries_whatever_the_rows(db, page_as, two):
    admin = page_as("admin")
    one_page = len(count_statements(lambda: admin.text("/authorisations?kind=duty&department=WJW")))
    both = len(count_statements(lambda: admin.text("/authorisations")))
    issue_wjw(title="协助开展慢性病随访管理")
    three = len(count_statements(lambda: admin.text("/authorisations")))
    assert three == both
    assert one_page == both


def test_sorting_and_paging_keep_the_filters(page_as, two):
    html = page_as("admin").text("/authorisations?per_page=10&kind=duty&sort=number")
    assert 'value="duty" selected' in html and '<option value="10" selected>' in html
    assert 'name="sort" value="number"' in html  # the filter form keeps the order
    links = re.findall(r'href="(/authorisations\?[^"]*sort=[^"]*)"', html)
    assert links and all("kind=duty" in link and "per_page=10" in link for link in links)
