"""Truth tables for NO_LEGAL_BASIS, NO_VETO_LETTER_RANKING, SCOPE_OUTSIDE_GATE and EMPTY_SCOPE."""

from __future__ import annotations

import pytest
from rules_support import context, of, run

NEEDS_BASIS = ("sign", "ledger", "mechanism", "appraisal", "certificate")
NON_ANSWERS = (
    "",
    "   ",
    "无",
    "暂无",
    "没有",
    "不详",
    "待定",
    " 无。",
    "None",
    "N/A",
    "n/a",
    "ｎ／ａ",
    "NA",
    "null",
    "-",
    "——",
    "not stated",
    "Not stated in source",
    "暫無",
)
ANSWERS = ("《中华人民共和国城市居民委员会组织法》第三条", "鲁社区治理组〔2023〕1号", "无线电管理条例")


@pytest.mark.parametrize("kind", NEEDS_BASIS)
@pytest.mark.parametrize("basis", NON_ANSWERS)
def test_non_answer_is_blocked(kind, basis):
    findings = of(run(context({"kind": kind, "role": None, "legal_basis": basis})), "NO_LEGAL_BASIS")
    assert [f.severity for f in findings] == ["block"]
    assert findings[0].fields == ("legal_basis",)


@pytest.mark.parametrize("kind", NEEDS_BASIS)
@pytest.mark.parametrize("basis", ANSWERS)
def test_real_basis_passes(kind, basis):
    assert not of(run(context({"kind": kind, "role": None, "legal_basis": basis})), "NO_LEGAL_BASIS")


@pytest.mark.parametrize(("kind", "role"), [("duty", "assist"), ("duty", "perform"), ("system", None)])
def test_kinds_without_basis_requirement(kind, role):
    assert not of(run(context({"kind": kind, "role": role, "legal_basis": ""})), "NO_LEGAL_BASIS")


def test_legal_basis_message_quotes_the_answer():
    (finding,) = of(run(context({"kind": "ledger", "role": None, "legal_basis": "暂无"})), "NO_LEGAL_BASIS")
    assert "暂无" in finding.message_zh and "暂无" in finding.message_en and "台账" in finding.message_zh


VETO_ROWS = [
    ("none", {}, ()),
    ("veto", {"veto": True}, ("demands.veto",)),
    ("letter", {"responsibility_letter": True}, ("demands.responsibility_letter",)),
    ("ranking", {"separate_ranking": True}, ("demands.separate_ranking",)),
    (
        "all three",
        {"veto": True, "responsibility_letter": True, "separate_ranking": True},
        ("demands.veto", "demands.responsibility_letter", "demands.separate_ranking"),
    ),
    ("unrelated demands", {"dedicated_staff": False, "reports_per_year": 2}, ()),
]


@pytest.mark.parametrize(("demands", "fields"), [r[1:] for r in VETO_ROWS], ids=[r[0] for r in VETO_ROWS])
def test_no_veto_letter_ranking(demands, fields):
    findings = of(run(context({"demands": demands})), "NO_VETO_LETTER_RANKING")
    assert len(findings) == (1 if fields else 0)
    if fields:
        assert findings[0].fields == fields and findings[0].severity == "block"


def test_veto_message_lists_each_demand():
    demands = {"veto": True, "responsibility_letter": True, "separate_ranking": True}
    (finding,) = of(run(context({"demands": demands})), "NO_VETO_LETTER_RANKING")
    assert finding.message_zh.startswith("申请要求实行“一票否决”、签订责任书、对社区单独考核排名")
    assert "one-vote veto, signing a responsibility letter, a separate ranking" in finding.message_en


SCOPE_ROWS = [
    # id, outside codes, communities present, expected SCOPE_OUTSIDE_GATE, expected EMPTY_SCOPE
    ("inside only", (), True, False, False),
    ("outside codes with communities", ("370199001",), True, True, False),
    ("outside codes only", ("370199001", "XYZ"), False, True, False),
    ("nobody at all", (), False, False, True),
]


@pytest.mark.parametrize(
    ("outside", "has_communities", "outside_expected", "empty_expected"),
    [r[1:] for r in SCOPE_ROWS],
    ids=[r[0] for r in SCOPE_ROWS],
)
def test_scope_rules(outside, has_communities, outside_expected, empty_expected):
    extra = {} if has_communities else {"communities": ()}
    findings = run(context({"outside_codes": outside}, **extra))
    assert bool(of(findings, "SCOPE_OUTSIDE_GATE")) is outside_expected
    assert bool(of(findings, "EMPTY_SCOPE")) is empty_expected
    assert all(
        f.severity == "block" for f in of(findings, "SCOPE_OUTSIDE_GATE") + of(findings, "EMPTY_SCOPE")
    )


def test_scope_outside_lists_codes():
    (finding,) = of(run(context({"outside_codes": ("370199001", "XYZ")})), "SCOPE_OUTSIDE_GATE")
    for code in ("370199001", "XYZ"):
        assert code in finding.message_zh and code in finding.message_en
    assert finding.fields == ("scope.codes",)
    assert dict(finding.details)["codes"] == "370199001,XYZ"
