"""The blueprint of the administrator's pages, their form and the choices their forms offer.

``AdminForm`` is the foundation's ``PageForm`` with two additions the admin's edit forms need: a field
left empty can mean "clear it" (``blanks``: the value it then takes, e.g. ``None`` for an attachment,
``""`` for a text setting), and a conflict that names its field (a code or user name already taken)
is shown beside that field, with what was typed kept, instead of on the page before.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask import Blueprint

from gatekeeper.core.errors import Conflict, ValidationFailed
from gatekeeper.core.labels import options
from gatekeeper.core.permissions import authorize, user
from gatekeeper.core.web import PageForm
from gatekeeper.extensions import db
from gatekeeper.modules.accounts.models import Role
from gatekeeper.modules.jurisdictions.models import Gate, Jurisdiction, Level
from gatekeeper.modules.jurisdictions.operations import department_options

bp = Blueprint("admin_pages", __name__, url_prefix="/admin")

_MISSING = object()


def _lookup(body: dict, dotted: str) -> Any:
    value: Any = body
    for key in dotted.split("."):
        if not isinstance(value, dict) or key not in value:
            return _MISSING
        value = value[key]
    return value


def _put(body: dict, dotted: str, value: Any) -> None:
    keys = dotted.split(".")
    for key in keys[:-1]:
        body = body.setdefault(key, {})
    body[keys[-1]] = value


@dataclass
class AdminForm(PageForm):
    """A page form whose empty fields may clear a value, and whose named conflicts show by the field."""

    blanks: dict[str, Any] = field(default_factory=dict)

    def body(self) -> dict[str, Any]:
        body = super().body()
        for name, value in self.blanks.items():
            if _lookup(body, name) is _MISSING:
                _put(body, name, value)
        return body

    def apply(self, run) -> bool:
        def guarded(data):
            try:
                return run(data)
            except Conflict as exc:
                if not exc.fields:
                    raise
                raise ValidationFailed(exc.message, fields=exc.fields) from exc

        return super().apply(guarded)


def decide(check, *objects) -> None:
    """The object-level decision of an action, once the object is loaded (403 when refused)."""
    authorize(check(user(), *objects))


# --- choices ----------------------------------------------------------------------------------


def role_choices() -> list[tuple[str, str]]:
    return options(Role)


def department_choices() -> list[tuple[str, str]]:
    return [(code, f"{name} ({code})") for code, name in department_options()]


def gate_choices() -> list[tuple[str, str]]:
    rows = db.session.execute(sa.select(Gate.code, Gate.name).order_by(Gate.code))
    return [(code, f"{name} ({code})") for code, name in rows]


def level_choices(*levels: Level, within: Jurisdiction | None = None) -> list[tuple[str, str]]:
    """Jurisdictions of the given levels (inside ``within`` when given), as ``(code, "name (code)")``."""
    stmt = sa.select(Jurisdiction.code, Jurisdiction.name).where(Jurisdiction.level.in_(levels))
    if within is not None:
        stmt = stmt.where(Jurisdiction.path.startswith(within.path, autoescape=True))
    rows = db.session.execute(stmt.order_by(Jurisdiction.path))
    return [(code, f"{name} ({code})") for code, name in rows]
