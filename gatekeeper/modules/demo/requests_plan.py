"""Planning the demo requests: request bodies from ``data/requests.json`` and a dated list of steps.

Each entry of the data file is one request in a compact form (``"scope": "streets:LJ05,LJ06/rural"``,
``"funding": "per_community:1200"`` in yuan) with a *fate*: where its story ends (approved, overdue,
returned ...). A fate is a sequence of steps (file, submit, accept, vote, decide ...). The plan gives
every step a working day and a time of day in the ten months before today:

- finished stories (``spread``) are filed evenly over the history, with plausible gaps between steps;
- open stories are anchored near today: a request in review was accepted a few working days ago
  (so its decision is not yet due), an overdue one more than 15 working days ago, and so on.

Start dates keep the gate's lead time, except for requests marked ``late``. Nothing here touches the
database; ``requests.py`` runs the steps.

Keys of an entry: ``dept`` (department code), ``kind``, ``role``, ``entry`` (catalogue code),
``title``, ``text``, ``basis``, ``scope``, ``months`` (validity), ``hours`` (a month per
community), ``reports`` (a year), ``demands``, ``funding`` and ``source``; then the story:
``fate``, ``late``, ``ago`` (days before today it was filed, for a finished story), ``expect``
(rule codes its first check must find), ``votes`` (member1..member5: ``A`` approve, ``R`` reject,
``B`` abstain, ``-`` no vote; default: every member not recused approves), ``comments``,
``recuse`` (declared recusals), ``conditions``, the reasons ``return``, ``send_back``, ``reject``
and ``withdraw``, ``fix`` (the patch after a return or a blocked attempt; ``restart`` moves the
dates after the lead time again) and ``ruling``.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from gatekeeper.core import clock
from gatekeeper.modules.demo.district import GATE_CODE, USERS
from gatekeeper.modules.requests.models import RequestState
from gatekeeper.rules.context import Calendar

DATA = Path(__file__).parent / "data" / "requests.json"
MEMBERS = ("member1", "member2", "member3", "member4", "member5")
MEMBER_DEPARTMENTS = {u.username: u.department for u in USERS if u.username in MEMBERS}
#: The first finished story is filed about this many days before today, the last one this many.
HISTORY_DAYS, LATEST_SPREAD_DAYS = 300, 45
#: Working days from the first submission to the start: the 30-day lead time, the review, a margin.
START_AFTER, LATE_START_AFTER = 50, 12
VOTE_CODES = {"A": "approve", "R": "reject", "B": "abstain"}

#: fate -> (steps, anchor). "votes" expands into recusals and one vote per voting member.
FATES: dict[str, tuple[tuple[str, ...], str]] = {
    "draft": (("create",), "recent"),
    "blocked": (("create", "attempt"), "recent"),
    "submitted": (("create", "submit"), "recent"),
    "resubmitted": (("create", "submit", "return", "fix", "resubmit"), "recent"),
    "returned": (("create", "submit", "return"), "returned"),
    "chair_returned": (("create", "submit", "accept", "votes", "send_back"), "returned"),
    "in_review": (("create", "submit", "accept", "votes"), "in_review"),
    "overdue": (("create", "submit", "accept", "votes"), "overdue"),
    "referred": (("create", "submit", "accept", "votes", "approve"), "referred"),
    "approved": (("create", "submit", "accept", "votes", "approve"), "spread"),
    "fixed_approved": (("create", "attempt", "fix", "submit", "accept", "votes", "approve"), "spread"),
    "resubmitted_approved": (
        ("create", "submit", "return", "fix", "resubmit", "accept", "votes", "approve"),
        "spread",
    ),
    "rejected": (("create", "submit", "accept", "votes", "reject"), "spread"),
    "ruled": (("create", "submit", "accept", "votes", "approve", "ruling"), "spread"),
    "withdrawn_draft": (("create", "withdraw"), "spread"),
    "withdrawn_submitted": (("create", "submit", "withdraw"), "spread"),
    "withdrawn_returned": (("create", "submit", "return", "withdraw"), "spread"),
    "withdrawn_review": (("create", "submit", "accept", "votes", "withdraw"), "spread"),
}
FINAL_STATES = {
    "draft": RequestState.DRAFT,
    "blocked": RequestState.DRAFT,
    "submitted": RequestState.SUBMITTED,
    "resubmitted": RequestState.SUBMITTED,
    "returned": RequestState.RETURNED,
    "chair_returned": RequestState.RETURNED,
    "in_review": RequestState.IN_REVIEW,
    "overdue": RequestState.IN_REVIEW,
    "referred": RequestState.REFERRED,
    "approved": RequestState.APPROVED,
    "fixed_approved": RequestState.APPROVED,
    "resubmitted_approved": RequestState.APPROVED,
    "rejected": RequestState.REJECTED,
}
#: Working days since the previous step: (fewest, most).
GAPS = {
    "create": (0, 0), "attempt": (0, 2), "submit": (1, 4), "return": (1, 3), "fix": (1, 4),
    "resubmit": (0, 1), "accept": (1, 3), "recuse": (1, 2), "vote": (0, 2), "first_vote": (1, 3),
    "approve": (1, 3), "reject": (1, 3), "send_back": (1, 3), "withdraw": (2, 8), "ruling": (12, 25),
}  # fmt: skip
#: Minutes of the day a step happens between: officers file in the morning and submit after lunch...
HOURS = {
    "create": (525, 705), "attempt": (840, 1020), "submit": (840, 1035), "return": (570, 990),
    "fix": (540, 960), "resubmit": (840, 1020), "accept": (540, 690), "recuse": (540, 1020),
    "vote": (540, 1050), "approve": (900, 1020), "reject": (900, 1020), "send_back": (900, 1020),
    "withdraw": (540, 1020), "ruling": (600, 960),
}  # fmt: skip
#: Working days before today of the anchored step: (fewest, most).
ANCHORS = {
    "recent": (1, 8),
    "returned": (3, 30),
    "in_review": (3, 10),
    "overdue": (20, 35),
    "referred": (3, 25),
}


@dataclass
class Step:
    at: dt.datetime
    index: int
    order: int
    action: str
    member: str | None = None
    choice: str | None = None


@dataclass
class Plan:
    index: int
    spec: dict[str, Any]
    steps: list[Step] = field(default_factory=list)
    body: dict[str, Any] = field(default_factory=dict)
    patch: dict[str, Any] = field(default_factory=dict)
    ruled_on: dt.date | None = None

    @property
    def title(self) -> str:
        return self.spec["title"]

    @property
    def expected(self) -> RequestState:
        fate = self.spec["fate"]
        if fate == "ruled":
            approve = self.spec["ruling"]["outcome"] == "approve"
            return RequestState.APPROVED if approve else RequestState.REJECTED
        return FINAL_STATES.get(fate, RequestState.WITHDRAWN)


def read_specs() -> list[dict[str, Any]]:
    return json.loads(DATA.read_text(encoding="utf-8"))


# --- bodies -----------------------------------------------------------------------------------


def scope(text: str) -> dict[str, Any]:
    """``all``, ``urban``, ``rural``, ``streets:LJ01,LJ02``, ``communities:LJ0101/urban`` -> scope body."""
    text, _, community_type = text.partition("/")
    if text in ("urban", "rural"):
        text, community_type = "all", text
    kind, _, codes = text.partition(":")
    return {
        "type": kind,
        "codes": codes.split(",") if codes else [],
        "community_type": community_type or None,
    }


def funding(text: str | None, source: str | None) -> dict[str, Any]:
    """``per_community:1200`` (yuan) -> funding body in fen."""
    if not text:
        return {"basis": "none", "amount_fen": 0, "source": ""}
    basis, _, yuan = text.partition(":")
    return {"basis": basis, "amount_fen": int(Decimal(yuan) * 100), "source": source or "区财政预算安排"}


def add_months(day: dt.date, months: int) -> dt.date:
    year, month = divmod(day.month - 1 + months, 12)
    return day.replace(year=day.year + year, month=month + 1)


def validity(cal: Calendar, submitted: dt.date, months: int, late: bool) -> tuple[str, str]:
    """Start on the first of a month after the lead time (or soon, when late); end ``months`` later."""
    if late:
        start = cal.add_working_days(submitted, LATE_START_AFTER)
    else:
        earliest = cal.add_working_days(submitted, START_AFTER)
        start = earliest if earliest.day == 1 else add_months(earliest.replace(day=1), 1)
    return start.isoformat(), (add_months(start, months) - dt.timedelta(days=1)).isoformat()


def body(spec: dict[str, Any], start: str, end: str) -> dict[str, Any]:
    demands = {"dedicated_premises": False, "premises_area_m2": None, "dedicated_staff": False,
               "separate_ranking": False, "veto": False, "responsibility_letter": False,
               "reports_per_year": spec.get("reports", 0), **spec.get("demands", {})}  # fmt: skip
    return {
        "gate": GATE_CODE,
        "department": spec["dept"],
        "kind": spec["kind"],
        "title": spec["title"],
        "description": spec["text"],
        "legal_basis": spec["basis"],
        "catalogue_entry": spec.get("entry"),
        "role": spec.get("role"),
        "scope": scope(spec["scope"]),
        "start_date": start,
        "end_date": end,
        "workload_hours": spec.get("hours", 0),
        "demands": demands,
        "funding": funding(spec.get("funding"), spec.get("source")),
    }


# --- dates ------------------------------------------------------------------------------------


def shift(cal: Calendar, day: dt.date, count: int) -> dt.date:
    """``count`` working days after (or, when negative, before) ``day``."""
    if count >= 0:
        return cal.add_working_days(day, count)
    while count < 0:
        day -= dt.timedelta(days=1)
        count += cal.is_working_day(day)
    return day


def next_working_day(cal: Calendar, day: dt.date) -> dt.date:
    while not cal.is_working_day(day):
        day += dt.timedelta(days=1)
    return day


def actions(spec: dict[str, Any], rng: random.Random) -> list[tuple[str, str | None, str | None]]:
    """The fate's steps with the committee's part expanded: (action, member, vote choice)."""
    recused = spec.get("recuse", {})
    result: list[tuple[str, str | None, str | None]] = []
    for action in FATES[spec["fate"]][0]:
        if action != "votes":
            result.append((action, None, None))
            continue
        result += [("recuse", member, None) for member in recused]
        pattern = spec.get("votes") or "".join(
            "-" if MEMBER_DEPARTMENTS[m] == spec["dept"] or m in recused else "A" for m in MEMBERS
        )
        votes = [(m, VOTE_CODES[c]) for m, c in zip(MEMBERS, pattern, strict=True) if c != "-"]
        rng.shuffle(votes)
        result += [("vote", member, choice) for member, choice in votes]
    return result


def gap(action: str, previous: str, rng: random.Random) -> int:
    if action == "vote" and previous != "vote":
        return rng.randint(*GAPS["first_vote"]) if previous != "recuse" else rng.randint(0, 1)
    if action == "submit" and previous == "fix":
        return rng.randint(0, 1)
    return rng.randint(*GAPS[action])


def dates(cal: Calendar, anchor: dt.date, anchor_index: int, gaps: list[int]) -> list[dt.date]:
    offsets = [sum(gaps[: i + 1]) for i in range(len(gaps))]
    return [shift(cal, anchor, offset - offsets[anchor_index]) for offset in offsets]


def plan_requests(
    specs: list[dict[str, Any]], cal: Calendar, today: dt.date, rng: random.Random
) -> list[Plan]:
    """A plan per request: dated steps, the body to file and the patch of a fix."""
    plans = [Plan(index, spec) for index, spec in enumerate(specs)]
    spread = [p for p in plans if FATES[p.spec["fate"]][1] == "spread"]
    rng.shuffle(spread)
    filed: dict[int, dt.date] = {}
    for position, plan in enumerate(spread):
        ago = HISTORY_DAYS - position * (HISTORY_DAYS - LATEST_SPREAD_DAYS) / max(len(spread) - 1, 1)
        ago = plan.spec.get("ago", ago + rng.uniform(-3, 3))
        filed[plan.index] = next_working_day(cal, today - dt.timedelta(days=round(ago)))
    last_allowed = shift(cal, today, -1)
    for plan in plans:
        steps = actions(plan.spec, rng)
        gaps = [gap(a, steps[i - 1][0] if i else "", rng) for i, (a, _, _) in enumerate(steps)]
        anchor_kind = FATES[plan.spec["fate"]][1]
        if anchor_kind == "spread":
            days = dates(cal, filed[plan.index], 0, gaps)
            while days[-1] > last_allowed:
                days = dates(cal, shift(cal, days[0], -5), 0, gaps)
        else:
            names = [a for a, _, _ in steps]
            index = names.index("accept") if anchor_kind in ("in_review", "overdue") else len(steps) - 1
            anchor = shift(cal, today, -rng.randint(*ANCHORS[anchor_kind]))
            days = [min(day, last_allowed) for day in dates(cal, anchor, index, gaps)]
        _timestamps(plan, steps, days, rng)
        _contents(plan, cal, rng)
    return plans


def _timestamps(plan: Plan, steps, days: list[dt.date], rng: random.Random) -> None:
    previous: tuple[dt.date, int] | None = None
    for order, ((action, member, choice), day) in enumerate(zip(steps, days, strict=True)):
        minute = rng.randint(*HOURS[action])
        if previous and previous[0] == day and minute <= previous[1]:
            minute = previous[1] + rng.randint(10, 50)
        previous = (day, minute)
        at = dt.datetime.combine(day, dt.time(minute // 60, minute % 60), tzinfo=clock.timezone())
        plan.steps.append(Step(at, plan.index, order, action, member, choice))


def _contents(plan: Plan, cal: Calendar, rng: random.Random) -> None:
    spec = plan.spec
    first = next((s for s in plan.steps if s.action in ("submit", "attempt")), plan.steps[0])
    plan.body = body(spec, *validity(cal, first.at.date(), spec.get("months", 12), spec.get("late", False)))
    fix = dict(spec.get("fix", {}))
    if fix.pop("restart", False):
        resubmit = next(s for s in plan.steps if s.action == "resubmit")
        fix["start_date"], fix["end_date"] = validity(cal, resubmit.at.date(), spec.get("months", 12), False)
    if "funding" in fix:
        fix["funding"] = funding(fix["funding"], spec.get("source"))
    plan.patch = fix
    ruling = next((s for s in plan.steps if s.action == "ruling"), None)
    if ruling is not None:  # the escalation body meets on Thursdays; the office records it days later
        day = ruling.at.date() - dt.timedelta(days=rng.randint(1, 3))
        while day.weekday() != 3 or not cal.is_working_day(day):
            day -= dt.timedelta(days=1)
        plan.ruled_on = day
