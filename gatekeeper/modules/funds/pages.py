"""Pages of funds follow duties (费随事转): recording payments (one community, or one amount spread
over all), the community head's receipt (confirm or dispute), the payments of an authorisation, and
the summary of money committed, paid, confirmed, outstanding and overdue.

Confirm and dispute are plain form posts: the community's own page posts to them with a ``next``
address (kept when it is one of ours) and the answer goes back there.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from marshmallow import ValidationError

from gatekeeper.core import clock
from gatekeeper.core.db import contains
from gatekeeper.core.errors import flatten_messages
from gatekeeper.core.money import yuan_grouped
from gatekeeper.core.permissions import authorize, permission, user
from gatekeeper.core.web import (
    NavItem,
    PageForm,
    done,
    form_input,
    list_page,
    safe_next,
)
from gatekeeper.extensions import db
from gatekeeper.modules.accounts.models import Role
from gatekeeper.modules.authorisations.models import Authorisation
from gatekeeper.modules.authorisations.operations import get_by_number
from gatekeeper.modules.authorisations.pages import departments_seen
from gatekeeper.modules.funds import balances, workflow
from gatekeeper.modules.funds import operations as ops
from gatekeeper.modules.funds.documents import load_place
from gatekeeper.modules.funds.models import Allocation, Disbursement, DisbursementState
from gatekeeper.modules.funds.permissions import (
    can_confirm_disbursement,
    can_dispute_disbursement,
    can_filter_funds_summary,
    can_list_allocations,
    can_print_funds_statement,
    can_read_funds_summary,
    can_record_bulk_disbursement,
    can_record_disbursement,
    can_see_allocation,
    can_see_disbursement,
    visible_allocations,
)
from gatekeeper.modules.funds.schemas import DisbursementInputSchema, DisputeSchema, SummaryArgs
from gatekeeper.modules.jurisdictions.models import Department, Jurisdiction

bp = Blueprint("funds_pages", __name__)
PAGES = [bp]
NAV = [
    NavItem(
        "funds_pages.summary",
        _l("Funds"),
        roles=(Role.OFFICER, Role.SECRETARIAT, Role.CHAIR, Role.ADMIN),
        order=60,
    )
]

#: Fields of a posted form that steer the page, not the action (the schema never sees them).
CONTROLS = ("csrf_token", "step", "next")


class ControlledForm(PageForm):
    """A ``PageForm`` whose form also carries page controls (``step``, ``next``)."""

    def body(self):
        return form_input(request.form, money=self.money, ignore=CONTROLS)


def on_allocation(check):
    return permission(check, load=ops.get_allocation, can_see=can_see_allocation)


def on_disbursement(check):
    return permission(check, load=ops.get_disbursement, can_see=can_see_disbursement)


def _payment_form() -> ControlledForm:
    return ControlledForm(
        DisbursementInputSchema(), money=("amount_fen",), initial={"date": clock.today().isoformat()}
    )


def _next_url(default: str) -> str:
    """Where to go after an answer: the form's ``next`` when it is ours, else the page it came from."""
    target = request.form.get("next") or request.args.get("next")
    if target:
        return safe_next(target, default)
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc == request.host and referrer.path != request.path:
        return safe_next(referrer.path + (f"?{referrer.query}" if referrer.query else ""), default)
    return default


# --- paying ----------------------------------------------------------------------------------------


@bp.route("/allocations/<int:allocation_id>/disburse", methods=["GET", "POST"])
@on_allocation(can_record_disbursement)
def disburse(allocation):
    """Record money paid to one community; more than it still lacks is refused beside the amount."""
    authorisation = ops.authorisation_of(allocation)
    form = _payment_form()
    if form.apply(
        lambda d: ops.record_disbursement(
            allocation, d["amount_fen"], d["date"], d["reference"], actor=user()
        )
    ):
        return done(
            _(
                "Payment to %(community)s recorded; its head is asked to confirm receipt.",
                community=allocation.community.name,
            ),
            "authorisations_pages.detail",
            number=authorisation.number,
        )
    history = db.session.scalars(
        sa.select(Disbursement)
        .where(Disbursement.allocation_id == allocation.id)
        .order_by(Disbursement.paid_on.desc(), Disbursement.id.desc())
    ).all()
    return form.render(
        "funds/disburse.html",
        allocation=allocation,
        a=authorisation,
        history=history,
        payable=ops.payable(authorisation, allocation),
        overdue=balances.funds_overdue(allocation),
        answers=workflow.allowed_actions,
    )


@bp.route("/authorisations/<number>/disburse", methods=["GET", "POST"])
@permission(can_record_bulk_disbursement, load=get_by_number, can_see=can_list_allocations)
def disburse_bulk(authorisation):
    """One amount for every community, spread by what each still lacks; previewed before recording."""
    form = _payment_form()
    previewing = request.form.get("step") == "preview"
    if previewing:
        form.apply(lambda d: ops.preview_bulk(authorisation, d["amount_fen"], d["date"], d["reference"]))
    elif form.apply(
        lambda d: ops.record_bulk(authorisation, d["amount_fen"], d["date"], d["reference"], actor=user())
    ):
        return done(
            _paid_message(len(form.result)), "authorisations_pages.detail", number=authorisation.number
        )
    totals = db.session.execute(
        sa.select(
            balances.total(balances.lacking()).label("outstanding_fen"),
            balances.total(sa.case((balances.lacking() > 0, 1), else_=0)).label("lacking"),
            balances.total(sa.case((balances.overdue_condition(), balances.lacking()), else_=0)).label(
                "overdue_fen"
            ),
        ).where(Allocation.authorisation_id == authorisation.id)
    ).one()
    return form.render(
        "funds/disburse_bulk.html",
        a=authorisation,
        totals=totals,
        preview=form.result if previewing and not form.errors else None,
        payable=ops.payable(authorisation),
    )


def _paid_message(count: int) -> str:
    return ngettext(
        "Payment recorded for %(num)s community; its head is asked to confirm receipt.",
        "Payment recorded for %(num)s communities; their heads are asked to confirm receipt.",
        count,
    )


# --- the community's answer ------------------------------------------------------------------------


def _detail_of(disbursement: Disbursement) -> str:
    return url_for("authorisations_pages.detail", number=ops.authorisation_of(disbursement.allocation).number)


@bp.route("/disbursements/<int:disbursement_id>/confirm", methods=["POST"])
@on_disbursement(can_confirm_disbursement)
def confirm(disbursement):
    """The head of the community confirms the money arrived; back to the page it was confirmed from."""
    disbursement = ops.confirm(disbursement, actor=user())
    db.session.commit()
    flash(_("Receipt confirmed: %(amount)s yuan.", amount=yuan_grouped(disbursement.amount_fen)), "success")
    return redirect(_next_url(_detail_of(disbursement)), 303)


@bp.route("/disbursements/<int:disbursement_id>/dispute", methods=["GET", "POST"])
@on_disbursement(can_dispute_disbursement)
def dispute(disbursement):
    """The head says the money did not arrive (reason required); the department is told."""
    form = ControlledForm(DisputeSchema())
    if form.apply(lambda d: ops.dispute(disbursement, d["reason"], actor=user())):
        db.session.commit()
        flash(_("The payment is disputed; the department has been told."), "success")
        return redirect(_next_url(_detail_of(disbursement)), 303)
    return form.render(
        "funds/dispute.html",
        d=disbursement,
        a=ops.authorisation_of(disbursement.allocation),
        disputable=workflow.allowed("dispute", disbursement.state),
        next_url=_next_url(_detail_of(disbursement)),
    )


# --- the payments of an authorisation ---------------------------------------------------------------

PAYMENT_SORTS = {
    "recorded": (Disbursement.recorded_at, Disbursement.id),
    "paid_on": (Disbursement.paid_on, Disbursement.id),
    "amount": (Disbursement.amount_fen, Disbursement.id),
    "community": (Jurisdiction.code, Disbursement.id),
    "state": (Disbursement.state, Disbursement.id),
}


@bp.route("/authorisations/<number>/payments")
@permission(can_list_allocations, load=get_by_number, can_see=can_list_allocations)
def payments(authorisation):
    """Every payment of an authorisation with its receipt: filter by state or community."""
    stmt = (
        sa.select(Disbursement)
        .join(Allocation, Allocation.id == Disbursement.allocation_id)
        .join(Jurisdiction, Jurisdiction.id == Allocation.community_id)
        .where(Allocation.authorisation_id == authorisation.id)
    )
    state = request.args.get("state", "")
    if state in {s.value for s in DisbursementState}:
        stmt = stmt.where(Disbursement.state == DisbursementState(state))
    community = request.args.get("community", "").strip()
    if community:
        stmt = stmt.where(contains(community, Jurisdiction.code, Jurisdiction.name))
    listing = list_page(stmt, sorts=PAYMENT_SORTS, default_sort="-recorded", keep=("state", "community"))
    return render_template(
        "funds/payments.html",
        a=authorisation,
        listing=listing,
        payments=listing.items,
        states=list(DisbursementState),
        filters={"state": state, "community": community},
        answers=workflow.allowed_actions,
    )


# --- the summary ---------------------------------------------------------------------------------

#: What the summary's table groups by: the columns shown beside the money, and the keys to sort by.
GROUPINGS = ("department", "community", "authorisation")
MONEY_KEYS = ("allocated_fen", "disbursed_fen", "confirmed_fen", "outstanding_fen", "overdue_fen")


def _grouped(by: str, criteria: list) -> tuple[sa.Select, dict, str]:
    """The balances grouped ``by`` department, community or authorisation; its sorts; default sort."""
    money = balances.balance_columns()
    sorts = {column.name: (column,) for column in money if column.name in MONEY_KEYS}
    base = (
        sa.select(*money)
        .select_from(Allocation)
        .join(Authorisation, Authorisation.id == Allocation.authorisation_id)
        .where(balances.where_the_money_is(), *criteria)
    )
    if by == "community":
        stmt = base.add_columns(Jurisdiction.code, Jurisdiction.name).join(
            Jurisdiction, Jurisdiction.id == Allocation.community_id
        )
        stmt = stmt.group_by(Jurisdiction.code, Jurisdiction.name)
        sorts |= {"code": (Jurisdiction.code,), "name": (Jurisdiction.name, Jurisdiction.code)}
        return stmt, sorts, "code"
    if by == "authorisation":
        shown = (
            Authorisation.number,
            Authorisation.title,
            Authorisation.status,
            Authorisation.valid_from,
            Authorisation.valid_to,
        )
        stmt = base.add_columns(*shown).group_by(*shown)
        sorts |= {"code": (Authorisation.number,), "name": (Authorisation.title, Authorisation.number)}
        return stmt, sorts, "-code"
    stmt = base.add_columns(Department.code, Department.name).join(
        Department, Department.id == Authorisation.department_id
    )
    stmt = stmt.group_by(Department.code, Department.name)
    sorts |= {"code": (Department.code,), "name": (Department.name, Department.code)}
    return stmt, sorts, "code"


SUMMARY_FILTERS = ("department", "community", "year", "authorisation")


def _statement(actor, filters: dict) -> dict | None:
    """The funds statement the summary offers: of the department or community filtered on, else of the
    officer's department or the head's community; for the year filtered on, else this year. ``None``
    when the user may not print it."""
    candidates = [
        (
            "department",
            load_place({"department": filters["department"]}) if filters.get("department") else None,
        ),
        ("community", load_place({"community": filters["community"]}) if filters.get("community") else None),
        ("department", actor.department if actor.role == Role.OFFICER else None),
        ("community", actor.jurisdiction if actor.role == Role.COMMUNITY_HEAD else None),
    ]
    for kind, place in candidates:
        if place is not None and can_print_funds_statement(actor, place):
            return {"kind": kind, "place": place, "year": filters.get("year") or clock.today().year}
    return None


@bp.route("/funds")
@permission(can_read_funds_summary)
def summary():
    """Money committed, paid, confirmed, outstanding and overdue: in total, then by department,
    community or authorisation (``?by=``), over the user's own part; a filter outside it is 403."""
    actor = user()
    by = request.args.get("by") if request.args.get("by") in GROUPINGS else "department"
    given = {k: request.args[k].strip() for k in SUMMARY_FILTERS if request.args.get(k, "").strip()}
    errors: dict = {}
    try:
        filters = SummaryArgs().load(given)
    except ValidationError as exc:
        errors, filters = flatten_messages(exc.messages), {}
    authorize(can_filter_funds_summary(actor, filters))
    criteria = [visible_allocations(actor), *balances.summary_criteria(**filters)]
    stmt, sorts, default_sort = _grouped(by, criteria)
    listing = list_page(
        stmt, sorts=sorts, default_sort=default_sort, keep=("by", *SUMMARY_FILTERS), rows=True
    )
    totals = db.session.execute(
        sa.select(*balances.balance_columns())
        .select_from(Allocation)
        .join(Authorisation, Authorisation.id == Allocation.authorisation_id)
        .where(balances.where_the_money_is(), *criteria)
    ).one()
    page = render_template(
        "funds/summary.html",
        statement=_statement(actor, filters),
        by=by,
        listing=listing,
        totals=totals,
        filters={k: request.args.get(k, "") for k in SUMMARY_FILTERS},
        errors=errors,
        departments=departments_seen(actor),
    )
    return page, 422 if errors else 200
