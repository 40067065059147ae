"""Every statistic on a dataset built here, its right answers computed independently in Python
(the official calendar of ``rules.context.Calendar``, plain loops over the specs)."""

from __future__ import annotations

import datetime as dt
import statistics as pystats
from collections import Counter

import pytest
import sqlalchemy as sa

from gatekeeper.core import clock
from gatekeeper.modules.funds.models import Allocation
from gatekeeper.modules.inventory.models import CleanupStatus, InventoryImport, InventoryItem
from gatekeeper.modules.jurisdictions.models import Department, Jurisdiction
from gatekeeper.modules.jurisdictions.operations import working_calendar
from gatekeeper.modules.requests.models import AdmissionRequest, RequestEvent, ScopeType
from gatekeeper.modules.stats import base, money, queries, sqltime
from gatekeeper.modules.stats import operations as ops
from gatekeeper.modules.supervision.models import Report
from tests import factories
from tests.factories import TODAY

NOW = dt.datetime.combine(TODAY, dt.time(10), tzinfo=clock.timezone())


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=clock.timezone())


D = dt.date
#: (department, kind, state, scope, created, submitted, accepted, decided, decided_to, due)
SPECS = [
    (
        "WJW",
        "duty",
        "approved",
        ("all", []),
        D(2026, 2, 20),
        D(2026, 3, 2),
        D(2026, 3, 3),
        D(2026, 3, 10),
        "approved",
        None,
    ),
    (
        "MZJ",
        "ledger",
        "rejected",
        ("streets", ["LJ02"]),
        D(2026, 4, 20),
        D(2026, 4, 28),
        D(2026, 4, 29),
        D(2026, 5, 8),
        "rejected",
        None,
    ),
    (
        "MZJ",
        "sign",
        "referred",
        ("streets", ["LJ01"]),
        D(2026, 3, 1),
        D(2026, 3, 5),
        D(2026, 3, 6),
        D(2026, 3, 16),
        "referred",
        None,
    ),
    (
        "WJW",
        "ledger",
        "in_review",
        ("communities", ["LJ0201"]),
        D(2026, 4, 1),
        D(2026, 4, 2),
        D(2026, 4, 3),
        None,
        None,
        D(2026, 5, 20),
    ),
    (
        "CZJ",
        "duty",
        "returned",
        ("communities", ["LJ0101"]),
        D(2026, 1, 5),
        D(2026, 1, 6),
        None,
        None,
        None,
        None,
    ),
    ("CZJ", "duty", "draft", ("all", []), D(2025, 12, 10), None, None, None, None, None),
    (
        "SFJ",
        "certificate",
        "approved",
        ("all", []),
        D(2025, 9, 20),
        D(2025, 9, 29),
        D(2025, 9, 30),
        D(2025, 10, 13),
        "approved",
        None,
    ),
    (
        "SFJ",
        "duty",
        "returned",
        ("streets", ["LJ03"]),
        D(2026, 2, 1),
        D(2026, 2, 10),
        D(2026, 2, 11),
        D(2026, 2, 24),
        "returned",
        None,
    ),
]


def _request(world, spec) -> AdmissionRequest:
    dept, kind, state, (scope_type, codes), created, submitted, accepted, decided, decided_to, due = spec
    department = factories.db.session.scalar(sa.select(Department).where(Department.code == dept))
    req = AdmissionRequest(
        gate_id=world.gate.id,
        department_id=department.id,
        created_by_id=world.user("officer").id,
        state=state,
        kind=kind,
        title=f"统计测试 {dept} {kind} {state}",
        scope_type=ScopeType(scope_type),
        scope_codes=codes,
        start_date=D(2026, 9, 1),
        end_date=D(2027, 8, 31),
        role="assist" if kind == "duty" else None,
        submitted_at=at(submitted) if submitted else None,
        accepted_at=at(accepted) if accepted else None,
        decided_at=at(decided, 16) if decided else None,
        due_date=due or (decided + dt.timedelta(days=30) if decided else None),
        created_at=at(created),
        updated_at=at(created),
    )
    factories.db.session.add(req)
    factories.db.session.flush()
    events = [("create", None, "draft", created)]
    if submitted:
        events.append(("submit", "draft", "submitted", submitted))
    if accepted:
        events.append(("accept", "submitted", "in_review", accepted))
    elif state == "returned":
        events.append(("return", "submitted", "returned", submitted + dt.timedelta(days=1)))
    if decided:
        events.append(("decide", "in_review", decided_to, decided))
    for action, before, after, day in events:
        # a decision keeps its round's times, as ``requests.operations.transition`` writes them
        round_times = (
            {"round_submitted_at": req.submitted_at, "round_accepted_at": req.accepted_at}
            if action == "decide"
            else {}
        )
        factories.db.session.add(
            RequestEvent(
                request_id=req.id,
                action=action,
                from_state=before,
                to_state=after,
                at=at(day, 16 if action == "decide" else 10),
                **round_times,
            )
        )
    return req


@pytest.fixture
def dataset(db, world):
    with clock.frozen(NOW):
        reqs = [_request(world, spec) for spec in SPECS]
        db.flush()
        funded = factories.approved()  # WJW duty over LJ01 at TODAY: its allocations are changed below
    allocations = db.scalars(
        sa.select(Allocation)
        .where(Allocation.authorisation_id == funded.authorisation.id)
        .order_by(Allocation.id)
    ).all()
    money = []
    for i, allocation in enumerate(allocations):
        allocation.amount_fen = 10000 + i * 100
        allocation.due_date = (
            D(2026, 5, 1) if i % 3 == 0 else D(2026, 12, 31) if i % 3 == 1 else D(2025, 12, 31)
        )
        allocation.disbursed_fen = 0 if i % 2 == 0 else 5000
        allocation.confirmed_fen = 0 if i % 2 == 0 else 3000
        money.append(allocation)
    importer = InventoryImport(
        gate_id=world.gate.id,
        filename="x.csv",
        sha256="0" * 64,
        rows=0,
        created_by_id=world.user("admin").id,
        created_at=NOW,
    )
    db.add(importer)
    db.flush()
    items = [
        ("LJ0101", "sign", "removed"),
        ("LJ0101", "sign", "removed"),
        ("LJ0102", "sign", "keep"),
        ("LJ0201", "sign", "remove"),
        ("LJ0101", "ledger", "removed"),
        ("LJ0201", "ledger", "keep"),
        ("LJ0201", "appraisal", "remove"),
    ]
    for number, (code, kind, status) in enumerate(items):
        db.add(
            InventoryItem(
                gate_id=world.gate.id,
                import_id=importer.id,
                community_id=world.community(code).id,
                kind=kind,
                title=f"{kind} {code} {number}",  # one item per community, kind and title
                status=CleanupStatus(status),
                removed_on=TODAY if status == "removed" else None,
                created_at=NOW,
                updated_at=NOW,
            )
        )
    wjw = db.scalar(sa.select(Department).where(Department.code == "WJW"))
    reports = [
        ("LJ0101", wjw.id, "", "upheld", 2026),
        ("LJ0102", wjw.id, "", "received", 2026),
        ("LJ0201", None, "某协会", "unfounded", 2026),
        ("LJ0201", wjw.id, "", "closed", 2025),
    ]
    for code, dept_id, name, state, year in reports:
        db.add(
            Report(
                gate_id=world.gate.id,
                community_id=world.community(code).id,
                department_id=dept_id,
                department_name=name,
                kind="sign",
                title="挂牌",
                occurred_on=D(year, 3, 1),
                state=state,
                created_at=at(D(year, 3, 2)),
                updated_at=at(D(year, 3, 2)),
            )
        )
    db.flush()
    return {"requests": reqs, "funded": funded, "allocations": money, "items": items, "reports": reports}


def stats_for(world, **given):
    with clock.frozen(NOW):
        return queries.statistics(ops.resolve_filters({"gate": "LJ", **given}))


def all_specs():
    """The specs plus the factory's approved request (all on TODAY, over LJ01)."""
    factory = ("WJW", "duty", "approved", ("streets", ["LJ01"]), TODAY, TODAY, TODAY, TODAY, "approved", None)
    return [*SPECS, factory]


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (D(2026, 3, 3), D(2026, 3, 10)),
        (D(2026, 4, 29), D(2026, 5, 8)),  # Labour Day holidays and a make-up working weekend day
        (D(2025, 9, 30), D(2025, 10, 13)),  # National Day
        (D(2026, 2, 13), D(2026, 2, 27)),  # Spring Festival
        (D(2026, 5, 30), D(2026, 6, 1)),  # a weekend
        (D(2026, 6, 1), D(2026, 6, 1)),
        (D(2026, 6, 5), D(2026, 6, 1)),
    ],
)
def test_working_days_in_sql_agree_with_the_calendar(db, start, end):
    expected = working_calendar(start).working_days_between(start, end)
    stmt = sa.select(sqltime.working_days(sa.literal(start, sa.Date), sa.literal(end, sa.Date)))
    assert db.scalar(stmt) == expected


def test_requests_by_state_department_kind_month(dataset, world):
    stats = stats_for(world)
    specs = all_specs()
    states = Counter(s[2] for s in specs)
    assert {r["state"]: r["count"] for r in stats["requests"]["by_state"] if r["count"]} == dict(states)
    kinds = Counter(s[1] for s in specs)
    assert {r["kind"]: r["count"] for r in stats["requests"]["by_kind"] if r["count"]} == dict(kinds)
    depts = Counter(s[0] for s in specs)
    assert {r["department"]: r["total"] for r in stats["requests"]["by_department"]} == dict(depts)
    months = Counter(s[5].strftime("%Y-%m") for s in specs if s[5])
    assert {r["month"]: r["count"] for r in stats["requests"]["by_month"]} == dict(months)


def test_year_filter(dataset, world):
    stats = stats_for(world, year=2026)
    specs = [s for s in all_specs() if (s[5] or s[4]).year == 2026]
    assert stats["requests"]["total"] == len(specs)
    assert len(stats["requests"]["by_month"]) == 12
    assert sum(r["count"] for r in stats["requests"]["by_month"]) == sum(1 for s in specs if s[5])


def test_rates_and_decision_times(dataset, world):
    stats = stats_for(world)
    specs = all_specs()
    decided = [s for s in specs if s[7]]
    approvals = sum(1 for s in decided if s[8] in ("approved", "referred"))
    rates = stats["rates"]
    assert rates["approval"]["numerator"] == approvals and rates["approval"]["denominator"] == len(decided)
    assert rates["referral"]["numerator"] == sum(1 for s in decided if s[8] == "referred")
    returns = sum(1 for s in specs if s[2] == "returned")
    assert rates["return"] == base.rate(returns, sum(1 for s in specs if s[5]))
    assert rates["approval"]["percent"] == f"{approvals * 100 / len(decided):.1f}"
    durations = sorted(working_calendar(s[6]).working_days_between(s[6], s[7]) for s in decided)
    n = len(durations)
    assert stats["decision_time"]["from_acceptance"] == {
        "decisions": n,
        "median": durations[-(-n * 50 // 100) - 1],
        "p90": durations[-(-n * 90 // 100) - 1],
        "max": durations[-1],
    }
    assert pystats.median_low(durations) == stats["decision_time"]["from_acceptance"]["median"]


def test_overdue_requests(dataset, world):
    overdue = stats_for(world)["overdue"]["requests"]
    assert overdue["total"] == 1
    assert overdue["items"][0]["days_late"] == (TODAY - D(2026, 5, 20)).days


def test_money_by_department_year_and_late_money(dataset, world):
    stats = stats_for(world)
    allocations = dataset["allocations"]
    by_year = Counter()
    for a in allocations:
        by_year[a.due_date.year] += a.amount_fen
    rows = {r["year"]: r for r in stats["money"]["by_department_year"] if r["department"] == "WJW"}
    assert {year: row["allocated_fen"] for year, row in rows.items()} == dict(by_year)
    assert sum(r["confirmed_fen"] for r in rows.values()) == sum(a.confirmed_fen for a in allocations)
    late = [a for a in allocations if a.due_date < TODAY and a.disbursed_fen < a.amount_fen]
    assert stats["money"]["late"]["total"] == len(late)
    assert stats["money"]["late"]["total_fen"] == sum(a.amount_fen - a.disbursed_fen for a in late)
    assert stats["overdue"]["money_fen"] == stats["money"]["late"]["total_fen"]
    first = stats["money"]["late"]["items"][0]
    assert first["days_late"] == (TODAY - D(2025, 12, 31)).days
    assert first["department"] == "WJW" and first["authorisation"] == dataset["funded"].authorisation.number


def test_reduction_and_reports(dataset, world):
    stats = stats_for(world)
    sign = next(r for r in stats["reduction"]["by_kind"] if r["kind"] == "sign")
    assert (sign["baseline"], sign["removed"], sign["remaining"], sign["rate"]) == (4, 2, 2, "50.0")
    assert stats["reduction"]["total"]["rate"] == base.percent(3, 7) == "42.9"
    reports = {r["name"]: r for r in stats["reports"]["by_department"]}
    assert reports["区卫生健康委员会"]["total"] == 3 and reports["区卫生健康委员会"]["upheld"] == 1
    assert reports["某协会"]["department"] is None and reports["某协会"]["unfounded"] == 1
    assert stats_for(world, year=2026)["reports"]["by_state"][-1] == {"state": "closed", "count": 0}


def test_street_filter(dataset, world):
    stats = stats_for(world, street="LJ01")
    lj01 = {
        c.id
        for c in factories.db.session.scalars(sa.select(Jurisdiction).where(Jurisdiction.code.like("LJ01%")))
    }
    expected = [
        s
        for s in all_specs()
        if s[3][0] == "all" or "LJ01" in s[3][1] or any(c.startswith("LJ01") for c in s[3][1])
    ]
    assert stats["requests"]["total"] == len(expected)
    sign = next(r for r in stats["reduction"]["by_kind"] if r["kind"] == "sign")
    assert sign["baseline"] == 3
    assert sum(r["total"] for r in stats["reports"]["by_department"]) == 2
    assert stats["money"]["totals"]["allocations"] == sum(
        1 for a in dataset["allocations"] if a.community_id in lj01
    )
    assert stats_for(world, street="LJ04")["money"]["totals"]["allocations"] == 0


def test_money_totals_are_the_groups_added_up_and_late_money_is_named_up_to_a_limit(dataset, world):
    allocations = dataset["allocations"]
    with clock.frozen(NOW):
        filters = ops.resolve_filters({"gate": "LJ"})
        named = queries.statistics(filters, late_named=1)["money"]
        every = queries.statistics(filters, late_named=None)["money"]
    totals = every["totals"]
    assert totals == {key: sum(row[key] for row in every["by_department_year"]) for key in money.MONEY_KEYS}
    assert totals == named["totals"]
    assert totals["allocated_fen"] == sum(a.amount_fen for a in allocations)
    assert totals["disbursed_fen"] == sum(a.disbursed_fen for a in allocations)
    assert totals["confirmed_fen"] == sum(a.confirmed_fen for a in allocations)
    assert totals["outstanding_fen"] == sum(max(0, a.amount_fen - a.disbursed_fen) for a in allocations)
    assert totals["allocations"] == len(allocations)
    late = sorted(
        (a for a in allocations if a.due_date < TODAY and a.disbursed_fen < a.amount_fen),
        key=lambda a: (a.due_date, a.disbursed_fen - a.amount_fen),
    )
    assert len(late) > 1
    assert named["late"]["total"] == every["late"]["total"] == len(late)
    assert (
        named["late"]["total_fen"]
        == totals["overdue_fen"]
        == sum(a.amount_fen - a.disbursed_fen for a in late)
    )
    assert len(named["late"]["items"]) == 1 and named["late"]["items"][0] == every["late"]["items"][0]
    assert [(item["due_date"], item["amount_fen"]) for item in every["late"]["items"]] == [
        (a.due_date, a.amount_fen - a.disbursed_fen) for a in late
    ]


@pytest.mark.parametrize("community_type", ["urban", "rural"])
def test_a_scope_of_one_community_type_reaches_only_streets_that_have_one(db, world, community_type):
    """The street filter over requests, against the communities each street really has."""
    from gatekeeper.modules.requests.models import AdmissionRequest

    scope = {"type": "all", "codes": [], "community_type": community_type}
    req = factories.draft(scope=scope)
    db.commit()
    for street in db.scalars(sa.select(Jurisdiction).where(Jurisdiction.level == "street")):
        has_type = db.scalar(
            sa.select(sa.func.count(Jurisdiction.id)).where(
                Jurisdiction.parent_id == street.id, Jurisdiction.community_type == community_type
            )
        )
        filters = ops.resolve_filters({"street": street.code})
        reached = db.scalar(
            sa.select(sa.func.count(AdmissionRequest.id)).where(
                AdmissionRequest.id == req.id, queries.reaches_street(filters)
            )
        )
        assert reached == (1 if has_type else 0), (street.code, community_type)
