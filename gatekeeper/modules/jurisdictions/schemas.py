"""Schemas of jurisdictions, gates (with their settings), departments and the calendar."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, RAISE, Schema, fields, validate, validates_schema
from marshmallow.exceptions import ValidationError

from gatekeeper.modules.jurisdictions.models import CommunityType, DayKind, Level

QUORUM_RULES = ("more_than_half", "two_thirds", "all")
MAJORITY_RULES = ("simple", "absolute", "two_thirds")


class GateSettingsSchema(Schema):
    """A gate's settings; every key has a default, so a gate stores only what it changes.

    Stored settings are read leniently (a key of an older version is ignored); input refuses unknown
    keys (``GateUpdateSchema``), so a mistyped setting is an error, not silently dropped.
    """

    class Meta:
        unknown = EXCLUDE

    decision_limit_days = fields.Integer(
        load_default=15,
        validate=validate.Range(min=1, max=120),
        metadata={"description": "working days from acceptance to the decision"},
    )
    lead_time_days = fields.Integer(
        load_default=30,
        validate=validate.Range(min=0, max=250),
        metadata={"description": "working days a request must be filed before its start date"},
    )
    sign_cap = fields.Integer(load_default=6, validate=validate.Range(min=0, max=100))
    ledger_cap = fields.Integer(load_default=10, validate=validate.Range(min=0, max=200))
    reports_cap = fields.Integer(load_default=24, validate=validate.Range(min=0, max=1000))
    office_share_max_percent = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))
    match_threshold = fields.Integer(load_default=80, validate=validate.Range(min=50, max=100))
    quorum = fields.String(
        load_default="more_than_half",
        validate=validate.OneOf(QUORUM_RULES),
        metadata={"description": "share of non-recused members who must have voted"},
    )
    majority = fields.String(
        load_default="simple",
        validate=validate.OneOf(MAJORITY_RULES),
        metadata={
            "description": "simple: approvals > rejections; absolute: approvals > half of the "
            "non-recused members; two_thirds: approvals >= 2/3 of the votes cast"
        },
    )
    funding_due_days = fields.Integer(load_default=30, validate=validate.Range(min=0, max=365))
    report_investigate_days = fields.Integer(
        load_default=5,
        validate=validate.Range(min=1, max=60),
        metadata={"description": "working days from a report's filing to the start of its investigation"},
    )
    report_decide_days = fields.Integer(
        load_default=15,
        validate=validate.Range(min=1, max=120),
        metadata={"description": "working days from the start of an investigation to upheld or unfounded"},
    )
    report_rectify_days = fields.Integer(
        load_default=20,
        validate=validate.Range(min=1, max=250),
        metadata={"description": "working days from an upheld report to its rectification"},
    )
    report_close_days = fields.Integer(
        load_default=5,
        validate=validate.Range(min=1, max=60),
        metadata={"description": "working days from unfounded or rectified to the report's closing"},
    )
    issuing_body = fields.String(load_default="", validate=validate.Length(max=120))
    citations = fields.Dict(keys=fields.String(), values=fields.String(), load_default=dict)


def gate_settings(stored: dict | None) -> dict:
    """The effective settings: stored values over defaults."""
    return GateSettingsSchema().load(stored or {})


class JurisdictionSchema(Schema):
    code = fields.String()
    name = fields.String()
    level = fields.Enum(Level, by_value=True)
    parent = fields.Function(lambda j: j.parent.code if j.parent else None)


class GateSchema(Schema):
    code = fields.String()
    name = fields.String()
    jurisdiction = fields.Function(lambda g: g.jurisdiction.code)
    jurisdiction_name = fields.Function(lambda g: g.jurisdiction.name)
    committee_name = fields.String()
    escalation_body_name = fields.String()
    number_prefix = fields.String()
    settings = fields.Function(lambda g: GateSettingsSchema().dump(gate_settings(g.settings)))


class GateUpdateSchema(Schema):
    name = fields.String(validate=validate.Length(min=1, max=120))
    committee_name = fields.String(validate=validate.Length(min=1, max=120))
    escalation_body_name = fields.String(validate=validate.Length(min=1, max=120))
    number_prefix = fields.String(validate=validate.Regexp(r"^[A-Z0-9]{1,12}$"))
    settings = fields.Nested(GateSettingsSchema(partial=True, unknown=RAISE))


class DepartmentSchema(Schema):
    code = fields.String()
    name = fields.String()
    jurisdiction = fields.Function(lambda d: d.jurisdiction.code)


class CommunitySchema(Schema):
    code = fields.String()
    name = fields.String()
    street = fields.Function(lambda c: c.parent.code)
    street_name = fields.Function(lambda c: c.parent.name)
    type = fields.Enum(CommunityType, by_value=True, attribute="community_type")
    households = fields.Integer()
    area_m2 = fields.Integer(allow_none=True)
    office_area_m2 = fields.Integer(allow_none=True)


class CommunityArgs(Schema):
    gate = fields.String()
    street = fields.String()
    type = fields.Enum(CommunityType, by_value=True)
    q = fields.String(validate=validate.Length(max=60))


class DepartmentArgs(Schema):
    q = fields.String(validate=validate.Length(max=60))


class CalendarDaySchema(Schema):
    day = fields.Date(required=True)
    kind = fields.Enum(DayKind, by_value=True, required=True)
    name = fields.String(load_default="", validate=validate.Length(max=60))


class CalendarYearSchema(Schema):
    year = fields.Integer(required=True, validate=validate.Range(min=2000, max=2100))
    days = fields.List(fields.Nested(CalendarDaySchema), required=True)

    @validates_schema
    def _days_in_year(self, data, **_kwargs):
        wrong = [d["day"].isoformat() for d in data["days"] if d["day"].year != data["year"]]
        if wrong:
            raise ValidationError({"days": [f"not in {data['year']}: {', '.join(wrong)}"]})
        weekdays = [
            d["day"].isoformat()
            for d in data["days"]
            if d["kind"] == DayKind.WORKDAY and d["day"].weekday() < 5
        ]
        if weekdays:
            raise ValidationError({"days": [f"make-up workdays must be weekend days: {', '.join(weekdays)}"]})


#: Codes of departments and jurisdictions: letters, digits, ``-`` and ``_`` (a code is part of a path).
CODE = validate.Regexp(
    r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$",
    error=_l("1 to 32 letters, digits, - or _, starting with a letter or digit"),
)


class DepartmentInputSchema(Schema):
    code = fields.String(required=True, validate=CODE)
    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    jurisdiction = fields.String(
        required=True, metadata={"description": "code of the city, district or street it belongs to"}
    )


class DepartmentUpdateSchema(Schema):
    """A change of a department: its name or jurisdiction (its code never changes)."""

    name = fields.String(validate=validate.Length(min=1, max=120))
    jurisdiction = fields.String(metadata={"description": "code of the city, district or street"})


#: The levels an admin creates below a gate.
EDITABLE_LEVELS = (Level.STREET, Level.COMMUNITY)


class JurisdictionDetailSchema(Schema):
    code = fields.String()
    name = fields.String()
    level = fields.Enum(Level, by_value=True)
    parent = fields.Function(lambda j: j.parent.code if j.parent else None)
    parent_name = fields.Function(lambda j: j.parent.name if j.parent else None)
    path = fields.String()
    type = fields.Enum(CommunityType, by_value=True, attribute="community_type", allow_none=True)
    households = fields.Integer(allow_none=True)
    area_m2 = fields.Integer(allow_none=True)
    office_area_m2 = fields.Integer(allow_none=True)


class _JurisdictionFacts(Schema):
    name = fields.String(validate=validate.Length(min=1, max=120))
    parent = fields.String(
        metadata={"description": "a street's district, a community's street (code); a change moves it"}
    )
    type = fields.Enum(CommunityType, by_value=True, metadata={"description": "communities only"})
    households = fields.Integer(
        allow_none=True,
        validate=validate.Range(min=0, max=1_000_000),
        metadata={"description": "communities only"},
    )
    area_m2 = fields.Integer(
        allow_none=True,
        validate=validate.Range(min=1, max=10_000_000),
        metadata={"description": "building area, m²"},
    )
    office_area_m2 = fields.Integer(
        allow_none=True,
        validate=validate.Range(min=0, max=10_000_000),
        metadata={"description": "office part, m²"},
    )


class JurisdictionInputSchema(_JurisdictionFacts):
    """A new street (below a district) or community (below a street)."""

    code = fields.String(required=True, validate=CODE)
    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    level = fields.Enum(Level, by_value=True, required=True, validate=validate.OneOf(EDITABLE_LEVELS))
    parent = fields.String(
        required=True, metadata={"description": "the district (street) or street (community)"}
    )


class JurisdictionUpdateSchema(_JurisdictionFacts):
    """A change of a street or community: any of its facts; ``parent`` moves it (with what is below)."""


class CalendarArgs(Schema):
    year = fields.Integer(required=True, validate=validate.Range(min=2000, max=2100))


class LetterheadPdfSchema(Schema):
    """The issuing body of a gate's documents: the office named in its settings, else its committee."""

    issuer = fields.Function(lambda g: (g.settings or {}).get("issuing_body") or g.committee_name)
    committee = fields.String(attribute="committee_name")
    escalation_body = fields.String(attribute="escalation_body_name")
    gate = fields.String(attribute="name")
    gate_code = fields.String(attribute="code")
