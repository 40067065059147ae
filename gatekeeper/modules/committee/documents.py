"""Documents of the committee: the agenda (会议议程) and the minutes (会议纪要) of a meeting or a
written vote.

Which one a meeting prints follows ``meetings.is_open``: while the day of the sitting (or the last day
of the written vote) has not passed, the agenda; after it, the minutes; the agenda of a past meeting
can still be asked for. The minutes read the record of each item's review round: the tally kept with
the chair's decision when there is one (the votes as they were when decided), else the round's live
tally; declared recusals with their reasons; the decision, its conditions or reason; the referral to
the escalation body and its ruling.

Attendance is read from that record, as the meeting has no roll call of its own: a member took part
who voted (in person or through a deputy) or declared a conflict on at least one item.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from marshmallow import Schema, fields

from gatekeeper.core import clock
from gatekeeper.core.labels import label
from gatekeeper.core.pdf import local_day
from gatekeeper.extensions import db
from gatekeeper.modules.accounts.models import VOTING_ROLES, Role, User
from gatekeeper.modules.committee import meetings
from gatekeeper.modules.committee.models import (
    Decision,
    DecisionOutcome,
    Meeting,
    MeetingKind,
    Recusal,
    Ruling,
    VoteChoice,
)
from gatekeeper.modules.committee.page_data import money_of
from gatekeeper.modules.committee.schemas import RulingPdfSchema
from gatekeeper.modules.committee.tally import tally
from gatekeeper.modules.jurisdictions.models import Department, Gate
from gatekeeper.modules.jurisdictions.schemas import LetterheadPdfSchema
from gatekeeper.modules.requests.models import (
    AdmissionRequest,
    CheckRun,
    FundingBasis,
    RequestState,
    Severity,
)

AGENDA, MINUTES = "agenda", "minutes"
PARTS = (AGENDA, MINUTES)


@dataclasses.dataclass
class ItemRecord:
    """What the committee did with one item in its review round."""

    tally: dict[str, Any] | None
    recusals: dict[str, str]  # declared conflicts: reason by member's username
    decision: Decision | None
    ruling: Ruling | None
    referred: bool


@dataclasses.dataclass
class MinutesSource:
    meeting: Meeting
    part: str
    entries: list[meetings.AgendaEntry]
    members: list[User]
    records: dict[int, ItemRecord]  # by request id (minutes only)
    users: dict[str, User]  # who appears in the record, by username
    departments: dict[str, str]  # department names by code
    printed_on: dt.date


def default_part(meeting: Meeting) -> str:
    """The agenda while the meeting is open (``meetings.is_open``), the minutes once it is past."""
    return AGENDA if meetings.is_open(meeting) else MINUTES


def minutes_ready(meeting: Meeting) -> bool:
    return not meetings.is_open(meeting)


# --- gathering ------------------------------------------------------------------------------------


def gate_members(gate_id: int) -> list[User]:
    """The members called: the chair and members of the gate, in the tally's order."""
    return list(
        db.session.scalars(
            sa.select(User)
            .where(User.gate_id == gate_id, User.role.in_(VOTING_ROLES), User.active)
            .order_by(User.role.desc(), User.username)
        )
    )


def _record(entry: meetings.AgendaEntry, decisions, rulings, recusals) -> ItemRecord:
    req, key = entry.request, (entry.request.id, entry.round)
    decision, ruling = decisions.get(key), rulings.get(key)
    if decision is not None:
        counted = decision.tally
    elif entry.current:
        counted = tally(req).as_dict()
    else:
        counted = None
    referred = (
        decision is not None
        and decision.outcome == DecisionOutcome.APPROVE
        and (ruling is not None or (entry.current and req.state == RequestState.REFERRED))
    )
    return ItemRecord(counted, recusals.get(key, {}), decision, ruling, referred)


def _records(entries: list[meetings.AgendaEntry]) -> dict[int, ItemRecord]:
    """The record of each item's round: three queries, then a live tally per undecided item."""
    ids = [e.request.id for e in entries]
    rounds = {(e.request.id, e.round) for e in entries}
    decisions = {
        (d.request_id, d.round): d
        for d in db.session.scalars(sa.select(Decision).where(Decision.request_id.in_(ids)))
        if (d.request_id, d.round) in rounds
    }
    rulings = {
        (r.request_id, r.round): r
        for r in db.session.scalars(sa.select(Ruling).where(Ruling.request_id.in_(ids)))
        if (r.request_id, r.round) in rounds
    }
    recusals: dict[tuple[int, int], dict[str, str]] = {}
    for recusal in db.session.scalars(sa.select(Recusal).where(Recusal.request_id.in_(ids))):
        if (recusal.request_id, recusal.round) in rounds:
            recusals.setdefault((recusal.request_id, recusal.round), {})[recusal.member.username] = (
                recusal.reason
            )
    return {e.request.id: _record(e, decisions, rulings, recusals) for e in entries}


def minutes_source(meeting: Meeting, part: str) -> MinutesSource:
    entries = meetings.agenda(meeting)
    members = gate_members(meeting.gate_id)
    records = _records(entries) if part == MINUTES and entries else {}
    named = {u.username for u in members}
    for record in records.values():
        for seat in (record.tally or {}).get("seats", []):
            named |= {seat["username"], seat.get("cast_by") or seat["username"]}
    users = {u.username: u for u in db.session.scalars(sa.select(User).where(User.username.in_(named)))}
    departments = {
        code: name for code, name in db.session.execute(sa.select(Department.code, Department.name))
    }
    checks = [e.request.latest_check_id for e in entries if e.request.latest_check_id]
    if checks:  # the findings of every item in one query (they are read below)
        db.session.scalars(
            sa.select(CheckRun).where(CheckRun.id.in_(checks)).options(sa.orm.selectinload(CheckRun.findings))
        ).all()
    return MinutesSource(meeting, part, entries, members, records, users, departments, clock.today())


# --- dumping ------------------------------------------------------------------------------------


def _member_line(user: User) -> dict:
    return {
        "name": user.name,
        "role": user.role.value,
        "role_label": label(user.role),
        "department_name": user.department.name if user.department else "",
    }


def _precheck(req: AdmissionRequest) -> dict:
    """The latest pre-check in one line: its outcome and the findings counted by severity."""
    run = req.latest_check
    if run is None:
        return {"outcome_label": "", "parts": []}
    parts = []
    for severity in Severity:
        codes = [f.code for f in run.findings if f.severity == severity]
        if codes:
            parts.append({"label": label(severity), "count": len(codes), "codes": list(dict.fromkeys(codes))})
    return {"outcome": run.outcome.value, "outcome_label": label(run.outcome), "parts": parts}


def _money(req: AdmissionRequest) -> dict:
    money = money_of(req)
    return {
        "basis": money.basis.value,
        "basis_label": label(money.basis),
        "amount_fen": money.amount_fen,
        "total_fen": money.total_fen,
        "source": money.source,
        "none": money.basis == FundingBasis.NONE,
    }


def _scope(req: AdmissionRequest) -> dict:
    return {
        "label": label(req.scope_type),
        "community_type_label": label(req.scope_community_type),
        "communities": req.scope_communities,
        "households": req.scope_households,
    }


def _seat(seat: dict, source: MinutesSource, recusals: dict[str, str]) -> dict:
    member = source.users.get(seat["username"])
    caster = seat.get("cast_by")
    deputy = source.users.get(caster) if caster and caster != seat["username"] else None
    reason = ""
    if seat.get("recused") == "filing_department":
        reason = _("Works for the filing department (recused automatically)")
    elif seat.get("recused") == "declared":
        reason = recusals.get(seat["username"]) or _("Declared a conflict of interest")
    vote = seat.get("vote")
    return {
        "name": member.name if member else seat.get("name", seat["username"]),
        "department_name": source.departments.get(seat.get("department") or "", ""),
        "role_label": label(Role(seat["role"])) if seat.get("role") else "",
        "recused": bool(seat.get("recused")),
        "recusal_reason": reason,
        "vote": vote,
        "vote_label": label(VoteChoice(vote)) if vote else "",
        "comment": seat.get("comment") or "",
        "acting_for": deputy.name if deputy else None,
    }


def _decision(decision: Decision | None) -> dict | None:
    if decision is None:
        return None
    return {
        "outcome": decision.outcome.value,
        "outcome_label": label(decision.outcome),
        "reason": decision.reason,
        "conditions": decision.conditions,
        "decided_by": decision.decided_by.name,
        "acting_for": decision.acting_for.name if decision.acting_for else None,
        "decided_on": local_day(decision.at),
    }


def _ruling(ruling: Ruling | None) -> dict | None:
    return RulingPdfSchema().dump(ruling) if ruling is not None else None


def _tally(counted: dict | None) -> dict | None:
    from gatekeeper.modules.admin.settings import MAJORITY_LABELS, QUORUM_LABELS  # the settings' words

    if counted is None:
        return None
    keys = ("members", "eligible", "voted", "approve", "reject", "abstain", "quorum_met")
    return {
        **{key: counted.get(key) for key in keys},
        "majority_for_approval": counted.get("majority_for_approval"),
        "quorum_rule_label": str(QUORUM_LABELS.get(counted.get("quorum_rule"), counted.get("quorum_rule"))),
        "majority_rule_label": str(
            MAJORITY_LABELS.get(counted.get("majority_rule"), counted.get("majority_rule"))
        ),
    }


def _item(entry: meetings.AgendaEntry, source: MinutesSource) -> dict:
    req = entry.request
    item = {
        "position": entry.position,
        "request_id": req.id,
        "title": req.title,
        "department_name": req.department.name,
        "kind_label": label(req.kind),
        "role_label": label(req.role),
        "catalogue_entry": req.catalogue_entry,
        "valid_from": req.start_date.isoformat(),
        "valid_to": req.end_date.isoformat(),
        "scope": _scope(req),
        "money": _money(req),
        "precheck": _precheck(req),
        "state_label": label(req.state),
        "earlier_round": not entry.current,
    }
    record = source.records.get(req.id)
    if record is not None:
        seats = [_seat(s, source, record.recusals) for s in (record.tally or {}).get("seats", [])]
        item |= {
            "tally": _tally(record.tally),
            "votes": [s for s in seats if not s.get("recused")],
            "recusals": [s for s in seats if s.get("recused")],
            "decision": _decision(record.decision),
            "ruling": _ruling(record.ruling),
            "referred": record.referred,
        }
    return item


def _attendance(source: MinutesSource) -> dict:
    """Who took part (voted, or declared a conflict, on at least one item) and who did not."""
    took_part: set[str] = set()
    seated = [m.username for m in source.members]
    for record in source.records.values():
        for seat in (record.tally or {}).get("seats", []):
            if seat["username"] not in seated:
                seated.append(seat["username"])
            if seat.get("vote") or seat["username"] in record.recusals:
                took_part.add(seat["username"])
    present, absent = [], []
    for username in seated:
        user = source.users.get(username)
        if user is not None:
            (present if username in took_part else absent).append(_member_line(user))
    return {"present": present, "absent": absent}


def _counts(source: MinutesSource) -> dict:
    """How many items ended which way (an approval referred to the escalation body counts apart)."""
    ends = []
    for record in source.records.values():
        if record.decision is None:
            ends.append("undecided")
        else:
            ends.append("referred" if record.referred else record.decision.outcome.value)
    return {
        "items": len(source.entries),
        **{end: ends.count(end) for end in ("approve", "referred", "reject", "return", "undecided")},
    }


class MinutesPdfSchema(Schema):
    """The agenda (``part`` agenda) or the minutes (``part`` minutes) of a meeting or written vote."""

    letterhead = fields.Function(
        lambda s: LetterheadPdfSchema().dump(db.session.get(Gate, s.meeting.gate_id))
    )
    reference = fields.Function(lambda s: s.meeting.title)
    part = fields.Function(lambda s: s.part)
    kind = fields.Function(lambda s: s.meeting.kind.value)
    kind_label = fields.Function(lambda s: label(s.meeting.kind))
    title = fields.Function(lambda s: s.meeting.title)
    on_date = fields.Function(lambda s: s.meeting.on_date.isoformat())
    location = fields.Function(lambda s: s.meeting.location)
    notes = fields.Function(lambda s: s.meeting.notes)
    opened_by = fields.Function(lambda s: s.meeting.created_by.name)
    is_open = fields.Function(lambda s: meetings.is_open(s.meeting, s.printed_on))
    members = fields.Function(lambda s: [_member_line(m) for m in s.members])
    items = fields.Function(lambda s: [_item(e, s) for e in s.entries])
    attendance = fields.Function(lambda s: _attendance(s) if s.part == MINUTES else None)
    counts = fields.Function(lambda s: _counts(s) if s.part == MINUTES else None)
    printed_on = fields.Function(lambda s: s.printed_on.isoformat())


def minutes_title(meeting: Meeting, part: str):
    """The document's title, in the document's language (called inside its locale)."""
    written = meeting.kind == MeetingKind.WRITTEN
    if part == AGENDA:
        return lambda: _("Items put to the written vote") if written else _("Agenda of the committee meeting")
    return lambda: _("Record of the written vote") if written else _("Minutes of the committee meeting")


def minutes_filename(meeting: Meeting, part: str) -> str:
    return f"meeting-{meeting.id}-{part}.pdf"
