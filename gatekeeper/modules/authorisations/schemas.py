"""Schemas of authorisations."""

from __future__ import annotations

from marshmallow import Schema, fields

from gatekeeper.core.api import PageArgs, Yuan
from gatekeeper.modules.authorisations.models import AuthorisationStatus
from gatekeeper.modules.authorisations.operations import verification_code, verification_url
from gatekeeper.modules.catalogue.models import Kind


class FundingOutSchema(Schema):
    basis = fields.Function(lambda a: a.funding_basis.value)
    amount_fen = fields.Integer(attribute="funding_amount_fen")
    amount_yuan = Yuan("funding_amount_fen")


class AuthorisationSchema(Schema):
    number = fields.String()
    status = fields.Enum(AuthorisationStatus, by_value=True)
    request_id = fields.Integer()
    gate = fields.Function(lambda a: a.gate.code)
    department = fields.Function(lambda a: a.department.code)
    department_name = fields.Function(lambda a: a.department.name)
    kind = fields.Enum(Kind, by_value=True)
    title = fields.String()
    catalogue_entry = fields.String(allow_none=True)
    communities = fields.Function(
        lambda a: getattr(a, "community_codes", None),
        metadata={"description": "codes of the communities in scope"},
    )
    community_count = fields.Integer()
    valid_from = fields.Date()
    valid_to = fields.Date()
    conditions = fields.String()
    reports_per_year = fields.Integer()
    funding = fields.Function(lambda a: FundingOutSchema().dump(a))
    issued_at = fields.AwareDateTime()
    revoked_at = fields.AwareDateTime(allow_none=True)
    revoke_reason = fields.String()
    verification_code = fields.Function(lambda a: verification_code(a.number))
    verification_url = fields.Function(lambda a: verification_url(a.number))


class AuthorisationListArgs(PageArgs):
    community = fields.String()
    department = fields.String()
    status = fields.Enum(AuthorisationStatus, by_value=True)
    gate = fields.String()
    kind = fields.Enum(Kind, by_value=True)
