"""The admission catalogue (准入目录) of a published version as a PDF, read back: its text and fonts."""

from __future__ import annotations

from collections import Counter

import pytest
import sqlalchemy as sa

from gatekeeper.core import clock
from gatekeeper.core.pdf import chinese_date, document_date
from gatekeeper.modules.catalogue import operations as ops
from gatekeeper.modules.catalogue.models import CatalogueEntry, DutyRole, Kind, StandardBasis, Standing
from tests.factories import TODAY
from tests.pdf_tools import assert_cjk_fonts_embedded, flat, pdf_info, pdf_pages, pdf_text


@pytest.fixture(autouse=True)
def today(document_fonts):
    with clock.frozen(TODAY):
        yield


def catalogue(client, version_id: int, *, lang: str = "", status: int = 200):
    url = f"/api/v1/catalogue/versions/{version_id}/catalogue.pdf" + (f"?lang={lang}" if lang else "")
    answer = client.get(url)
    assert answer.status_code == status, answer.get_data(as_text=True)[:300]
    return answer


def entries_of(db, version) -> list[CatalogueEntry]:
    return list(db.scalars(sa.select(CatalogueEntry).where(CatalogueEntry.version_id == version.id)))


def in_pieces(words: str, text: str, start: int = 0, *, pieces: int = 3, window: int = 500) -> bool:
    """Whether ``words`` are printed from ``start`` on, in at most ``pieces`` runs in order: a cell's
    text that wraps is read back line by line, interleaved with the lines of the cells beside it."""
    words, rest = flat(words), text[start : start + window]
    for _ in range(pieces):
        if not words:
            return True
        size = max((n for n in range(1, len(words) + 1) if words[:n] in rest), default=0)
        if not size:
            return False
        rest = rest[rest.index(words[:size]) + size :]
        words = words[size:]
    return not words


def published_on(version, language: str) -> str:
    day = clock.local_date(version.published_at)
    return chinese_date(day) if language == "zh" else flat(document_date(day, "en"))


def test_the_catalogue_prints_every_entry_in_chinese(login_as, published, db):
    answer = catalogue(login_as("officer"), published.id)
    assert answer.mimetype == "application/pdf"
    assert "LJ-catalogue-v1.pdf" in answer.headers["Content-Disposition"]
    body = answer.data
    text = flat(pdf_text(body))
    entries = entries_of(db, published)
    assert len(entries) > 50
    for entry in entries:
        assert entry.code in text, entry.code
        assert in_pieces(entry.title, text, text.index(entry.code)), entry.title
    permitted = [e for e in entries if e.standing == Standing.PERMITTED]
    banned = [e for e in entries if e.standing == Standing.BANNED]
    assert permitted and banned
    lists = {e.list_name for e in permitted}
    for expected in (
        "临江区社区建设与管理指导委员会办公室",  # the issuing office of the gate
        "临江区社区工作事项准入目录（第1版）",
        published.label,
        published_on(published, "zh"),  # the day of publication, in the official form
        f"共收录事项{len(entries)}项",
        f"其中准入事项{len(permitted)}项（分{len(lists)}个清单）",
        f"负面清单事项{len(banned)}项",
        "一、准入事项",
        "二、负面清单",
        "任何部门不得要求社区承担",
        "社区依法履职",
        "社区依法协助",
        "每百户每年",
        f"第1页共{pdf_pages(body)}页",
    ):
        assert expected in text, expected
    # every list with its count, permitted lists and the lists of the negative list alike
    for list_name, count in Counter(e.list_name for e in entries).items():
        assert f"{flat(list_name)}（{count}项）" in text, list_name
    # the kinds with their counts: 证明盖章 has permitted and banned entries
    certificates = [e for e in entries if e.kind == Kind.CERTIFICATE]
    assert {e.standing for e in certificates} == {Standing.PERMITTED, Standing.BANNED}
    row = f"证明盖章{sum(e.standing == Standing.PERMITTED for e in certificates)}"
    row += f"{sum(e.standing == Standing.BANNED for e in certificates)}{len(certificates)}"
    assert row in text
    # the permitted lists come first, the negative list after them, the signature at the end
    signed = text.rindex(published_on(published, "zh"))
    assert text.index("一、准入事项") < text.index("二、负面清单") < signed
    assert "附件" not in text  # the first version has nothing to compare with
    assert_cjk_fonts_embedded(body)
    size = pdf_info(body)["Page size"]
    assert size.startswith("841.") and "(A4)" in size, size  # landscape


def test_english_on_request(login_as, published):
    body = catalogue(login_as("officer"), published.id, lang="en").data
    text = flat(pdf_text(body))
    for expected in (
        "Admissioncatalogueofcommunityworkitemsof临江区(version1)",
        "Preface",
        "1.Permittedworkitems",
        "2.Negativelist",
        "Roleofthecommunity",
        "Communityassists",
        "Per100householdsperyear",
        published_on(published, "en"),
        f"Page1of{pdf_pages(body)}",
    ):
        assert expected in text, expected
    for chinese in ("准入目录", "负面清单（", "说明", "第1页"):
        assert chinese not in text, chinese  # the words are English; names stay as entered
    assert_cjk_fonts_embedded(body)


def test_the_annex_lists_the_changes_against_the_previous_version(login_as, draft, world, db):
    secretariat = world.user("secretariat")
    ops.add_entry(
        draft,
        {
            "code": "PD-900",
            "title": "协助开展居家养老服务需求调查<b>&</b>",
            "kind": Kind.DUTY,
            "standing": Standing.PERMITTED,
            "role": DutyRole.ASSIST,
            "legal_basis": "《中华人民共和国老年人权益保障法》" + "第一条" * 60,  # long: wraps in its cell
            "department": "区民政局",
            "funding_basis": StandardBasis.PER_COMMUNITY,
            "funding_amount_fen": 120050,
            "list_name": "临江区社区依法协助政府工作事项清单",
            "notes": "X" * 200,  # one long word: breaks rather than runs off the page
        },
        reason="新增居家养老需求调查",
        actor=secretariat,
    )
    removed, amended = sorted(entries_of(db, draft), key=lambda e: e.code)[:2]
    ops.remove_entry(draft, removed.code, reason="已由其他清单取代", actor=secretariat)
    ops.amend_entry(draft, amended.code, {"notes": "补充释义文字"}, reason="释明适用范围", actor=secretariat)
    ops.publish_version(draft, actor=secretariat)
    db.commit()

    body = catalogue(login_as("member1"), draft.id).data
    text = flat(pdf_text(body))
    unchanged = len(entries_of(db, draft)) - 2  # all but the added and the interpreted entry
    for expected in (
        "临江区社区工作事项准入目录（第2版）",
        "附件：与第1版（2026年版）相比的变化",
        f"新增1项，修改或解释1项，废止1项，未变{unchanged}项",
        "解释（释）",
        "改为“补充释义文字”",
        "释明适用范围",
        "1,200.50元",
        "新增居家养老需求调查",
        "已由其他清单取代",
        flat(removed.title),
        "X" * 200,
    ):
        assert expected in text, expected
    annex = text.index("附件：")
    assert annex < text.index("已由其他清单取代")
    assert in_pieces("PD-900协助开展居家养老服务需求调查<b>&</b>", text, annex)  # as written, not as markup


def test_a_draft_does_not_print(login_as, draft):
    answer = catalogue(login_as("secretariat"), draft.id, status=409)
    error = answer.get_json()["error"]
    assert error["code"] == "not_published"
    assert "草稿" in error["message"]
    assert catalogue(login_as("admin"), draft.id, status=409).get_json()["error"]["code"] == "not_published"
    catalogue(login_as("officer"), draft.id, status=404)  # a draft of the gate: not even seen


def test_who_may_print_it(login_as, client, published):
    catalogue(client, published.id, status=401)
    assert catalogue(login_as("street"), published.id).mimetype == "application/pdf"  # every user reads it
    answer = catalogue(login_as("officer"), 999_999, status=404)
    assert answer.get_json()["error"]["code"] == "not_found"


def test_the_pages_offer_the_print_out_of_published_versions_only(page_as, published, draft):
    link = f'href="/api/v1/catalogue/versions/{published.id}/catalogue.pdf"'
    browser = page_as("secretariat")
    for url in ("/catalogue", f"/catalogue/versions/{published.id}"):
        html = browser.text(url)
        assert link in html and "打印目录" in html, url
    html = browser.text(f"/catalogue/versions/{draft.id}")
    assert "catalogue.pdf" not in html and "打印目录" not in html
    # the browser's session is enough to fetch it
    answer = browser.get(f"/api/v1/catalogue/versions/{published.id}/catalogue.pdf")
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
