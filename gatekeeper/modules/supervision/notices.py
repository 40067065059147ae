"""Supervision notices (督查通报): the office composes one from the upheld reports of a period and
publishes it for everyone.

**The period is on the day a report was upheld** (the day of its ``uphold`` event, in local time),
not on the day the item was pushed in: a notice reports what the office found in the period, so a
report upheld in June about something pushed in March is in June's notice, and no report waits for a
notice already published. Candidates are the gate's reports upheld in the period and still upheld,
rectified, or closed after being upheld, not named by a published notice yet.

A notice is a draft until published; only a draft changes (409 otherwise). Publication gives the
number ``<gate code>督〔<year>〕<n>号``, ``n`` counting the gate's notices published that year.
Operations flush, never commit.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask_babel import gettext as _

from gatekeeper.core import audit, clock
from gatekeeper.core.db import lock_row
from gatekeeper.core.errors import InvalidTransition, NotFound, ValidationFailed
from gatekeeper.extensions import db
from gatekeeper.modules.supervision import workflow
from gatekeeper.modules.supervision.models import (
    Notice,
    NoticeReport,
    NoticeState,
    Report,
    ReportEvent,
)


def get_notice(notice_id: int) -> Notice | None:
    return db.session.get(Notice, notice_id)


def reports_of(notice: Notice) -> list[Report]:
    """The reports a notice names, by department then community."""
    return list(
        db.session.scalars(
            sa.select(Report)
            .join(NoticeReport, NoticeReport.report_id == Report.id)
            .where(NoticeReport.notice_id == notice.id)
            .order_by(Report.department_id, Report.department_name, Report.community_id, Report.id)
        ).unique()
    )


def upheld_on(report_ids: list[int]) -> dict[int, dt.date]:
    """The local day each report was (last) upheld."""
    rows = db.session.execute(
        sa.select(ReportEvent.report_id, ReportEvent.at).where(
            ReportEvent.report_id.in_(report_ids), ReportEvent.action == "uphold"
        )
    ).all()
    days: dict[int, dt.date] = {}
    for report_id, at in rows:
        day = at.astimezone(clock.timezone()).date()
        days[report_id] = max(day, days.get(report_id, day))
    return days


def _published_report_ids() -> sa.Select:
    return (
        sa.select(NoticeReport.report_id)
        .join(Notice, Notice.id == NoticeReport.notice_id)
        .where(Notice.state == NoticeState.PUBLISHED)
    )


def candidates(gate_id: int, period_from: dt.date, period_to: dt.date) -> list[Report]:
    """The gate's reports upheld in the period, not named by a published notice yet."""
    reports = list(
        db.session.scalars(
            sa.select(Report)
            .where(
                Report.gate_id == gate_id,
                Report.state.in_(workflow.NOTICEABLE),
                Report.id.in_(sa.select(ReportEvent.report_id).where(ReportEvent.action == "uphold")),
                Report.id.not_in(_published_report_ids()),
            )
            .order_by(Report.id)
        ).unique()
    )
    days = upheld_on([r.id for r in reports])
    return [r for r in reports if period_from <= days.get(r.id, dt.date.min) <= period_to]


def _eligible(notice: Notice, report: Report | None) -> Report:
    if report is None or report.gate_id != notice.gate_id:
        raise ValidationFailed(fields={"report": [_("No report of this gate has this number.")]})
    upheld = report.id in upheld_on([report.id])
    if report.state not in workflow.NOTICEABLE or not upheld:
        raise ValidationFailed(fields={"report": [_("Only upheld reports can be named in a notice.")]})
    return report


def _editable(notice: Notice) -> Notice:
    locked = lock_row(Notice, notice.id)
    if locked is None:
        raise NotFound()
    if locked.state != NoticeState.DRAFT:
        raise InvalidTransition(_("A published notice cannot change."), state=locked.state.value)
    return locked


def create_notice(data: dict, *, actor) -> Notice:
    """A draft notice of ``actor``'s gate for a period, naming the given reports or every candidate."""
    if data["period_from"] > data["period_to"]:
        raise ValidationFailed(fields={"period_to": [_("The last day cannot be before the first.")]})
    notice = Notice(
        gate_id=actor.gate_id,
        title=data["title"],
        body=data.get("body", ""),
        period_from=data["period_from"],
        period_to=data["period_to"],
        state=NoticeState.DRAFT,
        created_by_id=actor.id,
        created_at=clock.now(),
    )
    db.session.add(notice)
    db.session.flush()
    if data.get("reports") is None:
        chosen = candidates(notice.gate_id, notice.period_from, notice.period_to)
    else:
        chosen = [_eligible(notice, db.session.get(Report, rid)) for rid in dict.fromkeys(data["reports"])]
    for report in chosen:
        db.session.add(NoticeReport(notice_id=notice.id, report_id=report.id))
    db.session.flush()
    audit.record(
        "notice.create",
        notice,
        actor=actor,
        after={
            "title": notice.title,
            "period_from": notice.period_from,
            "period_to": notice.period_to,
            "reports": [r.id for r in chosen],
        },
    )
    return notice


def add_notice_report(notice: Notice, report_id: int, *, actor) -> Notice:
    notice = _editable(notice)
    report = _eligible(notice, db.session.get(Report, report_id))
    if db.session.get(NoticeReport, (notice.id, report.id)) is None:
        db.session.add(NoticeReport(notice_id=notice.id, report_id=report.id))
        db.session.flush()
        audit.record("notice.add_report", notice, actor=actor, after={"report": report.id})
    return notice


def remove_notice_report(notice: Notice, report_id: int, *, actor) -> Notice:
    notice = _editable(notice)
    link = db.session.get(NoticeReport, (notice.id, report_id))
    if link is None:
        raise NotFound(_("The notice does not name this report."))
    db.session.delete(link)
    db.session.flush()
    audit.record("notice.remove_report", notice, actor=actor, before={"report": report_id})
    return notice


def next_number(notice: Notice, year: int) -> str:
    """``LJ督〔2026〕3号``: the gate's code, the year, the count of its notices published that year + 1."""
    published = db.session.scalars(
        sa.select(Notice.number).where(
            Notice.gate_id == notice.gate_id,
            Notice.state == NoticeState.PUBLISHED,
            Notice.number.is_not(None),
        )
    ).all()
    marker = f"督〔{year}〕"
    count = sum(1 for number in published if marker in number)
    return f"{notice.gate.code}{marker}{count + 1}号"


def publish_notice(notice: Notice, *, actor) -> Notice:
    """Publish a draft that names at least one report: it gets its number and is public from now on."""
    notice = _editable(notice)
    if not reports_of(notice):
        raise ValidationFailed(_("A notice must name at least one upheld report."), code="empty_notice")
    now = clock.now()
    notice.number = next_number(notice, now.astimezone(clock.timezone()).year)
    notice.state = NoticeState.PUBLISHED
    notice.published_at = now
    notice.published_by_id = actor.id
    db.session.flush()
    audit.record(
        "notice.publish",
        notice,
        actor=actor,
        before={"state": NoticeState.DRAFT.value},
        after={"state": notice.state.value, "number": notice.number},
    )
    return notice
