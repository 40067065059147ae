"""Schemas of the statistics: the filters (query string) and the JSON answer (counts are integers,
money is integer fen with a ``*_yuan`` string beside it, rates are numerator, denominator and a
percent string with one decimal)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from gatekeeper.core.api import Yuan
from gatekeeper.modules.funds.schemas import BalanceSchema
from gatekeeper.modules.stats.money import LATE_NAMED

TABLE_NAMES = (
    "requests_by_state",
    "requests_by_department",
    "requests_by_kind",
    "requests_by_month",
    "rates",
    "decision_time",
    "overdue_requests",
    "money_by_department_year",
    "late_money",
    "reduction",
    "reports_by_department",
)


class StatsArgs(Schema):
    gate = fields.String(validate=validate.Length(min=1, max=32), metadata={"description": "a gate's code"})
    street = fields.String(
        validate=validate.Length(min=1, max=32), metadata={"description": "a street's code"}
    )
    year = fields.Integer(validate=validate.Range(min=2000, max=2100), metadata={"description": "a year"})


class CsvArgs(StatsArgs):
    table = fields.String(required=True, validate=validate.OneOf(TABLE_NAMES))


class FiltersSchema(Schema):
    gate = fields.String(allow_none=True)
    street = fields.String(allow_none=True)
    year = fields.Integer(allow_none=True)


class StateCountSchema(Schema):
    state = fields.String()
    count = fields.Integer()


class KindCountSchema(Schema):
    kind = fields.String()
    count = fields.Integer()


class MonthCountSchema(Schema):
    month = fields.String(metadata={"description": "YYYY-MM of the (last) submission, local time"})
    count = fields.Integer()


class DepartmentRequestsSchema(Schema):
    department = fields.String()
    name = fields.String()
    total = fields.Integer()
    draft = fields.Integer()
    submitted = fields.Integer()
    in_review = fields.Integer()
    returned = fields.Integer()
    referred = fields.Integer()
    approved = fields.Integer()
    rejected = fields.Integer()
    withdrawn = fields.Integer()


class RequestStatsSchema(Schema):
    total = fields.Integer()
    by_state = fields.List(fields.Nested(StateCountSchema))
    by_department = fields.List(fields.Nested(DepartmentRequestsSchema))
    by_kind = fields.List(fields.Nested(KindCountSchema))
    by_month = fields.List(fields.Nested(MonthCountSchema))


class RateSchema(Schema):
    numerator = fields.Integer()
    denominator = fields.Integer()
    percent = fields.String(allow_none=True, metadata={"description": 'e.g. "62.5"; null over nothing'})


class RateCountsSchema(Schema):
    submissions = fields.Integer()
    returns = fields.Integer()
    decisions = fields.Integer()
    approvals = fields.Integer()
    rejections = fields.Integer()
    decision_returns = fields.Integer()
    referrals = fields.Integer()
    rulings_approved = fields.Integer()
    rulings_rejected = fields.Integer()


class RatesSchema(Schema):
    counts = fields.Nested(RateCountsSchema)
    approval = fields.Nested(RateSchema)
    rejection = fields.Nested(RateSchema)
    return_ = fields.Nested(RateSchema, data_key="return", attribute="return")
    referral = fields.Nested(RateSchema)


class DurationSchema(Schema):
    decisions = fields.Integer()
    median = fields.Integer(allow_none=True, metadata={"description": "working days"})
    p90 = fields.Integer(allow_none=True, metadata={"description": "working days"})
    max = fields.Integer(allow_none=True, metadata={"description": "working days"})


class DecisionTimeSchema(Schema):
    from_acceptance = fields.Nested(DurationSchema)
    from_submission = fields.Nested(DurationSchema)


class OverdueRequestSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    department = fields.String()
    department_name = fields.String()
    due_date = fields.Date()
    days_late = fields.Integer()


class OverdueRequestsSchema(Schema):
    total = fields.Integer()
    items = fields.List(fields.Nested(OverdueRequestSchema))


class OverdueSchema(Schema):
    requests = fields.Nested(OverdueRequestsSchema)
    money_fen = fields.Integer()
    money_yuan = Yuan("money_fen")


class DepartmentYearMoneySchema(BalanceSchema):
    department = fields.String()
    name = fields.String()
    year = fields.Integer(metadata={"description": "year of the due date"})


class LateMoneySchema(Schema):
    department = fields.String()
    department_name = fields.String()
    authorisation = fields.String()
    title = fields.String()
    community = fields.String()
    community_name = fields.String()
    amount_fen = fields.Integer(metadata={"description": "what the allocation still lacks"})
    amount_yuan = Yuan("amount_fen")
    due_date = fields.Date()
    days_late = fields.Integer()


class LateMoneyListSchema(Schema):
    total = fields.Integer(metadata={"description": "every late allocation, counted"})
    total_fen = fields.Integer(metadata={"description": "what every late allocation lacks, summed"})
    total_yuan = Yuan("total_fen")
    items = fields.List(
        fields.Nested(LateMoneySchema),
        metadata={
            "description": f"the most overdue first, at most {LATE_NAMED} (the late_money CSV and the XLSX "
            "list every one)"
        },
    )


class MoneyStatsSchema(Schema):
    totals = fields.Nested(BalanceSchema)
    by_department_year = fields.List(fields.Nested(DepartmentYearMoneySchema))
    late = fields.Nested(LateMoneyListSchema)


class ReductionCountsSchema(Schema):
    baseline = fields.Integer()
    keep = fields.Integer()
    to_remove = fields.Integer()
    removed = fields.Integer()
    remaining = fields.Integer()
    rate = fields.String(allow_none=True, metadata={"description": "removed / baseline, percent"})


class ReductionKindSchema(ReductionCountsSchema):
    kind = fields.String()


class ReductionSchema(Schema):
    by_kind = fields.List(fields.Nested(ReductionKindSchema))
    total = fields.Nested(ReductionCountsSchema)


class DepartmentReportsSchema(Schema):
    department = fields.String(allow_none=True, metadata={"description": "null: a name not registered"})
    name = fields.String()
    total = fields.Integer()
    received = fields.Integer()
    investigating = fields.Integer()
    upheld = fields.Integer()
    unfounded = fields.Integer()
    rectified = fields.Integer()
    closed = fields.Integer()


class ReportStatsSchema(Schema):
    by_department = fields.List(fields.Nested(DepartmentReportsSchema))
    by_state = fields.List(fields.Nested(StateCountSchema))


class StatsSchema(Schema):
    filters = fields.Nested(FiltersSchema)
    today = fields.Date()
    requests = fields.Nested(RequestStatsSchema)
    rates = fields.Nested(RatesSchema)
    decision_time = fields.Nested(DecisionTimeSchema)
    overdue = fields.Nested(OverdueSchema)
    money = fields.Nested(MoneyStatsSchema)
    reduction = fields.Nested(ReductionSchema)
    reports = fields.Nested(ReportStatsSchema)
