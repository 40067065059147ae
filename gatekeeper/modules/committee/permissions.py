"""Who may vote, declare a recusal and decide. Separation of duties lives here.

| action  | who                                                                                   |
|---------|---------------------------------------------------------------------------------------|
| vote    | a member or the chair of the gate, or their deputy acting for them, for a seat that   |
|         | is not recused                                                                        |
| recuse  | anyone who holds a seat on the request (themselves or as a deputy)                     |
| decide  | the chair of the gate, or the chair's deputy, whoever of them is not conflicted       |
|         | (of the filing department, or having declared a conflict)                              |
| tally   | whoever may see the request                                                           |
| meetings| the gate's office, members and chair see them; the office opens them and sets agendas |
| queue   | members and the chair, and whoever deputises for one of them today                    |

A seat is recused automatically when its member works for the filing department, when the deputy
casting it does, or when the member declared a conflict for this review round.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from gatekeeper.core.permissions import Denied
from gatekeeper.extensions import db
from gatekeeper.modules.accounts.models import GATE_ROLES, VOTING_ROLES, Role, User
from gatekeeper.modules.accounts.operations import principals_of
from gatekeeper.modules.accounts.permissions import is_secretariat_of, sits_at
from gatekeeper.modules.committee.models import Meeting, MeetingItem, Recusal
from gatekeeper.modules.requests.models import AdmissionRequest


def seats_of(user: User, req: AdmissionRequest) -> list[User]:
    """The committee seats ``user`` may act in on ``req``: their own, and those they deputise for."""
    seats = []
    if user.role in VOTING_ROLES and user.gate_id == req.gate_id:
        seats.append(user)
    for principal in principals_of(user):
        if principal.role in VOTING_ROLES and principal.gate_id == req.gate_id and principal not in seats:
            seats.append(principal)
    return seats


def declared_recusals(req: AdmissionRequest) -> set[int]:
    return set(
        db.session.scalars(
            sa.select(Recusal.member_id).where(
                Recusal.request_id == req.id, Recusal.round == req.review_round
            )
        )
    )


def recusal_reason(seat: User, actor: User, req: AdmissionRequest, declared: set[int]) -> str | None:
    """Why ``seat`` (cast by ``actor``) may not vote or decide on ``req``, or ``None``."""
    if seat.department_id is not None and seat.department_id == req.department_id:
        return "filing_department"
    if actor.department_id is not None and actor.department_id == req.department_id:
        return "filing_department"
    if seat.id in declared:
        return "declared"
    return None


def can_vote(user: User, req: AdmissionRequest) -> bool | Denied:
    seats = seats_of(user, req)
    if not seats:
        return False
    declared = declared_recusals(req)
    if all(recusal_reason(seat, user, req, declared) for seat in seats):
        return Denied("recused", _("You are recused from this request."))
    return True


def can_recuse(user: User, req: AdmissionRequest) -> bool:
    return bool(seats_of(user, req))


def chair_seat(user: User, req: AdmissionRequest) -> User | None:
    """The chair ``user`` acts as on ``req``: themselves, or the chair they deputise for."""
    for seat in seats_of(user, req):
        if seat.role == Role.CHAIR:
            return seat
    return None


def can_decide(user: User, req: AdmissionRequest) -> bool | Denied:
    """The chair decides; a chair who is conflicted (filing department, declared conflict) cannot,
    and their deputy may act instead, provided the deputy is not conflicted either."""
    seat = chair_seat(user, req)
    if seat is None:
        return False
    declared = declared_recusals(req)
    if user.department_id is not None and user.department_id == req.department_id:
        return Denied("own_department", _("Nobody decides a request of their own department; a deputy must."))
    if user.id in declared:
        return Denied("recused", _("You declared a conflict on this request; a deputy must decide."))
    return True


def can_see_tally(user: User, req: AdmissionRequest) -> bool:
    from gatekeeper.modules.requests.permissions import can_see_request

    return can_see_request(user, req)


# --- meetings and written votes -------------------------------------------------------------------


def can_list_meetings(user: User) -> bool:
    return user.role in GATE_ROLES and user.gate_id is not None


def can_see_meeting(user: User, meeting: Meeting) -> bool:
    return sits_at(user, meeting.gate_id)


def can_create_meeting(user: User) -> bool:
    return user.role == Role.SECRETARIAT and user.gate_id is not None


def can_schedule(user: User, meeting: Meeting) -> bool:
    return is_secretariat_of(user, meeting.gate_id)


def can_see_meeting_item(user: User, item: MeetingItem) -> bool:
    return can_see_meeting(user, item.meeting)


def can_unschedule(user: User, item: MeetingItem) -> bool:
    return can_schedule(user, item.meeting)


# --- work lists ----------------------------------------------------------------------------------


def can_see_inbox(user: User) -> bool:
    """The office's inbox: what waits for the committee office of the user's gate."""
    return user.role == Role.SECRETARIAT and user.gate_id is not None


def can_see_queue(user: User) -> bool:
    """A member's queue: members and the chair, and whoever deputises for one of them today."""
    if user.role in VOTING_ROLES and user.gate_id is not None:
        return True
    return any(p.role in VOTING_ROLES for p in principals_of(user))
