"""The street officer's overview: per community the items in force by kind, money and flags, in one
query whatever the number of communities and items; and its page."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from community_support import LATER, make_items

from gatekeeper.core import clock
from gatekeeper.modules.authorisations.community import community_view
from gatekeeper.modules.community.operations import street_overview
from gatekeeper.modules.jurisdictions.models import Jurisdiction, Level
from tests import factories
from tests.factories import TODAY
from tests.support import count_statements


@pytest.fixture(autouse=True)
def today():
    with clock.frozen(TODAY):
        yield


def street(db, code: str) -> Jurisdiction:
    return db.scalar(
        sa.select(Jurisdiction).where(Jurisdiction.code == code, Jurisdiction.level == Level.STREET)
    )


def test_each_row_equals_the_community_list(db, world):
    """Every number of a row is what that community's own list adds up to (computed independently,
    from the allocations of the items ``community_view`` loads)."""
    items = make_items(world)
    with clock.frozen(LATER):
        overview = street_overview(street(db, "LJ01"))
        communities = db.scalars(
            sa.select(Jurisdiction).where(Jurisdiction.parent_id == street(db, "LJ01").id)
        ).all()
        expected = {}
        for community in communities:
            view = community_view(community)
            allocations = [i.allocation for i in view.items if i.allocation]
            expected[community.code] = {
                "items": len(view.items),
                "kinds": view.counts,
                "expiring": len(view.expiring_soon),
                "overdue_items": sum(1 for i in view.items if i.funds_overdue),
                "allocated_fen": sum(a.amount_fen for a in allocations),
                "paid_fen": sum(a.paid_fen for a in allocations),
                "confirmed_fen": sum(a.confirmed_fen for a in allocations),
                "outstanding_fen": sum(a.outstanding_fen for a in allocations),
            }
    assert [row.code for row in overview.rows] == sorted(expected)
    for row in overview.rows:
        assert {name: getattr(row, name) for name in expected[row.code]} == expected[row.code], row.code
    here = next(row for row in overview.rows if row.code == "LJ0101")
    assert (here.items, here.expiring, here.overdue_items) == (4, 1, 2)  # ending and the half-paid ledger
    assert here.kinds["duty"] == 2 and here.kinds["ledger"] == 1 and here.kinds["certificate"] == 1
    assert here.confirmed_fen == items.confirmed.amount_fen
    other = next(row for row in overview.rows if row.code == "LJ0102")
    assert (other.items, other.overdue_items, other.confirmed_fen) == (4, 3, 0)


def test_totals_add_up_the_rows(db, world):
    make_items(world)
    with clock.frozen(LATER):
        overview = street_overview(street(db, "LJ01"))
    totals = overview.totals
    assert totals.items == sum(r.items for r in overview.rows) == 4 * len(overview.rows)
    assert totals.allocated_fen == sum(r.allocated_fen for r in overview.rows)
    assert totals.outstanding_fen == sum(r.outstanding_fen for r in overview.rows) > 0
    assert totals.kinds["duty"] == 2 * len(overview.rows)


def test_a_street_with_nothing_in_force_has_rows_of_zeros(db, world):
    make_items(world)  # over LJ01 and LJ02 only
    overview = street_overview(street(db, "LJ04"))
    assert len(overview.rows) == 11
    assert all(row.items == 0 and row.allocated_fen == 0 and not row.flagged for row in overview.rows)


def test_sorted_by_a_column_the_code_breaking_ties(db, world):
    make_items(world)
    with clock.frozen(LATER):
        by_money = street_overview(street(db, "LJ01"), sort="-allocated_fen")
        by_name = street_overview(street(db, "LJ01"), sort="name")
        unknown = street_overview(street(db, "LJ01"), sort="; drop table")
    amounts = [(row.allocated_fen, row.code) for row in by_money.rows]
    assert amounts == sorted(amounts, key=lambda pair: (-pair[0], pair[1]))
    assert len(by_name.rows) == 14  # the database's collation orders Chinese names
    assert [row.code for row in unknown.rows] == sorted(row.code for row in unknown.rows)


def test_one_query_whatever_the_communities_and_items(db, world):
    """LJ04 (11 communities, nothing in force) and LJ01 (14 communities, a dozen items): one query."""
    lj04, lj01 = street(db, "LJ04"), street(db, "LJ01")
    empty = count_statements(lambda: street_overview(lj04))
    make_items(world)
    for title in ("协助开展健康素养宣传", "协助开展慢性病随访", "协助开展老年人健康管理"):
        factories.approved(title=title)
    lj01 = street(db, "LJ01")  # loaded again after the commits
    with clock.frozen(LATER):
        full = count_statements(lambda: street_overview(lj01))
    assert len(empty) == len(full) == 1


def test_the_page_costs_the_same_at_two_sizes(db, world, page_as):
    officer = page_as("street")
    small = len(count_statements(lambda: officer.text("/street")))
    make_items(world)
    for title in ("协助开展健康素养宣传", "协助开展慢性病随访"):
        factories.approved(title=title)
    assert len(count_statements(lambda: officer.text("/street"))) == small


# --- the page ----------------------------------------------------------------------------------------


def test_the_page_shows_each_community_and_the_totals(db, world, page_as):
    make_items(world)
    with clock.frozen(LATER):
        html = page_as("street").text("/street?lang=en")
        overview = street_overview(street(db, "LJ01"))
    assert html.count('<th scope="row"') == len(overview.rows) + 1  # and the totals row
    assert "Whole street" in html and "/communities/LJ0101" in html
    assert "LJ0201" not in html
    total = overview.totals.allocated_fen
    assert f"{total // 100:,}.{total % 100:02d}" in html
    assert re.search(r"2 items: money overdue", html)
    assert "1 ends within 30 days" in html


def test_the_page_sorts_by_a_column(db, world, page_as):
    make_items(world)
    with clock.frozen(LATER):
        html = page_as("street").text("/street?sort=-items")
        overview = street_overview(street(db, "LJ01"), sort="-items")
    codes = re.findall(r'href="/communities/(LJ\d{4})"', html)
    assert codes == [row.code for row in overview.rows]
    assert 'aria-sort="descending"' in html


@pytest.mark.parametrize("username", ["head", "officer", "secretariat", "chair", "admin"])
def test_only_street_officers(page_as, username):
    page_as(username).text("/street", 403)
