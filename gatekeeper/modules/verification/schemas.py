"""Schemas of public verification: the query of the API, the form of the page, the answer."""

from __future__ import annotations

import unicodedata

from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, fields, pre_load

from gatekeeper.modules.authorisations.models import AuthorisationStatus
from gatekeeper.modules.catalogue.models import Kind


class VerifyArgsSchema(Schema):
    """The query of ``/api/v1/verify/<number>``. The code is not validated here: a malformed code
    gets the same 404 as a wrong one, so its shape teaches nothing."""

    code = fields.String(
        required=True,
        metadata={"description": "the verification code printed with the number (16 lowercase hex digits)"},
    )
    community = fields.String(
        metadata={"description": "a community code: the answer says whether it is in the scope"}
    )


def _typed(value, *, drop: str = "") -> str | None:
    """A value typed by hand from a paper notice: full-width characters made half-width (NFKC),
    spaces and ``drop`` characters removed; empty means not given."""
    if not isinstance(value, str):
        return value
    text = unicodedata.normalize("NFKC", value)
    text = "".join(c for c in text if not c.isspace() and c not in drop)
    return text or None


class VerifyFormSchema(Schema):
    """The form of the page ``/verify``: a number and a code typed by hand, tolerantly read."""

    class Meta:
        unknown = EXCLUDE  # lang=

    number = fields.String(required=True, error_messages={"required": _l("Enter the number.")})
    code = fields.String(required=True, error_messages={"required": _l("Enter the verification code.")})
    community = fields.String()

    @pre_load
    def _normalise(self, data, **_kwargs):
        data = {key: data.get(key) for key in ("number", "code", "community") if key in data}
        if "community" in data:
            data["community"] = _typed(data["community"])
        if "number" in data:  # numbers are upper case (a gate's prefix is [A-Z0-9]); phones type lower
            number = _typed(data["number"])
            data["number"] = number.upper() if isinstance(number, str) else number
        if "code" in data:  # the code is lower-case hex, sometimes written in groups
            code = _typed(data["code"], drop="-")
            data["code"] = code.lower() if isinstance(code, str) else code
        return {key: value for key, value in data.items() if value is not None}


class CommunityCheckSchema(Schema):
    code = fields.String(required=True, metadata={"description": "the community code asked about"})
    name = fields.String(
        required=True, allow_none=True, metadata={"description": "its name; null for an unknown code"}
    )


class VerificationSchema(Schema):
    """The live facts of an authorisation, for anyone holding its number and code."""

    number = fields.String(required=True)
    status = fields.Enum(
        AuthorisationStatus,
        by_value=True,
        required=True,
        metadata={"description": "live status: an active one past its last day is `expired`"},
    )
    status_label = fields.String(required=True, metadata={"description": "the status in words"})
    not_yet_valid = fields.Boolean(
        required=True, metadata={"description": "active, but its validity has not started yet"}
    )
    department = fields.String(required=True, metadata={"description": "name of the issuing department"})
    kind = fields.Enum(Kind, by_value=True, required=True)
    kind_label = fields.String(required=True, metadata={"description": "the kind in words"})
    title = fields.String(required=True)
    valid_from = fields.Date(required=True)
    valid_to = fields.Date(required=True, metadata={"description": "last day of validity, inclusive"})
    conditions = fields.String(required=True)
    issued_on = fields.Date(required=True)
    revoked_on = fields.Date(required=True, allow_none=True, metadata={"description": "when revoked"})
    revoke_reason = fields.String(required=True, allow_none=True, metadata={"description": "when revoked"})
    superseded_by = fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "when superseded: the number of the authorisation that replaced it"},
    )
    superseded_by_code = fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "when superseded: the verification code of that authorisation"},
    )
    checked_at = fields.AwareDateTime(required=True, metadata={"description": "when this answer was made"})
    community = fields.Nested(
        CommunityCheckSchema,
        required=True,
        allow_none=True,
        metadata={"description": "with `community=`: the community asked about; else null"},
    )
    in_scope = fields.Boolean(
        required=True,
        allow_none=True,
        metadata={"description": "with `community=`: whether it is in the scope; else null"},
    )
