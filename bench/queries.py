"""SQL statements per list endpoint at 10 and at 1,000 rows: the count must not grow with the rows.

For each scale it builds a fresh database (SQLite in a temporary folder, or a new schema of the
PostgreSQL database given with ``--database-url``), runs the migrations and bulk-inserts a world in
which every listed table holds exactly that many rows, each row pointing at different related rows
(so a relationship loaded row by row would show as extra statements, not hide in the identity map).
Then, as the admin (who sees everything), it sends one warm-up GET and one counted GET with
``per_page=200`` to every list endpoint of the API and counts the SQL statements the request sends
(an SQLAlchemy ``before_cursor_execute`` listener; BEGIN/COMMIT/SAVEPOINT left out).

The list endpoints are those whose 200 response schema has ``items``; the script finds them in the
URL map and fails if one is missing from its table below. It prints a table and exits with status 1
if any count differs between the scales (or an endpoint is not covered), 0 otherwise, so it can serve
as a guard. Run ``.venv/bin/python bench/queries.py [--database-url postgresql+psycopg://...]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import sqlalchemy as sa
from _setup import (
    TODAY,
    StatementCounter,
    aware,
    bulk_insert,
    dispose,
    fix_sequences,
    flush_print,
    fresh_database,
    machine,
    make_app,
    migrate,
)

SCALES = (10, 1000)
PER_PAGE = 200
KINDS = ("duty", "sign", "ledger", "appraisal", "certificate", "mechanism", "system")
ROLES = ("officer", "secretariat", "member", "chair", "community_head", "street_officer")


@dataclass(frozen=True)
class Endpoint:
    """A list endpoint: its URL rule, how to call it in a world, what its rows are."""

    rule: str
    url: Callable[[dict], str]
    rows: str
    #: False for a list answered whole (no ``per_page``, no ``total``): all its rows are expected.
    paginated: bool = True


#: Every list endpoint of the API. ``ids`` holds the ids of the world's first request and version.
ENDPOINTS = (
    Endpoint("/api/v1/gates", lambda ids: "/api/v1/gates", "gates"),
    Endpoint("/api/v1/departments", lambda ids: "/api/v1/departments", "departments"),
    Endpoint("/api/v1/streets", lambda ids: "/api/v1/streets", "streets"),
    Endpoint("/api/v1/communities", lambda ids: "/api/v1/communities", "communities"),
    Endpoint("/api/v1/users", lambda ids: "/api/v1/users", "users"),
    Endpoint("/api/v1/deputies", lambda ids: "/api/v1/deputies", "deputies"),
    Endpoint(
        "/api/v1/catalogue/entries",
        lambda ids: f"/api/v1/catalogue/entries?gate={ids['gate_code']}",
        "entries of the gate's current version",
    ),
    Endpoint("/api/v1/catalogue/versions", lambda ids: "/api/v1/catalogue/versions", "versions"),
    Endpoint(
        "/api/v1/catalogue/versions/<int:version_id>/changes",
        lambda ids: f"/api/v1/catalogue/versions/{ids['version']}/changes",
        "changes of one version",
    ),
    Endpoint("/api/v1/requests", lambda ids: "/api/v1/requests", "requests (each with its latest check)"),
    Endpoint(
        "/api/v1/requests/<int:request_id>/checks",
        lambda ids: f"/api/v1/requests/{ids['request']}/checks",
        "check runs of one request (2 findings each)",
    ),
    Endpoint(
        "/api/v1/requests/<int:request_id>/events",
        lambda ids: f"/api/v1/requests/{ids['request']}/events",
        "events of one request",
    ),
    Endpoint(
        "/api/v1/requests/<int:request_id>/revisions",
        lambda ids: f"/api/v1/requests/{ids['request']}/revisions",
        "revisions of one request",
    ),
    Endpoint(
        "/api/v1/requests/<int:request_id>/attachments",
        lambda ids: f"/api/v1/requests/{ids['request']}/attachments",
        "attachments of one request (each by a different uploader)",
    ),
    Endpoint(
        "/api/v1/notifications",
        lambda ids: "/api/v1/notifications",
        "the admin's notifications (half about an authorisation)",
    ),
    Endpoint(
        "/api/v1/authorisations",
        lambda ids: "/api/v1/authorisations",
        "authorisations (the first over every community, the others over 2)",
    ),
    Endpoint(
        "/api/v1/authorisations/<number>/allocations",
        lambda ids: f"/api/v1/authorisations/{ids['authorisation']}/allocations",
        "allocations of one authorisation (one per community)",
    ),
    Endpoint(
        "/api/v1/allocations/<int:allocation_id>/disbursements",
        lambda ids: f"/api/v1/allocations/{ids['allocation']}/disbursements",
        "disbursements of one allocation (each recorded by a different user, half answered by another)",
    ),
    Endpoint(
        "/api/v1/communities/<code>/authorised",
        lambda ids: f"/api/v1/communities/{ids['community']}/authorised",
        "authorisations in force in one community, each with its allocation there (not paginated)",
        paginated=False,
    ),
)


def list_rules(app) -> set[str]:
    """GET routes whose 200 response schema is a list envelope (has ``items``)."""
    found = set()
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()):
            continue
        doc = getattr(app.view_functions[rule.endpoint], "_apidoc", None) or {}
        for status, answers in (doc.get("response", {}).get("responses", {}) or {}).items():
            if str(status) != "200":
                continue
            for answer in answers if isinstance(answers, list) else [answers]:
                schema = answer.get("schema") if isinstance(answer, dict) else None
                if isinstance(schema, type):
                    schema = schema()
                if schema is not None and "items" in getattr(schema, "fields", {}):
                    found.add(rule.rule)
    return found


# --- the world -----------------------------------------------------------------------------------


def populate(n: int) -> dict:
    """Bulk-insert a world where every listed table holds ``n`` rows; returns the ids the URLs need."""
    from werkzeug.security import generate_password_hash

    from gatekeeper.extensions import db
    from gatekeeper.modules.accounts.models import Deputy, User
    from gatekeeper.modules.attachments.models import Attachment
    from gatekeeper.modules.authorisations.models import (
        Authorisation,
        AuthorisationCommunity,
        CommunityLoad,
        NumberSequence,
    )
    from gatekeeper.modules.catalogue.models import CatalogueChange, CatalogueEntry, CatalogueVersion
    from gatekeeper.modules.funds.models import Allocation, Disbursement
    from gatekeeper.modules.jurisdictions.models import Department, Gate, Jurisdiction
    from gatekeeper.modules.notifications.models import Notification
    from gatekeeper.modules.requests.models import (
        AdmissionRequest,
        CheckRun,
        Finding,
        RequestEvent,
        RequestRevision,
    )

    ids = range(1, n + 1)
    now = aware(TODAY)
    other = {i: i % n + 1 for i in ids}  # a different row of the same table

    # Jurisdictions: a city, n districts (one per gate), n streets (one per district), n communities
    # (one per street).
    city, district, street, community = 1, {i: 1 + i for i in ids}, {i: 1 + n + i for i in ids}, {}
    rows = [_jurisdiction(city, "JC", "江城市", "city", None, "/JC/")]
    for i in ids:
        rows.append(_jurisdiction(district[i], f"D{i:04d}", f"第{i}区", "district", city, f"/JC/D{i:04d}/"))
    for i in ids:
        rows.append(
            _jurisdiction(
                street[i], f"S{i:04d}", f"第{i}街道", "street", district[i], f"/JC/D{i:04d}/S{i:04d}/"
            )
        )
    for i in ids:
        community[i] = 1 + 2 * n + i
        row = _jurisdiction(
            community[i],
            f"C{i:04d}",
            f"第{i}社区",
            "community",
            street[i],
            f"/JC/D{i:04d}/S{i:04d}/C{i:04d}/",
        )
        row.update(
            community_type="urban" if i % 3 else "rural", households=1000 + i, area_m2=500, office_area_m2=80
        )
        rows.append(row)
    bulk_insert(Jurisdiction, rows)
    bulk_insert(
        Gate,
        [
            {
                "id": i,
                "code": f"G{i:04d}",
                "name": f"第{i}关口",
                "jurisdiction_id": district[i],
                "committee_name": f"第{i}委员会",
                "escalation_body_name": f"第{i}区政府常务会议",
                "number_prefix": f"G{i:04d}",
                "settings": {},
            }
            for i in ids
        ],
    )
    bulk_insert(
        Department,
        [
            {
                "id": i,
                "code": f"DP{i:04d}",
                "name": f"第{i}部门",
                "initials": f"d{i}",
                "jurisdiction_id": district[i],
            }
            for i in ids
        ],
    )

    # Users: the admin and n - 1 others of every role, each attached to a different row.
    password_hash = generate_password_hash("bench-password-1", method="pbkdf2:sha256:1000")
    users = [_user(1, "admin", "admin", {}, password_hash, now)]
    for i in list(ids)[1:]:
        role = ROLES[i % len(ROLES)]
        attachment = {
            "officer": {"department_id": i},
            "secretariat": {"gate_id": i, "department_id": i},
            "member": {"gate_id": i, "department_id": i},
            "chair": {"gate_id": i, "department_id": i},
            "community_head": {"jurisdiction_id": community[i]},
            "street_officer": {"jurisdiction_id": street[i]},
        }[role]
        users.append(_user(i, f"user{i:04d}", role, attachment, password_hash, now))
    bulk_insert(User, users)
    bulk_insert(
        Deputy,
        [
            {
                "id": i,
                "principal_id": i,
                "deputy_id": other[i],
                "starts_on": TODAY,
                "ends_on": TODAY + dt.timedelta(days=i),
                "reason": "出差",
                "created_at": now,
            }
            for i in ids
        ],
    )

    # Catalogue: n versions (one per gate); the first gate's version holds n entries and n changes.
    bulk_insert(
        CatalogueVersion,
        [
            {
                "id": i,
                "gate_id": i,
                "number": 1,
                "label": f"{TODAY.year}年版",
                "state": "published",
                "based_on_id": None,
                "notes": "",
                "created_at": now,
                "created_by_id": i,
                "published_at": now,
                "published_by_id": other[i],
            }
            for i in ids
        ],
    )
    bulk_insert(CatalogueEntry, [_entry(i) for i in ids])
    bulk_insert(
        CatalogueChange,
        [
            {
                "id": i,
                "version_id": 1,
                "code": f"E{i:05d}",
                "action": "add",
                "reason": "初始目录",
                "before": None,
                "after": {"code": f"E{i:05d}", "title": f"事项{i}"},
                "at": now,
                "actor_id": i,
            }
            for i in ids
        ],
    )

    # Requests: n approved requests, each with its authorisation and a latest check run; the first
    # request has n check runs (its latest among them), n events and n revisions.
    bulk_insert(AdmissionRequest, [_request(i, now) for i in ids])
    runs = [_run(i, 1, now, i) for i in ids]  # ids 1..n: the first request's runs
    runs += [_run(n + i - 1, i, now, i) for i in list(ids)[1:]]  # ids n+1..2n-1: one per other request
    bulk_insert(CheckRun, runs)
    bulk_insert(Finding, [_finding(run["id"], position) for run in runs for position in (0, 1)])
    latest = [{"request_id": 1, "check_id": n}] + [
        {"request_id": i, "check_id": n + i - 1} for i in list(ids)[1:]
    ]
    db.session.execute(
        sa.update(AdmissionRequest.__table__)
        .where(AdmissionRequest.__table__.c.id == sa.bindparam("request_id"))
        .values(latest_check_id=sa.bindparam("check_id")),
        latest,
    )
    bulk_insert(
        RequestEvent,
        [
            {
                "id": i,
                "request_id": 1,
                "action": "accept" if i % 2 else "return",
                "from_state": "submitted",
                "to_state": "in_review",
                "actor_id": i,
                "acting_for_id": other[i] if i % 2 else None,
                "reason": "",
                "at": now,
            }
            for i in ids
        ],
    )
    bulk_insert(
        RequestRevision,
        [
            {
                "id": i,
                "request_id": 1,
                "number": i,
                "snapshot": {"title": f"事项{i}", "revision": i},
                "created_at": now,
                "created_by_id": i,
            }
            for i in ids
        ],
    )
    # Authorisations: the first over every community (n allocations), each other one over the first
    # community and its own (so the first community has n authorisations in force); one allocation
    # per community in scope; the first allocation has n disbursements.
    scopes = {1: list(ids), **{i: sorted({1, i}) for i in list(ids)[1:]}}
    bulk_insert(Authorisation, [_authorisation(i, now, len(scopes[i])) for i in ids])
    links = [{"authorisation_id": i, "community_id": community[c]} for i in ids for c in scopes[i]]
    bulk_insert(AuthorisationCommunity, links)
    bulk_insert(
        Allocation,
        [
            {
                "id": k,
                "authorisation_id": link["authorisation_id"],
                "community_id": link["community_id"],
                "amount_fen": 1_000_000,
                "carried_fen": 0,
                "disbursed_fen": 100 * n if k == 1 else 0,
                "confirmed_fen": 100 * ((n + 1) // 2) if k == 1 else 0,
                "due_date": TODAY + dt.timedelta(days=k % 60 - 30),  # half of them overdue
                "state": "active",
                "created_at": now,
                "closed_at": None,
            }
            for k, link in enumerate(links, start=1)
        ],
    )
    bulk_insert(
        Disbursement,
        [
            {
                "id": i,
                "allocation_id": 1,
                "amount_fen": 100,
                "paid_on": TODAY,
                "reference": f"拨付凭证{i}",
                "batch": None,
                "state": "confirmed" if i % 2 else "recorded",
                "recorded_by_id": i,
                "recorded_at": now,
                "answered_by_id": other[i] if i % 2 else None,
                "answered_at": now if i % 2 else None,
                "dispute_reason": "",
            }
            for i in ids
        ],
    )
    loads: dict[int, dict[str, int]] = {}
    for link in links:
        kind = KINDS[link["authorisation_id"] % len(KINDS)]
        load = loads.setdefault(link["community_id"], {"signs": 0, "ledgers": 0, "reports_per_year": 0})
        load["signs"] += kind == "sign"
        load["ledgers"] += kind == "ledger"
        load["reports_per_year"] += 2
    bulk_insert(CommunityLoad, [{"community_id": cid, **load} for cid, load in loads.items()])
    bulk_insert(NumberSequence, [{"gate_id": i, "year": TODAY.year, "last": 1} for i in ids])
    bulk_insert(
        Attachment,
        [
            {
                "id": i,
                "request_id": 1,
                "kind": "plan",
                "filename": f"方案{i}.pdf",
                "content_type": "application/pdf",
                "size": 1000 + i,
                "sha256": f"{i:064x}",
                "uploaded_by_id": i,
                "uploaded_at": now,
                "deleted_at": None,
            }
            for i in ids
        ],
    )
    bulk_insert(
        Notification,
        [
            {
                "id": i,
                "user_id": 1,
                "kind": "authorised_here" if i % 2 else "request_changed",
                "request_id": i,
                "authorisation_id": i if i % 2 else None,
                "params": {"title": f"事项{i}", "state": "approved"},
                "created_at": now,
                "read_at": None,
            }
            for i in ids
        ],
    )
    fix_sequences()
    db.session.commit()
    return {
        "gate_code": "G0001",
        "version": 1,
        "request": 1,
        "authorisation": f"G0001-{TODAY.year}-0001",
        "allocation": 1,
        "community": "C0001",
    }


def _jurisdiction(id_, code, name, level, parent_id, path) -> dict:
    return {
        "id": id_,
        "code": code,
        "name": name,
        "level": level,
        "parent_id": parent_id,
        "path": path,
        "community_type": None,
        "households": None,
        "area_m2": None,
        "office_area_m2": None,
    }


def _user(id_, username, role, attachment, password_hash, now) -> dict:
    return {
        "id": id_,
        "username": username,
        "name": f"用户{id_}",
        "password_hash": password_hash,
        "role": role,
        "department_id": None,
        "jurisdiction_id": None,
        "gate_id": None,
        "active": True,
        "session_version": 1,
        "created_at": now,
        **attachment,
    }


def _entry(i: int) -> dict:
    kind = KINDS[i % len(KINDS)]
    return {
        "id": i,
        "version_id": 1,
        "code": f"E{i:05d}",
        "title": f"协助开展第{i}项工作",
        "kind": kind,
        "standing": "banned" if i % 10 == 0 else "permitted",
        "role": "assist" if kind == "duty" else None,
        "legal_basis": "《中华人民共和国城市居民委员会组织法》",
        "department": f"第{i}部门",
        "funding_basis": "none",
        "funding_amount_fen": 0,
        "requires_premises": False,
        "requires_staff": False,
        "list_name": "基准测试",
        "source": "bench",
        "notes": "",
        "initials": "",
    }


def _request(i: int, now: dt.datetime) -> dict:
    kind = KINDS[i % len(KINDS)]
    return {
        "id": i,
        "gate_id": i,
        "department_id": i,
        "created_by_id": i,
        "state": "approved",
        "kind": kind,
        "title": f"协助开展第{i}项工作",
        "description": "",
        "legal_basis": "",
        "catalogue_entry": f"E{i:05d}",
        "role": "assist" if kind == "duty" else None,
        "scope_type": "communities",
        "scope_codes": [f"C{i:04d}"],
        "scope_community_type": None,
        "start_date": TODAY,
        "end_date": TODAY + dt.timedelta(days=365),
        "scope_communities": 1,
        "scope_households": 1000,
        "workload_hours": 2,
        "dedicated_premises": False,
        "premises_area_m2": None,
        "dedicated_staff": False,
        "separate_ranking": False,
        "veto": False,
        "responsibility_letter": False,
        "reports_per_year": 2,
        "funding_basis": "per_community",
        "funding_amount_fen": 100_000,
        "funding_source": "区财政",
        "outcome": "admissible",
        "latest_check_id": None,
        "revision": 1,
        "review_round": 1,
        "submitted_at": now,
        "accepted_at": now,
        "due_date": TODAY + dt.timedelta(days=21),
        "decided_at": now,
        "created_at": now,
        "updated_at": now - dt.timedelta(seconds=i),
        "version": 1,
    }


def _run(id_: int, request_id: int, now: dt.datetime, actor_id: int) -> dict:
    return {
        "id": id_,
        "request_id": request_id,
        "revision": 1,
        "catalogue_version_id": request_id,
        "outcome": "admissible",
        "trigger": "submit",
        "created_at": now,
        "actor_id": actor_id,
    }


def _finding(run_id: int, position: int) -> dict:
    return {
        "id": 2 * run_id - 1 + position,
        "check_run_id": run_id,
        "position": position,
        "code": ("LEAD_TIME", "REPORTS_CAP")[position],
        "severity": "warn",
        "message_zh": "提示",
        "message_en": "note",
        "citation": "准入制度",
        "fields": ["start_date"],
        "entry_code": None,
        "details": {},
    }


def _authorisation(i: int, now: dt.datetime, communities: int) -> dict:
    kind = KINDS[i % len(KINDS)]
    return {
        "id": i,
        "number": f"G{i:04d}-{TODAY.year}-0001",
        "gate_id": i,
        "year": TODAY.year,
        "seq": 1,
        "request_id": i,
        "department_id": i,
        "kind": kind,
        "title": f"协助开展第{i}项工作",
        "catalogue_entry": f"E{i:05d}",
        "status": "active",
        "valid_from": TODAY,
        "valid_to": TODAY + dt.timedelta(days=365),
        "conditions": "",
        "reports_per_year": 2,
        "funding_basis": "per_community",
        "funding_amount_fen": 100_000,
        "community_count": communities,
        "issued_at": now - dt.timedelta(seconds=i),
        "revoked_at": None,
        "revoke_reason": "",
    }


# --- counting ------------------------------------------------------------------------------------


def measure(
    postgresql_url: str | None, n: int
) -> tuple[dict[str, tuple[list[str], int, int]], set[str], str]:
    """``{rule: (statements, items on the page, total)}`` at scale ``n``, the app's list rules, a label."""
    from gatekeeper.core import clock
    from gatekeeper.core.auth import issue_token
    from gatekeeper.extensions import db
    from gatekeeper.modules.accounts.models import User

    with fresh_database(postgresql_url, f"queries{n}") as database:
        app = make_app(database)
        try:
            migrate(app)
            with app.app_context(), clock.frozen(TODAY):
                ids = populate(n)
                token, _row = issue_token(db.session.get(User, 1), label="bench")
                db.session.commit()
                counter = StatementCounter(db.engine)
                db.session.remove()
            rules = list_rules(app)
            client = app.test_client()
            headers = {"Authorization": f"Bearer {token}"}
            results = {}
            with clock.frozen(TODAY):
                for endpoint in ENDPOINTS:
                    if endpoint.rule not in rules:  # gone from the app: reported by main()
                        continue
                    url = endpoint.url(ids)
                    if endpoint.paginated:
                        url += ("&" if "?" in url else "?") + f"per_page={PER_PAGE}"
                    client.get(url, headers=headers)  # warm-up
                    with counter.counting() as seen:
                        response = client.get(url, headers=headers)
                    if response.status_code != 200:
                        raise SystemExit(
                            f"GET {url} answered {response.status_code}: {response.get_data(True)}"
                        )
                    body = response.get_json()
                    total = body["total"] if endpoint.paginated else len(body["items"])
                    results[endpoint.rule] = (list(seen), len(body["items"]), total)
            counter.close()
            return results, rules, database.label
        finally:
            dispose(app)


def _short(statement: str, head: int = 70, tail: int = 70) -> str:
    """A long SQL statement cut in the middle (its start and its WHERE ... tail tell it apart)."""
    return statement if len(statement) <= head + tail + 5 else f"{statement[:head]} ... {statement[-tail:]}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL database in which fresh schemas are made, used and dropped "
        "(default: SQLite files in a temporary folder)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="print every counted statement")
    args = parser.parse_args(argv)

    measured = {}
    for n in SCALES:
        measured[n], rules, label = measure(args.database_url, n)
    flush_print(f"Gatekeeper SQL statements per list endpoint — {label.split(', schema')[0]}")
    flush_print(f"  {machine()}; one GET with per_page={PER_PAGE} as the admin, after one warm-up GET")
    low, high = SCALES
    width = max(len(e.rule) for e in ENDPOINTS)
    flush_print(f"{'':<{width}}  {f'--- @{low} ---':>15}  {f'--- @{high} ---':>15}")
    flush_print(f"{'endpoint':<{width}}  {'rows':>6} {'queries':>8}  {'rows':>6} {'queries':>8}  same?")
    failed = []
    for endpoint in ENDPOINTS:
        if endpoint.rule not in rules:
            continue
        (seen_low, items_low, total_low), (seen_high, items_high, total_high) = (
            measured[low][endpoint.rule],
            measured[high][endpoint.rule],
        )
        same = len(seen_low) == len(seen_high)
        if not same:
            failed.append(
                f"{endpoint.rule} sends {len(seen_low)} statements at {low} rows, {len(seen_high)} at {high}"
            )
        page = min(high, PER_PAGE) if endpoint.paginated else high
        if (total_low, total_high) != (low, high) or (items_low, items_high) != (low, page):
            failed.append(
                f"{endpoint.rule} (expected {low} and {high} rows, got {total_low} and {total_high})"
            )
        flush_print(
            f"{endpoint.rule:<{width}}  {total_low:>6} {len(seen_low):>8}  "
            f"{total_high:>6} {len(seen_high):>8}  {'yes' if same else 'NO'}"
        )
        if args.verbose or not same:
            for n, seen in ((low, seen_low), (high, seen_high)):
                for statement, count in Counter(" ".join(s.split()) for s in seen).items():
                    flush_print(f"    @{n}: {count:>3} × {_short(statement)}")
    known = {e.rule for e in ENDPOINTS}
    missing, gone = rules - known, known - rules
    if missing:
        failed.append(f"list endpoints not covered by bench/queries.py: {', '.join(sorted(missing))}")
    if gone:
        failed.append(
            f"endpoints in bench/queries.py that are no longer list endpoints: {', '.join(sorted(gone))}"
        )
    flush_print(f"{len(known & rules)} of the URL map's {len(rules)} list endpoints covered.")
    if failed:
        flush_print("FAILED: " + "; ".join(failed))
        return 1
    flush_print("OK: every list endpoint sends the same number of statements at 10 and at 1,000 rows.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
