"""Time to approve a request whose scope is 300 and 5,000 communities: the whole approval, committed.

Builds a fresh database (SQLite in a temporary folder, or a new schema of the PostgreSQL database
given with ``--database-url``), runs the migrations, loads the demo district (临江区: gate LJ, its
committee, 33 departments, the published catalogue) and bulk-inserts streets of 50 communities with
realistic household counts until the district has 5,000 communities, each with its head and each
street with its officer (they are the ones an approval notifies).

For scopes of 300 communities (6 streets) and of 5,000 (the whole district) and for the funding
bases per_100_households, per_community and lump_sum, it drives a fresh request of a different
department through the real operations (create, submit, accept, the members' votes) and times the
chair's ``committee.operations.decide(approve)`` and the commit: the re-check, the decision, the
authorisation with its number, scope rows and community loads, one allocation per community, the
notifications and the audit entries. It prints medians and maxima against the targets (0.2 s at
300, 2 s at 5,000), where the time goes, and the SQL statements of one approval, whose count must
not grow with the scope (exit status 1 if it does, else 0). Run
``.venv/bin/python bench/approve.py [--database-url postgresql+psycopg://...] [--repeats N]``.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import sqlalchemy as sa
from _setup import (
    PASSWORD,
    TODAY,
    FunctionTimer,
    StatementCounter,
    Stopwatch,
    arguments,
    benchmark,
    bulk_insert,
    fix_sequences,
    flush_print,
    load,
    one_line,
    password_hash,
    place_row,
    settle,
    span,
    user_row,
)

COMMUNITIES = 5000
STREET_SIZE = 50
SIZES = (300, 5000)
TARGETS_S = {300: 0.2, 5000: 2.0}
BASES = ("per_100_households", "per_community", "lump_sum")
SEED = 20260601

# Place-name fragments of the generated streets and communities.
STREET_HEADS = tuple("东西南北新高长白青金石花柳杨龙凤沙清平安")
STREET_TAILS = tuple("山湖桥港岭塘坪湾坝溪园林阳门洲")
COMMUNITY_SUFFIXES = ("", "东", "西", "南", "北", "一", "二", "三", "新村", "花园")


# --- the district ------------------------------------------------------------------------------


def build_world(rng: random.Random, watch: Stopwatch) -> dict:
    """The demo district grown to ``COMMUNITIES`` communities, with heads and street officers."""
    from gatekeeper.core import clock
    from gatekeeper.extensions import db
    from gatekeeper.modules.demo.district import RURAL_NAMES, STREETS, URBAN_NAMES, load_district
    from gatekeeper.modules.jurisdictions.models import Jurisdiction

    with watch.step("demo district"), clock.frozen(TODAY):
        gate = load_district(PASSWORD)
        db.session.commit()
    with watch.step(f"{COMMUNITIES:,} communities, heads, street officers"):
        district = gate.jurisdiction
        have = db.session.scalar(
            sa.select(sa.func.count()).where(
                Jurisdiction.level == "community", Jurisdiction.path.like("/JC/LJ/%")
            )
        )
        next_id = db.session.scalar(sa.select(sa.func.max(Jurisdiction.id))) + 1
        missing = COMMUNITIES - have
        sizes = [STREET_SIZE] * (missing // STREET_SIZE) + (
            [missing % STREET_SIZE] if missing % STREET_SIZE else []
        )
        stems = rng.sample([h + t for h in STREET_HEADS for t in STREET_TAILS], len(sizes))
        rows, full_streets = [], []
        for number, (size, stem) in enumerate(zip(sizes, stems, strict=True), start=len(STREETS) + 1):
            town = number % 3 == 0  # a third are towns (镇), mostly villages
            code = f"LJ{number:02d}"
            street_id, next_id = next_id, next_id + 1
            rows.append(
                _place(street_id, code, f"{stem}{'镇' if town else '街道'}", "street", district, None)
            )
            if size == STREET_SIZE:
                full_streets.append(code)
            for k in range(1, size + 1):
                rural = town and k > size * 3 // 10
                name = (
                    f"{rng.choice(RURAL_NAMES)}村"
                    if rural
                    else f"{rng.choice(URBAN_NAMES)}{rng.choice(COMMUNITY_SUFFIXES)}社区"
                )
                rows.append(
                    _place(
                        next_id, f"{code}{k:02d}", name, "community", district, (street_id, code), rng, rural
                    )
                )
                next_id += 1
        bulk_insert(Jurisdiction, rows)
        heads = _local_users()
        fix_sequences()
        db.session.commit()
    return {"gate_id": gate.id, "full_streets": full_streets, "local_users": heads}


def _place(id_, code, name, level, district, street, rng=None, rural=False) -> dict:
    """A street of ``district``, or a community of ``street`` (id, code) with facts as the demo's."""
    if level != "community":
        return place_row(id_, code, name, level, district.id, f"{district.path}{code}/")
    area = rng.randrange(250, 600, 10) if rural else rng.randrange(400, 900, 10)
    return place_row(
        id_,
        code,
        name,
        level,
        street[0],
        f"{district.path}{street[1]}/{code}/",
        community_type="rural" if rural else "urban",
        households=rng.randrange(250, 1100, 5) if rural else rng.randrange(1200, 4800, 10),
        area_m2=area,
        office_area_m2=area * rng.randrange(12, 19) // 100,
    )


def _local_users() -> int:
    """A head for every community and an officer for every street that has none yet."""
    from gatekeeper.extensions import db
    from gatekeeper.modules.accounts.models import User
    from gatekeeper.modules.jurisdictions.models import Jurisdiction

    taken = set(db.session.scalars(sa.select(User.jurisdiction_id).where(User.jurisdiction_id.is_not(None))))
    hashed = password_hash()
    rows = []
    for place_id, code, name, level in db.session.execute(
        sa.select(Jurisdiction.id, Jurisdiction.code, Jurisdiction.name, Jurisdiction.level)
        .where(Jurisdiction.level.in_(("street", "community")))
        .order_by(Jurisdiction.code)
    ):
        if place_id in taken:
            continue
        head = level.value == "community"
        rows.append(
            user_row(
                None,
                f"{'head' if head else 'street'}.{code.lower()}",
                f"{name}{'书记' if head else '联络员'}",
                "community_head" if head else "street_officer",
                hashed,
                jurisdiction_id=place_id,
            )
        )
    return bulk_insert(User, rows)


# --- requests ------------------------------------------------------------------------------------


def body(department: str, scope: dict, basis: str, amount_fen: int) -> dict:
    """The demo's funded assisting duty PD-107 (as ``tests.factories.body()``), filed by ``department``."""
    return {
        "gate": "LJ",
        "department": department,
        "kind": "duty",
        "title": "协助开展传染病防控和健康教育",
        "description": "入户宣传传染病防控知识，协助开展健康教育活动。",
        "legal_basis": "《中华人民共和国传染病防治法》",
        "catalogue_entry": "PD-107",
        "role": "assist",
        "scope": scope,
        "start_date": "2026-09-01",
        "end_date": "2027-08-31",  # one year of validity
        "workload_hours": 6,
        "demands": {
            "dedicated_premises": False,
            "premises_area_m2": None,
            "dedicated_staff": False,
            "separate_ranking": False,
            "veto": False,
            "responsibility_letter": False,
            "reports_per_year": 1,
        },
        "funding": {"basis": basis, "amount_fen": amount_fen, "source": "区财政专项"},
    }


def amount_for(basis: str, households: int) -> int:
    """At least PD-107's standard (150 元 per 100 households a year) on every basis."""
    if basis == "per_100_households":
        return 15_000
    if basis == "per_community":
        return 800_000  # 8,000 元 a community: the standard up to 5,333 households
    return -(-households * 180 // 10_000) * 10_000  # lump sum: 1.8 元 a household, whole 100 元


def in_review(data: dict) -> int:
    """File, submit and accept ``data``, and have every member who may vote approve; returns the id."""
    from gatekeeper.core import clock
    from gatekeeper.extensions import db
    from gatekeeper.modules.accounts.models import Role, User
    from gatekeeper.modules.committee import operations as committee_ops
    from gatekeeper.modules.committee.models import VoteChoice
    from gatekeeper.modules.demo.district import officer_username
    from gatekeeper.modules.notifications.operations import voters
    from gatekeeper.modules.requests import operations as request_ops
    from gatekeeper.modules.requests.schemas import RequestInputSchema

    def user(username: str) -> User:
        return db.session.scalar(sa.select(User).where(User.username == username))

    with clock.frozen(TODAY):
        officer = user(officer_username(data["department"]))
        req = request_ops.create_request(RequestInputSchema().load(data), actor=officer)
        db.session.commit()
        req, run, _ = request_ops.submit_request(req, actor=officer)
        db.session.commit()
        request_ops.raise_if_blocked(run)
        request_ops.accept_request(req, actor=user("secretariat"))
        db.session.commit()
        for seat in voters(req):
            if seat.role != Role.CHAIR:
                committee_ops.cast_vote(req, VoteChoice.APPROVE, "", actor=seat)
        db.session.commit()
        request_id = req.id
    db.session.remove()
    return request_id


# --- timing --------------------------------------------------------------------------------------

#: Functions timed inside an approval (inclusive times): module, attribute, label. The indented ones
#: run inside ``issue_authorisation``.
PHASES = (
    ("gatekeeper.modules.committee.operations", "tally", "tally of the votes"),
    ("gatekeeper.modules.requests.precheck", "check", "re-check: precheck.check"),
    ("gatekeeper.modules.requests.operations", "record_check", "re-check: record_check"),
    ("gatekeeper.modules.committee.operations", "issue_authorisation", "issue_authorisation"),
    ("gatekeeper.modules.authorisations.operations", "change_loads", "  community loads"),
    ("gatekeeper.modules.notifications.operations", "authorisation_issued", "  notify heads and streets"),
    ("gatekeeper.modules.funds.operations", "allocate", "  allocations"),
    ("gatekeeper.modules.notifications.operations", "request_decided", "notify the department"),
)
NESTED = ("  community loads", "  notify heads and streets", "  allocations")


def approve(request_id: int, size: int, counter: StatementCounter, phases: FunctionTimer) -> dict:
    """Time the chair's approval of ``request_id`` and its commit, in a fresh session."""
    from gatekeeper.core import clock
    from gatekeeper.extensions import db
    from gatekeeper.modules.accounts.models import User
    from gatekeeper.modules.committee import operations as committee_ops
    from gatekeeper.modules.committee.models import DecisionOutcome
    from gatekeeper.modules.requests.models import AdmissionRequest

    with clock.frozen(TODAY):
        req = db.session.get(AdmissionRequest, request_id)
        chair = db.session.scalar(sa.select(User).where(User.username == "chair"))
        with counter.counting() as seen, phases.recording() as spent:
            start = time.perf_counter()
            committee_ops.decide(req, DecisionOutcome.APPROVE, actor=chair)
            decided = time.perf_counter()
            db.session.commit()
            end = time.perf_counter()
    spent = dict(spent)
    spent["commit (flush, audit chain)"] = end - decided
    top = sum(v for k, v in spent.items() if k not in NESTED)
    spent["rest of decide (lock, transition, decision)"] = (end - start) - top
    written = _written(request_id, size)
    db.session.remove()
    return {"seconds": end - start, "statements": list(seen), "phases": spent, **written}


def _written(request_id: int, size: int) -> dict:
    """What the approval wrote, checked against the scope."""
    from gatekeeper.extensions import db
    from gatekeeper.modules.authorisations.models import Authorisation, AuthorisationCommunity
    from gatekeeper.modules.funds.models import Allocation
    from gatekeeper.modules.notifications.models import Notification

    authorisation = db.session.scalar(sa.select(Authorisation).where(Authorisation.request_id == request_id))
    if authorisation is None:
        raise SystemExit(f"request #{request_id} was not approved")

    def count(model, *where):
        return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))

    links = count(AuthorisationCommunity, AuthorisationCommunity.authorisation_id == authorisation.id)
    allocations = count(Allocation, Allocation.authorisation_id == authorisation.id)
    allocated = db.session.scalar(
        sa.select(sa.func.sum(Allocation.amount_fen)).where(Allocation.authorisation_id == authorisation.id)
    )
    told = count(Notification, Notification.authorisation_id == authorisation.id)
    if not (authorisation.community_count == links == allocations == size):
        raise SystemExit(
            f"{authorisation.number}: {links} scope rows and {allocations} allocations, not {size}"
        )
    return {"number": authorisation.number, "allocated_fen": int(allocated), "notifications": told}


# --- the run -------------------------------------------------------------------------------------


def run(args) -> int:
    rng = random.Random(args.seed)
    watch = Stopwatch()
    with benchmark(args.database_url, "approve", "approval benchmark", watch) as (app, database):
        return _run(app, database, rng, args, watch)


def _run(app, database, rng, args, watch) -> int:
    from gatekeeper.extensions import db
    from gatekeeper.modules.jurisdictions.models import Jurisdiction

    with app.app_context():
        world = build_world(rng, watch)
        settled = settle(app)
        flush_print(f"  set-up: {watch.line()}; {settled}")
        streets = db.session.scalar(sa.select(sa.func.count()).where(Jurisdiction.level == "street"))
        communities, households = db.session.execute(
            sa.select(sa.func.count(), sa.func.sum(Jurisdiction.households)).where(
                Jurisdiction.level == "community"
            )
        ).one()
        flush_print(
            f"district 临江区: {communities:,} communities in {streets} streets and towns, "
            f"{households:,} households; {world['local_users']:,} community heads and street officers added"
        )
        departments = [code for code in _department_codes() if code != "ZFB"]  # ZFB: the chair's own
        plan = _plan(args.repeats, world["full_streets"], departments)
        counter = StatementCounter(db.engine)
        phases = FunctionTimer(PHASES)
        try:
            data = body(
                departments[0], {"type": "all", "codes": [], "community_type": None}, BASES[0], 15_000
            )
            warm = approve(in_review(data), COMMUNITIES, counter, phases)
            flush_print(
                f"warm-up: one approval of scope 'all' ({COMMUNITIES:,} communities), not counted: "
                f"{warm['seconds']:.2f} s (statement caches, compiled catalogue, every community's load row)"
            )
            results: dict[tuple[int, str], list[dict]] = defaultdict(list)
            for n, (size, basis, department, scope) in enumerate(plan, start=1):
                households = _households(scope)
                request_id = in_review(body(department, scope, basis, amount_for(basis, households)))
                outcome = approve(request_id, size, counter, phases)
                results[(size, basis)].append(outcome)
                if args.verbose:
                    flush_print(
                        f"  {n:>2}/{len(plan)} {outcome['number']} {size:>5} {basis:<18} {department:<4} "
                        f"{outcome['seconds']:.3f} s, {len(outcome['statements'])} statements, "
                        f"{outcome['allocated_fen'] / 100:,.2f} 元 allocated"
                    )
        finally:
            phases.close()
            counter.close()
    return report(results, args.repeats)


def _department_codes() -> list[str]:
    from gatekeeper.extensions import db
    from gatekeeper.modules.jurisdictions.models import Department

    return list(db.session.scalars(sa.select(Department.code).order_by(Department.id)))


def _plan(repeats: int, streets: list[str], departments: list[str]) -> list[tuple[int, str, str, dict]]:
    """(size, basis, department, scope) of each timed approval, sizes and bases interleaved.

    Both sizes name streets, so their statements can be compared one for one: 300 communities are 6
    of the new streets of 50 (in turn, so loads do not pile up on the same ones), 5,000 are all the
    district's streets. Every request is of another department (the first is the warm-up's), so
    none duplicates an authorisation in force (beyond 31 approvals they start over: a DUPLICATE_ACTIVE
    warning more in the re-check).
    """
    from gatekeeper.extensions import db
    from gatekeeper.modules.jurisdictions.models import Jurisdiction

    every = list(
        db.session.scalars(
            sa.select(Jurisdiction.code).where(Jurisdiction.level == "street").order_by(Jurisdiction.code)
        )
    )
    plan, used = [], 0
    for _ in range(repeats):
        for size in SIZES:
            for basis in BASES:
                department = departments[(1 + len(plan)) % len(departments)]
                if size == COMMUNITIES:
                    codes = every
                else:
                    codes = [streets[(used + i) % len(streets)] for i in range(size // STREET_SIZE)]
                    used += len(codes)
                plan.append(
                    (size, basis, department, {"type": "streets", "codes": codes, "community_type": None})
                )
    return plan


def _households(scope: dict) -> int:
    from gatekeeper.extensions import db
    from gatekeeper.modules.jurisdictions.models import Jurisdiction

    stmt = sa.select(sa.func.sum(Jurisdiction.households)).where(Jurisdiction.level == "community")
    if scope["type"] == "streets":
        parents = sa.select(Jurisdiction.id).where(Jurisdiction.code.in_(scope["codes"]))
        stmt = stmt.where(Jurisdiction.parent_id.in_(parents))
    return int(db.session.scalar(stmt))


def report(results: dict[tuple[int, str], list[dict]], repeats: int) -> int:
    flush_print(
        f"\napproval = committee.operations.decide(approve) + commit, {repeats} fresh request(s) each:"
    )
    flush_print(
        f"{'scope':>6}  {'funding basis':<19} {'median':>8} {'max':>8} {'min':>8}  {'target':>6}  "
        f"{'median/target':>13}  {'statements':>10}  notifications"
    )
    counts: dict[int, set[int]] = defaultdict(set)
    for size in SIZES:
        every = []
        for basis in BASES:
            outcomes = results[(size, basis)]
            every += outcomes
            counts[size].update(len(o["statements"]) for o in outcomes)
            flush_print(_row(size, basis, outcomes))
        flush_print(_row(size, "all bases", every))
    flush_print(
        "\nwhere an approval's time goes (medians over all bases, ms; indented: inside issue_authorisation):"
    )
    labels = [label for _m, _a, label in PHASES] + [
        "commit (flush, audit chain)",
        "rest of decide (lock, transition, decision)",
    ]
    flush_print(f"{'':<44}" + "".join(f"{f'@{size:,}':>10}" for size in SIZES))
    for label in labels:
        cells = []
        for size in SIZES:
            values = [o["phases"].get(label, 0.0) * 1000 for b in BASES for o in results[(size, b)]]
            cells.append(f"{statistics.median(values):>10.1f}")
        flush_print(f"{label:<44}" + "".join(cells))

    low, high = SIZES
    same = counts[low] == counts[high] and len(counts[low]) == 1
    flush_print(
        f"\nSQL statements per approval: {span(counts[low])} at {low:,} communities, {span(counts[high])} at "
        f"{high:,} — {'the same' if same else 'NOT the same'}"
    )
    sample = {size: [one_line(text) for text in results[(size, BASES[0])][0]["statements"]] for size in SIZES}
    only_high, only_low = (
        Counter(sample[high]) - Counter(sample[low]),
        Counter(sample[low]) - Counter(sample[high]),
    )
    flush_print(
        f"the statements of one approval over {high:,} communities ({BASES[0]}; an executemany is one):"
    )
    for n, text in enumerate(sample[high], start=1):
        mark = ""
        if only_high[text]:
            only_high[text] -= 1
            mark = f"   [not at {low}]"
        flush_print(f"  {n:>3}. {text}{mark}")
    for text, times in only_low.items():
        flush_print(f"       {text}   [{times} × only at {low}]")
    for size in SIZES:
        median = statistics.median(o["seconds"] for b in BASES for o in results[(size, b)])
        verdict = "met" if median <= TARGETS_S[size] else "MISSED"
        flush_print(
            f"target: approval over {size:,} communities ≤ {TARGETS_S[size]} s — {verdict} "
            f"(median {median:.3f} s = {median / TARGETS_S[size]:.2f} × target)"
        )
    flush_print(f"  load average at the end: {load()} (on {os.cpu_count()} CPUs)")
    if not same:
        flush_print("FAILED: the number of statements of an approval grows with its scope")
        return 1
    return 0


def _row(size: int, basis: str, outcomes: list[dict]) -> str:
    times = [o["seconds"] for o in outcomes]
    median = statistics.median(times)
    statements = span({len(o["statements"]) for o in outcomes})
    told = span({o["notifications"] for o in outcomes})
    return (
        f"{size:>6,}  {basis:<19} {median:>7.3f}s {max(times):>7.3f}s {min(times):>7.3f}s  "
        f"{TARGETS_S[size]:>5}s  {median / TARGETS_S[size]:>11.2f} ×  {statements:>10}  {told}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = arguments(__doc__, SEED)
    parser.add_argument("--repeats", type=int, default=5, help="approvals per scope and basis (default 5)")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every approval")
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
