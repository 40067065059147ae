"""The documents of a request as PDFs, read back: the approval form (准入申请审批表) in every state and
the rejection decision (不予准入决定书), by the committee or by the escalation body's ruling."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gatekeeper.core import clock
from gatekeeper.core.money import yuan_grouped
from gatekeeper.modules.committee import operations as committee_ops
from gatekeeper.modules.committee.models import VoteChoice
from gatekeeper.modules.committee.page_data import money_of
from gatekeeper.modules.requests import operations as ops
from tests import factories
from tests.factories import TODAY, user
from tests.pdf_tools import assert_cjk_fonts_embedded, flat, pdf_info, pdf_pages, pdf_text

REJECT_VOTES = {"member2": "reject", "member3": "reject", "member4": "approve"}
REASON = "该事项属部门自身职责，不宜由社区承担"
#: ``GK_KEEP_DOCUMENTS=/some/folder`` keeps the PDFs the tests read, to look at them.
KEEP = os.environ.get("GK_KEEP_DOCUMENTS")


@pytest.fixture(autouse=True)
def today(document_fonts):
    with clock.frozen(TODAY):
        yield


def fetch(client, request_id: int, document: str, *, lang: str = "", status: int = 200, keep: str = ""):
    answer = client.get(f"/api/v1/requests/{request_id}/{document}.pdf" + (f"?lang={lang}" if lang else ""))
    assert answer.status_code == status, answer.get_data(as_text=True)[:300]
    if KEEP and keep and status == 200:
        Path(KEEP).mkdir(parents=True, exist_ok=True)
        (Path(KEEP) / f"{keep}.pdf").write_bytes(answer.data)
    return answer


def rejected(**changes):
    req = factories.voted(factories.in_review(**changes), REJECT_VOTES)
    return factories.decided(req, "reject", reason=REASON)


def referred_and_rejected():
    req = factories.referred()
    return factories.ruled(req, "reject", reason="该事项应由部门自行承担，不列入社区工作事项")


# --- the approval form ----------------------------------------------------------------------------


def test_the_form_of_an_approved_request_in_chinese(login_as, db):
    req = factories.decided(
        factories.voted(factories.in_review()), conditions="数据通过一表通报送，不另设台账"
    )
    body = fetch(login_as("officer"), req.id, "form", keep="form-approved").data
    text = flat(pdf_text(body))
    for expected in (
        "临江区社区建设与管理指导委员会办公室",
        "社区工作事项准入申请审批表",
        f"#{req.id}",
        f"第{req.id}号准入申请",
        "区卫生健康委员会",
        "张卫",
        "协助开展传染病防控和健康教育",
        "入户宣传传染病防控知识",
        "《中华人民共和国传染病防治法》",
        "PD-107",
        "滨江街道",
        "每年报送次数",
        "区财政专项",
        "申请单位意见",
        "委员会办公室审核意见",
        "指导委员会审议意见",
        "数据通过一表通报送，不另设台账",
        "回避：系申请单位人员",  # member1 works for the filing department
        "陈健",
        "2026年6月1日",
        "第1页共",
    ):
        assert expected in text, expected
    assert "上级审批意见" not in text  # not referred
    assert yuan_grouped(req.funding_amount_fen) in text
    total = money_of(req).total_fen
    assert total and yuan_grouped(total) in text
    for finding in req.latest_check.findings:
        assert finding.code in text and flat(finding.citation) in text
    assert_cjk_fonts_embedded(body)
    assert "(A4)" in pdf_info(body)["Page size"]


def test_a_draft_prints_as_a_draft_with_empty_boxes_to_sign(login_as):
    req = factories.draft()
    text = flat(pdf_text(fetch(login_as("officer"), req.id, "form", keep="form-draft").data))
    assert "草稿" in text and "本申请尚未提交" in text
    assert text.count("签字（盖章）") == 3  # department, office, committee: left to sign by hand
    assert "尚未提交。" in text and "尚未表决。" in text


def test_a_referred_request_has_the_higher_authoritys_box(login_as):
    req = factories.referred()
    text = flat(pdf_text(fetch(login_as("secretariat"), req.id, "form", keep="form-referred").data))
    assert "上级审批意见" in text and "临江区人民政府常务会议" in text
    assert "目录外事项：已报请临江区人民政府常务会议研究" in text
    assert "OUT_OF_CATALOGUE" in text
    assert text.count("签字（盖章）") == 1  # the ruling is not recorded yet

    factories.ruled(req, "approve")
    text = flat(pdf_text(fetch(login_as("secretariat"), req.id, "form").data))
    assert "区政府常务会议纪要〔2026〕12号" in text and "签字（盖章）" not in text


def test_the_form_shows_returns_and_the_departments_answers(login_as, db):
    req = factories.submitted()
    with clock.frozen(TODAY):
        ops.return_request(req, "请补充经费测算依据", actor=user("secretariat"))
        db.commit()
        ops.submit_request(req, actor=req.created_by, response="已补充经费测算表，按每百户150元测算")
        db.commit()
    text = flat(pdf_text(fetch(login_as("officer"), req.id, "form").data))
    assert "请补充经费测算依据" in text and "已补充经费测算表，按每百户150元测算" in text
    assert "第2次提交" in text


def test_votes_in_review_show_recusals_and_deputies(login_as, db):
    req = factories.in_review()
    with clock.frozen(TODAY):
        committee_ops.declare_recusal(req, "本人曾参与该方案起草", actor=user("member5"))
        committee_ops.cast_vote(req, VoteChoice.APPROVE, "同意，注意减轻社区负担", actor=user("member2"))
        db.commit()
    text = flat(pdf_text(fetch(login_as("chair"), req.id, "form").data))
    assert "回避：申报利益冲突" in text and "本人曾参与该方案起草" in text
    assert "同意，注意减轻社区负担" in text
    assert "未表决" in text


def test_a_long_request_with_many_findings_breaks_across_pages(login_as, db):
    long_words = "入户宣传传染病防控知识，协助开展健康教育活动。" * 60 + "X" * 300
    codes = [f"LJ01{n:02d}" for n in range(1, 13)]
    req = factories.draft(
        description=long_words,
        scope={"type": "communities", "codes": codes},
        start_date="2026-06-10",  # inside the lead time
        demands={
            "dedicated_staff": True,
            "veto": True,
            "separate_ranking": True,
            "responsibility_letter": True,
        },
        funding={"basis": "none", "amount_fen": 0, "source": ""},
    )
    findings = req.latest_check.findings
    assert len(findings) >= 3
    body = fetch(login_as("officer"), req.id, "form", keep="form-long").data
    pages = pdf_pages(body)
    assert pages >= 3
    text = flat(pdf_text(body))
    assert "X" * 300 in text  # a long word wraps instead of running off the page
    assert f"第{pages}页共{pages}页" in text
    for finding in findings:
        assert finding.code in text and flat(finding.citation) in text, finding.code
    assert "阻止" in text  # the severity of a blocking finding, in words


def test_the_form_in_english(login_as):
    req = rejected()
    text = flat(pdf_text(fetch(login_as("officer"), req.id, "form", lang="en", keep="form-en").data))
    for expected in ("Approvalformofarequest", "Opinionofthesteeringcommittee", "Page1of", REASON):
        assert expected in text, expected
    assert "审批表" not in text and "签字" not in text


# --- the rejection decision -----------------------------------------------------------------------


def test_the_decision_of_a_rejected_request(login_as):
    req = rejected(start_date="2026-06-10")  # a lead-time warning to cite
    body = fetch(login_as("officer"), req.id, "decision", keep="decision").data
    text = flat(pdf_text(body))
    for expected in (
        "临江区社区建设与管理指导委员会办公室",
        "社区工作事项不予准入决定书",
        f"第{req.id}号准入申请",
        f"#{req.id}",
        "区卫生健康委员会：",
        "《协助开展传染病防控和健康教育》",
        "经临江区社区建设与管理指导委员会审议，于2026年6月1日决定不予准入",
        REASON,
        "重新提出准入申请",
        "申请复核",
        "二〇二六年六月一日",
        "第1页共",
    ):
        assert expected in text, expected
    assert req.latest_check.findings
    for finding in req.latest_check.findings:
        assert finding.code in text and flat(finding.message_zh) in text and flat(finding.citation) in text
    assert_cjk_fonts_embedded(body)


def test_a_referred_request_rejected_by_the_ruling(login_as):
    req = referred_and_rejected()
    text = flat(pdf_text(fetch(login_as("officer"), req.id, "decision", keep="decision-ruling").data))
    assert "报请临江区人民政府常务会议审定" in text
    assert "区政府常务会议纪要〔2026〕12号" in text
    assert "该事项应由部门自行承担，不列入社区工作事项" in text
    assert "OUT_OF_CATALOGUE" in text

    text = flat(pdf_text(fetch(login_as("officer"), req.id, "form").data))
    assert "上级审批意见" in text and "该事项应由部门自行承担，不列入社区工作事项" in text


def test_the_decision_in_english(login_as):
    req = rejected()
    text = flat(pdf_text(fetch(login_as("officer"), req.id, "decision", lang="en", keep="decision-en").data))
    assert "Decisionnottoadmitacommunityworkitem" in text
    assert "1June2026" in text and "Page1of" in text
    assert "决定书" not in text


def test_only_a_rejected_request_has_a_decision(login_as):
    for req in (factories.draft(), factories.approved(), factories.referred()):
        answer = fetch(login_as("officer"), req.id, "decision", status=409)
        assert answer.get_json()["error"]["code"] == "not_rejected"


# --- who may print --------------------------------------------------------------------------------


def test_who_may_print_them(login_as, client):
    req = rejected()
    for document in ("form", "decision"):
        fetch(client, req.id, document, status=401)
        fetch(login_as("mzj.officer"), req.id, document, status=404)  # another department's
        fetch(login_as("member3"), req.id, document)
        fetch(login_as("admin"), req.id, document)
    draft = factories.draft()
    fetch(login_as("secretariat"), draft.id, "form", status=404)  # the office does not see drafts
    answer = fetch(login_as("officer"), 999999, "form", status=404)
    assert answer.get_json()["error"]["code"] == "not_found"


# --- the buttons on the request's page ------------------------------------------------------------


def test_the_request_page_offers_its_documents(page_as):
    req = factories.in_review()
    officer = page_as("officer")
    html = officer.text(f"/requests/{req.id}")
    assert f'href="/api/v1/requests/{req.id}/form.pdf"' in html and "打印审批表" in html
    assert "decision.pdf" not in html  # not rejected
    answer = officer.get(f"/api/v1/requests/{req.id}/form.pdf")  # the page's session suffices
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"

    no = rejected(title="另一项被否决的申请")
    html = page_as("chair").text(f"/requests/{no.id}?lang=en")
    assert f'href="/api/v1/requests/{no.id}/decision.pdf"' in html
    assert "Print the approval form" in html and "Decision not to admit" in html
