"""The community's list of what is authorised there: SQL statements and time at 10 and 1,000 items.

Builds a fresh database (SQLite in a temporary folder, or a new schema of the PostgreSQL database
given with ``--database-url``), runs the migrations and bulk-inserts a district of 4 streets of 20
communities, the demo's 33 departments with an officer each, and two communities under test: one
with 10 and one with 1,000 ACTIVE authorisations in force. Each authorisation has its approved
request, a scope of the community and up to 19 others of its street, a random department, kind,
validity (some ending within 30 days) and funding; funded ones have an allocation per community,
and about half of the community's allocations have 1-3 disbursements (recorded, confirmed or
disputed), some of them overdue. Each community also has authorisations that must not be listed:
expired, revoked, superseded, and active but past their end.

As each community's head (a user inserted with it) it sends ``GET /api/v1/communities/<code>/
authorised`` once to warm up, once counting the SQL statements (an SQLAlchemy
``before_cursor_execute`` listener; BEGIN/COMMIT left out), then ``--gets`` more times for the
server time (Flask test client: routing, token, permission, queries, JSON), and times
``community_view`` alone (its query and ORM objects). The answer is checked (items, counts by kind,
expiring numbers). Exit status 1 if the statement counts differ between 10
and 1,000 items or an answer is wrong, else 0. Run
``.venv/bin/python bench/community.py [--database-url postgresql+psycopg://...]``.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import sqlalchemy as sa
from _setup import (
    TODAY,
    StatementCounter,
    Stopwatch,
    arguments,
    aware,
    benchmark,
    bulk_insert,
    fix_sequences,
    flush_print,
    load,
    one_line,
    password_hash,
    place_row,
    settle,
    user_row,
)

SCALES = (10, 1000)
STREETS, PER_STREET = 4, 20
KINDS = ("duty", "sign", "ledger", "appraisal", "certificate", "mechanism", "system")
BASES = ("none", "per_100_households", "per_community", "lump_sum")
#: Authorisations of each community under test that must not be listed, per item in force.
NOT_IN_FORCE = (("expired", 0.06), ("revoked", 0.04), ("superseded", 0.04), ("past_end", 0.02))
SEED = 20260601


# --- the world -----------------------------------------------------------------------------------


def build(rng: random.Random) -> dict:
    """Bulk-insert the district and the authorisations; returns the two communities under test."""
    from gatekeeper.extensions import db
    from gatekeeper.modules.accounts.models import User
    from gatekeeper.modules.demo.district import DEPARTMENTS
    from gatekeeper.modules.jurisdictions.models import Department, Gate, Jurisdiction

    places = [
        place_row(1, "JC", "江城市", "city", None, "/JC/"),
        place_row(2, "LJ", "临江区", "district", 1, "/JC/LJ/"),
    ]
    streets: dict[int, list[tuple[int, str]]] = {}
    next_id = 3
    for s in range(1, STREETS + 1):
        street_id, code = next_id, f"LJ{s:02d}"
        places.append(place_row(street_id, code, f"第{s}街道", "street", 2, f"/JC/LJ/{code}/"))
        next_id += 1
        streets[street_id] = []
        for c in range(1, PER_STREET + 1):
            households, here = rng.randrange(1200, 4800, 10), f"{code}{c:02d}"
            path = f"/JC/LJ/{code}/{here}/"
            places.append(
                place_row(
                    next_id, here, f"第{s}街道第{c}社区", "community", street_id, path, community_type="urban"
                )
                | {"households": households, "area_m2": 600, "office_area_m2": 90}
            )
            streets[street_id].append((next_id, households))
            next_id += 1
    bulk_insert(Jurisdiction, places)
    bulk_insert(
        Gate,
        [
            {
                "id": 1,
                "code": "LJ",
                "name": "临江区社区工作事项准入",
                "jurisdiction_id": 2,
                "committee_name": "临江区社区建设与管理指导委员会",
                "escalation_body_name": "临江区人民政府常务会议",
                "number_prefix": "LJ",
                "settings": {},
            }
        ],
    )
    bulk_insert(
        Department,
        [
            {"id": i, "code": code, "name": name, "initials": code.lower(), "jurisdiction_id": 2}
            for i, (code, name) in enumerate(DEPARTMENTS, start=1)
        ],
    )
    hashed = password_hash()
    users = [
        user_row(i, f"{code.lower()}.officer", f"{name}经办人", "officer", hashed, department_id=i)
        for i, (code, name) in enumerate(DEPARTMENTS, start=1)
    ]
    targets = []
    for n, (street_id, communities) in zip(SCALES, list(streets.items())[:2], strict=True):
        community_id = communities[0][0]
        head_id = len(users) + 1
        users.append(
            user_row(
                head_id, f"head{n}", f"社区书记{n}", "community_head", hashed, jurisdiction_id=community_id
            )
        )
        targets.append({"n": n, "community_id": community_id, "street_id": street_id, "head_id": head_id})
    bulk_insert(User, users)
    departments = len(DEPARTMENTS)
    world = _Authorisations(rng, streets, departments)
    for target in targets:
        target.update(world.add(target["community_id"], target["street_id"], target["n"], target["head_id"]))
    world.insert()
    fix_sequences()
    db.session.commit()
    codes = dict(db.session.execute(sa.select(Jurisdiction.id, Jurisdiction.code)).all())
    for target in targets:
        target["code"] = codes[target["community_id"]]
        target["expiring"] = {world.numbers[i] for i in target["expiring"]}
        target["listed"] = {world.numbers[i] for i in target["listed"]}
    return {"targets": targets, "counts": world.counts()}


class _Authorisations:
    """The rows of the authorisations, their requests, scopes, allocations and disbursements."""

    def __init__(self, rng: random.Random, streets: dict, departments: int) -> None:
        self.rng, self.streets, self.departments = rng, streets, departments
        self.requests, self.authorisations, self.links = [], [], []
        self.allocations, self.disbursements = [], []
        self.numbers: dict[int, str] = {}
        self.seq: Counter[int] = Counter()
        self.head_id = 0

    def add(self, community_id: int, street_id: int, n: int, head_id: int) -> dict:
        """``n`` authorisations in force in ``community_id``, and some that are not."""
        listed, expiring = [], []
        flavours = ["in_force", *["in_force_long"] * 9] * (n // 10)  # a tenth end within 30 days
        for flavour, share in NOT_IN_FORCE:
            flavours += [flavour] * max(1, round(n * share))
        self.rng.shuffle(flavours)
        self.head_id = head_id  # who answers the community's disbursements
        for flavour in flavours:
            auth_id = self._one(community_id, street_id, flavour)
            if flavour.startswith("in_force"):
                listed.append(auth_id)
                if self.authorisations[-1]["valid_to"] <= TODAY + dt.timedelta(days=30):
                    expiring.append(auth_id)
        return {"listed": listed, "expiring": expiring, "not_listed": len(flavours) - n}

    def _one(self, community_id: int, street_id: int, flavour: str) -> int:
        rng = self.rng
        auth_id = len(self.authorisations) + 1
        department = rng.randint(1, self.departments)
        kind, basis = rng.choice(KINDS), rng.choice(BASES)
        valid_from = TODAY + dt.timedelta(days=rng.randint(-400, 60))
        if flavour.startswith("in_force"):
            end = rng.randint(30, 700) if flavour == "in_force_long" else rng.randint(0, 29)
            valid_to = max(TODAY + dt.timedelta(days=end), valid_from)
        elif flavour in ("expired", "past_end"):
            valid_from = TODAY - dt.timedelta(days=rng.randint(400, 800))
            valid_to = TODAY - dt.timedelta(days=rng.randint(1, 300))
        else:
            valid_to = TODAY + dt.timedelta(days=rng.randint(30, 700))
        issued = aware(min(valid_from, TODAY) - dt.timedelta(days=rng.randint(1, 30)))
        self.seq[issued.year] += 1
        number = f"LJ-{issued.year}-{self.seq[issued.year]:04d}"
        self.numbers[auth_id] = number
        others = [c for c in self.streets[street_id] if c[0] != community_id]
        scope = [next(c for c in self.streets[street_id] if c[0] == community_id)]
        scope += rng.sample(others, rng.randint(0, len(others)))
        amount = {"none": 0, "per_100_households": 15_000, "per_community": 800_000}.get(basis, 5_000_000)
        status = {"in_force": "active", "in_force_long": "active", "past_end": "active"}.get(flavour, flavour)
        title = f"{rng.choice(('协助开展', '配合做好', '组织开展'))}第{auth_id}项社区工作"
        self.requests.append(
            _request(auth_id, department, kind, title, scope, valid_from, valid_to, basis, amount)
        )
        self.authorisations.append(
            {
                "id": auth_id,
                "number": number,
                "gate_id": 1,
                "year": issued.year,
                "seq": self.seq[issued.year],
                "request_id": auth_id,
                "department_id": department,
                "kind": kind,
                "title": title,
                "catalogue_entry": None,
                "status": status,
                "valid_from": valid_from,
                "valid_to": valid_to,
                "conditions": rng.choice(("", "", "每季度报送一次工作进展。")),
                "reports_per_year": rng.choice((0, 1, 2, 4)),
                "funding_basis": basis,
                "funding_amount_fen": amount,
                "community_count": len(scope),
                "issued_at": issued,
                "revoked_at": issued + dt.timedelta(days=20) if status == "revoked" else None,
                "revoke_reason": "事项已由部门自行办理" if status == "revoked" else "",
                "ended_at": None if status == "active" else issued + dt.timedelta(days=20),
                # a superseded one points at itself: the successor does not matter to the list
                "superseded_by_id": auth_id if status == "superseded" else None,
            }
        )
        self.links += [{"authorisation_id": auth_id, "community_id": c} for c, _h in scope]
        if basis != "none":
            state = {"revoked": "cancelled", "superseded": "superseded"}.get(status, "active")
            for c, households in scope:
                self._allocation(
                    auth_id, c, basis, amount, households, valid_from, valid_to, state, c == community_id
                )
        return auth_id

    def _allocation(self, auth_id, community_id, basis, amount, households, start, end, state, paid) -> None:
        rng = self.rng
        fen = {"per_100_households": amount * households // 100, "per_community": amount}.get(
            basis, amount // 20
        )
        alloc_id = len(self.allocations) + 1
        row = {
            "id": alloc_id,
            "authorisation_id": auth_id,
            "community_id": community_id,
            "amount_fen": fen,
            "carried_fen": 0,
            "disbursed_fen": 0,
            "confirmed_fen": 0,
            "due_date": min(start + dt.timedelta(days=45), end),
            "state": state,
            "created_at": aware(start),
            "closed_at": None if state == "active" else aware(start + dt.timedelta(days=20)),
        }
        self.allocations.append(row)
        if not paid or rng.random() < 0.5:
            return
        left = fen
        for _ in range(rng.randint(1, 3)):
            part = left // rng.randint(2, 4)
            if part <= 0:
                break
            left -= part
            answer = rng.choices(("recorded", "confirmed", "disputed"), (3, 6, 1))[0]
            row["disbursed_fen"] += part
            row["confirmed_fen"] += part if answer == "confirmed" else 0
            self.disbursements.append(
                {
                    "allocation_id": alloc_id,
                    "amount_fen": part,
                    "paid_on": min(start, TODAY),
                    "reference": f"拨付凭证{alloc_id}-{len(self.disbursements)}",
                    "batch": None,
                    "state": answer,
                    "recorded_by_id": self.requests[auth_id - 1]["department_id"],
                    "recorded_at": aware(min(start, TODAY)),
                    "answered_by_id": self.head_id if answer != "recorded" else None,
                    "answered_at": aware(min(start, TODAY)) if answer != "recorded" else None,
                    "dispute_reason": "款项未到账" if answer == "disputed" else "",
                }
            )

    def insert(self) -> None:
        from gatekeeper.modules.authorisations.models import (
            Authorisation,
            AuthorisationCommunity,
            CommunityLoad,
            NumberSequence,
        )
        from gatekeeper.modules.funds.models import Allocation, Disbursement
        from gatekeeper.modules.requests.models import AdmissionRequest

        bulk_insert(AdmissionRequest, self.requests)
        bulk_insert(Authorisation, self.authorisations)
        bulk_insert(AuthorisationCommunity, self.links)
        bulk_insert(Allocation, self.allocations)
        bulk_insert(Disbursement, self.disbursements)
        loads: dict[int, Counter] = {}
        active = {a["id"]: a for a in self.authorisations if a["status"] == "active"}
        for link in self.links:
            a = active.get(link["authorisation_id"])
            if a is not None:
                load = loads.setdefault(link["community_id"], Counter())
                load["signs"] += a["kind"] == "sign"
                load["ledgers"] += a["kind"] == "ledger"
                load["reports_per_year"] += a["reports_per_year"]
        bulk_insert(
            CommunityLoad,
            [
                {
                    "community_id": c,
                    "signs": v["signs"],
                    "ledgers": v["ledgers"],
                    "reports_per_year": v["reports_per_year"],
                }
                for c, v in loads.items()
            ],
        )
        bulk_insert(NumberSequence, [{"gate_id": 1, "year": y, "last": n} for y, n in self.seq.items()])

    def counts(self) -> dict[str, int]:
        return {
            "authorisations": len(self.authorisations),
            "links": len(self.links),
            "allocations": len(self.allocations),
            "disbursements": len(self.disbursements),
        }


def _request(id_, department, kind, title, scope, start, end, basis, amount) -> dict:
    now = aware(min(start, TODAY) - dt.timedelta(days=40))
    return {
        "id": id_,
        "gate_id": 1,
        "department_id": department,
        "created_by_id": department,  # the department's officer has the same id
        "state": "approved",
        "kind": kind,
        "title": title,
        "description": "",
        "legal_basis": "",
        "catalogue_entry": None,
        "role": "assist" if kind == "duty" else None,
        "scope_type": "communities",
        "scope_codes": [],
        "scope_community_type": None,
        "start_date": start,
        "end_date": end,
        "scope_communities": len(scope),
        "scope_households": sum(h for _c, h in scope),
        "workload_hours": 4,
        "dedicated_premises": False,
        "premises_area_m2": None,
        "dedicated_staff": False,
        "separate_ranking": False,
        "veto": False,
        "responsibility_letter": False,
        "reports_per_year": 0,
        "funding_basis": basis,
        "funding_amount_fen": amount,
        "funding_source": "区财政" if amount else "",
        "outcome": "admissible",
        "latest_check_id": None,
        "revision": 1,
        "review_round": 1,
        "submitted_at": now,
        "accepted_at": now,
        "due_date": now.date() + dt.timedelta(days=21),
        "decided_at": now,
        "created_at": now,
        "updated_at": now,
        "version": 1,
    }


# --- the measurement -----------------------------------------------------------------------------


def measure(app, target: dict, token: str, counter: StatementCounter, gets: int) -> dict:
    """Statements and server time of the GET, and the time of ``community_view`` alone."""
    from gatekeeper.extensions import db
    from gatekeeper.modules.authorisations.community import community_view
    from gatekeeper.modules.jurisdictions.models import Jurisdiction

    client = app.test_client()
    url = f"/api/v1/communities/{target['code']}/authorised"
    headers = {"Authorization": f"Bearer {token}"}
    client.get(url, headers=headers)  # warm-up
    with counter.counting() as seen:
        response = client.get(url, headers=headers)
    if response.status_code != 200:
        raise SystemExit(f"GET {url} answered {response.status_code}: {response.get_data(True)}")
    problems = _check(response.get_json(), target)
    times, view = [], []
    for _ in range(gets):
        start = time.perf_counter()
        client.get(url, headers=headers)
        times.append(time.perf_counter() - start)
    with app.app_context():
        community = db.session.get(Jurisdiction, target["community_id"])
        for _ in range(gets):
            db.session.expire_all()  # loaded afresh each time, as in a request
            start = time.perf_counter()
            community_view(community)
            view.append(time.perf_counter() - start)
        db.session.remove()
    return {
        "statements": list(seen),
        "problems": problems,
        "bytes": len(response.get_data()),
        "times_ms": [t * 1000 for t in times],
        "view_ms": [t * 1000 for t in view],
    }


def _check(answer: dict, target: dict) -> list[str]:
    """What is wrong with the answer (the items, the counts, the expiring numbers)."""
    numbers = [item["number"] for item in answer["items"]]
    problems = []
    if set(numbers) != target["listed"] or len(numbers) != target["n"]:
        problems.append(f"{len(numbers)} items listed, expected the {target['n']} in force")
    if sum(answer["counts"].values()) != len(numbers):
        problems.append(f"counts by kind add up to {sum(answer['counts'].values())}")
    if set(answer["expiring_soon"]) != target["expiring"]:
        problems.append(f"{len(answer['expiring_soon'])} expiring soon, expected {len(target['expiring'])}")
    return problems


def run(args) -> int:
    rng = random.Random(args.seed)
    watch = Stopwatch()
    with benchmark(args.database_url, "community", "community list benchmark", watch) as (app, database):
        return _run(app, database, rng, args, watch)


def _run(app, database, rng, args, watch) -> int:
    from gatekeeper.core import clock
    from gatekeeper.core.auth import issue_token
    from gatekeeper.extensions import db
    from gatekeeper.modules.accounts.models import User

    with app.app_context(), clock.frozen(TODAY):
        with watch.step("bulk load"):
            world = build(rng)
        settled = settle(app)
        tokens = {
            t["n"]: issue_token(db.session.get(User, t["head_id"]), label="bench")[0]
            for t in world["targets"]
        }
        db.session.commit()
        counter = StatementCounter(db.engine)
        db.session.remove()
    flush_print(f"  set-up: {watch.line()}; {settled}")
    flush_print(
        "world: {authorisations:,} authorisations over {links:,} community links, {allocations:,} "
        "allocations, {disbursements:,} disbursements; {STREETS} streets of {PER_STREET} communities, "
        "33 departments".format(**world["counts"], STREETS=STREETS, PER_STREET=PER_STREET)
    )
    results = {}
    with clock.frozen(TODAY):
        for target in world["targets"]:
            results[target["n"]] = measure(app, target, tokens[target["n"]], counter, args.gets)
    counter.close()

    flush_print(
        f"\nGET /api/v1/communities/<code>/authorised as the community's head, {args.gets} timed GETs"
    )
    flush_print(
        "  (server time: the whole request in the Flask test client; the query: community_view() alone,"
    )
    flush_print(
        "  its SELECT and the ORM objects, median; not listed: expired, revoked, superseded, past their end)"
    )
    flush_print(
        f"{'items in force':>14}  {'not listed':>10}  {'expiring':>8}  {'statements':>10}  "
        f"{'median':>9}  {'p95':>9}  {'max':>9}  {'the query':>9}  {'answer':>9}"
    )
    failed = []
    for target in world["targets"]:
        r, n = results[target["n"]], target["n"]
        times = sorted(r["times_ms"])
        p95 = statistics.quantiles(times, n=100, method="inclusive")[94] if len(times) > 1 else times[0]
        cells = (statistics.median(times), p95, times[-1], statistics.median(r["view_ms"]))
        statements = len(r["statements"])
        flush_print(
            f"{n:>14,}  {target['not_listed']:>10}  {len(target['expiring']):>8}  {statements:>10}  "
            + "".join(f"{value:>6.1f} ms  " for value in cells)
            + f"{r['bytes'] / 1024:>6.0f} KB"
        )
        failed += [f"at {n} items: {p}" for p in r["problems"]]
    low, high = (len(results[n]["statements"]) for n in SCALES)
    if args.verbose or low != high:
        for n in SCALES:
            for statement, count in Counter(" ".join(s.split()) for s in results[n]["statements"]).items():
                flush_print(f"    @{n}: {count:>3} × {one_line(statement)}")
    flush_print(f"  load average at the end: {load()} (on {os.cpu_count()} CPUs)")
    if low != high:
        failed.append(f"{low} statements at {SCALES[0]} items, {high} at {SCALES[1]}")
    if failed:
        flush_print("FAILED: " + "; ".join(failed))
        return 1
    flush_print(f"OK: {low} statements at {SCALES[0]:,} and at {SCALES[1]:,} items in force.")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = arguments(__doc__, SEED)
    parser.add_argument("--gets", type=int, default=30, help="timed GETs per community (default 30)")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every counted statement")
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
