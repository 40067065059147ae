"""The words of a notification, in the reader's language, from its kind and stored parameters.

Nothing worded is stored: a notification read in Chinese today and in English tomorrow says the
same thing in each. A parameter missing from an older row reads as empty rather than failing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from flask_babel import format_date
from flask_babel import gettext as _

from gatekeeper.core.labels import label
from gatekeeper.core.money import yuan
from gatekeeper.modules.notifications.models import Notification, NotificationKind
from gatekeeper.modules.requests.models import RequestState
from gatekeeper.modules.requests.workflow import state_label
from gatekeeper.modules.supervision.models import ReportState


class _Params(dict):
    """The stored parameters; a missing one is an empty text."""

    def __missing__(self, key: str) -> str:
        return ""


def _date(value: Any) -> str:
    if not value:
        return ""
    try:
        return format_date(dt.date.fromisoformat(str(value)), "long")
    except ValueError:
        return str(value)


def _who(p: _Params) -> str:
    """Who acted, with the seat they acted in when they deputised for someone."""
    if p["acting_for"]:
        return _("%(name)s (acting for %(principal)s)", name=p["actor"], principal=p["acting_for"])
    return p["actor"]


def _state(p: _Params) -> str:
    try:
        return state_label(RequestState(p["state"]))
    except ValueError:
        return p["state"]


def _to_accept(p: _Params) -> str:
    if int(p["revision"] or 0) > 1:
        return _(
            "%(department)s resubmitted “%(title)s” after changes; it awaits acceptance.",
            department=p["department"],
            title=p["title"],
        )
    return _(
        "%(department)s submitted “%(title)s”; it awaits acceptance.",
        department=p["department"],
        title=p["title"],
    )


def _to_vote(p: _Params) -> str:
    return _(
        "“%(title)s” of %(department)s is in review; the committee decides by %(due)s. Cast your vote.",
        title=p["title"],
        department=p["department"],
        due=_date(p["due"]),
    )


def _to_decide(p: _Params) -> str:
    return _(
        "The votes on “%(title)s” reach the quorum (%(approve)s for, %(reject)s against, "
        "%(abstain)s abstaining); it awaits your decision.",
        title=p["title"],
        approve=p["approve"] or 0,
        reject=p["reject"] or 0,
        abstain=p["abstain"] or 0,
    )


def _to_rule(p: _Params) -> str:
    return _(
        "The committee referred “%(title)s” of %(department)s to %(body)s; record its ruling when it comes.",
        title=p["title"],
        department=p["department"],
        body=p["body"],
    )


def _request_changed(p: _Params) -> str:
    action, state = p["action"], p["state"]
    title, who, reason = p["title"], _who(p), p["reason"]
    if action == "accept":
        return _(
            "%(actor)s accepted your request “%(title)s”; the committee decides by %(due)s.",
            actor=who,
            title=title,
            due=_date(p["due"]),
        )
    if action == "return" or (action == "decide" and state == RequestState.RETURNED):
        return _(
            "%(actor)s returned your request “%(title)s” for changes: %(reason)s",
            actor=who,
            title=title,
            reason=reason,
        )
    if action == "withdraw":
        if reason:
            return _(
                "%(actor)s withdrew the request “%(title)s” of %(department)s: %(reason)s",
                actor=who,
                title=title,
                department=p["department"],
                reason=reason,
            )
        return _(
            "%(actor)s withdrew the request “%(title)s” of %(department)s.",
            actor=who,
            title=title,
            department=p["department"],
        )
    if action == "decide" and state == RequestState.APPROVED:
        return _(
            "The committee approved your request “%(title)s” (%(actor)s); authorisation %(number)s "
            "is issued.",
            title=title,
            actor=who,
            number=p["number"],
        )
    if action == "decide" and state == RequestState.REFERRED:
        return _(
            "The committee referred your request “%(title)s” to %(body)s (%(actor)s).",
            title=title,
            body=p["body"],
            actor=who,
        )
    if action == "decide" and state == RequestState.REJECTED:
        return _(
            "The committee rejected your request “%(title)s” (%(actor)s): %(reason)s",
            title=title,
            actor=who,
            reason=reason,
        )
    if action == "ruling" and state == RequestState.APPROVED:
        return _(
            "%(body)s approved your request “%(title)s” (%(reference)s); authorisation %(number)s is issued.",
            body=p["body"],
            title=title,
            reference=p["reference"],
            number=p["number"],
        )
    if action == "ruling" and state == RequestState.REJECTED:
        return _(
            "%(body)s rejected your request “%(title)s” (%(reference)s): %(reason)s",
            body=p["body"],
            title=title,
            reference=p["reference"],
            reason=reason,
        )
    return _("Your request “%(title)s” is now %(state)s.", title=title, state=_state(p))


def _authorised_here(p: _Params) -> str:
    return _(
        "Authorisation %(number)s: “%(title)s” of %(department)s now applies in your area, "
        "from %(valid_from)s to %(valid_to)s.",
        number=p["number"],
        title=p["title"],
        department=p["department"],
        valid_from=_date(p["valid_from"]),
        valid_to=_date(p["valid_to"]),
    )


def _revoked_here(p: _Params) -> str:
    return _(
        "Authorisation %(number)s (“%(title)s” of %(department)s) was revoked and no longer applies in "
        "your area: %(reason)s",
        number=p["number"],
        title=p["title"],
        department=p["department"],
        reason=p["reason"],
    )


def _yuan(value: Any) -> str:
    try:
        return yuan(int(value or 0))
    except (TypeError, ValueError):
        return str(value)


def _funds_paid(p: _Params) -> str:
    return _(
        "%(department)s recorded a payment of %(amount)s yuan to %(community)s on %(paid_on)s for "
        "“%(title)s” (authorisation %(number)s, reference %(reference)s). Confirm that it arrived, "
        "or dispute it.",
        department=p["department"],
        amount=_yuan(p["amount_fen"]),
        community=p["community"],
        paid_on=_date(p["paid_on"]),
        title=p["title"],
        number=p["number"],
        reference=p["reference"],
    )


def _funds_disputed(p: _Params) -> str:
    return _(
        "%(community)s disputes the payment of %(amount)s yuan for “%(title)s” (authorisation "
        "%(number)s, reference %(reference)s): %(reason)s",
        community=p["community"],
        amount=_yuan(p["amount_fen"]),
        title=p["title"],
        number=p["number"],
        reference=p["reference"],
        reason=p["reason"],
    )


def _report_state(p: _Params) -> str:
    try:
        return label(ReportState(p["state"]))
    except ValueError:
        return p["state"]


def _report_filed(p: _Params) -> str:
    return _(
        "A report was filed: “%(title)s” pushed into %(community)s by %(department)s. "
        "Look into it by %(due)s.",
        title=p["title"],
        community=p["community"],
        department=p["department"],
        due=_date(p["due"]),
    )


def _report_upheld(p: _Params) -> str:
    return _(
        "A report about your department was upheld: “%(title)s” in %(community)s. Answer with what you "
        "did to rectify it by %(due)s.",
        title=p["title"],
        community=p["community"],
        due=_date(p["due"]),
    )


def _report_answered(p: _Params) -> str:
    return _(
        "%(department)s answered the upheld report “%(title)s” in %(community)s; check the "
        "rectification and record it.",
        department=p["department"],
        title=p["title"],
        community=p["community"],
    )


def _report_changed(p: _Params) -> str:
    return _(
        "Your report “%(title)s” about %(department)s is now: %(state)s (%(actor)s).",
        title=p["title"],
        department=p["department"],
        state=_report_state(p),
        actor=p["actor"],
    )


_WORDING: dict[NotificationKind, Callable[[_Params], str]] = {
    NotificationKind.TO_ACCEPT: _to_accept,
    NotificationKind.TO_VOTE: _to_vote,
    NotificationKind.TO_DECIDE: _to_decide,
    NotificationKind.TO_RULE: _to_rule,
    NotificationKind.REQUEST_CHANGED: _request_changed,
    NotificationKind.AUTHORISED_HERE: _authorised_here,
    NotificationKind.REVOKED_HERE: _revoked_here,
    NotificationKind.FUNDS_PAID: _funds_paid,
    NotificationKind.FUNDS_DISPUTED: _funds_disputed,
    NotificationKind.REPORT_FILED: _report_filed,
    NotificationKind.REPORT_UPHELD: _report_upheld,
    NotificationKind.REPORT_ANSWERED: _report_answered,
    NotificationKind.REPORT_CHANGED: _report_changed,
}


def message(notification: Notification) -> str:
    """The notification in words, in the language of the current answer."""
    return _WORDING[NotificationKind(notification.kind)](_Params(notification.params or {}))
