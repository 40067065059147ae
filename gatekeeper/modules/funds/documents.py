"""Documents of the money: the funds statement (经费明细) of a department or of a community for a year.

Which money a statement holds
    The allocations whose due date falls in the year (money belongs to the year it is due in, as in
    ``balances``), of the department's authorisations or in the community, among those the reader may
    add up (``permissions.visible_allocations``: a gate's office sees its gate's money only), counted
    once (``balances.where_the_money_is``).

The numbers
    Every line, subtotal and total is computed by the SQL of ``balances.balance_columns``, grouped by
    allocation, by authorisation and not at all: allocated, disbursed (carried over included),
    confirmed, outstanding and overdue follow the definitions written there. A community's statement
    lists the disbursements of each allocation too (whatever their date).
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import sqlalchemy as sa
from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from sqlalchemy.orm import aliased

from gatekeeper.core import clock
from gatekeeper.core.labels import label
from gatekeeper.extensions import db
from gatekeeper.modules.accounts.models import User
from gatekeeper.modules.authorisations.models import Authorisation
from gatekeeper.modules.funds import balances
from gatekeeper.modules.funds.models import Allocation, AllocationState, Disbursement
from gatekeeper.modules.funds.permissions import visible_allocations
from gatekeeper.modules.jurisdictions.models import Department, Jurisdiction, Level
from gatekeeper.modules.jurisdictions.operations import gate_over
from gatekeeper.modules.jurisdictions.schemas import LetterheadPdfSchema

MONEY = ("allocated_fen", "disbursed_fen", "confirmed_fen", "outstanding_fen", "overdue_fen")


class StatementArgs(Schema):
    """``?department=<code>`` or ``?community=<code>`` (exactly one), ``&year=<yyyy>``."""

    department = fields.String(validate=validate.Length(min=1, max=32), metadata={"description": "a code"})
    community = fields.String(validate=validate.Length(min=1, max=32), metadata={"description": "a code"})
    year = fields.Integer(
        validate=validate.Range(min=2000, max=2100),
        metadata={"description": "the year the money is due in; the current year by default"},
    )

    @validates_schema
    def _exactly_one(self, data, **_kwargs):
        given = [name for name in ("department", "community") if data.get(name)]
        if len(given) == 1:
            return
        if given:
            problem = _("give a department or a community, not both")
        else:
            problem = _("give a department or a community")
        raise ValidationError({"department": [problem], "community": [problem]})


def load_place(args: dict) -> Department | Jurisdiction | None:
    """The department or community the statement is of (``None``: no such code)."""
    if args.get("department"):
        return db.session.scalar(sa.select(Department).where(Department.code == args["department"]))
    return db.session.scalar(
        sa.select(Jurisdiction).where(
            Jurisdiction.code == args["community"], Jurisdiction.level == Level.COMMUNITY
        )
    )


@dataclasses.dataclass
class StatementSource:
    place: Department | Jurisdiction
    year: int
    letterhead: dict
    authorisations: list[Authorisation]
    departments: dict[int, str]
    lines: dict[int, list[dict]]  # by authorisation id
    subtotals: dict[int, dict]  # by authorisation id
    totals: dict
    payments: dict[int, list[Disbursement]]  # by allocation id (community statements)
    printed_on: dt.date

    @property
    def of_department(self) -> bool:
        return isinstance(self.place, Department)


def _money(row) -> dict:
    return {key: int(getattr(row, key)) for key in MONEY}


def statement_source(place: Department | Jurisdiction, year: int, *, reader: User) -> StatementSource:
    """What the statement shows: a handful of queries whatever the number of communities."""
    department = isinstance(place, Department)
    criteria = [
        visible_allocations(reader),
        *balances.summary_criteria(
            department=place.code if department else None,
            community=None if department else place.code,
            year=year,
        ),
    ]
    money = balances.balance_columns()
    base = (
        sa.select(*money)
        .select_from(Allocation)
        .join(Authorisation, Authorisation.id == Allocation.authorisation_id)
        .where(balances.where_the_money_is(), *criteria)
    )
    street = aliased(Jurisdiction)
    line_rows = db.session.execute(
        base.add_columns(
            Authorisation.id.label("authorisation_id"),
            Allocation.id.label("allocation_id"),
            Allocation.due_date,
            Allocation.state,
            Jurisdiction.code,
            Jurisdiction.name,
            street.name.label("street_name"),
        )
        .join(Jurisdiction, Jurisdiction.id == Allocation.community_id)
        .outerjoin(street, street.id == Jurisdiction.parent_id)
        .group_by(
            Authorisation.id,
            Allocation.id,
            Allocation.due_date,
            Allocation.state,
            Jurisdiction.code,
            Jurisdiction.name,
            street.name,
            street.code,
        )
        .order_by(Authorisation.id, street.code, Jurisdiction.code)
    ).all()
    lines: dict[int, list[dict]] = {}
    for row in line_rows:
        lines.setdefault(row.authorisation_id, []).append(
            {
                "allocation_id": row.allocation_id,
                "community_code": row.code,
                "community_name": row.name,
                "street_name": row.street_name or "",
                "due_date": row.due_date,
                "state": row.state,
                **_money(row),
            }
        )
    subtotals = {
        row.authorisation_id: {**_money(row), "allocations": row.allocations}
        for row in db.session.execute(
            base.add_columns(Authorisation.id.label("authorisation_id")).group_by(Authorisation.id)
        )
    }
    totals = balances.balances(*criteria)
    authorisations = list(
        db.session.scalars(
            sa.select(Authorisation).where(Authorisation.id.in_(lines)).order_by(Authorisation.number)
        )
    )
    departments = {
        d.id: d.name
        for d in db.session.scalars(
            sa.select(Department).where(Department.id.in_({a.department_id for a in authorisations}))
        )
    }
    payments: dict[int, list[Disbursement]] = {}
    if not department:
        allocation_ids = [line["allocation_id"] for group in lines.values() for line in group]
        for payment in db.session.scalars(
            sa.select(Disbursement)
            .where(Disbursement.allocation_id.in_(allocation_ids))
            .order_by(Disbursement.paid_on, Disbursement.id)
        ):
            payments.setdefault(payment.allocation_id, []).append(payment)
    return StatementSource(
        place=place,
        year=year,
        letterhead=_letterhead(place, reader),
        authorisations=authorisations,
        departments=departments,
        lines=lines,
        subtotals=subtotals,
        totals=totals,
        payments=payments,
        printed_on=clock.today(),
    )


def _letterhead(place: Department | Jurisdiction, reader: User) -> dict:
    """The gate over the place (the reader's own, for the committee's office), else the place itself."""
    gate = (
        reader.gate
        if reader.gate is not None
        else gate_over(place.jurisdiction if isinstance(place, Department) else place)
    )
    if gate is None:
        return {"issuer": place.name, "committee": "", "escalation_body": "", "gate": "", "gate_code": ""}
    return LetterheadPdfSchema().dump(gate)


# --- dumping ------------------------------------------------------------------------------------


def _line(line: dict, source: StatementSource) -> dict:
    state = line["state"]
    return {
        "community_code": line["community_code"],
        "community_name": line["community_name"],
        "street_name": line["street_name"],
        "due_date": line["due_date"].isoformat(),
        "state": state.value,
        "state_label": label(state) if state != AllocationState.ACTIVE else "",
        "overdue": line["overdue_fen"] > 0,
        **{key: line[key] for key in MONEY},
        "payments": [_payment(p) for p in source.payments.get(line["allocation_id"], [])],
    }


def _payment(payment: Disbursement) -> dict:
    return {
        "paid_on": payment.paid_on.isoformat(),
        "amount_fen": payment.amount_fen,
        "reference": payment.reference,
        "state": payment.state.value,
        "state_label": label(payment.state),
        "dispute_reason": payment.dispute_reason,
    }


def _authorisations(source: StatementSource) -> list[dict]:
    return [
        {
            "number": a.number,
            "title": a.title,
            "department_name": source.departments.get(a.department_id, ""),
            "kind_label": label(a.kind),
            "status": a.status.value,
            "status_label": label(a.status),
            "valid_from": a.valid_from.isoformat(),
            "valid_to": a.valid_to.isoformat(),
            "funding_basis_label": label(a.funding_basis),
            "lines": [_line(line, source) for line in source.lines.get(a.id, [])],
            "subtotal": source.subtotals.get(a.id, {}),
        }
        for a in source.authorisations
    ]


def _place(source: StatementSource) -> dict:
    place = source.place
    if source.of_department:
        return {"kind": "department", "code": place.code, "name": place.name, "street_name": ""}
    return {
        "kind": "community",
        "code": place.code,
        "name": place.name,
        "street_name": place.parent.name if place.parent else "",
        "households": place.households or 0,
        "community_type_label": label(place.community_type),
    }


class FundsStatementPdfSchema(Schema):
    """The funds statement (经费明细) of a department or a community for one year."""

    letterhead = fields.Function(lambda s: s.letterhead)
    reference = fields.Function(lambda s: f"{s.place.code}-{s.year}")
    place = fields.Function(_place)
    year = fields.Function(lambda s: s.year)
    authorisations = fields.Function(_authorisations)
    communities = fields.Function(
        lambda s: len({line["community_code"] for g in s.lines.values() for line in g})
    )
    totals = fields.Function(lambda s: {key: int(s.totals[key]) for key in (*MONEY, "allocations")})
    printed_on = fields.Function(lambda s: s.printed_on.isoformat())


def statement_title(place: Department | Jurisdiction, year: int):
    """The title, in the document's language (called inside its locale)."""
    return lambda: _("Funds statement of %(name)s for %(year)s", name=place.name, year=year)


def statement_filename(place: Department | Jurisdiction, year: int) -> str:
    return f"funds-{place.code}-{year}.pdf"
