"""Schemas of reports and notices: the body of a new report (API, the head's form, the public form), the
report as each reader may see it, a step of the review, the department's answer, the list's query;
a notice (in, out, and the dump its PDF is rendered from).

What identifies the filer (``reporter``, ``contact``, ``source``) is dumped only for a reader
``permissions`` allows: a department gets ``null`` for all three, and never the evidence files.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_login import current_user
from marshmallow import Schema, fields, pre_load, validate

from gatekeeper.core import clock
from gatekeeper.core.api import PageArgs
from gatekeeper.modules.catalogue.models import Kind
from gatekeeper.modules.supervision import permissions, workflow
from gatekeeper.modules.supervision.models import NoticeState, ReportState


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


class PublicReportInputSchema(ReportInputSchema):
    """A report filed by anyone (no login): the community by its code, and an optional contact."""

    community = fields.String(
        required=True,
        validate=validate.Length(min=1, max=32),
        error_messages={"required": _l("Name the community.")},
        metadata={"description": "the community's code"},
    )
    contact = _text(
        200, metadata={"description": "a name and a way to reach the filer; seen by the office only"}
    )
    website = fields.String(
        load_only=True,
        metadata={"description": "leave out: a field only robots fill in (a filled one is refused)"},
    )


def _viewer():
    return current_user if current_user and current_user.is_authenticated else None


class ReportEventSchema(Schema):
    action = fields.String()
    from_state = fields.Enum(ReportState, by_value=True, allow_none=True)
    to_state = fields.Enum(ReportState, by_value=True)
    note = fields.String()
    at = fields.AwareDateTime()
    actor = fields.String(allow_none=True, metadata={"description": "null where the reader may not know"})


class ReportFileSchema(Schema):
    id = fields.Integer()
    filename = fields.String()
    content_type = fields.String()
    size = fields.Integer()
    sha256 = fields.String()


def _events(report) -> list[dict]:
    from gatekeeper.modules.supervision.operations import events_of

    viewer = _viewer()
    names = permissions.can_see_reporter(viewer, report)
    rows = []
    for event in events_of(report):
        # the filing's actor is the reporter; the department's own answer is its officer
        hidden = event.action == "file" and not names
        actor = None if hidden or event.actor is None else event.actor.name
        if permissions.is_department_view(viewer, report) and event.action != "respond":
            actor = None
        rows.append({**ReportEventSchema().dump(event), "actor": actor})
    return rows


def _files(report):
    from gatekeeper.modules.supervision.operations import files_of

    viewer = _viewer()
    if viewer is None or not permissions.can_see_report_files(viewer, report):
        return None
    return ReportFileSchema(many=True).dump(files_of(report))


def linked_authorisation(report):
    """The authorisation the report was linked to on filing (the model holds only its id)."""
    from gatekeeper.extensions import db
    from gatekeeper.modules.authorisations.models import Authorisation

    return db.session.get(Authorisation, report.authorisation_id) if report.authorisation_id else None


def _linked(report):
    authorisation = linked_authorisation(report)
    if authorisation is None:
        return None
    return {
        "number": authorisation.number,
        "title": authorisation.title,
        "conditions": authorisation.conditions,
        "valid_from": authorisation.valid_from.isoformat(),
        "valid_to": authorisation.valid_to.isoformat(),
    }


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
    authorisation = fields.Function(
        _linked,
        metadata={"description": "the authorisation in force the report is linked to, with its conditions"},
    )
    source = fields.Function(
        lambda r: r.source.value if permissions.can_see_reporter(_viewer(), r) else None,
        metadata={"description": "community or public; null for the department"},
    )
    reporter = fields.Function(
        lambda r: r.reporter.username if r.reporter and permissions.can_see_reporter(_viewer(), r) else None,
        metadata={"description": "who filed it; null for a public report and for the department"},
    )
    contact = fields.Function(
        lambda r: r.contact if permissions.can_see_contact(_viewer(), r) else None,
        metadata={"description": "a public filer's contact; the office only"},
    )
    step_due_on = fields.Date(allow_none=True, metadata={"description": "the last day of the current step"})
    overdue = fields.Function(
        lambda r: r.step_due_on is not None and r.step_due_on < clock.today(),
        metadata={"description": "the current step is past its deadline"},
    )
    actions = fields.Function(
        lambda r: workflow.allowed_actions(r.state), metadata={"description": "the steps the state allows"}
    )
    department_response = fields.String()
    responded_at = fields.AwareDateTime(allow_none=True)
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()


class ReportDetailSchema(ReportSchema):
    events = fields.Function(_events)
    files = fields.Function(_files, metadata={"description": "evidence; null for the department"})


class ReportStepSchema(Schema):
    note = fields.String(
        required=True,
        validate=validate.Length(min=1, max=5000),
        error_messages={"required": _l("Each step needs a note.")},
    )


class ReportResponseSchema(Schema):
    response = fields.String(
        required=True,
        validate=validate.Length(min=1, max=5000),
        error_messages={"required": _l("Say what the department did to rectify.")},
    )


class ReportListArgs(PageArgs):
    state = fields.Enum(ReportState, by_value=True)
    community = _text(32, metadata={"description": "a community code"})
    department = _text(32, metadata={"description": "a department code of the register"})
    overdue = fields.Boolean(metadata={"description": "only reports past the deadline of their step"})

    @pre_load
    def _no_nul(self, data, **_kwargs):
        """A code with a NUL matches nothing; PostgreSQL would refuse the query itself."""
        return {
            key: value.replace("\x00", "") if isinstance(value, str) else value for key, value in data.items()
        }


# --- notices -----------------------------------------------------------------------------------


class NoticeInputSchema(Schema):
    """A new notice: its title, body and period; ``reports`` (ids) default to every candidate."""

    title = fields.String(
        required=True,
        validate=validate.Length(min=1, max=200),
        error_messages={"required": _l("Give the notice a title.")},
    )
    body = fields.String(load_default="", validate=validate.Length(max=20000))
    period_from = fields.Date(required=True, error_messages={"required": _l("Give the first day.")})
    period_to = fields.Date(required=True, error_messages={"required": _l("Give the last day.")})
    reports = fields.List(
        fields.Integer(), metadata={"description": "report ids; all candidates when left out"}
    )

    @pre_load
    def _strip(self, data, **_kwargs):
        if not isinstance(data, dict):
            return data
        return {
            key: value.replace("\x00", "").strip() if isinstance(value, str) else value
            for key, value in data.items()
            if not (isinstance(value, str) and value.strip() == "")
        }


class NoticeReportInputSchema(Schema):
    report = fields.Integer(required=True)


def notice_item(report) -> dict:
    """One report as a notice names it: never the reporter."""
    return {
        "report": report.id,
        "department_name": report.department.name if report.department else report.department_name,
        "community": report.community.code,
        "community_name": report.community.name,
        "street_name": report.community.parent.name if report.community.parent else "",
        "kind": report.kind.value,
        "title": report.title,
        "occurred_on": report.occurred_on.isoformat(),
        "outcome": report.state.value,
        "department_response": report.department_response,
    }


class NoticeSchema(Schema):
    id = fields.Integer()
    gate = fields.Function(lambda n: n.gate.code)
    number = fields.String(allow_none=True)
    title = fields.String()
    body = fields.String()
    period_from = fields.Date()
    period_to = fields.Date()
    state = fields.Enum(NoticeState, by_value=True)
    created_at = fields.AwareDateTime()
    published_at = fields.AwareDateTime(allow_none=True)
    items = fields.Function(
        lambda n: [notice_item(r) for r in _notice_reports(n)],
        metadata={"description": "the reports named: department, community, item, outcome, rectification"},
    )


def _notice_reports(notice):
    from gatekeeper.modules.supervision.notices import reports_of

    return reports_of(notice)


class NoticeListArgs(PageArgs):
    state = fields.Enum(NoticeState, by_value=True)
