"""Filing and reading reports (举报) of items pushed into a community without authorisation.

A community head files a report for their own community. It is stored with the gate whose
jurisdiction holds the community (the nearest one, if a city and a district both have a gate), in
the state ``received``, and so reaches that gate's office: the office's list of reports is its
supervision queue (DESIGN §7).

The department is one of the register's (by code, or by its exact name) or, when the reporter names
one the register does not know, the name as typed. The authorisation number is kept as typed: a
number that does not exist, or does not cover the community, is itself what may be reported.

No notification is sent to the office: the kinds of notification are a fixed list held by a CHECK
constraint in the database, and a new kind needs a migration.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from gatekeeper.core import audit, clock
from gatekeeper.core.errors import NotAllowed, ValidationFailed
from gatekeeper.extensions import db
from gatekeeper.modules.jurisdictions.models import Department, Gate, Jurisdiction, Level
from gatekeeper.modules.jurisdictions.operations import gate_over, paths_above
from gatekeeper.modules.supervision.models import Report, ReportState


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


def file_report(data: dict, *, actor) -> Report:
    """Store a report of ``actor``'s community (state received) with its gate; audit it."""
    community = reporting_community(actor, data.get("community"))
    problems: dict[str, list[str]] = {}
    if data["occurred_on"] > clock.today():
        problems["occurred_on"] = [_("The date cannot be in the future.")]
    named = data.get("department") or data.get("department_name")
    department = find_department(named) if named else None
    if not named:
        problems["department"] = [_("Choose the department, or type its name if it is not in the list.")]
    if problems:
        raise ValidationFailed(fields=problems)
    gate = gate_of(community)
    if gate is None:
        raise ValidationFailed(_("No admission gate covers this community; reports cannot be filed yet."))
    number = data.get("authorisation_number")
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
        authorisation_number=number.upper() if number else None,
        state=ReportState.RECEIVED,
        reporter=actor,
        created_at=now,
        updated_at=now,
    )
    db.session.add(report)
    db.session.flush()
    audit.record(
        "report.file",
        report,
        actor=actor,
        after={
            "gate": gate.code,
            "community": community.code,
            "department": department.code if department else None,
            "department_name": report.department_name,
            "kind": report.kind.value,
            "title": report.title,
            "occurred_on": report.occurred_on,
            "authorisation_number": report.authorisation_number,
        },
    )
    return report


def criteria(*, state=None, community: str | None = None, department: str | None = None) -> list:
    """WHERE clauses over ``Report``: a state, a community code, a department code (each optional)."""
    clauses: list[sa.ColumnElement[bool]] = []
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
