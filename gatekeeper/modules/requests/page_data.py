"""What the request pages show, gathered in a fixed number of queries: the officer's overview, one
request with its timeline, revisions and files, a submission's findings (the form: ``page_form``).

The views in ``requests.pages`` stay short; nothing here changes the database.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError as MarshmallowValidationError
from sqlalchemy.orm import contains_eager, raiseload, selectinload

from gatekeeper.core import clock
from gatekeeper.core.db import contains
from gatekeeper.core.errors import ValidationFailed, flatten_messages
from gatekeeper.core.labels import options
from gatekeeper.core.web import enum_arg, page_url
from gatekeeper.extensions import db
from gatekeeper.modules.accounts.models import Role, User
from gatekeeper.modules.attachments import operations as attachment_ops
from gatekeeper.modules.attachments.models import AttachmentKind
from gatekeeper.modules.catalogue.models import CatalogueEntry, Kind
from gatekeeper.modules.catalogue.operations import current_version
from gatekeeper.modules.jurisdictions.models import Department, Gate, Jurisdiction
from gatekeeper.modules.requests import operations as ops
from gatekeeper.modules.requests import precheck
from gatekeeper.modules.requests.actions import available_actions
from gatekeeper.modules.requests.models import (
    AdmissionRequest,
    Outcome,
    RequestEvent,
    RequestRevision,
    RequestState,
)
from gatekeeper.modules.requests.permissions import visible_requests
from gatekeeper.modules.requests.schemas import FindingSchema, RequestInputSchema

R = AdmissionRequest
S = RequestState
#: Rows of each list on the officer's home; the rest is one click away in the full list.
HOME_ROWS = 8
UNDER_REVIEW = (S.SUBMITTED, S.IN_REVIEW, S.REFERRED)
DECIDED = (S.APPROVED, S.REJECTED)
#: States in the order the home page counts them.
STATE_ORDER = (S.DRAFT, S.RETURNED, S.SUBMITTED, S.IN_REVIEW, S.REFERRED, S.APPROVED, S.REJECTED, S.WITHDRAWN)

DEMAND_FLAGS = ("dedicated_premises", "dedicated_staff", "separate_ranking", "veto", "responsibility_letter")
DEMAND_LABELS = {
    "dedicated_premises": _l("Dedicated premises in the community"),
    "dedicated_staff": _l("Dedicated staff in the community"),
    "separate_ranking": _l("A separate ranking of communities"),
    "veto": _l("One-vote veto"),
    "responsibility_letter": _l("A responsibility letter to sign"),
}
#: The request body's fields as the pages name them (revisions' changes, a submission's problems).
FIELD_LABELS = {
    "kind": _l("Kind of item"),
    "title": _l("Title"),
    "description": _l("Description"),
    "legal_basis": _l("Legal basis"),
    "catalogue_entry": _l("Catalogue entry"),
    "role": _l("Role of the community"),
    "scope": _l("Scope"),
    "start_date": _l("Start date"),
    "end_date": _l("End date"),
    "workload_hours": _l("Workload"),
    "demands": _l("Demands on communities"),
    "funding": _l("Funding"),
    "variation_of": _l("Varies authorisation"),
    "attachments": _l("Attachments"),
}

#: The page of each action ``available_actions`` may offer, its button's words and its look.
ACTIONS = {
    "edit": ("requests_pages.edit", _l("Edit"), "secondary"),
    "submit": ("requests_pages.submit", _l("Submit"), "primary"),
    "accept": ("committee_pages.accept", _l("Accept"), "primary"),
    "return": ("committee_pages.return_", _l("Return"), "secondary"),
    "vote": ("committee_pages.vote", _l("Vote"), "primary"),
    "recuse": ("committee_pages.recuse", _l("Declare a conflict of interest"), "secondary"),
    "decide": ("committee_pages.decide", _l("Record the decision"), "primary"),
    "ruling": ("committee_pages.ruling", _l("Record the ruling"), "primary"),
    "withdraw": ("requests_pages.withdraw", _l("Withdraw"), "danger"),
}
EVENT_LABELS = {
    "create": _l("Filed as a draft"),
    "submit": _l("Submitted"),
    "withdraw": _l("Withdrawn"),
    "accept": _l("Accepted for review"),
    "return": _l("Returned for changes"),
    "vote": _l("Vote cast"),
    "recuse": _l("Conflict of interest declared"),
    "decide": _l("Decision recorded"),
    "ruling": _l("Ruling of the escalation body recorded"),
}


def field_label(name: str) -> str:
    return str(FIELD_LABELS.get(name.split(".", 1)[0], name))


# --- the officer's home ---------------------------------------------------------------------------


def last_events(ids: list[int], state: RequestState) -> dict[int, RequestEvent]:
    """The latest event of each request that led to ``state`` (one query): a return's reason."""
    if not ids:
        return {}
    events = db.session.scalars(
        sa.select(RequestEvent)
        .where(RequestEvent.request_id.in_(ids), RequestEvent.to_state == state)
        .order_by(RequestEvent.id)
    )
    return {event.request_id: event for event in events}


def _rows(*where, order, limit: int = HOME_ROWS, options=()) -> list[AdmissionRequest]:
    stmt = sa.select(R).where(*where).options(raiseload(R.varies), *options)
    return list(db.session.scalars(stmt.order_by(*order).limit(limit)).unique())


def officer_overview(me: User, today: dt.date) -> dict[str, Any]:
    """The department's requests: counts by state, what needs action, under review, recent decisions."""
    mine = R.department_id == me.department_id
    counts = dict(db.session.execute(sa.select(R.state, sa.func.count()).where(mine).group_by(R.state)).all())
    overdue = db.session.scalar(
        sa.select(sa.func.count()).where(mine, R.state == S.IN_REVIEW, R.due_date < today)
    )
    returned = _rows(mine, R.state == S.RETURNED, order=(R.updated_at.desc(), R.id.desc()))
    blocked_first = sa.case((R.outcome == Outcome.BLOCKED, 0), else_=1)
    drafts = _rows(mine, R.state == S.DRAFT, order=(blocked_first, R.updated_at.desc(), R.id.desc()))
    no_due_date_last = sa.case((R.due_date.is_(None), 1), else_=0)
    review = _rows(
        mine, R.state.in_(UNDER_REVIEW), order=(no_due_date_last, R.due_date, R.submitted_at, R.id)
    )
    decided = _rows(
        mine,
        R.state.in_(DECIDED),
        order=(R.decided_at.desc(), R.id.desc()),
        limit=5,
        options=(selectinload(R.authorisation),),
    )
    return {
        "counts": [(state, counts.get(state, 0)) for state in STATE_ORDER],
        "total": sum(counts.values()),
        "overdue": overdue,
        "returned": returned,
        "return_events": last_events([r.id for r in returned], S.RETURNED),
        "drafts": drafts,
        "draft_total": counts.get(S.DRAFT, 0),
        "returned_total": counts.get(S.RETURNED, 0),
        "review": review,
        "review_total": sum(counts.get(state, 0) for state in UNDER_REVIEW),
        "decided": decided,
        "rejections": last_events([r.id for r in decided if r.state == S.REJECTED], S.REJECTED),
        "today": today,
    }


# --- the list ---------------------------------------------------------------------------------------

SORTS = {
    "updated": (R.updated_at, R.id),
    "title": (R.title, R.id),
    "state": (R.state, R.id),
    "due": (R.due_date.is_(None), R.due_date, R.id),
    "department": (Department.initials, Department.name, R.id),
}


def list_filters(args) -> dict[str, Any]:
    """The list's filters from the query string (unknown values are ignored)."""
    return {
        "state": enum_arg(RequestState, args.get("state")),
        "kind": enum_arg(Kind, args.get("kind")),
        "department": (args.get("department") or "").strip(),
        "overdue": args.get("overdue") == "1",
        "q": (args.get("q") or "").strip(),
    }


def requests_query(me: User, filters: dict[str, Any], today: dt.date) -> sa.Select:
    """The requests ``me`` may see, filtered; with their department (sorting by it), nothing per row."""
    stmt = (
        sa.select(R)
        .join(Department, R.department_id == Department.id)
        .options(contains_eager(R.department), raiseload(R.gate), raiseload(R.varies))
        .where(visible_requests(me))
    )
    if filters["state"]:
        stmt = stmt.where(R.state == filters["state"])
    if filters["kind"]:
        stmt = stmt.where(R.kind == filters["kind"])
    if filters["department"] and me.role != Role.OFFICER:
        stmt = stmt.where(Department.code == filters["department"])
    if filters["overdue"]:
        stmt = stmt.where(R.state == S.IN_REVIEW, R.due_date < today)
    if filters["q"]:
        stmt = stmt.where(contains(filters["q"], R.title))
    return stmt


# --- one request ----------------------------------------------------------------------------------


def action_buttons(me: User, req: AdmissionRequest) -> list[dict]:
    """A button for each action the user may take now, to its page (left out while it does not exist)."""
    buttons = []
    for name in available_actions(me, req):
        endpoint, text, look = ACTIONS[name]
        url = page_url(endpoint, request_id=req.id)
        if url:
            buttons.append({"name": name, "text": text, "url": url, "look": look})
    return buttons


def catalogue_entry(gate: Gate, code: str | None, version_id: int | None = None) -> CatalogueEntry | None:
    """The entry ``code`` of the version checked against (else the gate's catalogue in force)."""
    if not code:
        return None
    if version_id is None:
        version = current_version(gate)
        version_id = version.id if version else None
    return db.session.scalar(
        sa.select(CatalogueEntry).where(CatalogueEntry.version_id == version_id, CatalogueEntry.code == code)
    )


def place_names(codes: list[str]) -> list[tuple[str, str]]:
    """(code, name) of the streets or communities named by a scope, in the scope's order."""
    if not codes:
        return []
    names = dict(
        db.session.execute(
            sa.select(Jurisdiction.code, Jurisdiction.name).where(Jurisdiction.code.in_(codes))
        ).all()
    )
    return [(code, names.get(code, code)) for code in codes]


def _changed(before: dict, after: dict) -> list[str]:
    return [str(FIELD_LABELS[key]) for key in FIELD_LABELS if before.get(key) != after.get(key)]


def revisions(req: AdmissionRequest) -> list[dict]:
    """Each submitted revision: who, when, the department's answer, and what changed since the last."""
    rows = db.session.execute(
        sa.select(RequestRevision, User.name)
        .outerjoin(User, User.id == RequestRevision.created_by_id)
        .where(RequestRevision.request_id == req.id)
        .order_by(RequestRevision.number)
    ).all()
    result, before = [], None
    for revision, name in rows:
        changed = _changed(before, revision.snapshot) if before is not None else []
        result.append({"revision": revision, "by": name, "changed": changed})
        before = revision.snapshot
    return result


def demands_of(req: AdmissionRequest) -> list[str]:
    said = [str(DEMAND_LABELS[name]) for name in DEMAND_FLAGS if getattr(req, name)]
    if req.dedicated_premises and req.premises_area_m2:
        said.append(_("Premises of %(area)s m²", area=req.premises_area_m2))
    if req.reports_per_year:
        said.append(_("%(num)s reports a year", num=req.reports_per_year))
    return said


def request_detail(me: User, req: AdmissionRequest) -> dict[str, Any]:
    check = req.latest_check
    buttons = action_buttons(me, req)
    events = db.session.scalars(
        sa.select(RequestEvent).where(RequestEvent.request_id == req.id).order_by(RequestEvent.id)
    ).all()
    returned = next((e for e in reversed(events) if e.to_state == S.RETURNED), None)
    return {
        "req": req,
        "actions": buttons,
        "files_editable": any(b["name"] == "edit" for b in buttons),
        "check": check,
        "findings": FindingSchema(many=True).dump(check.findings) if check else [],
        "events": events,
        "event_labels": EVENT_LABELS,
        "return_event": returned if req.state == S.RETURNED else None,
        "revisions": revisions(req),
        "attachments": attachment_ops.live_attachments(req),
        "attachment_kinds": options(AttachmentKind),
        "entry": catalogue_entry(
            req.gate, req.catalogue_entry, check.catalogue_version_id if check else None
        ),
        "places": place_names(list(req.scope_codes or [])),
        "demands": demands_of(req),
        "today": clock.today(),
    }


# --- a submission -----------------------------------------------------------------------------------


def current_check(req: AdmissionRequest) -> tuple[precheck.CheckResult | None, dict[str, list[str]]]:
    """What the check finds now, as submitting would run it (nothing recorded); or the problems of
    the request's content that stop it from running (an end date now past)."""
    try:
        data = RequestInputSchema().load(ops.as_input(req))
        return precheck.check(req.gate, req.department, data), {}
    except MarshmallowValidationError as exc:
        return None, flatten_messages(exc.messages)
    except ValidationFailed as exc:
        return None, dict(exc.fields) or {"_schema": [exc.message]}


def submission(req: AdmissionRequest) -> dict[str, Any]:
    """The submit page: the findings now and, after a return, its reason and the findings then."""
    current, problems = current_check(req)
    dump = FindingSchema(many=True).dump
    findings = dump(current.findings) if current else []
    returned = last_events([req.id], S.RETURNED).get(req.id) if req.state == S.RETURNED else None
    comparison = None
    if returned is not None and current is not None:
        then = ops.last_submitted_check(req)
        before = dump(then.findings) if then else []
        codes = ops.compare_runs(then, SimpleNamespace(findings=current.findings))
        comparison = {
            "resolved": [f for f in before if f["code"] in codes["resolved"]],
            "new": [f for f in findings if f["code"] in codes["new"]],
            "remaining": [f for f in findings if f["code"] in codes["remaining"]],
            "before": before,
        }
    return {
        "outcome": Outcome(current.outcome) if current else None,
        "findings": findings,
        "communities": len(current.community_ids) if current else req.scope_communities,
        "households": current.households if current else req.scope_households,
        "problems": [(field_label(name), p) for name, items in problems.items() for p in items],
        "return_event": returned,
        "comparison": comparison,
    }
