"""Truth tables for NEGATIVE_LIST and OUT_OF_CATALOGUE."""

from __future__ import annotations

import pytest
from rules_support import CATALOGUE, context, of, replace, run

from gatekeeper.rules import Entry
from gatekeeper.rules.matching import score

CERT = {"kind": "certificate", "role": None, "legal_basis": "《某条例》"}


def cert(title: str, link: str | None = None) -> dict:
    """Proposal changes for a certificate request."""
    return {**CERT, "title": title, "catalogue_entry": link}


def duty(title: str, link: str | None = None, **changes) -> dict:
    """Proposal changes for an assisted-duty request (or another kind via ``kind=``)."""
    return {"title": title, "catalogue_entry": link, **changes}


NEGATIVE_ROWS = [
    # id, proposal changes, settings changes, expected present, expected entry code
    ("clean duty", {}, {}, False, None),
    ("links banned entry", cert("居民证明事项", "NEG-003"), {}, True, "NEG-003"),
    ("reworded banned title", cert("居民生存证明"), {}, True, "NEG-001"),
    ("banned inside long title", cert("关于居民出具健在情况证明的通知"), {}, True, "NEG-001"),
    ("traditional characters", cert("親屬關係證明"), {}, True, "NEG-005"),
    ("unrelated link cannot launder a banned title", cert("健在证明", "CERT-001"), {}, True, "NEG-001"),
    (
        "linked permitted entry closer than the banned one wins",
        cert("收养人婚姻状况和抚养教育能力证明", "CERT-002"),
        {},
        False,
        None,
    ),
    ("link of another kind", cert("健在证明", "SIGN-001"), {}, True, "NEG-001"),
    ("unknown link", cert("健在证明", "NOPE-1"), {}, True, "NEG-001"),
    ("banned match across kinds", duty("死亡证明登记台账", kind="ledger"), {}, True, "NEG-003"),
    ("different certificate", cert("出生证明"), {}, False, None),
    ("score exactly at threshold", cert("居民身份证明"), {}, True, "NEG-004"),
    ("score below threshold", cert("居民身份证明"), {"match_threshold": 81}, False, None),
    (
        "closer permitted entry wins",
        cert("收养人婚姻状况和抚养教育能力、收养状况证明"),
        {"match_threshold": 60},
        False,
        None,
    ),
    ("permitted entry not closer", cert("婚姻状况证明（收养）"), {"match_threshold": 60}, True, "NEG-002"),
]


@pytest.mark.parametrize(
    ("changes", "settings", "present", "code"),
    [r[1:] for r in NEGATIVE_ROWS],
    ids=[r[0] for r in NEGATIVE_ROWS],
)
def test_negative_list(changes, settings, present, code):
    findings = of(run(context(changes, settings=settings)), "NEGATIVE_LIST")
    assert bool(findings) is present
    if present:
        (finding,) = findings
        assert finding.severity == "block"
        assert finding.entry_code == code
        assert code in finding.message_zh and code in finding.message_en


def test_negative_list_names_entry_and_score():
    ctx = context(cert("居民生存证明"))
    (finding,) = of(run(ctx), "NEGATIVE_LIST")
    details = dict(finding.details)
    assert details["matched_title"] == "健在证明" and details["score"] == "100"
    assert "健在证明" in finding.message_zh and "100" in finding.message_zh
    assert finding.fields == ("title",)


def test_negative_list_by_link_points_at_the_link():
    (finding,) = of(run(context(cert("其他证明", "NEG-002"))), "NEGATIVE_LIST")
    assert finding.fields == ("catalogue_entry",)
    assert dict(finding.details)["via"] == "link"


def test_tie_between_banned_and_permitted_blocks():
    permitted = Entry("CERT-009", "收养人婚姻状况证明", "certificate", "permitted")
    catalogue = replace(CATALOGUE, entries=(*CATALOGUE.entries, permitted))
    title = "收养人婚姻状况证明"
    assert score(title, "婚姻状况证明") == score(title, permitted.title) == 100
    ctx = context(cert(title), catalogue=catalogue)
    assert of(run(ctx), "NEGATIVE_LIST")


OUT_ROWS = [
    # id, proposal changes, settings changes, expected present, expected link status
    ("valid link", {}, {}, False, None),
    ("title matches permitted of its kind", duty("社区矫正人员走访"), {}, False, None),
    ("unknown link but title matches", duty("社区矫正", "NOPE-1"), {}, False, None),
    ("no link, unrelated title", duty("垃圾分类督导"), {}, True, "absent"),
    ("blank link, unrelated title", duty("垃圾分类督导", "  "), {}, True, "absent"),
    ("unknown link", duty("垃圾分类督导", "NOPE-1"), {}, True, "unknown"),
    ("banned link", cert("健在证明", "NEG-001"), {}, True, "banned"),
    ("link of another kind", duty("垃圾分类督导", "SIGN-001"), {}, True, "other_kind"),
    ("title matches only another kind", duty("退役军人服务站"), {}, True, "absent"),
    ("sign matched by title", duty("退役军人服务站挂牌", kind="sign"), {}, False, None),
    ("kind with no permitted entries", duty("社区矫正", kind="system"), {}, True, "absent"),
    ("score exactly at threshold", duty("社会平安"), {"match_threshold": 75}, False, None),
    ("score just below threshold", duty("社会平安"), {"match_threshold": 76}, True, "absent"),
]


@pytest.mark.parametrize(
    ("changes", "settings", "present", "status"), [r[1:] for r in OUT_ROWS], ids=[r[0] for r in OUT_ROWS]
)
def test_out_of_catalogue(changes, settings, present, status):
    findings = of(run(context(changes, settings=settings)), "OUT_OF_CATALOGUE")
    assert bool(findings) is present
    if present:
        (finding,) = findings
        assert finding.severity == "refer"
        assert dict(finding.details)["link_status"] == status


def test_out_of_catalogue_says_unknown_code():
    (finding,) = of(run(context({"title": "垃圾分类督导", "catalogue_entry": "NOPE-1"})), "OUT_OF_CATALOGUE")
    assert "NOPE-1" in finding.message_zh and "不存在" in finding.message_zh
    assert "NOPE-1" in finding.message_en and "does not exist" in finding.message_en


def test_score_of_boundary_rows():
    assert score("社会平安", "社会治安") == 75
    assert score("居民身份证明", "居民身份信息证明") == 80


def test_out_of_catalogue_says_other_kind():
    (finding,) = of(
        run(context({"title": "垃圾分类督导", "catalogue_entry": "SIGN-001"})), "OUT_OF_CATALOGUE"
    )
    assert "机构牌子" in finding.message_zh and "plaque" in finding.message_en
    assert "kind" in finding.fields


def test_out_of_catalogue_names_closest_entry():
    ctx = context({"title": "社会平安", "catalogue_entry": None}, settings={"match_threshold": 76})
    (finding,) = of(run(ctx), "OUT_OF_CATALOGUE")
    assert dict(finding.details)["closest_code"] == "DUTY-002"
    assert dict(finding.details)["score"] == "75"
    assert "DUTY-002" in finding.message_zh and "DUTY-002" in finding.message_en
