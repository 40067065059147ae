"""The authorisation notice (准入通知书) as a PDF, read back: its text, fonts and QR code."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from gatekeeper.core import clock
from gatekeeper.core.money import yuan_grouped
from gatekeeper.modules.authorisations import lifecycle
from gatekeeper.modules.authorisations.operations import verification_url
from gatekeeper.modules.funds.models import Allocation
from tests import factories
from tests.factories import TODAY, user
from tests.pdf_tools import assert_cjk_fonts_embedded, flat, pdf_info, pdf_pages, pdf_text, qr_codes


@pytest.fixture(autouse=True)
def today(document_fonts):
    with clock.frozen(TODAY):
        yield


@pytest.fixture
def issued(db):
    """An authorisation of 区卫健委 over street LJ01 (12 communities), 150 元 per 100 households."""
    req = factories.decided(
        factories.voted(factories.in_review()), conditions="数据通过一表通报送，不另设台账"
    )
    return req.authorisation


def notice(client, number: str, *, lang: str = "", status: int = 200):
    answer = client.get(f"/api/v1/authorisations/{number}/notice.pdf" + (f"?lang={lang}" if lang else ""))
    assert answer.status_code == status, answer.get_data(as_text=True)[:300]
    return answer


def test_the_notice_prints_the_authorisation_in_chinese(login_as, issued, db):
    answer = notice(login_as("officer"), issued.number)
    assert answer.mimetype == "application/pdf"
    assert issued.number in answer.headers["Content-Disposition"]
    body = answer.data
    text = flat(pdf_text(body))
    for expected in (
        "临江区社区建设与管理指导委员会办公室",  # the issuing office of the gate's settings
        "社区工作事项准入通知书",
        issued.number,
        "区卫生健康委员会",
        "协助开展传染病防控和健康教育",
        "PD-107",
        "《中华人民共和国传染病防治法》",
        "数据通过一表通报送，不另设台账",
        "滨江社区",
        "二〇二六年六月一日",  # signed on the day of the decision, in the official form
        "第1页共",
    ):
        assert expected in text, expected
    total = int(  # PostgreSQL sums a BIGINT as NUMERIC
        db.scalar(
            sa.select(sa.func.sum(Allocation.amount_fen)).where(Allocation.authorisation_id == issued.id)
        )
    )
    assert total > 0 and yuan_grouped(total) in text
    fonts = assert_cjk_fonts_embedded(body)
    assert any("GK-Serif" in font["name"] for font in fonts), fonts  # the prepared subset is used
    assert pdf_info(body)["Page size"].startswith("595.") and "(A4)" in pdf_info(body)["Page size"]


def test_the_qr_code_leads_to_the_public_verification(login_as, issued, client):
    body = notice(login_as("secretariat"), issued.number).data
    codes = qr_codes(body)
    assert codes == [verification_url(issued.number)]
    target = urlsplit(codes[0])
    page = client.get(f"{target.path}?{target.query}")  # no log-in: the public page
    assert page.status_code == 200
    assert issued.number in page.get_data(as_text=True)
    assert "有效" in page.get_data(as_text=True)


def test_english_on_request(login_as, issued):
    text = flat(pdf_text(notice(login_as("officer"), issued.number, lang="en").data))
    assert "Noticeofadmissionofacommunityworkitem" in text
    assert "Page1of" in text
    assert "准入通知书" not in text  # the words are English; names stay as entered


def test_a_revoked_authorisation_says_so(login_as, issued, db):
    lifecycle.revoke(issued, "检查发现重复填报", actor=user("chair"))
    db.commit()
    text = flat(pdf_text(notice(login_as("officer"), issued.number).data))
    assert "打印时状态：已撤销" in text
    assert "检查发现重复填报" in text


def test_a_wide_scope_sums_per_street_and_lists_each_community_in_an_annex(login_as, db):
    req = factories.approved(scope={"type": "all", "codes": [], "community_type": None})
    authorisation = req.authorisation
    body = notice(login_as("officer"), authorisation.number).data
    text = flat(pdf_text(body))
    assert authorisation.community_count > 20
    assert "各社区经费明细见附件" in text and "附件：各社区经费明细" in text
    assert "青山镇" in text and "白沙镇" in text
    assert pdf_pages(body) >= 3


def test_who_may_print_it(login_as, client, issued):
    notice(client, issued.number, status=401)
    notice(login_as("mzj.officer"), issued.number, status=404)  # another department's: not even seen
    notice(login_as("chair"), issued.number)
    answer = notice(login_as("officer"), "LJ-2026-9999", status=404)
    assert answer.get_json()["error"]["code"] == "not_found"


# --- a community's list (社区工作事项准入清单) ----------------------------------------------------


def community_list(client, code: str, query: str = "", status: int = 200):
    answer = client.get(f"/api/v1/communities/{code}/authorised.pdf{query}")
    assert answer.status_code == status, answer.get_data(as_text=True)[:300]
    return answer


def test_the_community_list_names_every_item_with_a_code_that_checks_it_there(login_as, issued, client):
    body = community_list(login_as("head"), "LJ0101").data
    text = flat(pdf_text(body))
    for expected in (
        "社区工作事项准入清单",
        "滨江街道",
        "滨江社区",
        issued.number,
        "协助开展传染病防控和健康教育",
        "区卫生健康委员会",
        "数据通过一表通报送，不另设台账",
        "共1项",
        "第1页共1页",
    ):
        assert expected in text, expected
    assert_cjk_fonts_embedded(body)
    item_code, list_code = qr_codes(body)
    assert item_code == f"{verification_url(issued.number)}&community=LJ0101"
    assert list_code == "http://gatekeeper.test/public/communities/LJ0101"
    target = urlsplit(item_code)
    checked = client.get(f"{target.path}?{target.query}").get_data(as_text=True)
    assert "有效" in checked and "滨江社区" in checked
    public = client.get(urlsplit(list_code).path)
    assert public.status_code == 200 and issued.number in public.get_data(as_text=True)


def test_one_code_for_the_whole_list_on_request(login_as, issued):
    body = community_list(login_as("head"), "LJ0101", "?codes=list").data
    assert qr_codes(body) == ["http://gatekeeper.test/public/communities/LJ0101"]


def test_a_community_with_nothing_admitted_says_so(login_as):
    text = flat(pdf_text(community_list(login_as("secretariat"), "LJ0601").data))
    assert "本社区目前没有准入的工作事项" in text


def test_the_community_list_in_english(login_as, issued):
    text = flat(pdf_text(community_list(login_as("head"), "LJ0101", "?lang=en").data))
    assert "Listoftheworkitemsadmittedintothecommunity" in text and "1itemsadmitted" not in text
    assert "Page1of1" in text


def test_who_may_print_a_community_list(login_as, client, issued):
    community_list(client, "LJ0101", status=401)
    community_list(login_as("head"), "LJ0102", status=403)  # another community's head
    community_list(login_as("street"), "LJ0101")  # the street's officer
    community_list(login_as("officer"), "LJ0101", status=403)
    community_list(login_as("secretariat"), "LJ9999", status=404)
