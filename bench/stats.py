"""Server time and SQL statements of the statistics dashboard (GET /stats and GET /api/v1/stats), on the
demo and on a generated dataset 50 times larger.

The larger dataset is bulk-inserted copies of the demo's requests (with their events), authorisations
(each copy issued for the copy of its request, numbered apart), their allocations and disbursements,
reports and inventory items, spread over the same gate, departments and communities, so every
statistic has 50 times the rows to aggregate. Target: median ≤ 200 ms at 50×; the statement count
must not grow with the data (exit 1 if it does, or if an answer is not 200).
"""

from __future__ import annotations

import sys
import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from _setup import (
    Stopwatch,
    arguments,
    benchmark,
    bulk_insert,
    demo_then_grown,
    fix_sequences,
    flush_print,
    log_in,
    row_counts,
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


def _plan():
    """What is copied, parents first: ``(label, model, links, suffixed)``. ``links`` maps a column to
    the copied model it points to (the copy points to the same copy of that row) or to ``None`` (the
    copy's column is left empty); ``suffixed`` are text columns made distinct by a suffix (unique
    ones, and those naming a suffixed value). Also the links set by an UPDATE once every copy exists,
    because they close a cycle (a request varying an authorisation issued for a request; an
    authorisation superseded by one perhaps inserted after it)."""
    from gatekeeper.modules.authorisations.models import Authorisation
    from gatekeeper.modules.funds.models import Allocation, Disbursement
    from gatekeeper.modules.inventory.models import InventoryItem
    from gatekeeper.modules.requests.models import AdmissionRequest, RequestEvent
    from gatekeeper.modules.supervision.models import Report

    copied = [
        # check runs are not copied (the statistics do not read them)
        ("requests", AdmissionRequest, {"latest_check_id": None, "varies_id": None}, ()),
        ("events", RequestEvent, {"request_id": AdmissionRequest}, ()),
        # unique: number, (gate, year, seq) (``_Copy.of``) and request
        (
            "authorisations",
            Authorisation,
            {"request_id": AdmissionRequest, "superseded_by_id": None},
            ("number",),
        ),
        ("allocations", Allocation, {"authorisation_id": Authorisation}, ()),
        ("disbursements", Disbursement, {"allocation_id": Allocation}, ()),
        ("reports", Report, {"authorisation_id": Authorisation}, ("authorisation_number",)),
        # unique: (community, kind, title)
        ("inventory items", InventoryItem, {}, ("title",)),
    ]
    later = [
        (AdmissionRequest, "varies_id", Authorisation),
        (Authorisation, "superseded_by_id", Authorisation),
    ]
    return copied, later


@dataclass
class _Copy:
    """The ``n``-th copy: how far each model's ids move, and what keeps unique values distinct."""

    n: int
    shift: dict
    top_seq: int
    batches: dict

    def of(self, model, row: dict, links: dict, suffixed: tuple[str, ...]) -> dict:
        copy = dict(row, id=row["id"] + self.shift[model])
        for column, target in links.items():
            copy[column] = None if target is None or row[column] is None else row[column] + self.shift[target]
        for column in suffixed:
            if row[column]:
                copy[column] = f"{row[column]}-{self.n:02d}"
        if model.__tablename__ == "authorisations":  # (gate, year, seq) is unique
            copy["seq"] = row["seq"] + self.top_seq * self.n
        if row.get("batch"):  # disbursements recorded together: their copies form a batch of their own
            copy["batch"] = self.batches.setdefault((row["batch"], self.n), str(uuid.uuid4()))
        return copy


def multiply(app, times: int, watch: Stopwatch) -> None:
    """``times - 1`` more copies of every row the statistics read: requests and their events,
    authorisations with their allocations and disbursements, reports and inventory items. The copy
    of an authorisation belongs to the copy of its request and holds the copies of its allocations,
    so every statistic (money included) has ``times`` as many rows."""
    from gatekeeper.extensions import db
    from gatekeeper.modules.authorisations.models import Authorisation

    copied, later = _plan()
    with watch.step(f"{times}× by bulk copies"), app.app_context():
        source = {
            model: [dict(r._mapping) for r in db.session.execute(sa.select(model.__table__))]
            for _label, model, _links, _suffixed in copied
        }
        top = {model: db.session.scalar(sa.select(sa.func.max(model.id))) or 0 for model in source}
        top_seq = db.session.scalar(sa.select(sa.func.max(Authorisation.seq))) or 0
        batches: dict = {}
        for n in range(1, times):
            copy = _Copy(n, {model: top[model] * n for model in top}, top_seq, batches)
            for _label, model, links, suffixed in copied:
                bulk_insert(model, (copy.of(model, row, links, suffixed) for row in source[model]))
            for model, column, target in later:
                table = model.__table__
                linked = [
                    {"b_id": row["id"] + copy.shift[model], "b_to": row[column] + copy.shift[target]}
                    for row in source[model]
                    if row[column] is not None
                ]
                if linked:
                    db.session.execute(
                        table.update()
                        .where(table.c.id == sa.bindparam("b_id"))
                        .values({column: sa.bindparam("b_to")}),
                        linked,
                    )
        fix_sequences()
        db.session.commit()


def counts(app) -> str:
    copied, _later = _plan()
    return row_counts(app, {label: model for label, model, _links, _suffixed in copied})


def main() -> int:
    parser = arguments(__doc__)
    parser.add_argument("--gets", type=int, default=20, help="timed GETs per address (default 20)")
    parser.add_argument("--scale", type=int, default=50, help="times the demo (default 50)")
    args = parser.parse_args()
    watch = Stopwatch()
    failed = False
    with benchmark(args.database_url, "stats", "statistics dashboard", watch) as (app, _database):
        rounds = demo_then_grown(
            app,
            watch,
            counts=lambda: counts(app),
            measure=lambda counter: measure(app, counter, args.gets),
            grow=lambda: multiply(app, args.scale, watch),
            label=f"{args.scale}×",
        )
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
