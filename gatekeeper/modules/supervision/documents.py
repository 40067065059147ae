"""The supervision notice (督查通报) as a PDF: a schema dump of the notice and its reports, rendered by
``core.pdf``. The dump names departments, communities, items, outcomes and rectifications, never who
filed a report."""

from __future__ import annotations

from flask_babel import gettext as _
from marshmallow import Schema, fields

from gatekeeper.core.labels import label
from gatekeeper.core.pdf import local_day
from gatekeeper.modules.catalogue.models import Kind
from gatekeeper.modules.jurisdictions.schemas import LetterheadPdfSchema
from gatekeeper.modules.supervision.models import Notice, ReportState
from gatekeeper.modules.supervision.notices import reports_of
from gatekeeper.modules.supervision.schemas import notice_item
from gatekeeper.modules.supervision.workflow import notice_outcome


def _items(notice: Notice) -> list[dict]:
    rows = []
    for report in reports_of(notice):
        item = notice_item(report)
        item["kind_label"] = label(Kind(item["kind"]))
        item["outcome_label"] = notice_outcome(ReportState(item["outcome"]))
        rows.append(item)
    return rows


class NoticePdfSchema(Schema):
    """The notice as printed: letterhead, number, period, body and the table of reports."""

    letterhead = fields.Function(lambda n: LetterheadPdfSchema().dump(n.gate))
    reference = fields.Function(lambda n: n.number or _("Draft"))
    draft = fields.Function(lambda n: n.number is None)
    notice_title = fields.String(attribute="title")
    body = fields.String()
    period_from = fields.Function(lambda n: n.period_from.isoformat())
    period_to = fields.Function(lambda n: n.period_to.isoformat())
    published_on = fields.Function(lambda n: local_day(n.published_at))
    items = fields.Function(_items)


def notice_title() -> str:
    return _("Supervision notice")


def notice_filename(notice: Notice) -> str:
    return f"{notice.gate.code}-notice-{notice.id}{'' if notice.number else '-draft'}.pdf"
