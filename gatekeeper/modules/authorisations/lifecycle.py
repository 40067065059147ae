"""How an authorisation ends: revoked, expired, or superseded by a variation.

Transitions are data (``TRANSITIONS``); every end locks the row, stamps ``ended_at``, takes the
authorisation's plaques, ledgers and reports off its communities' loads, and is audited. Revocation
also cancels the money not yet paid and tells the communities. Expiry is idempotent and safe to run
from cron every minute: each run ends what has ended since and nothing twice.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from gatekeeper.core import audit, clock
from gatekeeper.core.db import lock_row
from gatekeeper.core.errors import Conflict, InvalidTransition, ValidationFailed
from gatekeeper.extensions import db
from gatekeeper.modules.authorisations.models import Authorisation
from gatekeeper.modules.authorisations.models import AuthorisationStatus as A
from gatekeeper.modules.authorisations.operations import change_loads

TRANSITIONS: dict[str, tuple[frozenset[A], A]] = {
    "revoke": (frozenset({A.ACTIVE}), A.REVOKED),
    "expire": (frozenset({A.ACTIVE}), A.EXPIRED),
    "supersede": (frozenset({A.ACTIVE}), A.SUPERSEDED),
}


def lock(authorisation: Authorisation) -> Authorisation:
    """Reload under a row lock (``FOR UPDATE OF authorisations``)."""
    return lock_row(Authorisation, authorisation.id)


def _end(
    authorisation: Authorisation, action: str, *, actor, stamp: dict | None = None, **after
) -> Authorisation:
    """End ``authorisation`` by ``action``; ``stamp`` sets columns that must change with the status."""
    authorisation = lock(authorisation)
    sources, target = TRANSITIONS[action]
    if authorisation.status not in sources:
        raise InvalidTransition(
            _(
                "Authorisation %(number)s is %(status)s; only one in force can end.",
                number=authorisation.number,
                status=status_label(authorisation.status),
            ),
            status=authorisation.status.value,
        )
    before = authorisation.status
    with db.session.no_autoflush:  # the status and its stamp reach the database together
        authorisation.status = target
        authorisation.ended_at = clock.now()
        for name, value in (stamp or {}).items():
            setattr(authorisation, name, value)
    change_loads(authorisation, -1)
    audit.record(
        f"authorisation.{action}",
        authorisation,
        actor=actor,
        before={"status": before.value},
        after={"status": target.value, **after},
    )
    return authorisation


def revoke(authorisation: Authorisation, reason: str, *, actor) -> Authorisation:
    """Revoke an authorisation in force: it ends at once for every community, money not yet paid
    is cancelled (what was paid stays on record), and the communities are told."""
    from gatekeeper.modules.funds import operations as funds
    from gatekeeper.modules.notifications import operations as notifications

    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(fields={"reason": [_("a revocation needs a reason")]})
    stamp = {"revoked_at": clock.now(), "revoke_reason": reason, "revoked_by_id": actor.id}
    authorisation = _end(authorisation, "revoke", actor=actor, stamp=stamp, reason=reason)
    funds.cancel_unpaid(authorisation, actor=actor)
    notifications.authorisation_revoked(authorisation, actor=actor)
    return authorisation


def supersede(old: Authorisation, new: Authorisation, *, actor) -> Authorisation:
    """A variation was approved: ``new`` carries on from ``old``, which ends; its money carries over."""
    from gatekeeper.modules.funds import operations as funds

    if old.status != A.ACTIVE:
        raise Conflict(
            _(
                "Authorisation %(number)s is no longer in force; the variation cannot replace it.",
                number=old.number,
            ),
            code="varied_authorisation_ended",
        )
    old = _end(old, "supersede", actor=actor, stamp={"superseded_by_id": new.id}, superseded_by=new.number)
    funds.carry_over(old, new, actor=actor)
    return old


def expire_due(*, actor=None) -> list[str]:
    """End every authorisation in force whose validity is over; returns their numbers.

    Rows another run is already ending are skipped (``SKIP LOCKED`` on PostgreSQL; SQLite runs one
    writer at a time), so overlapping runs never end one twice.
    """
    today = clock.today()
    due = db.session.scalars(
        sa.select(Authorisation)
        .where(Authorisation.status == A.ACTIVE, Authorisation.valid_to < today)
        .order_by(Authorisation.id)
        .with_for_update(of=Authorisation, skip_locked=True)
    ).all()
    for authorisation in due:
        _end(authorisation, "expire", actor=actor, valid_to=authorisation.valid_to)
    return [a.number for a in due]


def status_label(status: A) -> str:
    """The word for a status, as notices and the verification page show it (有效 / 已过期 / ...)."""
    labels = {
        A.ACTIVE: _("Valid"),
        A.EXPIRED: _("Expired"),
        A.REVOKED: _("Revoked"),
        A.SUPERSEDED: _("Superseded"),
    }
    return labels[status]
