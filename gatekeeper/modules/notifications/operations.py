"""Writing and reading in-app notifications (站内消息).

Who is told what (DESIGN §5):

| event                       | recipients                                                | kind            |
|-----------------------------|-----------------------------------------------------------|-----------------|
| submit (not blocked)        | the gate's office                                         | to_accept       |
| accept                      | the gate's members and chair, but not those of the filing | to_vote         |
|                             | department (recused automatically)                        |                 |
|                             | the filing department's officers                          | request_changed |
| a vote reaching the quorum  | the gate's chair(s), unless of the filing department or   | to_decide       |
|                             | having declared a conflict; once per round while unread   |                 |
| return, decide, ruling      | the filing department's officers                          | request_changed |
| decide with refer           | the gate's office                                         | to_rule         |
| withdraw                    | the filing department's officers, and the gate's office   | request_changed |
|                             | when the request had been submitted                       |                 |
| issue an authorisation      | the heads of the communities in scope and the officers of | authorised_here |
|                             | the streets they belong to                                |                 |
| a payment recorded (one or  | the head(s) of each community paid, with its own amount   | funds_paid      |
| in bulk)                    |                                                           |                 |
| a payment disputed          | the officers of the authorisation's department            | funds_disputed  |
| a report filed (by a head   | the office of the report's gate                           | report_filed    |
| or the public)              |                                                           |                 |
| a report upheld             | the officers of the department named (not who filed it)   | report_upheld   |
| the department's answer     | the office of the report's gate                           | report_answered |
| each step of the office     | the head who filed it (a head's report; a public reporter | report_changed  |
|                             | has no account)                                           |                 |

Only active users are told, and never of their own action. A notification stores its kind and
parameters (title, state, reason, who acted, number...); ``messages`` words it when it is read, in
the reader's language.

Notifications are written by the operation that changes the state, in the same transaction (a
refused or rolled-back action leaves none), with one bulk INSERT per event whatever the number of
recipients. They are not audited: they are a consequence of audited changes, not a change of the
domain, and reading them or marking them read changes nothing the audit trail records.

Email is not sent. Delivery by email (an optional SMTP setting; the intranet may have none) would
hook into :func:`notify`, after the commit, from the rows it writes.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from gatekeeper.core import clock
from gatekeeper.core.errors import NotFound
from gatekeeper.extensions import db
from gatekeeper.modules.accounts.models import Role, User
from gatekeeper.modules.authorisations.models import Authorisation, AuthorisationCommunity
from gatekeeper.modules.committee.permissions import chair_seat, declared_recusals, recusal_reason
from gatekeeper.modules.committee.tally import committee_members, tally
from gatekeeper.modules.jurisdictions.models import Jurisdiction
from gatekeeper.modules.notifications.models import Notification, NotificationKind
from gatekeeper.modules.requests.models import AdmissionRequest, RequestState

if TYPE_CHECKING:
    from gatekeeper.modules.committee.models import Decision, Ruling
    from gatekeeper.modules.supervision.models import Report

# --- writing -------------------------------------------------------------------------------------


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    return value


def notify(
    users: Iterable[User | int],
    kind: NotificationKind,
    *,
    request: AdmissionRequest | None = None,
    authorisation: Authorisation | None = None,
    report: Report | None = None,
    params: dict[str, Any] | None = None,
    actor: User | None = None,
) -> int:
    """Write one notification of ``kind`` for each of ``users`` (users or ids), the actor left out.

    One INSERT for all of them; returns how many were written.
    """
    actor_id = getattr(actor, "id", None)
    recipients = dict.fromkeys(u if isinstance(u, int) else u.id for u in users)
    recipients.pop(actor_id, None)
    if not recipients:
        return 0
    now = clock.now()
    stored = _jsonable(params or {})
    rows = [
        {
            "user_id": user_id,
            "kind": kind,
            "request_id": request.id if request is not None else None,
            "authorisation_id": authorisation.id if authorisation is not None else None,
            "report_id": report.id if report is not None else None,
            "params": stored,
            "created_at": now,
            "read_at": None,
        }
        for user_id in recipients
    ]
    db.session.execute(sa.insert(Notification), rows)
    return len(rows)


# --- recipients ----------------------------------------------------------------------------------


def _users(*criteria: sa.ColumnElement[bool]) -> list[User]:
    return list(db.session.scalars(sa.select(User).where(User.active, *criteria).order_by(User.id)))


def department_officers(req: AdmissionRequest | Report) -> list[User]:
    """The officers of the department a request (or a report) is about."""
    return _users(User.role == Role.OFFICER, User.department_id == req.department_id)


def gate_office(req: AdmissionRequest | Report) -> list[User]:
    """The office of the gate a request (or a report) is with."""
    return _users(User.role == Role.SECRETARIAT, User.gate_id == req.gate_id)


def voters(req: AdmissionRequest) -> list[User]:
    """The seats that may vote on ``req`` this round: none of the filing department or declared."""
    declared = declared_recusals(req)
    return [m for m in committee_members(req) if not recusal_reason(m, m, req, declared)]


def deciders(req: AdmissionRequest) -> list[User]:
    """The chair(s) of the gate who may decide ``req``: not of the filing department, not conflicted."""
    return [seat for seat in voters(req) if seat.role == Role.CHAIR]


# --- the parameters of a request's notifications ---------------------------------------------------


def _who(user: User | None) -> str:
    return user.name if user is not None else ""


def _about(req: AdmissionRequest, actor: User | None, **more: Any) -> dict[str, Any]:
    return {
        "title": req.title,
        "department": req.department.name,
        "state": req.state,
        "actor": _who(actor),
        **more,
    }


def _acting_for(actor: User | None, seat: User | None) -> dict[str, str]:
    if actor is None or seat is None or seat.id == actor.id:
        return {}
    return {"acting_for": seat.name}


def _issued(req: AdmissionRequest) -> Authorisation | None:
    if req.state != RequestState.APPROVED:
        return None
    return db.session.scalar(sa.select(Authorisation).where(Authorisation.request_id == req.id))


def _request_changed(
    req: AdmissionRequest,
    action: str,
    *,
    actor: User | None,
    recipients: list[User] | None = None,
    **more: Any,
) -> int:
    authorisation = _issued(req)
    params = _about(req, actor, action=action, **more)
    if authorisation is not None:
        params["number"] = authorisation.number
    return notify(
        department_officers(req) if recipients is None else recipients,
        NotificationKind.REQUEST_CHANGED,
        request=req,
        authorisation=authorisation,
        params=params,
        actor=actor,
    )


# --- the events ------------------------------------------------------------------------------------


def request_submitted(req: AdmissionRequest, *, actor: User) -> int:
    """A request was submitted (or resubmitted): the gate's office has it to accept."""
    params = _about(req, actor, revision=req.revision)
    return notify(gate_office(req), NotificationKind.TO_ACCEPT, request=req, params=params, actor=actor)


def request_accepted(req: AdmissionRequest, *, actor: User) -> int:
    """Accepted: the members who may vote have it to vote on; the department learns the due date."""
    params = _about(req, actor, due=req.due_date, round=req.review_round)
    count = notify(voters(req), NotificationKind.TO_VOTE, request=req, params=params, actor=actor)
    return count + _request_changed(req, "accept", actor=actor, due=req.due_date)


def request_returned(req: AdmissionRequest, reason: str, *, actor: User) -> int:
    """Returned to the department for changes, by the office or by the chair at decision."""
    seat = chair_seat(actor, req)
    return _request_changed(req, "return", actor=actor, reason=reason, **_acting_for(actor, seat))


def request_withdrawn(req: AdmissionRequest, reason: str = "", *, actor: User) -> int:
    """Withdrawn by the department: its other officers, and the office if it had been submitted."""
    recipients = department_officers(req)
    if req.submitted_at is not None:
        recipients += gate_office(req)
    return _request_changed(req, "withdraw", actor=actor, recipients=recipients, reason=reason)


def vote_cast(req: AdmissionRequest, *, actor: User) -> int:
    """After a vote: once the quorum is met, the chair has the request to decide (once per round
    while that notification is unread)."""
    counted = tally(req)
    if not counted.quorum_met:
        return 0
    chairs = [c.id for c in deciders(req)]
    if not chairs:
        return 0
    pending = db.session.execute(
        sa.select(Notification.user_id, Notification.params).where(
            Notification.kind == NotificationKind.TO_DECIDE,
            Notification.request_id == req.id,
            Notification.read_at.is_(None),
            Notification.user_id.in_(chairs),
        )
    )
    told = {user_id for user_id, params in pending if (params or {}).get("round") == req.review_round}
    params = _about(
        req,
        actor,
        round=req.review_round,
        voted=counted.voted,
        eligible=counted.eligible,
        approve=counted.approve,
        reject=counted.reject,
        abstain=counted.abstain,
        due=req.due_date,
    )
    waiting = [c for c in chairs if c not in told]
    return notify(waiting, NotificationKind.TO_DECIDE, request=req, params=params, actor=actor)


def request_decided(req: AdmissionRequest, decision: Decision, *, actor: User) -> int:
    """The chair decided: the department learns the outcome; a referral goes to the office to rule."""
    seat = db.session.get(User, decision.acting_for_id) if decision.acting_for_id else None
    acting = _acting_for(actor, seat)
    body = req.gate.escalation_body_name
    count = _request_changed(
        req,
        "decide",
        actor=actor,
        outcome=decision.outcome,
        reason=decision.reason,
        conditions=decision.conditions,
        body=body,
        **acting,
    )
    if req.state == RequestState.REFERRED:
        params = _about(req, actor, body=body, **acting)
        count += notify(gate_office(req), NotificationKind.TO_RULE, request=req, params=params, actor=actor)
    return count


def ruling_recorded(req: AdmissionRequest, ruling: Ruling, *, actor: User) -> int:
    """The escalation body's ruling, as recorded by the office: the department learns it."""
    return _request_changed(
        req,
        "ruling",
        actor=actor,
        outcome=ruling.outcome,
        reason=ruling.reason,
        reference=ruling.reference,
        body=req.gate.escalation_body_name,
    )


def _local_recipients(authorisation: Authorisation) -> list[int]:
    """The heads of the communities in scope and the officers of their streets: one query over the
    materialised scope, however many communities it has."""
    in_scope = sa.select(AuthorisationCommunity.community_id).where(
        AuthorisationCommunity.authorisation_id == authorisation.id
    )
    streets = sa.select(Jurisdiction.parent_id).where(Jurisdiction.id.in_(in_scope))
    return db.session.scalars(
        sa.select(User.id)
        .where(
            User.active,
            sa.or_(
                sa.and_(User.role == Role.COMMUNITY_HEAD, User.jurisdiction_id.in_(in_scope)),
                sa.and_(User.role == Role.STREET_OFFICER, User.jurisdiction_id.in_(streets)),
            ),
        )
        .order_by(User.id)
    ).all()


def authorisation_issued(authorisation: Authorisation, *, actor: User | None) -> int:
    """A new authorisation: the heads of the communities in scope and the officers of their streets
    (one INSERT however many communities the scope has)."""
    params = {
        "number": authorisation.number,
        "title": authorisation.title,
        "department": authorisation.department.name,
        "valid_from": authorisation.valid_from,
        "valid_to": authorisation.valid_to,
        "actor": _who(actor),
    }
    return notify(
        _local_recipients(authorisation),
        NotificationKind.AUTHORISED_HERE,
        authorisation=authorisation,
        params=params,
        actor=actor,
    )


def authorisation_revoked(authorisation: Authorisation, *, actor: User | None) -> int:
    """A revocation: the same communities and streets learn at once that the item is no longer in force."""
    params = {
        "number": authorisation.number,
        "title": authorisation.title,
        "department": authorisation.department.name,
        "reason": authorisation.revoke_reason,
        "actor": _who(actor),
    }
    return notify(
        _local_recipients(authorisation),
        NotificationKind.REVOKED_HERE,
        authorisation=authorisation,
        params=params,
        actor=actor,
    )


def _about_funds(authorisation: Authorisation, actor: User | None, **more: Any) -> dict[str, Any]:
    return {
        "number": authorisation.number,
        "title": authorisation.title,
        "department": authorisation.department.name,
        "actor": _who(actor),
        **more,
    }


def funds_paid(
    authorisation: Authorisation,
    paid: dict[int, int],
    *,
    paid_on: dt.date,
    reference: str,
    actor: User | None,
) -> int:
    """Money recorded as paid (``paid``: community id → fen): the head(s) of each community paid are
    told their own amount, to confirm or dispute it.

    One query for the recipients and one INSERT for all of them, however many communities a bulk
    payment reaches; the actor is left out.
    """
    if not paid:
        return 0
    heads = db.session.execute(
        sa.select(User.id, User.jurisdiction_id, Jurisdiction.name)
        .join(Jurisdiction, Jurisdiction.id == User.jurisdiction_id)
        .where(User.active, User.role == Role.COMMUNITY_HEAD, User.jurisdiction_id.in_(list(paid)))
        .order_by(User.id)
    ).all()
    actor_id = getattr(actor, "id", None)
    now = clock.now()
    rows = [
        {
            "user_id": user_id,
            "kind": NotificationKind.FUNDS_PAID,
            "request_id": None,
            "authorisation_id": authorisation.id,
            "report_id": None,
            "params": _jsonable(
                _about_funds(
                    authorisation,
                    actor,
                    community=community_name,
                    amount_fen=paid[community_id],
                    paid_on=paid_on,
                    reference=reference,
                )
            ),
            "created_at": now,
            "read_at": None,
        }
        for user_id, community_id, community_name in heads
        if user_id != actor_id
    ]
    if rows:
        db.session.execute(sa.insert(Notification), rows)
    return len(rows)


def funds_disputed(
    authorisation: Authorisation,
    *,
    community: str,
    amount_fen: int,
    reference: str,
    reason: str,
    actor: User | None,
) -> int:
    """A community disputes a payment: the officers of the department that recorded it are told."""
    recipients = _users(User.role == Role.OFFICER, User.department_id == authorisation.department_id)
    params = _about_funds(
        authorisation, actor, community=community, amount_fen=amount_fen, reference=reference, reason=reason
    )
    return notify(
        recipients, NotificationKind.FUNDS_DISPUTED, authorisation=authorisation, params=params, actor=actor
    )


# --- reading ---------------------------------------------------------------------------------------


#: The action each kind asks for is possible only in this state of the request.
_ACTION_STATE = {
    NotificationKind.TO_ACCEPT: RequestState.SUBMITTED,
    NotificationKind.TO_VOTE: RequestState.IN_REVIEW,
    NotificationKind.TO_DECIDE: RequestState.IN_REVIEW,
    NotificationKind.TO_RULE: RequestState.REFERRED,
}


def settle(req: AdmissionRequest) -> None:
    """Mark read what asks for an action the request's new state no longer allows (one UPDATE).

    Called by every state change of a request, so a "to vote" does not linger after the decision.
    """
    stale = [kind for kind, state in _ACTION_STATE.items() if state != req.state]
    # Only notifications change here: do not flush the request half-way through its transition.
    with db.session.no_autoflush:
        _mark_read(req, Notification.kind.in_(stale))


def _mark_read(req: AdmissionRequest, *criteria: sa.ColumnElement[bool]) -> None:
    db.session.execute(
        sa.update(Notification)
        .where(Notification.request_id == req.id, Notification.read_at.is_(None), *criteria)
        .values(read_at=clock.now())
        .execution_options(synchronize_session=False)
    )


def voted(req: AdmissionRequest, member: User) -> None:
    """The member's seat has voted: their "to vote" on this request is done."""
    _mark_read(req, Notification.user_id == member.id, Notification.kind == NotificationKind.TO_VOTE)


def notifications_of(user: User, *, unread: bool | None = None, kind: NotificationKind | None = None):
    """The user's notifications, newest first; only the unread (or only the read) ones if asked."""
    stmt = sa.select(Notification).where(Notification.user_id == user.id)
    if unread is True:
        stmt = stmt.where(Notification.read_at.is_(None))
    elif unread is False:
        stmt = stmt.where(Notification.read_at.is_not(None))
    if kind is not None:
        stmt = stmt.where(Notification.kind == kind)
    return stmt.order_by(Notification.created_at.desc(), Notification.id.desc())


def attach_authorisation_numbers(items: list[Notification]) -> None:
    """Give each notification its ``authorisation_number``, with one query for the whole page."""
    ids = {n.authorisation_id for n in items if n.authorisation_id is not None}
    numbers: dict[int, str] = {}
    if ids:
        numbers = dict(
            db.session.execute(
                sa.select(Authorisation.id, Authorisation.number).where(Authorisation.id.in_(ids))
            ).all()
        )
    for item in items:
        item.authorisation_number = numbers.get(item.authorisation_id)


def get_notification(notification_id: int) -> Notification | None:
    return db.session.get(Notification, notification_id)


def unread_counts(user: User) -> dict[str, Any]:
    """``{"unread": n, "by_kind": {kind: n}}`` (every kind, zero included), with one GROUP BY query."""
    rows = db.session.execute(
        sa.select(Notification.kind, sa.func.count())
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .group_by(Notification.kind)
    ).all()
    by_kind = {kind.value: 0 for kind in NotificationKind}
    for kind, count in rows:
        by_kind[NotificationKind(kind).value] = count
    return {"unread": sum(by_kind.values()), "by_kind": by_kind}


def mark_read(notification: Notification, *, user: User) -> Notification:
    """Mark one of ``user``'s notifications read (the first reading time is kept)."""
    if notification.user_id != user.id:
        raise NotFound()  # nobody learns of another's notifications
    if notification.read_at is None:
        notification.read_at = clock.now()
        db.session.flush()
    return notification


def mark_all_read(user: User) -> int:
    """Mark every unread notification of ``user`` read, with one UPDATE; returns how many."""
    result = db.session.execute(
        sa.update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=clock.now())
    )
    return result.rowcount


# --- reports (supervision) ------------------------------------------------------------------------


def _about_report(report: Report, actor: User | None, **more: Any) -> dict[str, Any]:
    """What the words of a report's notification need; never who filed it."""
    return {
        "title": report.title,
        "community": report.community.name,
        "department": report.department.name if report.department is not None else report.department_name,
        "state": report.state,
        "actor": _who(actor),
        **more,
    }


def report_filed(report: Report, *, actor: User | None) -> int:
    """A new report (a head's or the public's): the gate's office has it to follow. The words name
    the community and the department, not the reporter."""
    params = _about_report(report, None, due=report.step_due_on)
    return notify(
        gate_office(report), NotificationKind.REPORT_FILED, report=report, params=params, actor=actor
    )


def report_stepped(report: Report, action: str, *, actor: User | None) -> int:
    """A step of the office: the head who filed it learns the new state; an upheld report goes to the
    department named, to answer with its rectification."""
    count = 0
    if report.reporter_id is not None and report.reporter is not None and report.reporter.active:
        params = _about_report(report, actor, action=action)
        count += notify(
            [report.reporter], NotificationKind.REPORT_CHANGED, report=report, params=params, actor=actor
        )
    if action == "uphold" and report.department_id is not None:
        params = _about_report(report, None, due=report.step_due_on)
        count += notify(
            department_officers(report),
            NotificationKind.REPORT_UPHELD,
            report=report,
            params=params,
            actor=actor,
        )
    return count


def report_answered(report: Report, *, actor: User | None) -> int:
    """The department answered an upheld report: the office checks the rectification."""
    params = _about_report(report, actor)
    return notify(
        gate_office(report), NotificationKind.REPORT_ANSWERED, report=report, params=params, actor=actor
    )
