"""The report pages: the head's form, the list (the head's; the office's queue with filters and counts
by state), one report; refusals, CSRF, and a refused form that keeps what was typed."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from gatekeeper.core import clock
from gatekeeper.modules.supervision import operations as ops
from gatekeeper.modules.supervision.models import Report, ReportState
from gatekeeper.modules.supervision.schemas import ReportInputSchema
from tests import factories
from tests.factories import TODAY, user

FORM = {
    "department": "WJW",
    "kind": "ledger",
    "title": "要求社区建立居民健康档案纸质台账",
    "occurred_on": "2026-05-20",
    "description": "电话通知社区每月报送纸质台账，未出示准入许可。",
}


@pytest.fixture(autouse=True)
def today():
    with clock.frozen(TODAY):
        yield


def stored(db) -> list[Report]:
    db.expire_all()
    return list(db.scalars(sa.select(Report).order_by(Report.id)))


def file(**changes) -> Report:
    return ops.file_report(ReportInputSchema().load({**FORM, **changes}), actor=user("head"))


# --- the form ---------------------------------------------------------------------------------------


def test_the_form_offers_the_registers_departments_and_the_kinds(page_as):
    html = page_as("head").text("/reports/new?lang=en")
    assert '<option value="WJW">区卫生健康委员会</option>' in html
    assert 'name="department_name"' in html
    assert '<option value="ledger">Ledger</option>' in html
    assert 'type="date"' in html and 'max="2026-06-01"' in html
    assert 'name="csrf_token"' in html and "novalidate" in html


def test_the_form_is_prefilled_from_a_lookup(page_as):
    html = page_as("head").text("/reports/new?authorisation_number=LJ-2026-9999")
    assert 'value="LJ-2026-9999"' in html


def test_filing_stores_it_and_shows_it(page_as, db):
    head = page_as("head")
    answer = head.form("/reports/new?lang=en", FORM)
    assert answer.status_code == 303
    [report] = stored(db)
    assert answer.headers["Location"].endswith(f"/reports/{report.id}")
    assert report.state == ReportState.RECEIVED and report.department.code == "WJW"
    assert report.community.code == "LJ0101" and report.reporter.username == "head"
    html = head.text(f"/reports/{report.id}?lang=en")
    assert FORM["title"] in html and "Received" in html and "Your report was received" in html


def test_a_department_typed_by_hand(page_as, db):
    answer = page_as("head").form("/reports/new", {**FORM, "department": "", "department_name": "区创建办"})
    assert answer.status_code == 303
    [report] = stored(db)
    assert report.department is None and report.department_name == "区创建办"


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"title": ""}, "title", "Say what was pushed into the community."),
        ({"occurred_on": "2026-06-30"}, "occurred_on", "The date cannot be in the future."),
        ({"department": ""}, "department", "Choose the department, or type its name"),
        ({"kind": ""}, "kind", "Choose the kind of item."),
    ],
)
def test_a_refused_form_says_why_beside_the_field_and_keeps_the_input(page_as, db, change, field, message):
    answer = page_as("head").form("/reports/new?lang=en", {**FORM, **change})
    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    field_id = "f-" + field.replace("_", "-")
    error = re.search(rf'<p class="field-error" id="{field_id}-error">(.*?)</p>', html, flags=re.S)
    assert error and message in error.group(1)
    assert FORM["description"] in html  # what was typed is kept
    assert stored(db) == []


def test_a_post_without_csrf_is_refused(page_as, db):
    head = page_as("head")
    answer = head.post("/reports/new", data=FORM)
    assert answer.status_code == 400
    assert stored(db) == []


@pytest.mark.parametrize("username", ["officer", "secretariat", "chair", "member2", "street", "admin"])
def test_only_heads_get_the_form(page_as, db, username):
    visitor = page_as(username)
    visitor.text("/reports/new", 403)
    assert visitor.form("/reports/new", FORM).status_code == 403
    assert stored(db) == []


# --- the lists ---------------------------------------------------------------------------------------


@pytest.fixture
def reports(db, world):
    first = file()
    second = file(department="MZJ", kind="sign", title="要求悬挂创建牌子")
    second.state = ReportState.INVESTIGATING
    db.commit()
    return first, second


def test_the_head_sees_their_reports(page_as, reports):
    html = page_as("head").text("/reports?lang=en")
    assert all(f"/reports/{r.id}" in html for r in reports)
    assert "Report an unauthorised entry" in html
    assert 'name="community"' not in html  # their own community only: no community filter


def test_the_office_queue_counts_by_state_and_filters(page_as, reports):
    first, second = reports
    office = page_as("secretariat")
    html = office.text("/reports?lang=en")
    assert re.search(r"All <span class=\"tab-count\">2</span>", html)
    assert re.search(r"Received <span class=\"tab-count\">1</span>", html)
    assert re.search(r"Investigating <span class=\"tab-count\">1</span>", html)
    assert "Supervision queue" in html and "滨江社区" in html
    assert 'name="community"' in html and 'name="department"' in html
    assert "/reports/new" not in html  # the office does not file reports
    received = office.text("/reports?state=received")
    assert f"/reports/{first.id}" in received and f"/reports/{second.id}" not in received
    by_department = office.text("/reports?department=MZJ")
    assert f"/reports/{second.id}" in by_department and f"/reports/{first.id}" not in by_department
    empty = office.text("/reports?community=LJ0102&lang=en")
    assert "No report matches these filters" in empty


def test_the_lists_sort(page_as, reports):
    first, second = reports
    html = page_as("secretariat").text("/reports?sort=state")
    # in the order of the review: received (first) before investigating (second)
    assert html.index(f'/reports/{first.id}"') < html.index(f'/reports/{second.id}"')
    reverse = page_as("secretariat").text("/reports?sort=-state")
    assert reverse.index(f'/reports/{second.id}"') < reverse.index(f'/reports/{first.id}"')


def test_empty_lists_say_what_to_do(page_as, db):
    assert "If a department pushes an item" in page_as("head").text("/reports?lang=en")
    assert "Reports filed by community heads" in page_as("secretariat").text("/reports?lang=en")


@pytest.mark.parametrize("username", ["chair", "member2"])
def test_other_roles_have_no_list(page_as, username):
    page_as(username).text("/reports", 403)


def test_the_menu_shows_reports_to_heads_and_the_office(page_as):
    assert 'href="/reports"' in page_as("head").text("/notifications")
    assert 'href="/reports"' in page_as("secretariat").text("/notifications")
    assert 'href="/reports"' in page_as("officer").text("/notifications")  # reports about its department
    assert 'href="/reports"' in page_as("street").text("/notifications")  # its communities', read only
    assert 'href="/reports"' not in page_as("chair").text("/notifications")


# --- one report ----------------------------------------------------------------------------------------


def test_who_sees_one_report(page_as, reports, db, world):
    first, _second = reports
    page_as("head").text(f"/reports/{first.id}")
    page_as("secretariat").text(f"/reports/{first.id}")
    page_as("admin").text(f"/reports/{first.id}")
    page_as("officer").text(f"/reports/{first.id}")  # the department named (never who filed)
    page_as("mzj.officer").text(f"/reports/{first.id}", 404)
    page_as("street").text(f"/reports/{first.id}")  # the street of its community, read only
    page_as("admin").text("/reports/999999", 404)


def test_a_named_authorisation_with_its_status_and_scope(page_as, db, world):
    elsewhere = factories.approved(scope={"type": "streets", "codes": ["LJ02"], "community_type": None})
    report = file(authorisation_number=elsewhere.authorisation.number)
    unknown = file(authorisation_number="LJ-2026-9999")
    db.commit()
    html = page_as("secretariat").text(f"/reports/{report.id}?lang=en")
    assert elsewhere.authorisation.number in html and "Does not cover this community" in html
    assert "No such authorisation" in page_as("head").text(f"/reports/{unknown.id}?lang=en")
