"""Truth tables for DUPLICATE_ACTIVE and LEAD_TIME."""

from __future__ import annotations

import datetime as dt

import pytest
from rules_support import FILING, START, context, of, run

from gatekeeper.rules import ActiveAuthorisation, Calendar
from gatekeeper.rules.checks.timing import latest_filing_date

DAY = dt.timedelta(days=1)
END = START + dt.timedelta(days=364)


def active(
    number="SQ-2024-001", title="社区矫正", code="DUTY-001", valid_from=START, valid_to=None, overlap=2
):
    """An authorisation in force, by default the same item as the clean proposal."""
    return ActiveAuthorisation(number, title, code, valid_from, valid_to, overlap)


DUPLICATE_ROWS = [
    # id, proposal changes, active authorisations, expected numbers
    ("nothing active", {}, (), ()),
    ("same code, open ended", {}, (active(),), ("SQ-2024-001",)),
    ("same code, different title", {}, (active(title="矫正对象管理"),), ("SQ-2024-001",)),
    ("same title, no codes", {"catalogue_entry": None}, (active(code=None),), ("SQ-2024-001",)),
    (
        "reworded title",
        {"catalogue_entry": None, "title": "协助开展社区矫正工作"},
        (active(code=None),),
        ("SQ-2024-001",),
    ),
    ("different item", {}, (active(title="垃圾分类督导", code="DUTY-009"),), ()),
    (
        "both codes missing, titles differ",
        {"catalogue_entry": None},
        (active(title="垃圾分类督导", code=None),),
        (),
    ),
    ("ended the day before start", {}, (active(valid_from=START - 400 * DAY, valid_to=START - DAY),), ()),
    ("ends on the start date", {}, (active(valid_from=START - 400 * DAY, valid_to=START),), ("SQ-2024-001",)),
    ("starts the day after the end", {"end_date": END}, (active(valid_from=END + DAY),), ()),
    ("starts on the end date", {"end_date": END}, (active(valid_from=END),), ("SQ-2024-001",)),
    ("open-ended proposal, later active", {}, (active(valid_from=START + 900 * DAY),), ("SQ-2024-001",)),
    (
        "no start: from filing, overlapping",
        {"start_date": None},
        (active(valid_from=FILING, valid_to=FILING),),
        ("SQ-2024-001",),
    ),
    (
        "no start: from filing, expired",
        {"start_date": None},
        (active(valid_from=FILING - 9 * DAY, valid_to=FILING - DAY),),
        (),
    ),
    (
        "two duplicates in one finding",
        {},
        (active(), active(number="SQ-2024-002", code=None)),
        ("SQ-2024-001", "SQ-2024-002"),
    ),
]


@pytest.mark.parametrize(
    ("changes", "actives", "numbers"), [r[1:] for r in DUPLICATE_ROWS], ids=[r[0] for r in DUPLICATE_ROWS]
)
def test_duplicate_active(changes, actives, numbers):
    findings = of(run(context(changes, active=actives)), "DUPLICATE_ACTIVE")
    assert len(findings) == (1 if numbers else 0)
    if numbers:
        (finding,) = findings
        assert finding.severity == "warn"
        assert dict(finding.details)["numbers"] == ",".join(numbers)
        for number in numbers:
            assert number in finding.message_zh and number in finding.message_en


def test_duplicate_uses_the_gate_threshold():
    actives = (active(code=None, title="社会平安"),)
    changes = {"catalogue_entry": None, "title": "社会治安"}
    assert of(run(context(changes, active=actives, settings={"match_threshold": 75})), "DUPLICATE_ACTIVE")
    assert not of(run(context(changes, active=actives, settings={"match_threshold": 76})), "DUPLICATE_ACTIVE")


MONDAY = FILING  # 2025-03-03
LEAD_ROWS = [
    # id, start date, calendar, lead time, expected present
    ("no start date", None, Calendar(), 5, False),
    ("exactly the lead time", MONDAY + 7 * DAY, Calendar(), 5, False),
    ("one working day short", MONDAY + 6 * DAY, Calendar(), 5, True),
    ("plenty of time", START, Calendar(), 30, False),
    ("starts on the filing date", MONDAY, Calendar(), 5, True),
    ("starts in the past", MONDAY - 10 * DAY, Calendar(), 5, True),
    ("a holiday eats a day", MONDAY + 7 * DAY, Calendar(holidays=frozenset({MONDAY + 2 * DAY})), 5, True),
    (
        "a make-up Saturday gives it back",
        MONDAY + 7 * DAY,
        Calendar(holidays=frozenset({MONDAY + 2 * DAY}), workdays=frozenset({MONDAY + 5 * DAY})),
        5,
        False,
    ),
    ("no lead time required", MONDAY, Calendar(), 0, False),
]


@pytest.mark.parametrize(
    ("start", "calendar", "lead", "present"), [r[1:] for r in LEAD_ROWS], ids=[r[0] for r in LEAD_ROWS]
)
def test_lead_time(start, calendar, lead, present):
    ctx = context({"start_date": start}, calendar=calendar, settings={"lead_time_days": lead})
    findings = of(run(ctx), "LEAD_TIME")
    assert bool(findings) is present
    if present:
        assert findings[0].severity == "warn" and findings[0].fields == ("start_date",)


def test_lead_time_message_gives_days_and_latest_date():
    ctx = context({"start_date": MONDAY + 6 * DAY}, settings={"lead_time_days": 5})  # Sunday 2025-03-09
    (finding,) = of(run(ctx), "LEAD_TIME")
    details = dict(finding.details)
    assert details == {
        "working_days": "4",
        "required": "5",
        "latest_filing_date": "2025-03-02",
        "earliest_start_date": "2025-03-10",
    }
    for text in ("4", "5", "2025-03-02", "2025-03-10"):
        assert text in finding.message_zh and text in finding.message_en


@pytest.mark.parametrize("lead", [1, 5, 30])
def test_latest_filing_date_is_the_last_one_that_works(lead):
    calendar = Calendar(
        holidays=frozenset({dt.date(2025, 5, 1), dt.date(2025, 5, 2)}),
        workdays=frozenset({dt.date(2025, 4, 27)}),
    )
    for offset in range(60):
        start = dt.date(2025, 4, 1) + offset * DAY
        latest = latest_filing_date(calendar, start, lead)
        assert calendar.working_days_between(latest, start) == lead
        assert calendar.working_days_between(latest + DAY, start) == lead - 1
