"""Schemas of reports: the body of a new report (API and the head's form), the report, the list's query."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, pre_load, validate

from gatekeeper.core.api import PageArgs
from gatekeeper.modules.catalogue.models import Kind
from gatekeeper.modules.supervision.models import ReportState


def _text(length: int, **kwargs) -> fields.String:
    return fields.String(validate=validate.Length(max=length), **kwargs)


class ReportInputSchema(Schema):
    """A report of an item pushed into a community without authorisation, or of a broken condition.

    ``department`` names the department that pushed the item: a code of the register (or the exact
    name of a registered department); anything else is kept as the name the reporter gave.
    ``department_name`` is the same for a department typed by hand (the form's free-text field).
    """

    department = _text(120, metadata={"description": "a department code of the register, or its name"})
    department_name = _text(
        120, metadata={"description": "the department's name when it is not in the register"}
    )
    community = _text(
        32, metadata={"description": "the community's code; a community head may only name their own"}
    )
    kind = fields.Enum(
        Kind,
        by_value=True,
        required=True,
        error_messages={"required": _l("Choose the kind of item.")},
    )
    title = fields.String(
        required=True,
        validate=validate.Length(min=1, max=200),
        error_messages={"required": _l("Say what was pushed into the community.")},
        metadata={"description": "what was pushed in: the task, plaque, ledger, form ..."},
    )
    occurred_on = fields.Date(
        required=True,
        error_messages={"required": _l("Give the date it happened.")},
        metadata={"description": "when it happened (not in the future)"},
    )
    description = fields.String(
        required=True,
        validate=validate.Length(min=1, max=5000),
        error_messages={"required": _l("Describe what happened.")},
    )
    authorisation_number = fields.String(
        allow_none=True,
        validate=validate.Length(max=40),
        metadata={"description": "the authorisation whose conditions were broken, or the number claimed"},
    )

    @pre_load
    def _strip(self, data, **_kwargs):
        """Surrounding spaces are not part of what was typed; an empty text is not given."""
        if not isinstance(data, dict):
            return data
        cleaned = {}
        for key, value in data.items():
            if isinstance(value, str):
                value = value.replace("\x00", "").strip()  # a NUL is never meant, and no database keeps it
                if value == "":
                    continue
            cleaned[key] = value
        return cleaned


class ReportSchema(Schema):
    id = fields.Integer()
    state = fields.Enum(ReportState, by_value=True)
    gate = fields.Function(lambda r: r.gate.code)
    community = fields.Function(lambda r: r.community.code)
    community_name = fields.Function(lambda r: r.community.name)
    department = fields.Function(
        lambda r: r.department.code if r.department else None,
        metadata={"description": "the register's code, or null for a department named by the reporter"},
    )
    department_name = fields.Function(lambda r: r.department.name if r.department else r.department_name)
    kind = fields.Enum(Kind, by_value=True)
    title = fields.String()
    occurred_on = fields.Date()
    description = fields.String()
    authorisation_number = fields.String(allow_none=True)
    reporter = fields.Function(lambda r: r.reporter.username if r.reporter else None)
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()


class ReportListArgs(PageArgs):
    state = fields.Enum(ReportState, by_value=True)
    community = _text(32, metadata={"description": "a community code"})
    department = _text(32, metadata={"description": "a department code of the register"})

    @pre_load
    def _no_nul(self, data, **_kwargs):
        """A code with a NUL matches nothing; PostgreSQL would refuse the query itself."""
        return {
            key: value.replace("\x00", "") if isinstance(value, str) else value for key, value in data.items()
        }
