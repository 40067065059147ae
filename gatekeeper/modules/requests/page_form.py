"""The request form's side of the pages: the form itself (loaded by ``RequestInputSchema``), its first
values (a new request, an edit, a variation), the gate an officer files at, and the pickers' data.
"""

from __future__ import annotations

import copy
import datetime as dt
import enum
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from gatekeeper.core import clock
from gatekeeper.core.errors import NotFound, ValidationFailed
from gatekeeper.core.labels import options
from gatekeeper.core.web import PageForm
from gatekeeper.extensions import db
from gatekeeper.modules.accounts.models import User
from gatekeeper.modules.authorisations.models import Authorisation
from gatekeeper.modules.catalogue.models import DutyRole, Kind
from gatekeeper.modules.jurisdictions.models import CommunityType, Department, Gate, Jurisdiction, Level
from gatekeeper.modules.jurisdictions.operations import communities_query, gate_over, working_calendar
from gatekeeper.modules.jurisdictions.schemas import gate_settings
from gatekeeper.modules.requests import operations as ops
from gatekeeper.modules.requests import precheck
from gatekeeper.modules.requests.models import AdmissionRequest, FundingBasis, ScopeType
from gatekeeper.modules.requests.page_data import DEMAND_FLAGS, DEMAND_LABELS, catalogue_entry
from gatekeeper.modules.requests.schemas import FindingSchema, RequestInputSchema


@dataclass
class RequestForm(PageForm):
    """The request form: the scope's codes come from the picker of the scope type chosen (streets or
    communities), and the gate is the page's, never typed."""

    gate_code: str = ""

    def body(self) -> dict[str, Any]:
        body = super().body()
        scope = body.setdefault("scope", {})
        streets, communities = scope.pop("street_codes", []), scope.pop("community_codes", [])
        chosen = scope.get("type")
        scope["codes"] = streets if chosen == "streets" else communities if chosen == "communities" else []
        body["gate"] = self.gate_code
        return body


def request_form(gate: Gate, initial: dict) -> RequestForm:
    return RequestForm(
        RequestInputSchema(),
        lists=("scope.street_codes", "scope.community_codes"),
        booleans=tuple(f"demands.{name}" for name in DEMAND_FLAGS),
        integers=("workload_hours", "demands.reports_per_year", "demands.premises_area_m2"),
        money=("funding.amount_fen",),
        initial=initial,
        gate_code=gate.code,
    )


NEW_REQUEST = {
    "scope": {"type": "all", "codes": []},
    "funding": {"basis": "none", "amount_fen": 0},
    "demands": {},
}


def form_initial(body: dict) -> dict:
    """A request body as the form's first values (the scope's codes in the picker of their type)."""
    body = copy.deepcopy(body)
    scope = body.setdefault("scope", {"type": "all", "codes": []})
    codes = list(scope.get("codes") or [])
    scope["street_codes"] = codes if scope.get("type") == "streets" else []
    scope["community_codes"] = codes if scope.get("type") == "communities" else []
    return body


def first_dates(gate: Gate, today: dt.date) -> tuple[dt.date, dt.date]:
    """Dates a new request starts with (the officer changes them): the first of the month after the
    gate's lead time, for a year. The live pre-check can then answer as soon as the title is typed."""
    lead = gate_settings(gate.settings)["lead_time_days"]
    earliest = working_calendar(today).add_working_days(today, lead)
    start = (earliest.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    end = start.replace(year=start.year + 1) - dt.timedelta(days=1)
    return start, end


def new_initial(me: User, gate: Gate, number: str) -> tuple[dict, dict]:
    """A new request's first values and problems: a variation starts from the authorisation's request,
    when the department holds it and it is in force (the operation's own check says why not)."""
    if not number:
        start, end = first_dates(gate, clock.today())
        return form_initial({**NEW_REQUEST, "start_date": start.isoformat(), "end_date": end.isoformat()}), {}
    varied = db.session.scalar(sa.select(Authorisation).where(Authorisation.number == number))
    try:
        kind = varied.kind if varied is not None else None
        precheck.varied_authorisation(gate, me.department, {"variation_of": number, "kind": kind})
    except ValidationFailed as exc:
        return form_initial({**NEW_REQUEST, "variation_of": number}), dict(exc.fields)
    return form_initial({**ops.as_input(varied.request), "variation_of": number}), {}


def as_json(value: Any) -> Any:
    """Loaded data back in the JSON types of a request body (an edit merges a whole body)."""
    if isinstance(value, dict):
        return {key: as_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [as_json(item) for item in value]
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def filing_gate(department: Department | None) -> Gate:
    """The gate a department files at: the nearest whose jurisdiction holds the department's, else the
    first inside it (a city-level department with district gates)."""
    if department is None:
        raise NotFound(_("No gate receives requests of your department; ask the administrator."))
    gate = gate_over(department.jurisdiction) or db.session.scalar(
        sa.select(Gate)
        .join(Jurisdiction, Gate.jurisdiction_id == Jurisdiction.id)
        .where(Jurisdiction.path.startswith(department.jurisdiction.path, autoescape=True))
        .order_by(Gate.code)
        .limit(1)
    )
    if gate is None:
        raise NotFound(_("No gate receives requests of your department; ask the administrator."))
    return gate


def scope_places(gate: Gate) -> tuple[list[Jurisdiction], list[tuple[Jurisdiction, list[Jurisdiction]]]]:
    """The gate's streets, and its communities grouped by street (two queries)."""
    within = gate.jurisdiction
    streets = list(
        db.session.scalars(
            sa.select(Jurisdiction)
            .where(
                Jurisdiction.level == Level.STREET, Jurisdiction.path.startswith(within.path, autoescape=True)
            )
            .order_by(Jurisdiction.code)
        ).unique()
    )
    communities = db.session.scalars(communities_query(within=within).order_by(Jurisdiction.code)).unique()
    by_street: dict[int | None, list[Jurisdiction]] = {}
    for community in communities:
        by_street.setdefault(community.parent_id, []).append(community)
    return streets, [(street, by_street[street.id]) for street in streets if street.id in by_street]


def form_context(form: RequestForm, gate: Gate, req: AdmissionRequest | None) -> dict[str, Any]:
    streets, grouped = scope_places(gate)
    check = req.latest_check if req is not None else None
    return {
        "gate": gate,
        "streets": streets,
        "grouped": grouped,
        "community_total": sum(len(group) for _street, group in grouped),
        "kinds": options(Kind),
        "roles": options(DutyRole, blank=_("Not a duty")),
        "scope_types": options(ScopeType),
        "community_types": options(CommunityType, blank=_("Urban communities and villages")),
        "funding_bases": options(FundingBasis),
        "demand_labels": DEMAND_LABELS,
        "entry": catalogue_entry(gate, str(form.value("catalogue_entry") or "").strip()),
        "findings": FindingSchema(many=True).dump(check.findings) if check else [],
        "outcome": req.outcome if req is not None else None,
    }
