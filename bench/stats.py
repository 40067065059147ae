"""Server time and SQL statements of the statistics dashboard (GET /stats and GET /api/v1/stats), on the
demo and on a generated dataset 50 times larger.

The larger dataset is bulk-inserted copies of the demo's requests (with their events), allocations,
reports and inventory items, spread over the same gate, departments and communities, so every
statistic has 50 times the rows to aggregate. Target: median ≤ 200 ms at 50×; the statement count
must not grow with the data (exit 1 if it does, or if an answer is not 200).
"""

from __future__ import annotations

import sys

import sqlalchemy as sa
from _setup import (
    PASSWORD,
    TODAY,
    StatementCounter,
    Stopwatch,
    arguments,
    benchmark,
    bulk_insert,
    fix_sequences,
    flush_print,
    log_in,
    row_counts,
    settle,
    time_get,
)

TARGET_MS = 200.0
PATHS = ("/stats", "/api/v1/stats", "/stats?year=2026&street=LJ01", "/api/v1/stats?year=2026&street=LJ01")


def measure(app, counter, gets: int) -> dict:
    client = log_in(app, "secretariat")
    results = {}
    for path in PATHS:
        result = time_get(client, path, counter, gets)
        results[path] = {**result, "statements": len(result["statements"])}
    return results


def _copy(model, rows, id_offset: int, fk: dict):
    for row in rows:
        row = dict(row)
        if "id" in row:
            row["id"] += id_offset
        for column, offset in fk.items():
            if row.get(column) is not None:
                row[column] += offset
        yield row


def multiply(app, times: int, watch: Stopwatch) -> None:
    """``times - 1`` more copies of the requests, events, allocations, reports and inventory items."""
    from gatekeeper.extensions import db
    from gatekeeper.modules.authorisations.models import Authorisation
    from gatekeeper.modules.funds.models import Allocation
    from gatekeeper.modules.inventory.models import InventoryImport, InventoryItem
    from gatekeeper.modules.requests.models import AdmissionRequest, RequestEvent
    from gatekeeper.modules.supervision.models import Report

    def rows(model, skip=()):
        table = model.__table__
        return [
            {k: v for k, v in r._mapping.items() if k not in skip}
            for r in db.session.execute(sa.select(table)).all()
        ]

    with watch.step(f"{times}× by bulk copies"), app.app_context():
        requests = rows(AdmissionRequest)
        for r in requests:
            r["latest_check_id"] = None
            r["varies_id"] = None
        events = rows(RequestEvent)
        allocations = rows(Allocation)
        reports = rows(Report)
        items = rows(InventoryItem)
        top = {
            m: db.session.scalar(sa.select(sa.func.max(m.id))) or 0
            for m in (AdmissionRequest, RequestEvent, Allocation, Report, InventoryItem)
        }
        auth_ids = [a for (a,) in db.session.execute(sa.select(Authorisation.id))]
        for n in range(1, times):
            o = {m: top[m] * n for m in top}
            bulk_insert(AdmissionRequest, _copy(AdmissionRequest, requests, o[AdmissionRequest], {}))
            bulk_insert(
                RequestEvent,
                _copy(RequestEvent, events, o[RequestEvent], {"request_id": o[AdmissionRequest]}),
            )
            # Allocations are unique per (authorisation, community): copies move to other communities'
            # existing authorisations only through new ids; keep them on the same authorisation by
            # shifting the community within the district is not possible, so they get no unique clash
            # by reusing the authorisation of another index.
            copies = []
            for row in allocations:
                row = dict(row, id=row["id"] + o[Allocation])
                row["authorisation_id"] = auth_ids[
                    (auth_ids.index(row["authorisation_id"]) + n) % len(auth_ids)
                ]
                copies.append(row)
            _insert_new_allocations(copies)
            bulk_insert(Report, _copy(Report, reports, o[Report], {}))
            bulk_insert(InventoryItem, _copy(InventoryItem, items, o[InventoryItem], {}))
        if not items:
            imp = db.session.scalar(sa.select(InventoryImport.id))
            assert imp is None or imp
        fix_sequences()
        db.session.commit()


def _insert_new_allocations(copies):
    from gatekeeper.extensions import db
    from gatekeeper.modules.funds.models import Allocation

    existing = set(db.session.execute(sa.select(Allocation.authorisation_id, Allocation.community_id)).all())
    fresh = []
    for row in copies:
        key = (row["authorisation_id"], row["community_id"])
        if key not in existing:
            existing.add(key)
            fresh.append(row)
    bulk_insert(Allocation, fresh)


def counts(app) -> str:
    from gatekeeper.modules.funds.models import Allocation
    from gatekeeper.modules.requests.models import AdmissionRequest, RequestEvent
    from gatekeeper.modules.supervision.models import Report

    return row_counts(
        app,
        {"requests": AdmissionRequest, "events": RequestEvent, "allocations": Allocation, "reports": Report},
    )


def main() -> int:
    parser = arguments(__doc__)
    parser.add_argument("--gets", type=int, default=20, help="timed GETs per address (default 20)")
    parser.add_argument("--scale", type=int, default=50, help="times the demo (default 50)")
    args = parser.parse_args()
    watch = Stopwatch()
    failed = False
    with benchmark(args.database_url, "stats", "statistics dashboard", watch) as (app, _database):
        from gatekeeper.core import clock
        from gatekeeper.core.db import write_intent
        from gatekeeper.extensions import db
        from gatekeeper.modules.demo.loader import load_demo

        with watch.step("demo"), app.app_context(), clock.frozen(TODAY), write_intent():
            load_demo(PASSWORD)
            db.session.commit()
        settle(app)
        with app.app_context():
            counter = StatementCounter(db.engine)
        rounds = []
        with clock.frozen(TODAY):
            rounds.append(("1×", counts(app), measure(app, counter, args.gets)))
        multiply(app, args.scale, watch)
        settle(app)
        with clock.frozen(TODAY):
            rounds.append((f"{args.scale}×", counts(app), measure(app, counter, args.gets)))
        counter.close()
        flush_print(f"  set-up: {watch.line()}")
        for label, what, _r in rounds:
            flush_print(f"  {label} the demo: {what}")
        big = rounds[1][0]
        flush_print(
            f"\n  {'address':<40} {'SQL 1×':>7} {'SQL ' + big:>8} {'median 1×':>10} {'p95 1×':>8} "
            f"{'median ' + big:>11} {'p95 ' + big:>8} {'median/target':>13}"
        )
        for path in PATHS:
            small, large = rounds[0][2][path], rounds[1][2][path]
            grew = small["statements"] != large["statements"]
            bad = small["status"] != 200 or large["status"] != 200
            failed |= grew or bad
            flush_print(
                f"  {path:<40} {small['statements']:>7} {large['statements']:>8} {small['median']:>8.1f}ms "
                f"{small['p95']:>6.1f}ms {large['median']:>9.1f}ms {large['p95']:>6.1f}ms "
                f"{large['median'] / TARGET_MS:>12.2f}×"
                + ("  STATEMENTS GREW" if grew else "")
                + (f"  HTTP {small['status']}/{large['status']}" if bad else "")
            )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
