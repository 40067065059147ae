"""The request form: a new draft, an edit, a variation; refused input kept beside its field with nothing
saved; CSRF and roles."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from gatekeeper.core import clock
from gatekeeper.modules.requests.models import AdmissionRequest, RequestState
from tests import factories
from tests.factories import TODAY


@pytest.fixture(autouse=True)
def today():
    with clock.frozen(TODAY):
        yield


def form_data(**changes) -> dict:
    """The form as an officer fills it in: the funded assisting duty of ``factories.body``."""
    data = {
        "kind": "duty",
        "role": "assist",
        "title": "协助开展传染病防控和健康教育",
        "description": "入户宣传传染病防控知识。",
        "legal_basis": "《中华人民共和国传染病防治法》",
        "catalogue_entry": "PD-107",
        "scope.type": "streets",
        "scope.street_codes": ["LJ01"],
        "scope.community_type": "",
        "start_date": "2026-09-01",
        "end_date": "2027-08-31",
        "workload_hours": "6",
        "demands.premises_area_m2": "",
        "demands.reports_per_year": "2",
        "funding.basis": "per_100_households",
        "funding.amount_fen": "150.00",
        "funding.source": "区财政专项",
    }
    data.update(changes)
    return data


def count(db) -> int:
    return db.scalar(sa.select(sa.func.count(AdmissionRequest.id)))


def field_error(html: str, field_id: str) -> str:
    found = re.search(rf'<p class="field-error" id="{field_id}-error">(.*?)</p>', html, re.S)
    assert found, f"no error beside {field_id}"
    return re.sub(r"<[^>]+>", " ", found.group(1))


# --- a new request -----------------------------------------------------------------------------------


def test_the_new_form_offers_the_gates_streets_and_communities(page_as):
    html = page_as("officer").text("/requests/new")
    assert 'name="scope.street_codes" value="LJ01"' in html
    assert html.count('name="scope.community_codes"') == 80
    assert 'data-gate="LJ"' in html and "js/request-form.js" in html
    assert "<script>" not in html and 'style="' not in html
    assert re.search(r'<form id="request-form"[^>]*novalidate', html)
    # dates to start from: the first of a month after the gate's lead time, for a year
    assert 'value="2026-08-01"' in html and 'value="2027-07-31"' in html


def test_a_valid_form_files_a_draft_and_redirects_to_it(page_as, db):
    before = count(db)
    answer = page_as("officer").form("/requests/new", form_data())
    assert answer.status_code == 303
    req = db.scalar(sa.select(AdmissionRequest).order_by(AdmissionRequest.id.desc()).limit(1))
    assert answer.headers["Location"].endswith(f"/requests/{req.id}")
    assert count(db) == before + 1
    assert req.state == RequestState.DRAFT and req.department.code == "WJW" and req.gate.code == "LJ"
    assert req.scope_type.value == "streets" and req.scope_codes == ["LJ01"]
    assert req.funding_amount_fen == 15000 and req.workload_hours == 6 and req.reports_per_year == 2
    assert req.role.value == "assist" and req.veto is False
    assert req.scope_communities == 14 and req.latest_check is not None


def test_the_scope_codes_come_from_the_picker_of_the_type_chosen(page_as, db):
    data = form_data(**{"scope.type": "communities", "scope.community_codes": ["LJ0101", "LJ0102"]})
    assert page_as("officer").form("/requests/new", data).status_code == 303
    req = db.scalar(sa.select(AdmissionRequest).order_by(AdmissionRequest.id.desc()).limit(1))
    assert req.scope_codes == ["LJ0101", "LJ0102"]  # the street ticked too is not the scope's

    everything = form_data(**{"scope.type": "all"})
    assert page_as("officer").form("/requests/new", everything).status_code == 303
    req = db.scalar(sa.select(AdmissionRequest).order_by(AdmissionRequest.id.desc()).limit(1))
    assert req.scope_codes == [] and req.scope_communities == 80


def test_a_refused_form_says_why_beside_each_field_keeps_the_input_and_saves_nothing(page_as, db):
    before = count(db)
    data = form_data(
        title="",
        **{"funding.amount_fen": "", "scope.street_codes": []},
        description="这段说明要保留",
    )
    answer = page_as("officer").form("/requests/new?lang=en", data)
    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    assert "Please correct the fields marked below." in html
    assert field_error(html, "f-title")
    assert "give the amount for this funding basis" in field_error(html, "f-funding-amount-fen")
    assert "name at least one street or community" in field_error(html, "f-scope-codes")
    assert "这段说明要保留" in html and 'value="区财政专项"' in html
    assert re.search(r'value="LJ01"\s*>', html)  # the unticked street stays unticked
    assert count(db) == before


def test_a_role_is_needed_for_duties_only_and_dates_in_order(page_as, db):
    answer = page_as("officer").form("/requests/new?lang=en", form_data(role=""))
    assert answer.status_code == 422
    assert "say whether the community performs or assists" in field_error(
        answer.get_data(as_text=True), "f-role"
    )
    answer = page_as("officer").form("/requests/new?lang=en", form_data(end_date="2026-08-01"))
    assert answer.status_code == 422
    assert "ends before it starts" in field_error(answer.get_data(as_text=True), "f-end-date")


def test_an_amount_in_yuan_with_separators_is_fen(page_as, db):
    data = form_data(**{"funding.basis": "lump_sum", "funding.amount_fen": "1,234,567.8"})
    assert page_as("officer").form("/requests/new", data).status_code == 303
    req = db.scalar(sa.select(AdmissionRequest).order_by(AdmissionRequest.id.desc()).limit(1))
    assert req.funding_amount_fen == 123456780


def test_a_post_without_the_csrf_token_is_refused(page_as, db):
    before = count(db)
    answer = page_as("officer").post("/requests/new", data=form_data())
    assert answer.status_code == 400
    assert count(db) == before


@pytest.mark.parametrize("username", ["secretariat", "member1", "chair", "head", "street", "admin"])
def test_only_officers_file_requests(page_as, db, username):
    browser = page_as(username)
    assert browser.get("/requests/new").status_code == 403
    assert browser.form("/requests/new", form_data()).status_code == 403


# --- editing -----------------------------------------------------------------------------------------


def test_the_edit_form_shows_the_request_as_it_is(page_as, db):
    req = factories.draft(scope={"type": "communities", "codes": ["LJ0203"]})
    html = page_as("officer").text(f"/requests/{req.id}/edit")
    assert 'value="协助开展传染病防控和健康教育"' in html and 'value="150.00"' in html
    assert re.search(r'name="scope.community_codes" value="LJ0203"[^>]*checked', html)
    assert re.search(r'name="scope.type" value="communities"\s*checked', html)
    assert 'value="2026-09-01"' in html
    assert "PD-107" in html and "finding" in html  # the entry's card and the last check's findings


def test_an_edit_saves_the_whole_form(page_as, db):
    req = factories.draft()
    data = form_data(title="协助开展健康教育活动", description="", **{"funding.source": ""})
    answer = page_as("officer").form(f"/requests/{req.id}/edit", data)
    assert answer.status_code == 303 and answer.headers["Location"].endswith(f"/requests/{req.id}")
    db.refresh(req)
    assert req.title == "协助开展健康教育活动"
    assert req.description == "" and req.funding_source == ""  # a cleared field is cleared
    assert req.state == RequestState.DRAFT


def test_a_refused_edit_changes_nothing(page_as, db):
    req = factories.draft()
    data = form_data(title="新名称", **{"funding.amount_fen": "many"})
    answer = page_as("officer").form(f"/requests/{req.id}/edit?lang=en", data)
    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    assert field_error(html, "f-funding-amount-fen") and 'value="many"' in html
    db.refresh(req)
    assert req.title == "协助开展传染病防控和健康教育" and req.funding_amount_fen == 15000


def test_a_request_under_review_cannot_be_edited(page_as, db):
    req = factories.submitted()
    officer = page_as("officer")
    assert officer.get(f"/requests/{req.id}/edit").status_code == 409
    answer = officer.form(f"/requests/{req.id}/edit", form_data(title="改名"))
    assert answer.status_code == 303  # refused, said on the page it came from
    db.refresh(req)
    assert req.title == "协助开展传染病防控和健康教育"


@pytest.mark.parametrize(("username", "status"), [("mzj.officer", 404), ("secretariat", 404), ("admin", 403)])
def test_others_cannot_edit(page_as, db, username, status):
    req = factories.draft()
    assert page_as(username).get(f"/requests/{req.id}/edit").status_code == status


# --- variations --------------------------------------------------------------------------------------


def test_a_variation_starts_from_the_authorisation_and_is_filed_as_one(page_as, db):
    original = factories.approved()
    number = original.authorisation.number
    officer = page_as("officer")
    html = officer.text(f"/requests/new?variation_of={number}")
    assert f'value="{number}"' in html and 'value="协助开展传染病防控和健康教育"' in html
    assert re.search(r'name="scope.street_codes" value="LJ01"\s*checked', html)

    data = form_data(variation_of=number, end_date="2027-12-31")
    answer = officer.form(f"/requests/new?variation_of={number}", data)
    assert answer.status_code == 303
    req = db.scalar(sa.select(AdmissionRequest).order_by(AdmissionRequest.id.desc()).limit(1))
    assert req.varies_id == original.authorisation.id


def test_only_the_holding_department_may_vary_an_authorisation(page_as, db):
    original = factories.approved()
    number = original.authorisation.number
    other = page_as("mzj.officer")
    html = other.text(f"/requests/new?variation_of={number}&lang=en")
    assert f"no authorisation {number} of your department" in field_error(html, "f-variation-of")
    assert "协助开展传染病防控和健康教育" not in html  # nothing of the other department's request

    before = count(db)
    data = form_data(variation_of=number, catalogue_entry="", title="民政事项变更")
    answer = other.form(f"/requests/new?variation_of={number}&lang=en", data)
    assert answer.status_code == 422
    assert f"no authorisation {number} of your department" in field_error(
        answer.get_data(as_text=True), "f-variation-of"
    )
    assert count(db) == before


def test_an_unknown_authorisation_is_said_beside_the_field(page_as):
    html = page_as("officer").text("/requests/new?variation_of=LJ-1999-0001&lang=en")
    assert "no authorisation LJ-1999-0001" in field_error(html, "f-variation-of")
