"""Filing and reading reports (举报) of items pushed into a community without authorisation.

A community head files a report for their own community. It is stored with the gate whose
jurisdiction holds the community (the nearest one, if a city and a district both have a gate), in
the state ``received``, and so reaches that gate's office: the office's list of reports is its
supervision queue (DESIGN §7).

The department is one of the register's (by code, or by its exact name) or, when the reporter names
one the register does not know, the name as typed. The authorisation number is kept as typed: a
number that does not exist, or does not cover the community, is itself what may be reported.

A public report (``source=public``) names its community by code and has no reporter; its optional
contact is for the office alone. A report whose number is an authorisation in force covering the
community is linked to it (``authorisation_id``). Evidence files are checked and stored like
attachments (``attachments.checks``, ``attachments.storage``).

After filing, the office takes the report through the steps of ``workflow``; each step is a
``ReportEvent`` and an audit entry, and sets the deadline of the state reached (working days from
the gate's settings). The department named answers an upheld report with its rectification.

Each of these tells who must act next (``notifications``): a new report the gate's office, an
upheld one the department named, the department's answer the office, and every step the head who
filed it. No notification names who filed a report.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from flask_babel import gettext as _

from gatekeeper.core import audit, clock
from gatekeeper.core.db import lock_row
from gatekeeper.core.errors import NotAllowed, NotFound, ValidationFailed
from gatekeeper.extensions import db
from gatekeeper.modules.attachments import checks, storage
from gatekeeper.modules.attachments.operations import Upload, read_upload
from gatekeeper.modules.authorisations.models import AuthorisationStatus
from gatekeeper.modules.authorisations.operations import get_by_number
from gatekeeper.modules.jurisdictions.models import Department, Gate, Jurisdiction, Level
from gatekeeper.modules.jurisdictions.operations import gate_over, paths_above, working_calendar
from gatekeeper.modules.jurisdictions.schemas import gate_settings
from gatekeeper.modules.notifications import operations as notifications
from gatekeeper.modules.supervision import workflow
from gatekeeper.modules.supervision.models import (
    Report,
    ReportEvent,
    ReportFile,
    ReportSource,
    ReportState,
)
from gatekeeper.modules.verification.operations import check_community, live_status

#: Evidence files one report may carry.
MAX_FILES = 10


def get_report(report_id: int) -> Report | None:
    return db.session.get(Report, report_id)


def gate_of(community: Jurisdiction) -> Gate | None:
    """The gate a report about ``community`` goes to: the nearest one over it."""
    return gate_over(community)


def find_department(text: str) -> Department | None:
    """The register's department with this code, else with exactly this name."""
    found = db.session.scalar(sa.select(Department).where(Department.code == text))
    if found is None:
        found = db.session.scalar(sa.select(Department).where(Department.name == text).limit(1))
    return found


def departments_near(community: Jurisdiction) -> list[Department]:
    """The departments of the jurisdictions above ``community`` (its district, its city ...), by
    initials: the choices of the report form."""
    holder = sa.orm.aliased(Jurisdiction)
    return list(
        db.session.scalars(
            sa.select(Department)
            .join(holder, holder.id == Department.jurisdiction_id)
            .where(holder.path.in_(paths_above(community)))
            .order_by(Department.initials, Department.code)
            .options(sa.orm.lazyload(Department.jurisdiction))
        )
    )


def reporting_community(actor, code: str | None) -> Jurisdiction:
    """The community a report is about: the head's own; naming another one is refused (403)."""
    own = actor.jurisdiction
    if code is None or (own is not None and code == own.code):
        if own is None or own.level != Level.COMMUNITY:
            raise NotAllowed(_("Only the head of a community can report for it."))
        return own
    community = db.session.scalar(
        sa.select(Jurisdiction).where(Jurisdiction.code == code, Jurisdiction.level == Level.COMMUNITY)
    )
    if community is None:
        raise ValidationFailed(fields={"community": [_("No community has this code.")]})
    raise NotAllowed(_("You can only report what happens in your own community."), code="not_your_community")


def file_report(data: dict, *, actor, files: Iterable[Upload] = ()) -> Report:
    """Store a report of ``actor``'s community (state received) with its gate and evidence; audit it."""
    community = reporting_community(actor, data.get("community"))
    return _store(data, community, reporter=actor, source=ReportSource.COMMUNITY, files=files)


def public_community(code: str | None) -> Jurisdiction:
    """The community a public report names, by its code (422 when there is none such)."""
    community = None
    if code:
        community = db.session.scalar(
            sa.select(Jurisdiction).where(Jurisdiction.code == code, Jurisdiction.level == Level.COMMUNITY)
        )
    if community is None:
        raise ValidationFailed(fields={"community": [_("No community has this code.")]})
    return community


def file_public_report(data: dict, *, files: Iterable[Upload] = ()) -> Report:
    """Store a report filed by anyone, without login (``source=public``, no reporter)."""
    community = public_community(data.get("community"))
    return _store(data, community, reporter=None, source=ReportSource.PUBLIC, files=files)


def _store(data: dict, community: Jurisdiction, *, reporter, source: ReportSource, files) -> Report:
    problems: dict[str, list[str]] = {}
    if data["occurred_on"] > clock.today():
        problems["occurred_on"] = [_("The date cannot be in the future.")]
    named = data.get("department") or data.get("department_name")
    department = find_department(named) if named else None
    if not named:
        problems["department"] = [_("Choose the department, or type its name if it is not in the list.")]
    uploads = [f for f in files if f is not None and getattr(f, "filename", None)]
    if len(uploads) > MAX_FILES:
        problems["files"] = [_("A report can have at most %(count)s files.", count=MAX_FILES)]
    if problems:
        raise ValidationFailed(fields=problems)
    evidence = [_checked(upload) for upload in uploads]  # all checked before anything is stored
    gate = gate_of(community)
    if gate is None:
        raise ValidationFailed(_("No admission gate covers this community; reports cannot be filed yet."))
    number = data.get("authorisation_number")
    number = number.upper() if number else None
    now = clock.now()
    report = Report(
        gate=gate,
        community=community,
        department=department,
        department_name="" if department is not None else named,
        kind=data["kind"],
        title=data["title"],
        occurred_on=data["occurred_on"],
        description=data["description"],
        authorisation_number=number,
        authorisation_id=linked_authorisation(number, community),
        state=ReportState.RECEIVED,
        reporter=reporter,
        source=source,
        contact=data.get("contact") or "",
        step_due_on=due_date(gate, ReportState.RECEIVED),
        created_at=now,
        updated_at=now,
    )
    db.session.add(report)
    db.session.flush()
    for filename, file_type, content in evidence:
        db.session.add(
            ReportFile(
                report_id=report.id,
                filename=filename,
                content_type=file_type.content_type,
                size=len(content),
                sha256=storage.store(content),
                uploaded_at=now,
            )
        )
    db.session.add(
        ReportEvent(
            report_id=report.id,
            action="file",
            from_state=None,
            to_state=ReportState.RECEIVED,
            note="",
            actor_id=getattr(reporter, "id", None),
            at=now,
        )
    )
    audit.record(
        "report.file",
        report,
        actor=reporter,
        after={
            "gate": gate.code,
            "community": community.code,
            "source": source.value,
            "department": department.code if department else None,
            "department_name": report.department_name,
            "kind": report.kind.value,
            "title": report.title,
            "occurred_on": report.occurred_on,
            "authorisation_number": report.authorisation_number,
            "authorisation_linked": report.authorisation_id is not None,
            "files": len(evidence),
        },
    )
    notifications.report_filed(report, actor=reporter)
    return report


def _checked(upload: Upload) -> tuple[str, checks.FileType, bytes]:
    """An evidence file's kept name, type and bytes; 422 (field ``files``) when too large or not accepted."""
    try:
        content = read_upload(upload)
        file_type = checks.detect(content)
    except ValidationFailed as exc:
        name = checks.shown_filename(upload.filename)[: checks.FILENAME_MAX] or _("a file")
        raise ValidationFailed(
            exc.message, code=exc.code, fields={"files": [f"{name}: {exc.message}"]}
        ) from None
    return checks.clean_filename(upload.filename, file_type), file_type, content


def linked_authorisation(number: str | None, community: Jurisdiction) -> int | None:
    """The id of authorisation ``number`` when it is in force today and covers ``community``."""
    if not number:
        return None
    authorisation = get_by_number(number)
    if authorisation is None:
        return None
    status, not_yet_valid = live_status(authorisation, clock.today())
    if status != AuthorisationStatus.ACTIVE or not_yet_valid:
        return None
    _checked_community, in_scope = check_community(authorisation, community.code)
    return authorisation.id if in_scope else None


def due_date(gate: Gate, state: ReportState):
    """The last day of ``state`` entered today: the gate's working days for it; ``None`` once closed."""
    setting = workflow.DEADLINE_SETTING.get(state)
    if setting is None:
        return None
    today = clock.today()
    return working_calendar(today).add_working_days(today, gate_settings(gate.settings)[setting])


def lock(report: Report) -> Report:
    """Reload ``report`` under a row lock, so two steps on it run one after the other."""
    locked = lock_row(Report, report.id)
    if locked is None:
        raise NotFound()
    return locked


def _event(report: Report, action: str, before: ReportState, note: str, actor) -> None:
    now = clock.now()
    report.updated_at = now
    db.session.add(
        ReportEvent(
            report_id=report.id,
            action=action,
            from_state=before,
            to_state=report.state,
            note=note,
            actor_id=getattr(actor, "id", None),
            at=now,
        )
    )


def advance_report(report: Report, action: str, note: str, *, actor) -> Report:
    """One step of the office (investigate, uphold, dismiss, rectify, close), with its required note.

    409 when the state does not allow the step; the deadline of the state reached is set anew.
    """
    if action not in workflow.OFFICE_ACTIONS:
        raise ValidationFailed(fields={"action": [_("Unknown step.")]})
    note = (note or "").strip()
    if not note:
        raise ValidationFailed(fields={"note": [_("Each step needs a note.")]})
    report = lock(report)
    before = report.state
    due = due_date(report.gate, workflow.target(action, before))  # the calendar read before the change
    report.state = workflow.target(action, before)
    report.step_due_on = due
    _event(report, action, before, note, actor)
    audit.record(
        f"report.{action}",
        report,
        actor=actor,
        before={"state": before.value},
        after={"state": report.state.value, "note": note, "step_due_on": due},
    )
    notifications.report_stepped(report, action, actor=actor)
    return report


def respond_report(report: Report, response: str, *, actor) -> Report:
    """The department's rectification of an upheld report (409 in any other state); kept on the report."""
    response = (response or "").strip()
    if not response:
        raise ValidationFailed(fields={"response": [_("Say what the department did to rectify.")]})
    report = lock(report)
    workflow.target("respond", report.state)
    report.department_response = response
    report.responded_at = clock.now()
    _event(report, "respond", report.state, response, actor)
    audit.record("report.respond", report, actor=actor, after={"department_response": response})
    notifications.report_answered(report, actor=actor)
    return report


def overdue_clause() -> sa.ColumnElement[bool]:
    """Reports past the deadline of their step (never a closed one)."""
    return sa.and_(Report.step_due_on.is_not(None), Report.step_due_on < clock.today())


def is_overdue(report: Report) -> bool:
    return report.step_due_on is not None and report.step_due_on < clock.today()


def events_of(report: Report) -> list[ReportEvent]:
    return list(
        db.session.scalars(
            sa.select(ReportEvent)
            .where(ReportEvent.report_id == report.id)
            .order_by(ReportEvent.at, ReportEvent.id)
        )
    )


def files_of(report: Report) -> list[ReportFile]:
    return list(
        db.session.scalars(
            sa.select(ReportFile).where(ReportFile.report_id == report.id).order_by(ReportFile.id)
        )
    )


def get_file(report: Report, file_id: int) -> ReportFile:
    found = db.session.get(ReportFile, file_id)
    if found is None or found.report_id != report.id:
        raise NotFound()
    return found


def criteria(
    *, state=None, community: str | None = None, department: str | None = None, overdue: bool = False
) -> list:
    """WHERE clauses over ``Report``: a state, a community code, a department code, overdue only."""
    clauses: list[sa.ColumnElement[bool]] = []
    if overdue:
        clauses.append(overdue_clause())
    if state:
        clauses.append(Report.state == state)
    if community:
        clauses.append(
            Report.community_id.in_(sa.select(Jurisdiction.id).where(Jurisdiction.code == community))
        )
    if department:
        clauses.append(
            Report.department_id.in_(sa.select(Department.id).where(Department.code == department))
        )
    return clauses


def counts_by_state(*criteria: sa.ColumnElement[bool]) -> dict[str, int]:
    """How many reports are in each state (every state, 0 included): one GROUP BY query."""
    rows = db.session.execute(
        sa.select(Report.state, sa.func.count(Report.id)).where(*criteria).group_by(Report.state)
    ).all()
    found = {ReportState(state).value: count for state, count in rows}
    return {state.value: found.get(state.value, 0) for state in ReportState}


def office_queue(gate_id: int) -> dict[str, int]:
    """The office's supervision work at a glance: the gate's reports not closed yet, and how many of
    them are past the deadline of their step (one query)."""
    row = db.session.execute(
        sa.select(
            sa.func.count(Report.id),
            sa.func.count(Report.id).filter(overdue_clause()),
        ).where(Report.gate_id == gate_id, Report.state != ReportState.CLOSED)
    ).one()
    return {"open": row[0], "overdue": row[1]}
