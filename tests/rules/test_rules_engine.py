"""The engine as a whole: registry, ordering, outcome, citations, determinism, serialisation."""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

import pytest
from rules_support import CATALOGUE, community, context, of, replace, run

from gatekeeper.rules import RULES, ActiveAuthorisation, Finding, build_index, evaluate, outcome
from gatekeeper.rules.registry import rule

EXPECTED_ORDER = [
    "NEGATIVE_LIST",
    "OUT_OF_CATALOGUE",
    "FUNDS_FOLLOW_DUTIES",
    "NO_DEDICATED_PREMISES_STAFF",
    "NO_LEGAL_BASIS",
    "NO_VETO_LETTER_RANKING",
    "SCOPE_OUTSIDE_GATE",
    "EMPTY_SCOPE",
    "DUPLICATE_ACTIVE",
    "LEAD_TIME",
    "LOAD_CAP",
    "OFFICE_SHARE",
]
SEVERITY = {
    "OUT_OF_CATALOGUE": "refer",
    "DUPLICATE_ACTIVE": "warn",
    "LEAD_TIME": "warn",
    "LOAD_CAP": "warn",
}


def everything_wrong():
    """A sign request that breaks every rule except EMPTY_SCOPE (which excludes SCOPE_OUTSIDE_GATE)."""
    changes = {
        "kind": "sign",
        "role": None,
        "title": "居民生存证明",
        "catalogue_entry": None,
        "legal_basis": "暂无",
        "outside_codes": ("X1",),
        "start_date": dt.date(2025, 3, 4),
        "funding": {"basis": "none", "amount_fen": 0},
        "demands": {
            "dedicated_premises": True,
            "premises_area_m2": 80,
            "dedicated_staff": True,
            "veto": True,
            "reports_per_year": 12,
        },
    }
    communities = tuple(
        community(f"C{i}", 300, signs=6, reports=20, area_m2=200, office_area_m2=10) for i in range(3)
    )
    actives = (ActiveAuthorisation("SQ-1", "生存证明", None, dt.date(2025, 1, 1), None, 3),)
    return context(changes, communities=communities, active=actives)


def test_registry_order_and_severities():
    assert list(RULES) == EXPECTED_ORDER
    for code, registered in RULES.items():
        assert registered.code == code
        assert registered.severity == SEVERITY.get(code, "block")
        assert registered.citation_zh.strip()


def test_every_rule_fires_in_registry_order():
    findings = run(everything_wrong())
    expected = [code for code in EXPECTED_ORDER if code != "EMPTY_SCOPE"]
    expected.insert(expected.index("LOAD_CAP"), "LOAD_CAP")  # one for plaques, one for reports
    assert [f.code for f in findings] == expected
    assert outcome(findings) == "blocked"


def test_empty_scope_fires():
    findings = run(context(communities=()))
    assert [f.code for f in findings] == ["EMPTY_SCOPE"]


def test_clean_proposal_is_admissible():
    assert run(context()) == []
    assert outcome([]) == "admissible"


def test_same_input_same_output():
    ctx = everything_wrong()
    first = evaluate(ctx)
    assert evaluate(ctx) == first
    assert evaluate(ctx, index=build_index(ctx.catalogue)) == first
    assert [f.as_dict("en") for f in evaluate(everything_wrong())] == [f.as_dict("en") for f in first]


def test_index_of_another_version_is_refused():
    other = build_index(replace(CATALOGUE, version_id=99))
    with pytest.raises(ValueError):
        evaluate(context(), index=other)


def _finding(severity):
    return Finding("X", severity, "中", "en", "引")


@pytest.mark.parametrize(
    ("severities", "expected"),
    [
        ((), "admissible"),
        (("info",), "admissible"),
        (("warn", "info"), "admissible"),
        (("refer",), "refer"),
        (("warn", "refer", "info"), "refer"),
        (("block",), "blocked"),
        (("info", "warn", "refer", "block"), "blocked"),
        (("block", "block"), "blocked"),
    ],
)
def test_outcome(severities, expected):
    assert outcome(_finding(s) for s in severities) == expected


def test_unknown_severity_is_refused():
    with pytest.raises(ValueError):
        _finding("fatal")
    with pytest.raises(ValueError):
        rule("NEW", "fatal", "x")


def test_codes_register_once():
    with pytest.raises(ValueError):
        rule("LEAD_TIME", "warn", "x")(lambda ctx, index: [])


def test_citation_override_from_settings():
    ctx = context(
        {"demands": {"veto": True}},
        settings={"citations": (("NO_VETO_LETTER_RANKING", "本市《社区减负十条》第五条"),)},
    )
    (finding,) = of(run(ctx), "NO_VETO_LETTER_RANKING")
    assert finding.citation == "本市《社区减负十条》第五条"


def test_blank_override_keeps_default_and_others_untouched():
    citations = (("NO_VETO_LETTER_RANKING", "  "), ("LEAD_TIME", "本地文件"))
    ctx = context({"demands": {"veto": True}}, settings={"citations": citations})
    findings = run(ctx)
    (finding,) = of(findings, "NO_VETO_LETTER_RANKING")
    assert finding.citation == RULES["NO_VETO_LETTER_RANKING"].citation_zh
    assert of(findings, "LEAD_TIME") == []
    late = of(run(replace(ctx, proposal=replace(ctx.proposal, start_date=ctx.filing_date))), "LEAD_TIME")
    assert late[0].citation == "本地文件"


def test_as_dict():
    finding = Finding("LOAD_CAP", "warn", "中文", "English", "依据", ("kind",), "E-1", (("count", "3"),))
    assert finding.as_dict() == {
        "code": "LOAD_CAP",
        "severity": "warn",
        "message": "中文",
        "citation": "依据",
        "fields": ["kind"],
        "messages": {"zh": "中文", "en": "English"},
        "entry_code": "E-1",
        "details": {"count": "3"},
    }
    assert finding.as_dict("en")["message"] == "English"
    assert finding.as_dict("zh-CN")["message"] == "中文"


def test_every_finding_has_both_messages():
    for finding in run(everything_wrong()) + run(context(communities=())):
        assert finding.message_zh.strip() and finding.message_en.strip()
        assert finding.as_dict("zh")["message"] and finding.as_dict("en")["message"]


FORBIDDEN_IMPORTS = ("flask", "sqlalchemy", "gatekeeper.modules", "gatekeeper.core")


def test_package_is_pure():
    root = Path(__file__).resolve().parents[2] / "gatekeeper" / "rules"
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            for name in names:
                assert not name.lower().startswith(FORBIDDEN_IMPORTS), (path, name)
