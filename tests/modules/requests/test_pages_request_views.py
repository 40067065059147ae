"""The request pages that read: the officer's home, the list, one request for each role that may see
it (404 for the others), and the menu."""

from __future__ import annotations

import re

import pytest

from gatekeeper.core import clock
from gatekeeper.extensions import db as _db
from gatekeeper.modules.requests import operations as ops
from gatekeeper.modules.requests.models import AdmissionRequest, RequestState
from tests import factories
from tests.factories import TODAY
from tests.support import count_statements


@pytest.fixture(autouse=True)
def today():
    with clock.frozen(TODAY):
        yield


def returned(reason: str = "请补充工作方案") -> AdmissionRequest:
    req = factories.submitted()
    with clock.frozen(TODAY):
        ops.return_request(req, reason, actor=factories.user("secretariat"))
        _db.session.commit()
    return req


def links(html: str) -> set[str]:
    return set(re.findall(r'href="([^"]+)"', html))


# --- the officer's home -----------------------------------------------------------------------------


def test_officer_lands_on_their_home_with_the_menu(page_as):
    officer = page_as("officer")
    answer = officer.get("/")
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/requests/mine")
    html = officer.text("/requests/mine")
    assert 'href="/requests/mine" aria-current="page"' in html
    assert 'href="/requests/new"' in html
    assert "File your first request" in html or "提出第一份申请" in html  # nothing filed yet


def test_home_counts_by_state_and_lists_what_needs_action(page_as, db):
    blocked = factories.draft(title="需要修改的草稿", demands={"veto": True})
    draft = factories.draft(title="普通草稿")
    back = returned("请补充工作方案，并说明经费测算依据")
    review = factories.in_review(title="审议中的申请")
    factories.draft("mzj.officer", title="民政局的草稿", catalogue_entry=None)

    html = page_as("officer").text("/requests/mine?lang=en")
    # stat cards link to the filtered list
    assert 'href="/requests?state=draft"' in html and 'href="/requests?state=in_review"' in html
    found = re.findall(
        r'<span class="stat-number">(\d+)</span>\s*<span class="stat-label">([^<]+)</span>', html
    )
    stats = {text: int(number) for number, text in found}
    assert (stats["Draft"], stats["Returned"], stats["In review"], stats["Approved"]) == (2, 1, 1, 0)
    # needs your action: the return with its reason, the drafts (the blocked one first, said so)
    assert "请补充工作方案，并说明经费测算依据" in html
    assert f"/requests/{back.id}/submit" in html
    assert html.index("需要修改的草稿") < html.index("普通草稿")
    assert "The last check blocks it" in html
    assert f"/requests/{blocked.id}/edit" in html and f"/requests/{draft.id}/edit" in html
    # under review with its due date; nothing of another department
    assert "审议中的申请" in html and review.due_date.isoformat() in html
    assert "民政局的草稿" not in html


def test_home_is_for_officers_only(page_as):
    for username in ("secretariat", "member1", "chair", "head", "street", "admin"):
        assert page_as(username).get("/requests/mine").status_code == 403, username


def test_home_answers_in_a_fixed_number_of_queries(page_as, db):
    officer = page_as("officer")
    factories.draft()
    returned()
    factories.in_review()
    officer.text("/requests/mine")
    few = len(count_statements(lambda: officer.text("/requests/mine")))
    for _ in range(3):
        factories.draft()
        returned()
        factories.in_review()
    many = len(count_statements(lambda: officer.text("/requests/mine")))
    assert many == few


# --- the list ---------------------------------------------------------------------------------------


def test_officer_lists_only_their_department_with_filters(page_as, db):
    mine = factories.draft(title="传染病防控宣传草稿")
    factories.submitted(title="健康教育讲座")
    other = factories.draft("mzj.officer", title="民政局事项", catalogue_entry=None)
    officer = page_as("officer")

    html = officer.text("/requests")
    assert "传染病防控宣传草稿" in html and "健康教育讲座" in html and "民政局事项" not in html
    assert f"/requests/{other.id}" not in html

    drafts = officer.text("/requests?state=draft")
    assert "传染病防控宣传草稿" in drafts and "健康教育讲座" not in drafts
    found = officer.text("/requests?q=" + "宣传")
    assert f"/requests/{mine.id}" in found and "健康教育讲座" not in found
    assert "No request matches" in officer.text("/requests?q=nothing-like-this&lang=en")


def test_committee_list_has_no_drafts_and_filters_by_department_and_overdue(page_as, db):
    draft = factories.draft(title="未提交的草稿")
    late = factories.in_review(title="逾期的申请")
    secretariat = page_as("secretariat")

    html = secretariat.text("/requests")
    assert "逾期的申请" in html and f'/requests/{draft.id}"' not in html
    assert 'name="department"' in html  # committee roles filter by department
    assert "逾期的申请" in secretariat.text("/requests?department=WJW")
    assert "逾期的申请" not in secretariat.text("/requests?department=MZJ")

    assert "逾期的申请" not in secretariat.text("/requests?overdue=1")
    with clock.frozen(late.due_date.replace(year=late.due_date.year + 1)):
        later = page_as("secretariat")  # a year on, the earlier session has ended
        assert "逾期的申请" in later.text("/requests?overdue=1")
        assert "row-flag" in later.text("/requests")


def test_list_sorts_and_paginates(page_as, db):
    for title in ("乙事项", "甲事项", "丙事项"):
        factories.draft(title=title)
    officer = page_as("officer")
    ascending = officer.text("/requests?sort=title")
    assert ascending.index("丙事项") < ascending.index("乙事项") < ascending.index("甲事项")
    descending = officer.text("/requests?sort=-title")
    assert descending.index("甲事项") < descending.index("丙事项")
    assert 'aria-sort="descending"' in descending
    first = officer.text("/requests?sort=title&per_page=10&page=1")
    assert "1–3" in first


def test_list_answers_in_a_fixed_number_of_queries(page_as, db):
    secretariat = page_as("secretariat")
    factories.submitted()
    secretariat.text("/requests?sort=department")
    few = len(count_statements(lambda: secretariat.text("/requests?sort=department")))
    for _ in range(4):
        factories.in_review()
    many = len(count_statements(lambda: secretariat.text("/requests?sort=department")))
    assert many == few


@pytest.mark.parametrize("username", ["head", "street"])
def test_the_list_is_refused_to_community_and_street(page_as, username):
    assert page_as(username).get("/requests").status_code == 403


def test_menu_entries_by_role(page_as):
    assert 'href="/requests"' in page_as("secretariat").text("/notifications")
    officer_menu = page_as("officer").text("/notifications")
    assert 'href="/requests/mine"' in officer_menu and 'href="/requests/new"' in officer_menu
    assert 'href="/requests"' not in page_as("head").text("/notifications")


# --- one request ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "status"),
    [
        ("officer", 200),
        ("admin", 200),
        ("mzj.officer", 404),
        ("secretariat", 404),
        ("member2", 404),
        ("chair", 404),
        ("head", 404),
        ("street", 404),
    ],
)
def test_a_draft_is_seen_by_its_department_and_admin_only(page_as, db, username, status):
    req = factories.draft()
    assert page_as(username).get(f"/requests/{req.id}").status_code == status


@pytest.mark.parametrize(
    ("username", "status"),
    [
        ("officer", 200),
        ("secretariat", 200),
        ("member2", 200),
        ("chair", 200),
        ("admin", 200),
        ("mzj.officer", 404),
        ("head", 404),
        ("street", 404),
    ],
)
def test_a_submitted_request_is_seen_by_the_gate(page_as, db, username, status):
    req = factories.submitted()
    assert page_as(username).get(f"/requests/{req.id}").status_code == status


def test_detail_shows_the_facts_findings_and_timeline(page_as, db):
    req = factories.draft(start_date="2026-06-15")  # LEAD_TIME warning
    html = page_as("officer").text(f"/requests/{req.id}?lang=en")
    for fact in (
        "协助开展传染病防控和健康教育",
        "《中华人民共和国传染病防治法》",
        "PD-107",
        "滨江街道",
        "区财政专项",
    ):
        assert fact in html
    assert "150.00" in html  # the funding, in 元
    assert "LEAD_TIME" in html and 'class="finding-citation"' in html
    assert "Filed as a draft" in html
    assert "No file yet" in html


def test_detail_buttons_follow_the_available_actions(page_as, db):
    draft = factories.draft()
    officer = page_as("officer")
    html = officer.text(f"/requests/{draft.id}")
    assert {
        f"/requests/{draft.id}/edit",
        f"/requests/{draft.id}/submit",
        f"/requests/{draft.id}/withdraw",
    } <= links(html)
    assert 'enctype="multipart/form-data"' in html  # files may change while it is a draft

    review = factories.in_review()
    html = officer.text(f"/requests/{review.id}")
    assert f"/requests/{review.id}/withdraw" in links(html)
    assert f"/requests/{review.id}/edit" not in links(html)
    assert f"/requests/{review.id}/submit" not in links(html)
    assert 'enctype="multipart/form-data"' not in html
    seen_by_member = page_as("member2").text(f"/requests/{review.id}")
    assert f"/requests/{review.id}/withdraw" not in links(seen_by_member)
    assert 'data-action="edit"' not in seen_by_member


def test_detail_of_a_returned_request_says_why_and_shows_the_answers(page_as, db):
    req = returned("开始日期过早，请调整")
    html = page_as("officer").text(f"/requests/{req.id}?lang=en")
    assert "开始日期过早，请调整" in html and "Returned for changes" in html
    assert "Revision 1" in html


def test_detail_shows_the_variation_link(page_as, db):
    original = factories.approved()
    number = original.authorisation.number
    with clock.frozen(TODAY):
        body = factories.loaded(factories.body(variation_of=number, end_date="2027-12-31"))
        variation = ops.create_request(body, actor=factories.user("officer"))
        db.commit()
    html = page_as("officer").text(f"/requests/{variation.id}")
    assert number in html
    assert db.get(AdmissionRequest, variation.id).state == RequestState.DRAFT


def interface_words() -> set[str]:
    """The Chinese of the request pages' own message ids (without placeholders)."""
    from babel.messages.pofile import read_po

    with open("gatekeeper/translations/zh/LC_MESSAGES/messages.po", "rb") as handle:
        catalog = read_po(handle)
    mine = ("templates/requests/", "gatekeeper/modules/requests/page")
    words = set()
    for message in catalog:
        text = message.string if isinstance(message.string, str) else ""
        if (
            text
            and "%(" not in text
            and len(text) >= 4
            and any(loc.startswith(mine) for loc, _ in message.locations)
        ):
            words.add(text)
    return words


def test_english_pages_show_no_chinese_interface_text(page_as, db):
    req = returned()
    officer = page_as("officer")
    words = interface_words()
    assert len(words) > 50
    for url in (
        "/requests/mine",
        "/requests",
        f"/requests/{req.id}",
        "/requests/new",
        f"/requests/{req.id}/submit",
    ):
        html = officer.text(url + ("&" if "?" in url else "?") + "lang=en")
        shown = [word for word in words if word in html]
        assert shown == [], (url, shown[:5])
        chinese_html = officer.text(url)
        assert any(word in chinese_html for word in words), url
