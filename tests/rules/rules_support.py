"""Builders shared by the rules tests: small contexts, the demo catalogue, and a checked ``run``."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
from functools import cache
from pathlib import Path

from gatekeeper.rules import (
    RULES,
    Catalogue,
    Community,
    Context,
    Demands,
    Entry,
    Finding,
    Funding,
    Load,
    Proposal,
    Settings,
    evaluate,
)

CSV_PATH = (
    Path(__file__).resolve().parents[2] / "gatekeeper" / "modules" / "demo" / "data" / "catalogue_sample.csv"
)
#: A Monday.
FILING = dt.date(2025, 3, 3)
START = dt.date(2025, 6, 2)
REQUEST_FIELDS = {
    "title",
    "kind",
    "catalogue_entry",
    "legal_basis",
    "role",
    "scope.codes",
    "scope.type",
    "start_date",
    "end_date",
    "demands.dedicated_premises",
    "demands.premises_area_m2",
    "demands.dedicated_staff",
    "demands.separate_ranking",
    "demands.veto",
    "demands.responsibility_letter",
    "demands.reports_per_year",
    "funding.basis",
    "funding.amount_fen",
}

ENTRIES = (
    Entry(
        "DUTY-001",
        "社区矫正",
        "duty",
        "permitted",
        role="assist",
        funding_basis="per_100_households",
        funding_amount_fen=10000,
    ),
    Entry("DUTY-002", "社会治安", "duty", "permitted", role="assist"),
    Entry("SIGN-001", "退役军人服务站", "sign", "permitted", requires_premises=True),
    Entry(
        "SIGN-002",
        "新时代文明实践站",
        "sign",
        "permitted",
        funding_basis="per_community",
        funding_amount_fen=50000,
    ),
    Entry("LEDG-001", "各类会议", "ledger", "permitted"),
    Entry("MECH-001", "网格员队伍建设", "mechanism", "permitted", requires_staff=True),
    Entry("CERT-001", "入党外调政审等发展党员证明", "certificate", "permitted"),
    Entry("CERT-002", "收养人婚姻状况和抚养教育能力、收养状况证明", "certificate", "permitted"),
    Entry("NEG-001", "健在证明", "certificate", "banned"),
    Entry("NEG-002", "婚姻状况证明", "certificate", "banned"),
    Entry("NEG-003", "死亡证明", "certificate", "banned"),
    Entry("NEG-004", "居民身份信息证明", "certificate", "banned"),
    Entry("NEG-005", "亲属关系证明", "certificate", "banned"),
)
CATALOGUE = Catalogue(version_id=7, label="2025年第1版", entries=ENTRIES)


def community(code: str = "C01", households: int = 1000, **changes) -> Community:
    """A community with sensible defaults; ``signs=``, ``ledgers=``, ``reports=`` set its load."""
    load = Load(
        signs=changes.pop("signs", 0),
        ledgers=changes.pop("ledgers", 0),
        reports_per_year=changes.pop("reports", 0),
    )
    values = {"name": f"社区{code}", "type": "urban", "area_m2": None, "office_area_m2": None}
    values.update(changes)
    return Community(code=code, households=households, load=load, **values)


COMMUNITIES = (community("C01", 1000), community("C02", 500))


def proposal(**changes) -> Proposal:
    """A clean proposal (no finding at all) with ``changes`` applied.

    ``demands=`` and ``funding=`` may be dicts of changes to the nested defaults.
    """
    demands = Demands(**changes.pop("demands", {}))
    funding = Funding(**{"basis": "per_100_households", "amount_fen": 10000, **changes.pop("funding", {})})
    values = {
        "department_code": "D01",
        "kind": "duty",
        "title": "社区矫正",
        "legal_basis": "《中华人民共和国社区矫正法》",
        "catalogue_entry": "DUTY-001",
        "role": "assist",
        "start_date": START,
        "end_date": None,
        "demands": demands,
        "funding": funding,
    }
    values.update(changes)
    return Proposal(**values)


def context(proposal_changes: dict | None = None, **changes) -> Context:
    """A context around ``proposal(**proposal_changes)``; ``settings=`` may be a dict of changes."""
    settings = changes.pop("settings", {})
    if isinstance(settings, dict):
        settings = Settings(**settings)
    values = {
        "proposal": proposal(**(proposal_changes or {})),
        "catalogue": CATALOGUE,
        "communities": COMMUNITIES,
        "settings": settings,
        "filing_date": FILING,
    }
    values.update(changes)
    return Context(**values)


def check_invariants(findings: list[Finding], ctx: Context) -> None:
    """What holds for every finding: known rule, its severity, messages, citation, known fields."""
    for finding in findings:
        registered = RULES[finding.code]
        assert finding.severity == registered.severity
        assert finding.message_zh.strip() and finding.message_en.strip()
        assert finding.citation.strip()
        assert set(finding.fields) <= REQUEST_FIELDS, finding.fields
        assert all(isinstance(k, str) and isinstance(v, str) for k, v in finding.details)
    order = list(RULES)
    positions = [order.index(finding.code) for finding in findings]
    assert positions == sorted(positions)


def run(ctx: Context) -> list[Finding]:
    """``evaluate`` plus the invariants every result must satisfy."""
    findings = evaluate(ctx)
    check_invariants(findings, ctx)
    return findings


def of(findings: list[Finding], code: str) -> list[Finding]:
    """The findings of rule ``code``."""
    return [finding for finding in findings if finding.code == code]


def replace(obj, **changes):
    """``dataclasses.replace`` under a short name."""
    return dataclasses.replace(obj, **changes)


@cache
def demo_catalogue() -> Catalogue:
    """The demo catalogue CSV as a Catalogue: ``NEG-001``… for banned rows, ``CAT-001``… for the rest.

    A row is banned when its category contains 负面; ``role`` is the kind, ``assist`` meaning a duty the
    community assists with.
    """
    entries = []
    counters = {"NEG": 0, "CAT": 0}
    with CSV_PATH.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            banned = "负面" in row["category"]
            prefix = "NEG" if banned else "CAT"
            counters[prefix] += 1
            assist = row["role"] == "assist"
            entries.append(
                Entry(
                    code=f"{prefix}-{counters[prefix]:03d}",
                    title=row["item_name"],
                    kind="duty" if assist else row["role"],
                    standing="banned" if banned else "permitted",
                    role="assist" if assist else None,
                    legal_basis=row["legal_basis"],
                )
            )
    return Catalogue(version_id=1, label="demo", entries=tuple(entries))


#: Proposal changes for a plaque and a ledger of the small catalogue, with a legal basis.
SIGN = {
    "kind": "sign",
    "role": None,
    "title": "退役军人服务站",
    "catalogue_entry": "SIGN-001",
    "legal_basis": "依据",
}
LEDGER = {
    "kind": "ledger",
    "role": None,
    "title": "各类会议",
    "catalogue_entry": "LEDG-001",
    "legal_basis": "依据",
}
