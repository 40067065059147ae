"""Server time and SQL statements of each role's home page and the community page, at 1× and 10× the demo.

Builds a fresh database (SQLite in a temporary folder, or a new schema of the PostgreSQL database given
with ``--database-url``), runs the migrations and loads the real demo district with its ~100 requests and
their money (``gatekeeper demo``'s loader, through the app's operations). Then, as each role's demo user
logged in through the log-in form (a browser session, not a token), it requests each page once to warm
up, once counting the SQL statements, and ``--gets`` more times for the server time (Flask test client:
routing, session, permission, queries, template). The demo's requests are then loaded nine times more
(each time with another seed: ~1,000 requests and their authorisations, allocations and payments in
all) and everything is measured again.

Target (issue 4): p95 ≤ 50 ms per page with 10× the demo, and statement counts that do not grow with
the rows. Exit status 1 if a page answers other than 200 or a count grows, else 0. Run
``.venv/bin/python bench/pages.py [--database-url postgresql+psycopg://...] [--gets N] [--scale N]``.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _setup import (
    TODAY,
    Stopwatch,
    arguments,
    benchmark,
    demo_then_grown,
    flush_print,
    log_in,
    one_line,
    row_counts,
    time_get,
)

TARGET_P95_MS = 50.0
#: (role's user, page, endpoint and its values; None: the role's home page, reached from "/").
PAGES = [
    ("officer", "home", None),
    ("secretariat", "home", None),
    ("member2", "home", None),
    ("chair", "home", None),
    ("head", "home (community page)", None),
    ("street", "home", None),
    ("admin", "home", None),
    ("street", "community page", ("community_pages.community", {"code": "LJ0101"})),
    ("secretariat", "community page", ("community_pages.community", {"code": "LJ0101"})),
    ("secretariat", "request list", ("requests_pages.index", {})),
    ("officer", "authorisation list", ("authorisations_pages.index", {})),
    ("secretariat", "catalogue", ("catalogue_pages.index", {})),
]


def resolve(app, client, endpoint) -> str | None:
    """The path of a page: the home page a role lands on from "/", or an endpoint's URL."""
    from flask import url_for

    if endpoint is None:
        return client.get("/").headers["Location"]
    name, values = endpoint
    if name not in app.view_functions:
        return None
    with app.test_request_context():
        return url_for(name, **values)


def measure(app, counter, gets: int) -> dict:
    results = {}
    clients = {}
    for username, page, endpoint in PAGES:
        client = clients.get(username) or log_in(app, username)
        clients[username] = client
        path = resolve(app, client, endpoint)
        if path is None:
            results[(username, page)] = None
            continue
        results[(username, page)] = {"path": path, **time_get(client, path, counter, gets)}
    return results


def load_more(app, times: int, watch: Stopwatch) -> None:
    import random

    import sqlalchemy as sa

    from gatekeeper.core import clock
    from gatekeeper.core.db import write_intent
    from gatekeeper.extensions import db
    from gatekeeper.modules.authorisations.models import Authorisation
    from gatekeeper.modules.demo.payments import load_payments
    from gatekeeper.modules.demo.requests import SEED, load_requests

    with watch.step(f"{times} more loads of the demo requests"), app.app_context(), clock.frozen(TODAY):
        for n in range(1, times + 1):
            with write_intent():
                last = db.session.scalar(sa.select(sa.func.max(Authorisation.id))) or 0
                load_requests(seed=SEED + n)
                load_payments(random.Random(SEED + 100 + n), after_id=last)
                db.session.commit()


def counts(app) -> str:
    from gatekeeper.modules.authorisations.models import Authorisation
    from gatekeeper.modules.funds.models import Allocation, Disbursement
    from gatekeeper.modules.requests.models import AdmissionRequest

    models = {
        "requests": AdmissionRequest,
        "authorisations": Authorisation,
        "allocations": Allocation,
        "disbursements": Disbursement,
    }
    return row_counts(app, models)


def main() -> int:
    parser = arguments(__doc__)
    parser.add_argument("--gets", type=int, default=60, help="timed requests per page (default 60)")
    parser.add_argument("--scale", type=int, default=10, help="times the demo's requests (default 10)")
    parser.add_argument("-v", action="store_true", help="print the statements of each page")
    args = parser.parse_args()
    watch = Stopwatch()
    failed = False
    with benchmark(args.database_url, "pages", "page timings", watch) as (app, _database):
        rounds = demo_then_grown(
            app,
            watch,
            counts=lambda: counts(app),
            measure=lambda counter: measure(app, counter, args.gets),
            grow=lambda: load_more(app, args.scale - 1, watch),
            label=f"{args.scale}×",
        )
        flush_print(
            f"\n  {'user':<12} {'page':<22} {'SQL 1×':>7} {'SQL ' + rounds[1][0]:>8} "
            f"{'median 1×':>10} {'p95 1×':>8} {'median ' + rounds[1][0]:>11} {'p95 ' + rounds[1][0]:>8} "
            f"{'p95/target':>10}"
        )
        for username, page, _endpoint in PAGES:
            small, large = rounds[0][2][(username, page)], rounds[1][2][(username, page)]
            if small is None:
                flush_print(f"  {username:<12} {page:<22} (no such page)")
                continue
            grew = len(large["statements"]) != len(small["statements"])
            bad = small["status"] != 200 or large["status"] != 200
            failed |= grew or bad
            flush_print(
                f"  {username:<12} {page:<22} {len(small['statements']):>7} {len(large['statements']):>8} "
                f"{small['median']:>8.1f}ms {small['p95']:>6.1f}ms {large['median']:>9.1f}ms "
                f"{large['p95']:>6.1f}ms {large['p95'] / TARGET_P95_MS:>9.2f}×"
                + ("  STATEMENTS GREW" if grew else "")
                + (f"  HTTP {small['status']}/{large['status']}" if bad else "")
            )
            if args.v:
                for statement in large["statements"]:
                    flush_print(f"      {one_line(statement)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
