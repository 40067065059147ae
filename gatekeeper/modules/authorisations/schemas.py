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


_FUNDING = FundingOutSchema()


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
    funding = fields.Function(lambda a: _FUNDING.dump(a))
    issued_at = fields.AwareDateTime()
    revoked_at = fields.AwareDateTime(allow_none=True)
    revoke_reason = fields.String()
    superseded_by = fields.Function(lambda a: a.superseded_by.number if a.superseded_by else None)
    replaces = fields.Function(
        lambda a: getattr(a, "replaces_number", None),
        metadata={"description": "the authorisation this one superseded (a variation)"},
    )
    ended_at = fields.AwareDateTime(allow_none=True)
    verification_code = fields.Function(lambda a: verification_code(a.number))
    verification_url = fields.Function(lambda a: verification_url(a.number))


class AuthorisationListArgs(PageArgs):
    community = fields.String()
    department = fields.String()
    status = fields.Enum(AuthorisationStatus, by_value=True)
    gate = fields.String()
    kind = fields.Enum(Kind, by_value=True)


class CommunityAllocationSchema(Schema):
    """The money of one item in one community."""

    id = fields.Integer()
    amount_fen = fields.Integer()
    amount_yuan = Yuan("amount_fen")
    disbursed_fen = fields.Integer(attribute="paid_fen", metadata={"description": "carried over + disbursed"})
    disbursed_yuan = Yuan("paid_fen")
    confirmed_fen = fields.Integer()
    confirmed_yuan = Yuan("confirmed_fen")
    outstanding_fen = fields.Integer()
    outstanding_yuan = Yuan("outstanding_fen")
    due_date = fields.Date()
    state = fields.Function(lambda a: a.state.value)


class CommunityItemSchema(Schema):
    number = fields.Function(lambda i: i.authorisation.number)
    department = fields.Function(lambda i: i.authorisation.department.code)
    department_name = fields.Function(lambda i: i.authorisation.department.name)
    kind = fields.Function(lambda i: i.authorisation.kind.value)
    title = fields.Function(lambda i: i.authorisation.title)
    valid_from = fields.Function(lambda i: i.authorisation.valid_from.isoformat())
    valid_to = fields.Function(lambda i: i.authorisation.valid_to.isoformat())
    conditions = fields.Function(lambda i: i.authorisation.conditions)
    reports_per_year = fields.Function(lambda i: i.authorisation.reports_per_year)
    allocation = fields.Nested(CommunityAllocationSchema, allow_none=True)
    funds_overdue = fields.Boolean(
        metadata={"description": "money due by now was not all paid: the community may decline the item"}
    )


class CommunityOfViewSchema(Schema):
    code = fields.String()
    name = fields.String()
    street = fields.Function(lambda c: c.parent.code)
    street_name = fields.Function(lambda c: c.parent.name)
    type = fields.Function(lambda c: c.community_type.value)
    households = fields.Integer()


class CommunityViewSchema(Schema):
    community = fields.Nested(CommunityOfViewSchema)
    as_of = fields.Date()
    items = fields.List(fields.Nested(CommunityItemSchema))
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())
    expiring_soon = fields.List(fields.String(), metadata={"description": "numbers ending within 30 days"})
