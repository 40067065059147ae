"""JSON API of funds follow duties (费随事转): allocations, disbursements, receipts, the summary."""

from __future__ import annotations

import sqlalchemy as sa

from gatekeeper.core import clock
from gatekeeper.core.api import PDF_ANSWER, EmptySchema, PageArgs, blueprint, list_schema, paginate
from gatekeeper.core.errors import NotFound
from gatekeeper.core.pdf import send_document
from gatekeeper.core.permissions import authorize, permission, user
from gatekeeper.extensions import db
from gatekeeper.modules.authorisations.operations import get_by_number
from gatekeeper.modules.funds import balances, documents
from gatekeeper.modules.funds import operations as ops
from gatekeeper.modules.funds.models import Allocation, Disbursement
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
from gatekeeper.modules.funds.schemas import (
    AllocationListArgs,
    AllocationSchema,
    BulkResultSchema,
    DisbursementInputSchema,
    DisbursementSchema,
    DisputeSchema,
    SummaryArgs,
    SummarySchema,
)
from gatekeeper.modules.jurisdictions.models import Jurisdiction

blp = blueprint("funds", "Funds follow duties (费随事转): allocations, disbursements and receipts")
BLUEPRINTS = [blp]


def on_allocation(check):
    return permission(check, load=ops.get_allocation, can_see=can_see_allocation)


def on_disbursement(check):
    return permission(check, load=ops.get_disbursement, can_see=can_see_disbursement)


def numbered(allocation: Allocation) -> Allocation:
    allocation.authorisation_number = ops.authorisation_of(allocation).number
    return allocation


@blp.route("/authorisations/<number>/allocations")
@blp.response(200, list_schema(AllocationSchema))
@permission(can_list_allocations, load=get_by_number, can_see=can_list_allocations)
@blp.arguments(AllocationListArgs, location="query")
def list_allocations(authorisation, args):
    """The allocations of an authorisation, one per community, by community code."""
    stmt = (
        sa.select(Allocation)
        .join(Jurisdiction, Jurisdiction.id == Allocation.community_id)
        .where(Allocation.authorisation_id == authorisation.id)
        .order_by(Jurisdiction.code)
    )
    if args.get("state"):
        stmt = stmt.where(Allocation.state == args["state"])
    if args.get("overdue") is True:
        stmt = stmt.where(balances.overdue_condition())
    page = paginate(stmt, args)
    for item in page["items"]:
        item.authorisation_number = authorisation.number
    return page


@blp.route("/allocations/<int:allocation_id>")
@blp.response(200, AllocationSchema)
@on_allocation(can_see_allocation)
def get_allocation(allocation):
    return numbered(allocation)


@blp.route("/allocations/<int:allocation_id>/disbursements")
@blp.response(200, list_schema(DisbursementSchema))
@on_allocation(can_see_allocation)
@blp.arguments(PageArgs, location="query")
def list_disbursements(allocation, args):
    stmt = (
        sa.select(Disbursement).where(Disbursement.allocation_id == allocation.id).order_by(Disbursement.id)
    )
    return paginate(stmt, args)


@blp.route("/allocations/<int:allocation_id>/disbursements", methods=["POST"])
@blp.response(201, DisbursementSchema)
@on_allocation(can_record_disbursement)
@blp.arguments(DisbursementInputSchema)
def record_disbursement(allocation, data):
    """Record money paid to the community; refused (422 ``over_payment``) beyond what is outstanding."""
    disbursement = ops.record_disbursement(
        allocation, data["amount_fen"], data["date"], data["reference"], actor=user()
    )
    db.session.commit()
    return disbursement


@blp.route("/authorisations/<number>/disbursements", methods=["POST"])
@blp.response(201, BulkResultSchema)
@permission(can_record_bulk_disbursement, load=get_by_number, can_see=can_list_allocations)
@blp.arguments(DisbursementInputSchema)
def record_bulk(authorisation, data):
    """One payment for every community, spread in proportion to what each still lacks."""
    items = ops.record_bulk(authorisation, data["amount_fen"], data["date"], data["reference"], actor=user())
    db.session.commit()
    return {
        "batch": items[0].batch if items else None,
        "amount_fen": data["amount_fen"],
        "total": len(items),
        "items": items,
    }


@blp.route("/disbursements/<int:disbursement_id>")
@blp.response(200, DisbursementSchema)
@on_disbursement(can_see_disbursement)
def get_disbursement(disbursement):
    return disbursement


@blp.route("/disbursements/<int:disbursement_id>/confirm", methods=["POST"])
@blp.response(200, DisbursementSchema)
@on_disbursement(can_confirm_disbursement)
@blp.arguments(EmptySchema)
def confirm(disbursement, _data):
    """The community head confirms the money arrived."""
    disbursement = ops.confirm(disbursement, actor=user())
    db.session.commit()
    return disbursement


@blp.route("/disbursements/<int:disbursement_id>/dispute", methods=["POST"])
@blp.response(200, DisbursementSchema)
@on_disbursement(can_dispute_disbursement)
@blp.arguments(DisputeSchema)
def dispute(disbursement, data):
    """The community head says the money did not arrive (reason required); the department is told."""
    disbursement = ops.dispute(disbursement, data["reason"], actor=user())
    db.session.commit()
    return disbursement


@blp.route("/funds/summary")
@blp.response(200, SummarySchema)
@permission(can_read_funds_summary)
@blp.arguments(SummaryArgs, location="query")
def summary(args):
    """Allocated, disbursed, confirmed, outstanding and overdue money: in total, per department and
    per community, over the caller's own part (``year`` is the year of the due date)."""
    actor = user()
    authorize(can_filter_funds_summary(actor, args))
    answer = balances.summary(visible_allocations(actor), *balances.summary_criteria(**args))
    answer["filters"] = dict(args)
    return answer


@blp.route("/funds/statement.pdf")
@blp.doc(**PDF_ANSWER)
@permission(can_read_funds_summary)
@blp.arguments(documents.StatementArgs, location="query")
def statement_pdf(args):
    """The funds statement (经费明细) of a department (``?department=``) or a community (``?community=``),
    exactly one, for ``year`` (the current year by default): the allocations due in that year, per
    authorisation and community, with subtotals and totals; a community's lists its payments. 404 for
    an unknown code, 403 for a department or community outside one's part."""
    place = documents.load_place(args)
    if place is None:
        raise NotFound()
    authorize(can_print_funds_statement(user(), place))
    year = args.get("year") or clock.today().year
    return send_document(
        "funds_statement",
        documents.FundsStatementPdfSchema(),
        documents.statement_source(place, year, reader=user()),
        title=documents.statement_title(place, year),
        filename=documents.statement_filename(place, year),
    )
