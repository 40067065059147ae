"""Pages of authorisations (准入许可): the list each user may see, one authorisation with its
communities and their money, its QR code, and revocation.

Visibility is the API's (``visible_authorisations``); the status shown is the live one (an
authorisation past its last day is shown expired before the ``expire`` command records it). Money is
summed in SQL for a whole page at once, never with a query per row.
"""

from __future__ import annotations

import io

import segno
import sqlalchemy as sa
from flask import Blueprint, make_response, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from gatekeeper.core import clock
from gatekeeper.core.db import contains
from gatekeeper.core.permissions import Denied, permission, user
from gatekeeper.core.web import NavItem, PageForm, done, enum_arg, list_page
from gatekeeper.extensions import db
from gatekeeper.modules.accounts.models import Role
from gatekeeper.modules.authorisations import lifecycle
from gatekeeper.modules.authorisations import operations as ops
from gatekeeper.modules.authorisations.api import RevokeSchema
from gatekeeper.modules.authorisations.models import (
    Authorisation,
    AuthorisationCommunity,
    AuthorisationStatus,
)
from gatekeeper.modules.authorisations.permissions import (
    can_list_authorisations,
    can_revoke,
    can_see_authorisation,
    visible_authorisations,
)
from gatekeeper.modules.catalogue.models import Kind
from gatekeeper.modules.funds import balances
from gatekeeper.modules.funds import operations as funds_ops
from gatekeeper.modules.funds import workflow as funds_workflow
from gatekeeper.modules.funds.models import Allocation, Disbursement, DisbursementState
from gatekeeper.modules.jurisdictions.models import Department, Jurisdiction
from gatekeeper.modules.verification.operations import live_status

bp = Blueprint("authorisations_pages", __name__)
PAGES = [bp]
NAV = [NavItem("authorisations_pages.index", _l("Authorisations"), roles=tuple(Role), order=50)]

SORTS = {
    "issued": (Authorisation.issued_at, Authorisation.id),
    "number": Authorisation.number,
    "title": (Authorisation.title, Authorisation.number),
    "valid_from": (Authorisation.valid_from, Authorisation.number),
    "valid_to": (Authorisation.valid_to, Authorisation.number),
    "status": (Authorisation.status, Authorisation.valid_to, Authorisation.number),
    "department": (Department.code, Authorisation.number),
}
FILTERS = ("status", "kind", "department", "community", "q")
#: The communities of one authorisation: sortable by place and by money.
SCOPE_SORTS = {
    "community": Jurisdiction.code,
    "name": (Jurisdiction.name, Jurisdiction.code),
    "amount": (Allocation.amount_fen, Jurisdiction.code),
    "paid": (balances.paid(), Jurisdiction.code),
    "confirmed": (Allocation.confirmed_fen, Jurisdiction.code),
    "outstanding": (balances.lacking(), Jurisdiction.code),
    "due": (Allocation.due_date, Jurisdiction.code),
}
#: How many recent payments the page of an authorisation shows (the rest on the payments page).
LATEST_PAYMENTS = 10


def on_authorisation(check):
    """Load the authorisation by number (404 unless the user may see it), then decide ``check``."""
    return permission(check, load=ops.get_by_number, can_see=can_see_authorisation)


@bp.app_template_global()
def authorisation_status(authorisation: Authorisation) -> AuthorisationStatus:
    """The live status, for badges on any page (an active one past its last day shows expired)."""
    return live_status(authorisation, clock.today())[0]


# --- the list ------------------------------------------------------------------------------------


def _listing_statement(actor, args) -> sa.Select:
    stmt = (
        sa.select(Authorisation)
        .join(Department, Department.id == Authorisation.department_id)
        .where(visible_authorisations(actor))
    )
    status = enum_arg(AuthorisationStatus, args.get("status"))
    if status:
        stmt = stmt.where(ops.live_status_condition(status, clock.today()))
    kind = enum_arg(Kind, args.get("kind"))
    if kind:
        stmt = stmt.where(Authorisation.kind == kind)
    if args.get("department"):
        stmt = stmt.where(Department.code == args["department"])
    community = (args.get("community") or "").strip()
    if community:
        stmt = stmt.where(
            sa.exists()
            .where(
                AuthorisationCommunity.authorisation_id == Authorisation.id,
                AuthorisationCommunity.community_id == Jurisdiction.id,
            )
            .where(sa.or_(Jurisdiction.code == community, contains(community, Jurisdiction.name)))
        )
    q = (args.get("q") or "").strip()
    if q:
        stmt = stmt.where(contains(q, Authorisation.number, Authorisation.title))
    return stmt


def money_by_authorisation(ids: list[int]) -> dict[int, dict]:
    """Allocated, paid, confirmed, outstanding and overdue money of each authorisation: one GROUP BY."""
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(Allocation.authorisation_id, *balances.balance_columns())
        .where(Allocation.authorisation_id.in_(ids))
        .group_by(Allocation.authorisation_id)
    )
    return {row.authorisation_id: row._mapping for row in rows}


def departments_seen(actor) -> list[tuple[str, str]]:
    """The departments whose authorisations ``actor`` may see (for the filter): code and name."""
    seen = sa.select(Authorisation.department_id).where(visible_authorisations(actor))
    return [
        tuple(row)
        for row in db.session.execute(
            sa.select(Department.code, Department.name)
            .where(Department.id.in_(seen))
            .order_by(Department.code)
        )
    ]


@bp.route("/authorisations")
@permission(can_list_authorisations)
def index():
    """The authorisations the user may see, filtered, sorted and paginated, with their money."""
    actor = user()
    listing = list_page(
        _listing_statement(actor, request.args), sorts=SORTS, default_sort="-issued", keep=FILTERS
    )
    return render_template(
        "authorisations/index.html",
        listing=listing,
        sums=money_by_authorisation([a.id for a in listing.items]),
        departments=departments_seen(actor),
        filters={name: request.args.get(name, "") for name in FILTERS},
        statuses=list(AuthorisationStatus),
        kinds=list(Kind),
    )


# --- one authorisation ---------------------------------------------------------------------------


def _scope_statement(authorisation: Authorisation, args) -> sa.Select:
    """The communities of the scope, each with its allocation (none when no money follows)."""
    stmt = (
        sa.select(Jurisdiction)
        .join(AuthorisationCommunity, AuthorisationCommunity.community_id == Jurisdiction.id)
        .outerjoin(
            Allocation,
            sa.and_(
                Allocation.authorisation_id == authorisation.id, Allocation.community_id == Jurisdiction.id
            ),
        )
        .where(AuthorisationCommunity.authorisation_id == authorisation.id)
    )
    q = (args.get("q") or "").strip()
    if q:
        stmt = stmt.where(contains(q, Jurisdiction.code, Jurisdiction.name))
    if args.get("overdue") == "1":
        stmt = stmt.where(balances.overdue_condition())
    return stmt


def allocations_at(authorisation: Authorisation, community_ids: list[int]) -> dict[int, Allocation]:
    """The allocations of ``authorisation`` in these communities, by community id: one query."""
    if not community_ids:
        return {}
    rows = db.session.scalars(
        sa.select(Allocation).where(
            Allocation.authorisation_id == authorisation.id, Allocation.community_id.in_(community_ids)
        )
    )
    return {allocation.community_id: allocation for allocation in rows}


def totals_of(authorisation: Authorisation) -> dict:
    """The money of the whole authorisation (its own allocations), and how many communities still
    lack some: one query."""
    row = db.session.execute(
        sa.select(
            *balances.balance_columns(),
            balances.total(sa.case((balances.lacking() > 0, 1), else_=0)).label("lacking_communities"),
        ).where(Allocation.authorisation_id == authorisation.id)
    ).one()
    return row._mapping


def payments_of(authorisation: Authorisation, community_id: int | None = None):
    """The latest payments and the count of each state (of one community when given): two queries."""
    criteria = [Allocation.authorisation_id == authorisation.id]
    if community_id is not None:
        criteria.append(Allocation.community_id == community_id)
    latest = db.session.scalars(
        sa.select(Disbursement)
        .join(Allocation, Allocation.id == Disbursement.allocation_id)
        .where(*criteria)
        .order_by(Disbursement.recorded_at.desc(), Disbursement.id.desc())
        .limit(LATEST_PAYMENTS)
    ).all()
    counts = dict(
        db.session.execute(
            sa.select(Disbursement.state, sa.func.count())
            .join(Allocation, Allocation.id == Disbursement.allocation_id)
            .where(*criteria)
            .group_by(Disbursement.state)
        ).all()
    )
    return latest, {state: counts.get(state, 0) for state in DisbursementState}


def revocable(authorisation: Authorisation) -> bool:
    """Whether its status still allows a revocation (the lifecycle's transitions decide)."""
    return authorisation.status in lifecycle.TRANSITIONS["revoke"][0]


@bp.route("/authorisations/<number>")
@on_authorisation(can_see_authorisation)
def detail(authorisation):
    """One authorisation: what it allows, where, until when, with its money and QR code."""
    actor = user()
    scope = list_page(
        _scope_statement(authorisation, request.args),
        sorts=SCOPE_SORTS,
        default_sort="community",
        keep=("q", "overdue"),
    )
    status, not_yet_valid = live_status(authorisation, clock.today())
    own_community = actor.jurisdiction_id if actor.role == Role.COMMUNITY_HEAD else None
    latest, payment_counts = payments_of(authorisation, own_community)
    refusal = can_revoke(actor, authorisation)
    return render_template(
        "authorisations/detail.html",
        a=authorisation,
        status=status,
        not_yet_valid=not_yet_valid,
        scope=scope,
        allocations=allocations_at(authorisation, [c.id for c in scope.items]),
        totals=totals_of(authorisation),
        latest_payments=latest,
        payment_counts=payment_counts,
        own_community=own_community,
        replaces=ops.replaced_number(authorisation),
        verification_code=ops.verification_code(authorisation.number),
        verification_url=ops.verification_url(authorisation.number),
        revocable=revocable(authorisation),
        revoke_refusal=refusal.message if isinstance(refusal, Denied) else None,
        payable=funds_ops.payable,
        overdue=balances.funds_overdue,
        answers=funds_workflow.allowed_actions,
        in_force=status == AuthorisationStatus.ACTIVE,
    )


@bp.route("/authorisations/<number>/qr.svg")
@on_authorisation(can_see_authorisation)
def qr(authorisation):
    """The QR code of the public verification address, as an SVG image (``?download=1`` to save it)."""
    svg = io.BytesIO()
    segno.make(ops.verification_url(authorisation.number), error="m").save(
        svg,
        kind="svg",
        scale=4,
        border=2,
        xmldecl=False,
        dark="#000",
        light="#fff",
        svgclass=None,
        lineclass=None,
        title=authorisation.number,
    )
    response = make_response(svg.getvalue())
    response.mimetype = "image/svg+xml"
    response.headers["Cache-Control"] = "private, no-store"
    if request.args.get("download") == "1":
        response.headers["Content-Disposition"] = f'attachment; filename="{authorisation.number}-qr.svg"'
    return response


@bp.route("/authorisations/<number>/revoke", methods=["GET", "POST"])
@on_authorisation(can_revoke)
def revoke(authorisation):
    """Revoke (reason required): it ends for every community at once, money unpaid is cancelled."""
    form = PageForm(RevokeSchema())
    if form.apply(lambda d: lifecycle.revoke(authorisation, d["reason"], actor=user())):
        return done(
            _("Authorisation %(number)s was revoked.", number=authorisation.number),
            "authorisations_pages.detail",
            number=authorisation.number,
        )
    return form.render(
        "authorisations/revoke.html",
        a=authorisation,
        totals=totals_of(authorisation),
        revocable=revocable(authorisation),
    )
