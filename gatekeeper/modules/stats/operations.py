"""Statistics operations: the reader's filters resolved (defaults from their role, codes checked),
then every statistic computed in SQL (``queries``)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from gatekeeper.core.errors import ValidationFailed
from gatekeeper.extensions import db
from gatekeeper.modules.accounts.models import GATE_ROLES, Role, User
from gatekeeper.modules.jurisdictions.models import Gate, Jurisdiction, Level
from gatekeeper.modules.stats import money, queries
from gatekeeper.modules.stats.base import Filters


def default_filters(actor: User, args: dict[str, Any]) -> dict[str, Any]:
    """The filters asked for, with the reader's own part filled in: a gate role's gate, a street
    officer's street."""
    given = {key: args.get(key) for key in ("gate", "street", "year")}
    if actor.role in GATE_ROLES and actor.gate is not None and not given["gate"]:
        given["gate"] = actor.gate.code
    if actor.role == Role.STREET_OFFICER and actor.jurisdiction is not None and not given["street"]:
        given["street"] = actor.jurisdiction.code
    return given


def resolve_filters(given: dict[str, Any]) -> Filters:
    """``Filters`` from codes; an unknown gate or street, or a street outside the gate, is a
    validation error (422) naming the field."""
    gate = street = None
    problems: dict[str, list[str]] = {}
    if given.get("gate"):
        gate = db.session.scalar(sa.select(Gate).where(Gate.code == given["gate"]))
        if gate is None:
            problems["gate"] = [_("no gate has this code")]
    street_gate_ids: tuple[int, ...] = ()
    street_communities: tuple[tuple[int, str, str | None], ...] = ()
    if given.get("street"):
        street = db.session.scalar(
            sa.select(Jurisdiction).where(
                Jurisdiction.code == given["street"], Jurisdiction.level == Level.STREET
            )
        )
        if street is None:
            problems["street"] = [_("no street has this code")]
        else:
            street_gate_ids = tuple(
                db.session.scalars(
                    sa.select(Gate.id)
                    .join(Jurisdiction, Jurisdiction.id == Gate.jurisdiction_id)
                    .where(sa.literal(street.path).startswith(Jurisdiction.path))
                )
            )
            street_communities = tuple(
                (row.id, row.code, row.community_type.value if row.community_type else None)
                for row in db.session.execute(
                    sa.select(Jurisdiction.id, Jurisdiction.code, Jurisdiction.community_type)
                    .where(Jurisdiction.parent_id == street.id)
                    .order_by(Jurisdiction.code)
                )
            )
            if gate is not None and gate.id not in street_gate_ids:
                problems["street"] = [_("this street is not inside the gate")]
    if problems:
        raise ValidationFailed(fields=problems)
    return Filters(
        gate=gate,
        street=street,
        street_gate_ids=street_gate_ids,
        street_communities=street_communities,
        year=given.get("year"),
    )


def compute_statistics(filters: Filters, *, every_late: bool = False) -> dict[str, Any]:
    """Every statistic of the dashboard (see ``queries`` for what each means). Late allocations are
    all counted and summed; the ``money.LATE_NAMED`` most overdue are named, or every one with
    ``every_late`` (for the exports)."""
    return queries.statistics(filters, late_named=None if every_late else money.LATE_NAMED)


def gates_for(actor: User) -> list[Gate]:
    """The gates a reader may choose from in the filter form."""
    if actor.role == Role.ADMIN:
        return list(db.session.scalars(sa.select(Gate).order_by(Gate.code)))
    if actor.role in GATE_ROLES and actor.gate is not None:
        return [actor.gate]
    return []


def streets_for(actor: User, gate: Gate | None) -> list[Jurisdiction]:
    """The streets a reader may choose from: those of the gate (or of every gate for the admin),
    a street officer's own."""
    if actor.role == Role.STREET_OFFICER:
        return [actor.jurisdiction] if actor.jurisdiction is not None else []
    stmt = sa.select(Jurisdiction).where(Jurisdiction.level == Level.STREET).order_by(Jurisdiction.code)
    if gate is not None:
        stmt = stmt.where(Jurisdiction.path.startswith(gate.jurisdiction.path, autoescape=True))
    return list(db.session.scalars(stmt))
