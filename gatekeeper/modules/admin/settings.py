"""The administrator's pages of gates (names, number prefix, every setting with what it means) and of
the official working-day calendar (years loaded, a year's exceptions, loading a year)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate

from gatekeeper.core import clock
from gatekeeper.core.errors import ValidationFailed
from gatekeeper.core.permissions import permission, user
from gatekeeper.core.web import done, list_page
from gatekeeper.modules.admin.blueprint import AdminForm, bp, decide
from gatekeeper.modules.jurisdictions import operations as ops
from gatekeeper.modules.jurisdictions.models import CalendarDay, Gate
from gatekeeper.modules.jurisdictions.permissions import can_edit_gate, can_load_calendar
from gatekeeper.modules.jurisdictions.schemas import (
    MAJORITY_RULES,
    QUORUM_RULES,
    GateSettingsSchema,
    GateUpdateSchema,
    gate_settings,
)
from gatekeeper.rules.registry import RULES

#: The number settings of a gate: (key, label, unit, what it means).
NUMBER_SETTINGS = (
    (
        "decision_limit_days",
        _l("Decision time limit"),
        _l("working days"),
        _l("From acceptance to the committee's decision; the due date counts with the official calendar."),
    ),
    (
        "lead_time_days",
        _l("Lead time"),
        _l("working days"),
        _l("How long before its start date a request must be filed; a later filing is flagged (LEAD_TIME)."),
    ),
    (
        "funding_due_days",
        _l("Funding due"),
        _l("working days"),
        _l("After an authorisation's validity starts, the department pays each community within this time."),
    ),
    (
        "report_investigate_days",
        _l("Report: start of investigation"),
        _l("working days"),
        _l("From a report's filing until the office starts investigating it; later, it is flagged overdue."),
    ),
    (
        "report_decide_days",
        _l("Report: finding"),
        _l("working days"),
        _l("From the start of the investigation until the office finds the report upheld or unfounded."),
    ),
    (
        "report_rectify_days",
        _l("Report: rectification"),
        _l("working days"),
        _l("From an upheld report until the department's rectification is recorded."),
    ),
    (
        "report_close_days",
        _l("Report: closing"),
        _l("working days"),
        _l("From unfounded or rectified until the office closes the report."),
    ),
    (
        "sign_cap",
        _l("Cap on signs and plaques per community"),
        _l("items"),
        _l("Active signs a community may carry; a request that goes past it is flagged (LOAD_CAP)."),
    ),
    (
        "ledger_cap",
        _l("Cap on ledgers per community"),
        _l("items"),
        _l("Active ledgers a community may keep; a request that goes past it is flagged (LOAD_CAP)."),
    ),
    (
        "reports_cap",
        _l("Cap on reports per community"),
        _l("reports a year"),
        _l(
            "Recurring reports a year a community may owe; a request that goes past it is flagged (LOAD_CAP)."
        ),
    ),
    (
        "office_share_max_percent",
        _l("Largest office share"),
        "%",
        _l("A demanded room may not push office use past this share of the building (OFFICE_SHARE)."),
    ),
    (
        "match_threshold",
        _l("Title similarity threshold"),
        _l("out of 100"),
        _l(
            "How alike a request's title and a catalogue entry must be to count as the same item (50 to 100)."
        ),
    ),
)

QUORUM_LABELS = {
    "more_than_half": _l("More than half of the non-recused members have voted"),
    "two_thirds": _l("At least two thirds of the non-recused members have voted"),
    "all": _l("Every non-recused member has voted"),
}
MAJORITY_LABELS = {
    "simple": _l("Simple: more approvals than rejections"),
    "absolute": _l("Absolute: approvals from more than half of the non-recused members"),
    "two_thirds": _l("Two thirds: approvals are at least two thirds of the votes cast"),
}
#: A blank field is sent as such: a name is then refused as missing; a text setting is cleared (the
#: default applies again).
BLANKS = {
    "name": "",
    "committee_name": "",
    "escalation_body_name": "",
    "number_prefix": "",
    "settings.issuing_body": "",
    "settings.citations": {},
}


def _initial(gate: Gate) -> dict:
    values = GateSettingsSchema().dump(gate_settings(gate.settings))
    return {
        "name": gate.name,
        "committee_name": gate.committee_name,
        "escalation_body_name": gate.escalation_body_name,
        "number_prefix": gate.number_prefix,
        "settings": values,
    }


@bp.route("/gates")
@permission(can_edit_gate)
def gates():
    listing = list_page(
        sa.select(Gate), sorts={"code": Gate.code, "name": (Gate.name, Gate.code)}, default_sort="code"
    )
    return render_template("admin/gates.html", listing=listing)


@bp.route("/gates/<code>", methods=["GET", "POST"])
@permission(can_edit_gate)
def gate(code):
    """A gate's names, number prefix and settings, each with what it means."""
    row = ops.get_gate(code)
    decide(can_edit_gate, row)
    form = AdminForm(
        GateUpdateSchema(),
        integers=tuple(f"settings.{key}" for key, *_rest in NUMBER_SETTINGS),
        blanks=BLANKS,
        initial=_initial(row),
    )
    if form.apply(lambda d: ops.update_gate(row, d, actor=user())):
        return done(_("The settings of %(name)s were saved.", name=row.name), ".gate", code=row.code)
    return form.render(
        "admin/gate.html",
        gate=row,
        numbers=NUMBER_SETTINGS,
        quorum=[(key, QUORUM_LABELS[key]) for key in QUORUM_RULES],
        majority=[(key, MAJORITY_LABELS[key]) for key in MAJORITY_RULES],
        rules=list(RULES.values()),
    )


# --- the calendar ------------------------------------------------------------------------------


class CalendarLoadSchema(Schema):
    year = fields.Integer(required=True, validate=validate.Range(min=2000, max=2100))
    source = fields.String(load_default="builtin", validate=validate.OneOf(("builtin", "file")))


def _load_year(data: dict) -> int:
    """Load the year from the upload or the built-in calendar (one operation; nothing on error)."""
    year = data["year"]
    if data["source"] == "file":
        upload = request.files.get("file")
        days = ops.calendar_days_from_csv(year, upload.read() if upload else b"")
    else:
        try:
            days = ops.official_year(year)
        except ValidationFailed as exc:  # the library's own text is English: say it in the page's words
            raise ValidationFailed(
                exc.message,
                fields={
                    "year": [_("not in the built-in calendar; load the State Council's notice as a CSV file")]
                },
            ) from exc
    return ops.load_calendar_year(year, days, actor=user())


@bp.route("/calendar", methods=["GET", "POST"])
@permission(can_load_calendar)
def calendar():
    """The official calendar: the years loaded, one year's holidays and make-up working days, loading a
    year from a CSV file (``day,kind,name``) or from the built-in State Council calendar."""
    today = clock.today()
    years = ops.calendar_year_counts()
    shown = request.args.get("year", "")
    shown = int(shown) if shown.isdigit() and 2000 <= int(shown) <= 2100 else today.year
    form = AdminForm(
        CalendarLoadSchema(), integers=("year",), initial={"year": today.year + 1, "source": "builtin"}
    )
    if form.apply(_load_year):
        loaded = form.data["year"]
        return done(
            _("%(count)s exceptions of %(year)s were loaded.", count=form.result, year=loaded),
            ".calendar",
            year=loaded,
        )
    stmt = sa.select(CalendarDay).where(
        CalendarDay.day >= dt.date(shown, 1, 1), CalendarDay.day <= dt.date(shown, 12, 31)
    )
    listing = list_page(
        stmt,
        sorts={
            "day": CalendarDay.day,
            "kind": (CalendarDay.kind, CalendarDay.day),
            "name": (CalendarDay.name, CalendarDay.day),
        },
        default_sort="day",
        per_page=50,
        keep=("year",),
    )
    return form.render(
        "admin/calendar.html",
        years=years,
        shown=shown,
        listing=listing,
        missing=[y for y in (today.year, today.year + 1) if y not in {year for year, *_r in years}],
    )
