"""Schemas of the money: allocations, disbursements, the payment and dispute bodies, the summary.

Money is integer fen in and out, with the 元 string beside each ``*_fen`` in answers; an amount sent
as a float or a string is refused (422).
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from gatekeeper.core.api import PageArgs, Yuan, fen_field
from gatekeeper.modules.funds.balances import funds_overdue
from gatekeeper.modules.funds.models import AllocationState, DisbursementState


def _username(user) -> str | None:
    return user.username if user is not None else None


class AllocationSchema(Schema):
    id = fields.Integer()
    authorisation = fields.Function(
        lambda a: getattr(a, "authorisation_number", None), metadata={"description": "its number"}
    )
    community = fields.Function(lambda a: a.community.code)
    community_name = fields.Function(lambda a: a.community.name)
    amount_fen = fields.Integer(metadata={"description": "owed over the whole validity"})
    amount_yuan = Yuan("amount_fen")
    carried_fen = fields.Integer(metadata={"description": "paid under the authorisation this one varies"})
    carried_yuan = Yuan("carried_fen")
    disbursed_fen = fields.Integer()
    disbursed_yuan = Yuan("disbursed_fen")
    confirmed_fen = fields.Integer(metadata={"description": "of what was paid, confirmed as received"})
    confirmed_yuan = Yuan("confirmed_fen")
    outstanding_fen = fields.Integer(metadata={"description": "still to pay (0 once closed)"})
    outstanding_yuan = Yuan("outstanding_fen")
    due_date = fields.Date()
    state = fields.Enum(AllocationState, by_value=True)
    funds_overdue = fields.Function(
        funds_overdue, metadata={"description": "active, due date passed and not fully paid"}
    )
    closed_at = fields.AwareDateTime(allow_none=True)


class DisbursementSchema(Schema):
    id = fields.Integer()
    allocation = fields.Integer(attribute="allocation_id")
    community = fields.Function(lambda d: d.allocation.community.code)
    amount_fen = fields.Integer()
    amount_yuan = Yuan("amount_fen")
    paid_on = fields.Date()
    reference = fields.String()
    state = fields.Enum(DisbursementState, by_value=True)
    recorded_by = fields.Function(lambda d: _username(d.recorded_by))
    recorded_at = fields.AwareDateTime()
    answered_by = fields.Function(lambda d: _username(d.answered_by), allow_none=True)
    answered_at = fields.AwareDateTime(allow_none=True)
    dispute_reason = fields.String()
    batch = fields.String(allow_none=True, metadata={"description": "shared by a bulk payment"})


class DisbursementInputSchema(Schema):
    """A payment: against one allocation, or in bulk against a whole authorisation."""

    amount_fen = fen_field(required=True, metadata={"description": "integer fen, positive"})
    date = fields.Date(required=True, metadata={"description": "when it was paid (not in the future)"})
    reference = fields.String(
        required=True,
        validate=validate.Length(min=1, max=120),
        metadata={"description": "voucher or transfer number"},
    )


class DisputeSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class BulkResultSchema(Schema):
    batch = fields.String()
    amount_fen = fields.Integer()
    amount_yuan = Yuan("amount_fen")
    total = fields.Integer(metadata={"description": "how many allocations received a share"})
    items = fields.List(fields.Nested(DisbursementSchema))


class BalanceSchema(Schema):
    allocations = fields.Integer()
    allocated_fen = fields.Integer(
        metadata={"description": "amounts of active allocations, plus what was paid on closed ones"}
    )
    allocated_yuan = Yuan("allocated_fen")
    disbursed_fen = fields.Integer(metadata={"description": "paid, including money carried by variations"})
    disbursed_yuan = Yuan("disbursed_fen")
    confirmed_fen = fields.Integer()
    confirmed_yuan = Yuan("confirmed_fen")
    outstanding_fen = fields.Integer()
    outstanding_yuan = Yuan("outstanding_fen")
    overdue_fen = fields.Integer(metadata={"description": "outstanding past the due date"})
    overdue_yuan = Yuan("overdue_fen")


class DepartmentBalanceSchema(BalanceSchema):
    department = fields.String(attribute="code")
    department_name = fields.String(attribute="name")


class CommunityBalanceSchema(BalanceSchema):
    community = fields.String(attribute="code")
    community_name = fields.String(attribute="name")


class SummaryArgs(Schema):
    department = fields.String(validate=validate.Length(max=32))
    community = fields.String(validate=validate.Length(max=32))
    gate = fields.String(validate=validate.Length(max=32))
    year = fields.Integer(
        validate=validate.Range(min=2000, max=2100), metadata={"description": "year of the due date"}
    )
    authorisation = fields.String(validate=validate.Length(max=40), metadata={"description": "a number"})


class SummarySchema(Schema):
    filters = fields.Dict()
    totals = fields.Nested(BalanceSchema)
    departments = fields.List(fields.Nested(DepartmentBalanceSchema))
    communities = fields.List(fields.Nested(CommunityBalanceSchema))


class AllocationListArgs(PageArgs):
    state = fields.Enum(AllocationState, by_value=True)
    overdue = fields.Boolean(metadata={"description": "true: only allocations whose money is overdue"})
