"""Truth tables for FUNDS_FOLLOW_DUTIES and NO_DEDICATED_PREMISES_STAFF."""

from __future__ import annotations

import datetime as dt

import pytest
from rules_support import CATALOGUE, LEDGER, SIGN, START, community, context, of, replace, run

NONE = {"basis": "none", "amount_fen": 0}
STATION = {**SIGN, "title": "新时代文明实践站", "catalogue_entry": "SIGN-002"}
# Two communities of 1000 and 500 households; DUTY-001's standard is 100.00 yuan per 100 households a year,
# so 1500.00 yuan a year; SIGN-002's is 500.00 yuan per community a year, so 1000.00 yuan a year.
TWO_YEARS = {"start_date": START, "end_date": START + dt.timedelta(days=729)}


def pay(amount: int, basis: str = "per_100_households", **changes) -> dict:
    """Proposal changes offering ``amount`` fen on ``basis``."""
    return {"funding": {"basis": basis, "amount_fen": amount}, **changes}


UNRELATED = {"catalogue_entry": None, "title": "垃圾分类督导"}

FUNDS_ROWS = [
    # id, proposal changes, extra setup (see SETUPS), expected present
    ("performed duty needs no funds", {"role": "perform", "funding": NONE}, None, False),
    ("assisted duty without funds", {"funding": NONE}, None, True),
    ("assisted duty with zero amount", pay(0), None, True),
    ("assisted duty with negative amount", pay(-5), None, True),
    ("basis none with an amount", pay(100, "none"), None, True),
    ("sign without funds", {**SIGN, "funding": NONE}, None, True),
    ("ledger without funds", {**LEDGER, "funding": NONE}, None, True),
    ("system without funds", {"kind": "system", "role": None, "funding": NONE}, None, True),
    ("mechanism without funds", {"kind": "mechanism", "role": None, "funding": NONE}, None, False),
    ("certificate without funds", {"kind": "certificate", "role": None, "funding": NONE}, None, False),
    ("per 100 households equal to standard", pay(10000), None, False),
    ("per 100 households one fen below", pay(9999), None, True),
    ("per community equal", pay(75000, "per_community"), None, False),
    ("per community one fen below", pay(74999, "per_community"), None, True),
    ("lump sum over two years equal", pay(300000, "lump_sum", **TWO_YEARS), None, False),
    ("lump sum over two years below", pay(299999, "lump_sum", **TWO_YEARS), None, True),
    ("lump sum without end date equal", pay(150000, "lump_sum"), None, False),
    ("lump sum without end date below", pay(149999, "lump_sum"), None, True),
    ("lump sum without dates", pay(150000, "lump_sum", start_date=None), None, False),
    ("standard by title match", pay(9999, catalogue_entry=None, title="社区矫正人员走访"), None, True),
    ("no matched entry, any amount", pay(1, **UNRELATED), None, False),
    ("entry without a standard", pay(1, catalogue_entry="DUTY-002", title="社会治安"), None, False),
    ("sign per community standard equal", pay(50000, "per_community", **STATION), None, False),
    ("sign per community standard, other basis below", pay(6666, **STATION), None, True),
    # 150 households at 1 fen per 100 households is 1.5 fen a year: 1 fen per community is below, 2 is not.
    ("fraction of a fen below", pay(1, "per_community"), "tiny", True),
    ("fraction of a fen met", pay(2, "per_community"), "tiny", False),
]


_TINY_DUTY = replace(CATALOGUE.entries[0], funding_amount_fen=1)
#: Extra context changes a row may name: one community of 150 households, DUTY-001 at 1 fen.
SETUPS = {
    None: {},
    "tiny": {
        "communities": (community("C01", 150),),
        "catalogue": replace(CATALOGUE, entries=(_TINY_DUTY, *CATALOGUE.entries[1:])),
    },
}


@pytest.mark.parametrize(
    ("changes", "setup", "present"), [r[1:] for r in FUNDS_ROWS], ids=[r[0] for r in FUNDS_ROWS]
)
def test_funds_follow_duties(changes, setup, present):
    extra = SETUPS[setup]
    findings = of(run(context(changes, **extra)), "FUNDS_FOLLOW_DUTIES")
    assert bool(findings) is present
    for finding in findings:
        assert finding.severity == "block"
        assert set(finding.fields) == {"funding.basis", "funding.amount_fen"}


def test_funds_message_states_both_yearly_amounts():
    (finding,) = of(run(context(pay(9999))), "FUNDS_FOLLOW_DUTIES")
    assert "1500.00" in finding.message_zh and "1499.85" in finding.message_zh
    assert "1500.00" in finding.message_en and "1499.85" in finding.message_en
    assert "100.00" in finding.message_zh  # the minimum amount on the request's own basis
    assert finding.entry_code == "DUTY-001"
    assert dict(finding.details)["minimum_amount_fen"] == "10000"


def test_funds_minimum_for_lump_sum():
    (finding,) = of(run(context(pay(1, "lump_sum", **TWO_YEARS))), "FUNDS_FOLLOW_DUTIES")
    assert dict(finding.details)["minimum_amount_fen"] == "300000"
    assert "3000.00" in finding.message_zh


def test_unfunded_message_asks_for_funding():
    (finding,) = of(run(context({"funding": NONE})), "FUNDS_FOLLOW_DUTIES")
    assert "费随事转" in finding.message_zh and "funds must follow duties" in finding.message_en


def want(*demands: str, **changes) -> dict:
    """Proposal changes demanding ``dedicated_<demand>`` for each name given."""
    return {"demands": {f"dedicated_{name}": True for name in demands}, **changes}


PREMISES, STAFF = "demands.dedicated_premises", "demands.dedicated_staff"
MECHANISM = {"kind": "mechanism", "role": None, "title": "网格员队伍建设", "catalogue_entry": "MECH-001"}

PREMISES_ROWS = [
    # id, proposal changes, expected fields (empty = no finding)
    ("no demands", {}, ()),
    ("premises where the entry provides for them", want("premises", **SIGN), ()),
    ("premises where the entry does not", want("premises"), (PREMISES,)),
    ("staff where the entry does not", want("staff"), (STAFF,)),
    ("staff where the entry provides for it", want("staff", **MECHANISM), ()),
    ("both demanded, neither provided", want("premises", "staff"), (PREMISES, STAFF)),
    ("both demanded, only premises provided", want("premises", "staff", **SIGN), (STAFF,)),
    ("premises with no matched entry", want("premises", **UNRELATED), (PREMISES,)),
    ("entry matched by title provides premises", want("premises", **{**SIGN, "catalogue_entry": None}), ()),
]


@pytest.mark.parametrize(
    ("changes", "fields"), [r[1:] for r in PREMISES_ROWS], ids=[r[0] for r in PREMISES_ROWS]
)
def test_no_dedicated_premises_staff(changes, fields):
    findings = of(run(context(changes)), "NO_DEDICATED_PREMISES_STAFF")
    assert len(findings) == (1 if fields else 0)
    if fields:
        assert findings[0].fields == fields
        assert findings[0].severity == "block"


def test_premises_message_names_demands_and_entry():
    (finding,) = of(run(context(want("premises", "staff"))), "NO_DEDICATED_PREMISES_STAFF")
    assert (
        "专门场所" in finding.message_zh
        and "专职人员" in finding.message_zh
        and "DUTY-001" in finding.message_zh
    )
    assert "premises" in finding.message_en and "staff" in finding.message_en
    assert finding.entry_code == "DUTY-001"
