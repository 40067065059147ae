"""The administrator's pages (系统管理): an overview with what needs attention, users and roles,
departments, the jurisdiction tree, gate settings, the official calendar. Every page is the admin's
only; each action decides with the permission of the feature it changes and calls that feature's
operation (the same the API calls)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from gatekeeper.core import clock
from gatekeeper.core.permissions import permission
from gatekeeper.core.web import NavItem
from gatekeeper.extensions import db
from gatekeeper.modules.accounts.models import GATE_ROLES, Role, User
from gatekeeper.modules.admin import places, settings, users  # noqa: F401  (their routes join bp)
from gatekeeper.modules.admin.blueprint import bp
from gatekeeper.modules.admin.permissions import can_administer
from gatekeeper.modules.jurisdictions.models import Department, Gate, Jurisdiction, Level
from gatekeeper.modules.jurisdictions.operations import loaded_years

PAGES = [bp]
#: One entry in the main menu; the sections of the administration are tabs on its pages.
NAV = [NavItem("admin_pages.home", _l("Administration"), roles=(Role.ADMIN,), order=90)]
HOME = {Role.ADMIN: "admin_pages.home"}

#: Fewer voting seats than this and a committee cannot decide without someone approving nearly alone.
MIN_VOTING_SEATS = 3


def _warnings(years: list[int], gates: list[Gate], seats: dict) -> list[tuple[str, str, str | None]]:
    """What needs the admin's attention: (tone, text, endpoint of the page that fixes it)."""
    found = []
    this_year = clock.today().year
    if this_year not in years:
        found.append(
            (
                "bad",
                _(
                    "The calendar has no data for %(year)s: deadlines count Monday to Friday only.",
                    year=this_year,
                ),
                "admin_pages.calendar",
            )
        )
    if this_year + 1 not in years:
        found.append(
            (
                "attention",
                _(
                    "The calendar has no data for next year (%(year)s): load it when the State Council "
                    "publishes its notice.",
                    year=this_year + 1,
                ),
                "admin_pages.calendar",
            )
        )
    for gate in gates:
        held = seats.get(gate.id, {})
        if not held.get(Role.CHAIR):
            found.append(("bad", _("%(gate)s has no active chair.", gate=gate.name), "admin_pages.users"))
        if not held.get(Role.SECRETARIAT):
            found.append(
                ("bad", _("%(gate)s has no active committee office.", gate=gate.name), "admin_pages.users")
            )
        voting = held.get(Role.CHAIR, 0) + held.get(Role.MEMBER, 0)
        if voting < MIN_VOTING_SEATS:
            found.append(
                (
                    "attention",
                    _("%(gate)s has only %(count)s voting members.", gate=gate.name, count=voting),
                    "admin_pages.users",
                )
            )
    return found


@bp.route("/")
@permission(can_administer)
def home():
    """The overview: counts of users (by role, active or disabled), departments, streets, communities
    and gates, and what needs attention."""
    by_role: dict = {}
    for role, active, count in db.session.execute(
        sa.select(User.role, User.active, sa.func.count(User.id)).group_by(User.role, User.active)
    ):
        by_role.setdefault(role, [0, 0])[0 if active else 1] += count
    levels = dict(
        db.session.execute(
            sa.select(Jurisdiction.level, sa.func.count(Jurisdiction.id)).group_by(Jurisdiction.level)
        ).all()
    )
    departments = db.session.scalar(sa.select(sa.func.count(Department.id)))
    gates = db.session.scalars(sa.select(Gate).order_by(Gate.code)).all()
    seats: dict = {}
    for gate_id, role, count in db.session.execute(
        sa.select(User.gate_id, User.role, sa.func.count(User.id))
        .where(User.active, User.role.in_(GATE_ROLES))
        .group_by(User.gate_id, User.role)
    ):
        seats.setdefault(gate_id, {})[role] = count
    years = loaded_years()
    return render_template(
        "admin/home.html",
        by_role=[(role, *by_role.get(role, (0, 0))) for role in Role],
        active_users=sum(a for a, _d in by_role.values()),
        disabled_users=sum(d for _a, d in by_role.values()),
        departments=departments,
        streets=levels.get(Level.STREET, 0),
        communities=levels.get(Level.COMMUNITY, 0),
        gates=gates,
        years=years,
        warnings=_warnings(years, gates, seats),
    )
