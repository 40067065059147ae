"""Truth tables for LOAD_CAP and OFFICE_SHARE."""

from __future__ import annotations

import pytest
from rules_support import LEDGER, SIGN, community, context, of, run

CAP_ROWS = [
    # id, proposal changes, community load, settings changes, expected cap types
    ("sign cap reached, not exceeded", SIGN, {"signs": 5}, {}, ()),
    ("sign cap exceeded", SIGN, {"signs": 6}, {}, ("signs",)),
    ("gate's own sign cap", SIGN, {"signs": 5}, {"sign_cap": 5}, ("signs",)),
    ("ledger cap reached", LEDGER, {"ledgers": 9}, {}, ()),
    ("ledger cap exceeded", LEDGER, {"ledgers": 10}, {}, ("ledgers",)),
    ("signs do not count for a ledger", LEDGER, {"signs": 50}, {}, ()),
    ("ledgers do not count for a duty", {}, {"ledgers": 50, "signs": 50}, {}, ()),
    ("reports cap reached", {"demands": {"reports_per_year": 4}}, {"reports": 20}, {}, ()),
    ("reports cap exceeded", {"demands": {"reports_per_year": 4}}, {"reports": 21}, {}, ("reports",)),
    ("no reports demanded", {}, {"reports": 99}, {}, ()),
    (
        "sign and reports",
        {**SIGN, "demands": {"reports_per_year": 12}},
        {"signs": 6, "reports": 13},
        {},
        ("signs", "reports"),
    ),
]


@pytest.mark.parametrize(
    ("changes", "load", "settings", "caps"), [r[1:] for r in CAP_ROWS], ids=[r[0] for r in CAP_ROWS]
)
def test_load_cap(changes, load, settings, caps):
    communities = (community("C01", 1000, **load), community("C02", 500))
    findings = of(run(context(changes, communities=communities, settings=settings)), "LOAD_CAP")
    assert [dict(f.details)["cap_type"] for f in findings] == list(caps)
    for finding in findings:
        assert finding.severity == "warn"
        assert dict(finding.details)["communities"] == "C01"
        assert "社区C01" in finding.message_zh and "社区C01" in finding.message_en


def test_load_cap_names_five_and_counts_all():
    communities = tuple(community(f"C{i:02d}", 100, signs=6 + i) for i in range(7))
    (finding,) = of(run(context(SIGN, communities=communities)), "LOAD_CAP")
    details = dict(finding.details)
    assert details["count"] == "7"
    assert details["communities"] == "C00,C01,C02,C03,C04"
    assert "7 个社区" in finding.message_zh and finding.message_en.startswith("7 communities")
    assert "社区C04（现有 10 块）" in finding.message_zh and "社区C05" not in finding.message_zh
    assert "…" in finding.message_zh


def test_reports_cap_points_at_reports_field():
    ctx = context({"demands": {"reports_per_year": 30}})
    (finding,) = of(run(ctx), "LOAD_CAP")
    assert finding.fields == ("demands.reports_per_year", "scope.codes")


PREMISES = {"dedicated_premises": True}

OFFICE_ROWS = [
    # id, demands, community (area, office), settings, expected present
    ("exactly 20 percent", {**PREMISES, "premises_area_m2": 50}, (1000, 150), {}, False),
    ("one square metre over", {**PREMISES, "premises_area_m2": 51}, (1000, 150), {}, True),
    ("no office yet, exactly 20 percent", {**PREMISES, "premises_area_m2": 20}, (100, None), {}, False),
    ("no office yet, over", {**PREMISES, "premises_area_m2": 21}, (100, None), {}, True),
    ("area unknown", {**PREMISES, "premises_area_m2": 500}, (None, 10), {}, False),
    ("premises not demanded", {"premises_area_m2": 500}, (100, 10), {}, False),
    ("premises area unknown", {**PREMISES, "premises_area_m2": None}, (100, 99), {}, False),
    ("premises area zero", {**PREMISES, "premises_area_m2": 0}, (100, 99), {}, False),
    (
        "gate's own share, within",
        {**PREMISES, "premises_area_m2": 51},
        (1000, 150),
        {"office_share_max_percent": 25},
        False,
    ),
    (
        "gate's own share, over",
        {**PREMISES, "premises_area_m2": 101},
        (1000, 150),
        {"office_share_max_percent": 25},
        True,
    ),
]


@pytest.mark.parametrize(
    ("demands", "sizes", "settings", "present"), [r[1:] for r in OFFICE_ROWS], ids=[r[0] for r in OFFICE_ROWS]
)
def test_office_share(demands, sizes, settings, present):
    area, office = sizes
    communities = (community("C01", 1000, area_m2=area, office_area_m2=office),)
    findings = of(
        run(context({"demands": demands}, communities=communities, settings=settings)), "OFFICE_SHARE"
    )
    assert bool(findings) is present
    if present:
        assert findings[0].severity == "block"
        assert findings[0].fields == ("demands.dedicated_premises", "demands.premises_area_m2")


def test_office_share_names_five_and_counts_all():
    communities = tuple(community(f"C{i:02d}", 100, area_m2=100, office_area_m2=20) for i in range(6))
    ctx = context({"demands": {**PREMISES, "premises_area_m2": 1}}, communities=communities)
    (finding,) = of(run(ctx), "OFFICE_SHARE")
    assert dict(finding.details) == {"count": "6", "communities": "C00,C01,C02,C03,C04"}
    assert "6 个社区" in finding.message_zh and "20%" in finding.message_zh and "20%" in finding.message_en
    assert "社区C05" not in finding.message_zh
