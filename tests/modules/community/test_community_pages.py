"""The community head's page (本社区准入事项), one community's page, and looking up a number."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from community_support import LATER, allocation, make_items

from gatekeeper.core import clock
from gatekeeper.core.ratelimit import RateEvent
from gatekeeper.modules.funds.models import Disbursement, DisbursementState
from gatekeeper.modules.supervision.models import Report
from tests.factories import TODAY
from tests.support import count_statements


@pytest.fixture(autouse=True)
def today():
    with clock.frozen(TODAY):
        yield


@pytest.fixture
def items(db, world):
    return make_items(world)


def numbers_on(html: str) -> set[str]:
    """The numbers in the list of items in force (not those of the payments to confirm)."""
    listed = html.split('id="items-head"', 1)[1]
    return set(re.findall(r"LJ-\d{4}-\d{4}", listed.split('id="lookup-head"', 1)[0]))


def row_of(html: str, number: str) -> str:
    """The table row of the items list that shows ``number``."""
    rows = re.findall(r"<tr[^>]*>.*?</tr>", html, flags=re.S)
    found = [row for row in rows if number in row and "Money allocated" in html and "data-label" in row]
    found = [row for row in found if "item-name" in row]
    assert len(found) == 1, f"{number}: {len(found)} item rows"
    return found[0]


# --- what the head sees ------------------------------------------------------------------------------


def test_the_head_sees_exactly_the_items_in_force_here(page_as, items):
    with clock.frozen(LATER):
        html = page_as("head").text("/community?lang=en")
    expected = {items.paid.number, items.ending.number, items.ledger.number, items.unfunded.number}
    assert numbers_on(html) == expected  # not the one elsewhere, not the revoked one
    assert re.search(r'stat-number">4</span>\s*<span class="stat-label">Items in force<', html)


def test_money_and_flags_of_each_item(page_as, items, app):
    with clock.frozen(LATER):
        html = page_as("head").text("/community?lang=en")
    paid = row_of(html, items.paid.number)
    amount = allocation(items.paid, "LJ0101").amount_fen
    assert f"{amount // 100:,}.{amount % 100:02d}" in paid
    assert "Money not received" not in paid  # paid in full, if not yet confirmed
    assert "received 0.00" in paid

    ending = row_of(html, items.ending.number)
    assert "Money not received" in ending and "the community may decline this item" in ending
    assert "Ends within 30 days" in ending

    ledger = row_of(html, items.ledger.number)
    half = allocation(items.ledger, "LJ0101").confirmed_fen
    assert half > 0 and f"received {half // 100:,}.{half % 100:02d}" in ledger
    assert "Money not received" in ledger  # only half was paid by the due date
    assert "Ends within 30 days" not in ledger

    unfunded = row_of(html, items.unfunded.number)
    assert "No money attached" in unfunded and "Money not received" not in unfunded


def test_counts_by_kind(page_as, items):
    with clock.frozen(LATER):
        html = page_as("head").text("/community?lang=en")
    counts = dict(
        (label, int(number))
        for number, label in re.findall(
            r'kind-count-number">(\d+)</span>\s*<span class="kind-count-label">([^<]+)<', html
        )
    )
    assert counts["Work duty"] == 2
    assert counts["Ledger"] == 1
    assert counts["Certificate or seal"] == 1
    assert counts["Sign or plaque"] == 0


def test_filters_flagged_kind_and_department(page_as, items):
    with clock.frozen(LATER):
        head = page_as("head")
        flagged = numbers_on(head.text("/community?flagged=1"))
        ledgers = numbers_on(head.text("/community?kind=ledger"))
        nobody = head.text("/community?department=NOPE&kind=sign&lang=en")
    assert items.ending.number in flagged and items.ledger.number in flagged
    assert items.paid.number not in flagged and items.unfunded.number not in flagged
    assert ledgers & {items.paid.number, items.ending.number, items.unfunded.number} == set()
    assert items.ledger.number in ledgers
    assert "No item matches these filters" in nobody


def test_sorting_and_paging(page_as, items):
    with clock.frozen(LATER):
        head = page_as("head")
        first = head.text("/community?sort=-end&per_page=10")
        by_number = head.text("/community?sort=number&per_page=10&page=1")
    order = [n for n in re.findall(r'class="number"[^>]*>(LJ-\d{4}-\d{4})<', first)]
    assert order[-1] == items.ending.number  # the nearest end last when sorted by end, descending
    listed = re.findall(r'class="number"[^>]*>(LJ-\d{4}-\d{4})<', by_number)
    items_listed = [n for n in listed if n in {items.paid.number, items.ending.number, items.ledger.number}]
    assert items_listed == sorted(items_listed)


def test_pending_payments_have_confirm_and_dispute_exactly_when_pending(page_as, items, app):
    with clock.frozen(LATER):
        html = page_as("head").text("/community")
    confirm = f"/disbursements/{items.payment.id}/confirm"
    answered = f"/disbursements/{items.confirmed.id}/confirm"
    assert answered not in html  # confirmed already: not listed, no button
    if "funds_pages.confirm" in app.view_functions:
        assert f'action="{confirm}"' in html
        assert f"/disbursements/{items.payment.id}/dispute" in html
    else:  # the funds pages are not there: the payment is listed without buttons
        assert confirm not in html
    assert "临财拨-001" in html and "临财拨-002" not in html


def test_confirming_from_the_page_returns_to_it(page_as, items, app, db):
    if "funds_pages.confirm" not in app.view_functions:
        pytest.skip("the funds pages are not registered")
    head = page_as("head")
    answer = head.form(f"/disbursements/{items.payment.id}/confirm", {"next": "/community"})
    assert answer.status_code == 303 and answer.headers["Location"].endswith("/community")
    assert db.get(Disbursement, items.payment.id).state == DisbursementState.CONFIRMED
    html = head.text("/community")
    assert f"/disbursements/{items.payment.id}/confirm" not in html


def test_the_page_of_a_community_with_nothing_says_what_to_do(page_as, db, world):
    html = page_as("head").text("/community?lang=en")
    assert "Nothing is authorised in this community now" in html
    assert "/reports/new" in html


def test_the_head_page_queries_do_not_grow_with_items(page_as, items, app, db):
    """Loading the page costs the same number of statements with 4 items as with 8."""
    head = page_as("head")

    def statements() -> int:
        return len(count_statements(lambda: head.text("/community")))

    few = statements()
    from tests import factories

    for title in ("协助开展健康素养宣传", "协助开展慢性病随访"):
        factories.approved(title=title)
        factories.approved(title=title, end_date="2026-09-25")
    assert statements() == few


# --- who may see which community ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "path", "status"),
    [
        ("head", "/community", 200),
        ("street", "/community", 403),
        ("officer", "/community", 403),
        ("secretariat", "/community", 403),
        ("admin", "/community", 403),
        ("head", "/communities/LJ0101", 200),
        ("head", "/communities/LJ0102", 403),
        ("street", "/communities/LJ0102", 200),
        ("street", "/communities/LJ0201", 403),
        ("secretariat", "/communities/LJ0601", 200),
        ("member2", "/communities/LJ0601", 200),
        ("admin", "/communities/LJ0101", 200),
        ("officer", "/communities/LJ0101", 403),
        ("admin", "/communities/NOPE", 404),
    ],
)
def test_who_sees_which_community(page_as, username, path, status):
    page_as(username).text(path, status)


def test_a_community_page_is_read_only_for_the_street(page_as, items):
    with clock.frozen(LATER):
        html = page_as("street").text("/communities/LJ0101?lang=en")
    assert items.paid.number in html and items.elsewhere.number not in html
    assert "/confirm" not in html and "/dispute" not in html  # no payment to answer
    assert "/reports/new" not in html
    assert 'name="community" value="LJ0101"' in html  # the look-up asks about this community


def test_anonymous_is_sent_to_log_in(anonymous_page):
    answer = anonymous_page.get("/community")
    assert answer.status_code == 303 and "/login" in answer.headers["Location"]


def test_print_view_lists_everything_without_filters(page_as, items):
    with clock.frozen(LATER):
        html = page_as("head").text("/community?print=1&per_page=10&kind=sign&lang=en")
    assert {items.paid.number, items.ending.number, items.ledger.number, items.unfunded.number} <= numbers_on(
        html
    )
    assert 'class="filters"' not in html and "print-view" in html
    assert "js/community.js" in html


# --- looking up a number ----------------------------------------------------------------------------


def test_a_number_the_head_may_see_opens_its_page(page_as, items, app):
    answer = page_as("head").get(f"/lookup?number={items.paid.number.lower()}")
    if "authorisations_pages.detail" in app.view_functions:
        assert answer.status_code == 303
        assert answer.headers["Location"].endswith(f"/authorisations/{items.paid.number}") or (
            items.paid.number in answer.headers["Location"]
        )
    else:
        assert answer.status_code == 200


def test_a_number_elsewhere_says_only_valid_and_not_here(page_as, items):
    html = page_as("head").text(f"/lookup?number={items.elsewhere.number}&lang=en")
    assert "Valid" in html and "Does not cover" in html
    assert items.elsewhere.title not in html  # no more than the public page without the code
    assert items.elsewhere.department.name not in html
    assert f"authorisation_number={items.elsewhere.number}" in html  # report it


def test_an_unknown_number(page_as, items):
    html = page_as("head").text("/lookup?number=LJ-2026-9999&lang=en")
    assert "No authorisation has this number" in html
    assert "authorisation_number=LJ-2026-9999" in html


def test_a_revoked_number_is_not_in_force(page_as, items, db):
    """An officer of another department may not see it, nor the community: only its status."""
    html = page_as("mzj.officer").text(f"/lookup?number={items.revoked.number}&community=LJ0101&lang=en")
    assert "Revoked" in html and "no longer in force" in html
    assert "cover" not in html.split('id="answer-head"', 1)[1].split("</section>", 1)[0]


def test_lookups_are_rate_limited_per_user(page_as, items, db, monkeypatch):
    from gatekeeper.modules.community import pages

    monkeypatch.setattr(pages, "LOOKUPS_PER_MINUTE", 2)
    head = page_as("head")
    head.text("/lookup?number=LJ-2026-9998")
    head.text("/lookup?number=LJ-2026-9997")
    head.text("/lookup?number=LJ-2026-9996&lang=en", 429)
    assert db.scalar(sa.select(sa.func.count(RateEvent.id)).where(RateEvent.bucket == "lookup")) == 2


def test_the_empty_lookup_form(page_as):
    html = page_as("officer").text("/lookup?lang=en")
    assert 'name="number"' in html and "No authorisation has this number" not in html


def test_reports_are_not_touched_by_a_lookup(page_as, items, db):
    page_as("head").text("/lookup?number=LJ-2026-9999")
    assert db.scalar(sa.select(sa.func.count(Report.id))) == 0


def test_unprintable_input_is_answered_cleanly(page_as, anonymous_page):
    head = page_as("head")
    head.text("/communities/LJ%000101", 404)
    head.text("/lookup?number=LJ%00-2026&community=%00")
    anonymous_page.text("/public/communities?q=%00&street=%00")
    assert anonymous_page.get("/public/communities/%00").status_code == 404


def test_many_payments_show_the_oldest_first_then_all(page_as, items, monkeypatch, db):
    from gatekeeper.modules.community import pages
    from gatekeeper.modules.funds import operations as funds_ops
    from tests.factories import user

    later = allocation(items.ending, "LJ0101")
    funds_ops.record_disbursement(later, 100, TODAY, "临财拨-003", actor=user("officer"))
    db.commit()
    monkeypatch.setattr(pages, "PAYMENTS_SHOWN", 1)
    with clock.frozen(LATER):
        head = page_as("head")
        first = head.text("/community?lang=en")
        every = head.text("/community?payments=all")
    assert "临财拨-001" in first and "临财拨-003" not in first
    assert "Show the other 1 payment to confirm" in first
    assert "临财拨-001" in every and "临财拨-003" in every
