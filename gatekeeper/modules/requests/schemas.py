"""Schemas of requests: the request body (pre-check, create, patch), findings, the request itself."""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from gatekeeper.core import clock
from gatekeeper.core.api import PageArgs, Yuan, fen_field
from gatekeeper.core.i18n import current_lang
from gatekeeper.modules.catalogue.models import DutyRole, Kind
from gatekeeper.modules.jurisdictions.models import CommunityType
from gatekeeper.modules.requests.models import FundingBasis, RequestState, ScopeType

MAX_VALIDITY_DAYS = 366 * 10


class ScopeSchema(Schema):
    type = fields.Enum(ScopeType, by_value=True, required=True)
    codes = fields.List(
        fields.String(validate=validate.Length(min=1, max=32)),
        load_default=list,
        validate=validate.Length(max=10000),
    )
    community_type = fields.Enum(CommunityType, by_value=True, load_default=None, allow_none=True)

    @validates_schema
    def _codes_match_type(self, data, **_kwargs):
        if data["type"] == ScopeType.ALL and data["codes"]:
            raise ValidationError(
                {"codes": [str(_l("leave codes empty when the scope is the whole jurisdiction"))]}
            )
        if data["type"] != ScopeType.ALL and not data["codes"]:
            raise ValidationError({"codes": [str(_l("name at least one street or community"))]})


class DemandsSchema(Schema):
    dedicated_premises = fields.Boolean(load_default=False)
    premises_area_m2 = fields.Integer(
        strict=True, load_default=None, allow_none=True, validate=validate.Range(min=1, max=100000)
    )
    dedicated_staff = fields.Boolean(load_default=False)
    separate_ranking = fields.Boolean(load_default=False)
    veto = fields.Boolean(load_default=False)
    responsibility_letter = fields.Boolean(load_default=False)
    reports_per_year = fields.Integer(strict=True, load_default=0, validate=validate.Range(min=0, max=366))

    @validates_schema
    def _area_needs_premises(self, data, **_kwargs):
        if data.get("premises_area_m2") and not data.get("dedicated_premises"):
            raise ValidationError({"premises_area_m2": [str(_l("only with dedicated premises"))]})


class FundingSchema(Schema):
    basis = fields.Enum(FundingBasis, by_value=True, load_default=FundingBasis.NONE)
    amount_fen = fen_field(load_default=0)
    source = fields.String(load_default="", validate=validate.Length(max=200))

    @validates_schema
    def _basis_and_amount(self, data, **_kwargs):
        if data["basis"] == FundingBasis.NONE and data["amount_fen"]:
            raise ValidationError({"amount_fen": [str(_l("an amount needs a funding basis"))]})
        if data["basis"] != FundingBasis.NONE and not data["amount_fen"]:
            raise ValidationError({"amount_fen": [str(_l("give the amount for this funding basis"))]})


class RequestInputSchema(Schema):
    """The body of a request, as filed (and as sent to the dry-run pre-check)."""

    gate = fields.String(required=True, validate=validate.Length(min=1, max=32))
    department = fields.String(
        load_default=None,
        validate=validate.Length(min=1, max=32),
        metadata={"description": "defaults to the officer's own department"},
    )
    kind = fields.Enum(Kind, by_value=True, required=True)
    title = fields.String(required=True, validate=validate.Length(min=2, max=200))
    description = fields.String(load_default="", validate=validate.Length(max=10000))
    legal_basis = fields.String(load_default="", validate=validate.Length(max=2000))
    catalogue_entry = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(min=1, max=40)
    )
    role = fields.Enum(DutyRole, by_value=True, load_default=None, allow_none=True)
    scope = fields.Nested(ScopeSchema, required=True)
    start_date = fields.Date(required=True)
    end_date = fields.Date(required=True)
    workload_hours = fields.Integer(
        strict=True,
        load_default=0,
        validate=validate.Range(min=0, max=744),
        metadata={"description": "estimated hours per community per month"},
    )
    variation_of = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(min=1, max=40),
        metadata={"description": "number of an authorisation in force this request would replace"},
    )
    demands = fields.Nested(DemandsSchema, load_default=lambda: DemandsSchema().load({}))
    funding = fields.Nested(FundingSchema, load_default=lambda: FundingSchema().load({}))

    @validates_schema
    def _consistent(self, data, **_kwargs):
        problems = {}
        if data["kind"] == Kind.DUTY and data.get("role") is None:
            problems["role"] = [str(_l("say whether the community performs or assists"))]
        if data["kind"] != Kind.DUTY and data.get("role") is not None:
            problems["role"] = [str(_l("only duties have a role"))]
        start, end = data["start_date"], data["end_date"]
        if end < start:
            problems["end_date"] = [str(_l("ends before it starts"))]
        elif (end - start).days > MAX_VALIDITY_DAYS:
            problems["end_date"] = [str(_l("at most ten years"))]
        if end < clock.today():
            problems.setdefault("end_date", []).append(str(_l("already over")))
        if start < dt.date(2000, 1, 1):
            problems["start_date"] = [str(_l("too far in the past"))]
        if problems:
            raise ValidationError(problems)


class FindingSchema(Schema):
    code = fields.String()
    severity = fields.Function(lambda f: getattr(f.severity, "value", f.severity))
    message = fields.Function(lambda f: f.message_en if current_lang() == "en" else f.message_zh)
    messages = fields.Function(lambda f: {"zh": f.message_zh, "en": f.message_en})
    citation = fields.String()
    fields_ = fields.Function(lambda f: list(f.fields), data_key="fields")
    entry_code = fields.String(allow_none=True)
    details = fields.Function(lambda f: dict(f.details))


class PrecheckSchema(Schema):
    outcome = fields.String(metadata={"description": "admissible, refer or blocked"})
    findings = fields.List(fields.Nested(FindingSchema))
    catalogue_version = fields.Integer(
        allow_none=True, metadata={"description": "number of the version checked"}
    )
    communities = fields.Integer()
    households = fields.Integer()


def _scope(req) -> dict:
    return {
        "type": req.scope_type.value,
        "codes": list(req.scope_codes or []),
        "community_type": req.scope_community_type.value if req.scope_community_type else None,
        "communities": req.scope_communities,
        "households": req.scope_households,
    }


def _demands(req) -> dict:
    return {name: getattr(req, name) for name in DemandsSchema._declared_fields}


def _overdue(req) -> bool:
    return req.state == RequestState.IN_REVIEW and req.due_date is not None and req.due_date < clock.today()


class RequestSchema(Schema):
    id = fields.Integer()
    state = fields.Enum(RequestState, by_value=True)
    gate = fields.Function(lambda r: r.gate.code)
    department = fields.Function(lambda r: r.department.code)
    department_name = fields.Function(lambda r: r.department.name)
    kind = fields.Enum(Kind, by_value=True)
    title = fields.String()
    description = fields.String()
    legal_basis = fields.String()
    catalogue_entry = fields.String(allow_none=True)
    role = fields.Enum(DutyRole, by_value=True, allow_none=True)
    scope = fields.Function(_scope)
    start_date = fields.Date()
    end_date = fields.Date()
    workload_hours = fields.Integer()
    demands = fields.Function(_demands)
    funding = fields.Function(
        lambda r: {
            "basis": r.funding_basis.value,
            "amount_fen": r.funding_amount_fen,
            "amount_yuan": Yuan("funding_amount_fen").serialize("funding_amount_fen", r),
            "source": r.funding_source,
        }
    )
    findings = fields.Function(
        lambda r: FindingSchema(many=True).dump(r.latest_check.findings) if r.latest_check else []
    )
    outcome = fields.Function(lambda r: r.outcome.value if r.outcome else None)
    catalogue_version = fields.Function(
        lambda r: r.latest_check.catalogue_version_id if r.latest_check else None
    )
    revision = fields.Integer()
    review_round = fields.Integer()
    due_date = fields.Date(allow_none=True)
    overdue = fields.Function(_overdue)
    submitted_at = fields.AwareDateTime(allow_none=True)
    accepted_at = fields.AwareDateTime(allow_none=True)
    decided_at = fields.AwareDateTime(allow_none=True)
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()
    authorisation = fields.Function(lambda r: {"number": r.authorisation.number} if r.authorisation else None)
    variation_of = fields.Function(lambda r: r.varies.number if r.varies_id else None)


def _attachments(req) -> list[dict]:
    from gatekeeper.modules.attachments.schemas import AttachmentSchema

    return AttachmentSchema(many=True).dump(getattr(req, "live_attachments", []))


class RequestDetailSchema(RequestSchema):
    """One request, with its live attachments and what the current user may do with it now."""

    actions = fields.Function(lambda r: r.available_actions if hasattr(r, "available_actions") else [])
    attachments = fields.Function(_attachments)


class RequestListArgs(PageArgs):
    state = fields.Enum(RequestState, by_value=True)
    department = fields.String()
    gate = fields.String()
    kind = fields.Enum(Kind, by_value=True)
    overdue = fields.Boolean()


class ReasonSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class SubmitSchema(Schema):
    """The body of a submission: ``{}``, or the department's answer to a return or to the findings."""

    response = fields.String(
        load_default="",
        validate=validate.Length(max=5000),
        metadata={
            "description": "optional: the department's answer to the return's reason or to the findings, "
            "kept with the revision submitted"
        },
    )


class ComparisonSchema(Schema):
    resolved = fields.List(fields.String())
    new = fields.List(fields.String())
    remaining = fields.List(fields.String())


class SubmitResultSchema(RequestDetailSchema):
    comparison = fields.Function(lambda r: getattr(r, "comparison", None))


class CheckRunSchema(Schema):
    id = fields.Integer()
    revision = fields.Integer()
    trigger = fields.String()
    outcome = fields.Function(lambda c: c.outcome.value)
    catalogue_version_id = fields.Integer(allow_none=True)
    created_at = fields.AwareDateTime()
    findings = fields.List(fields.Nested(FindingSchema))


class EventSchema(Schema):
    action = fields.String()
    from_state = fields.Function(lambda e: e.from_state.value if e.from_state else None)
    to_state = fields.Function(lambda e: e.to_state.value if e.to_state else None)
    actor = fields.Function(lambda e: e.actor.username if e.actor else "system")
    acting_for = fields.Function(lambda e: e.acting_for.username if e.acting_for else None)
    reason = fields.String()
    at = fields.AwareDateTime()
