"""What the community and street pages read: a street's overview, the payments a head has to answer,
the communities of the public index.

The street overview is one query whatever the number of communities and items: the items in force
per community are counted and their money added up in SQL (GROUP BY), and joined to the street's
communities (so a community with nothing in force still has its row of zeros).

Which items and which money
    An item is counted where it is in force now, exactly as the community's own list
    (``authorisations.community.community_view``) shows it: status active and the validity not over
    today. Its money is its allocation in that community: ``allocated`` is the amount, ``paid`` what
    the department recorded as paid (carried over or disbursed), ``confirmed`` what the head confirmed
    as received, ``outstanding`` what is still unpaid, ``overdue`` the part of it past the due date
    (``funds.balances``). The street's numbers therefore add up to what each head's page shows; money
    still owed on items that have ended is in the funds summary, not here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa

from gatekeeper.core import clock
from gatekeeper.core.db import contains
from gatekeeper.extensions import db
from gatekeeper.modules.authorisations.community import EXPIRING_DAYS
from gatekeeper.modules.authorisations.models import (
    Authorisation,
    AuthorisationCommunity,
    AuthorisationStatus,
)
from gatekeeper.modules.catalogue.models import Kind
from gatekeeper.modules.funds.balances import lacking, overdue_condition, paid, total
from gatekeeper.modules.funds.models import Allocation, Disbursement, DisbursementState
from gatekeeper.modules.jurisdictions.models import Department, Gate, Jurisdiction, Level

#: The money columns of a row of the overview, in fen.
MONEY = ("allocated_fen", "paid_fen", "confirmed_fen", "outstanding_fen", "overdue_fen")
#: The counts of a row besides the kinds.
COUNTS = ("items", "expiring", "overdue_items")


def in_force(today: dt.date) -> sa.ColumnElement[bool]:
    """An authorisation in force on ``today`` (as the community's list counts it)."""
    return sa.and_(Authorisation.status == AuthorisationStatus.ACTIVE, Authorisation.valid_to >= today)


@dataclass
class StreetRow:
    """One community of the street: its items in force by kind, their money and their flags."""

    code: str
    name: str
    households: int
    kinds: dict[str, int]
    items: int = 0
    expiring: int = 0
    overdue_items: int = 0
    allocated_fen: int = 0
    paid_fen: int = 0
    confirmed_fen: int = 0
    outstanding_fen: int = 0
    overdue_fen: int = 0

    @property
    def flagged(self) -> bool:
        return bool(self.expiring or self.overdue_items)


@dataclass
class StreetOverview:
    street: Jurisdiction
    as_of: dt.date
    rows: list[StreetRow] = field(default_factory=list)

    @property
    def totals(self) -> StreetRow:
        """The sum of every row (added up from the rows: no further query)."""
        kinds = {kind.value: sum(row.kinds[kind.value] for row in self.rows) for kind in Kind}
        summed = {name: sum(getattr(row, name) for row in self.rows) for name in (*COUNTS, *MONEY)}
        households = sum(row.households for row in self.rows)
        return StreetRow(code="", name="", households=households, kinds=kinds, **summed)


#: Keys the overview may be sorted by, and the column of the query each one means.
STREET_SORTS = ("code", "name", "households", "items", "expiring", "overdue_items", *MONEY)


def _per_community(today: dt.date, communities) -> sa.Select:
    """Per community (of the ``communities`` ids): its items in force counted by kind, their flags
    and their money, grouped in SQL."""
    soon = today + dt.timedelta(days=EXPIRING_DAYS)
    count_if = lambda condition: sa.func.count(sa.case((condition, 1)))  # noqa: E731
    return (
        sa.select(
            AuthorisationCommunity.community_id.label("community_id"),
            sa.func.count(Authorisation.id).label("items"),
            *[count_if(Authorisation.kind == kind).label(f"kind_{kind.value}") for kind in Kind],
            count_if(Authorisation.valid_to <= soon).label("expiring"),
            count_if(overdue_condition()).label("overdue_items"),
            total(Allocation.amount_fen).label("allocated_fen"),
            total(paid()).label("paid_fen"),
            total(Allocation.confirmed_fen).label("confirmed_fen"),
            total(lacking()).label("outstanding_fen"),
            total(sa.case((overdue_condition(), lacking()), else_=0)).label("overdue_fen"),
        )
        .select_from(AuthorisationCommunity)
        .join(Authorisation, Authorisation.id == AuthorisationCommunity.authorisation_id)
        .outerjoin(
            Allocation,
            sa.and_(
                Allocation.authorisation_id == Authorisation.id,
                Allocation.community_id == AuthorisationCommunity.community_id,
                # said again of the allocations, so they are read by community, not all of them
                Allocation.community_id.in_(communities),
            ),
        )
        .where(in_force(today), AuthorisationCommunity.community_id.in_(communities))
        .group_by(AuthorisationCommunity.community_id)
    )


def _row(values, code: str, name: str, households: int) -> StreetRow:
    return StreetRow(
        code=code,
        name=name,
        households=households,
        kinds={kind.value: int(values.get(f"kind_{kind.value}") or 0) for kind in Kind},
        **{name: int(values.get(name) or 0) for name in (*COUNTS, *MONEY)},
    )


def community_summary(community: Jurisdiction) -> StreetRow:
    """One community's items in force counted by kind, with their flags and money: one query."""
    found = db.session.execute(_per_community(clock.today(), [community.id])).first()
    values = dict(found._mapping) if found is not None else {}
    return _row(values, community.code, community.name, community.households or 0)


def items_in_force(community: Jurisdiction, today: dt.date) -> sa.Select:
    """The authorisations in force in ``community`` with their allocation there, as rows of
    ``(Authorisation, Allocation | None)`` (department loaded, for listing and sorting)."""
    return (
        sa.select(Authorisation, Allocation)
        .join(AuthorisationCommunity, AuthorisationCommunity.authorisation_id == Authorisation.id)
        .join(Department, Department.id == Authorisation.department_id)
        .outerjoin(
            Allocation,
            sa.and_(Allocation.authorisation_id == Authorisation.id, Allocation.community_id == community.id),
        )
        .where(AuthorisationCommunity.community_id == community.id, in_force(today))
        .options(
            sa.orm.lazyload("*"),
            sa.orm.contains_eager(Authorisation.department),
            sa.orm.lazyload(Allocation.community),
        )
    )


def departments_in_force(community: Jurisdiction, today: dt.date) -> list[tuple[str, str]]:
    """The departments with an item in force in ``community``, as (code, name), for its filter."""
    return [
        tuple(row)
        for row in db.session.execute(
            sa.select(Department.code, Department.name)
            .join(Authorisation, Authorisation.department_id == Department.id)
            .join(AuthorisationCommunity, AuthorisationCommunity.authorisation_id == Authorisation.id)
            .where(AuthorisationCommunity.community_id == community.id, in_force(today))
            .distinct()
            .order_by(Department.code)
        )
    ]


def street_overview(street: Jurisdiction, *, sort: str = "code") -> StreetOverview:
    """Every community of ``street`` with its items in force counted by kind, their money and flags.

    One query, whatever the number of communities and items. ``sort`` is a key of ``STREET_SORTS``,
    ``-key`` for descending; the community code breaks ties.
    """
    today = clock.today()
    communities = sa.select(Jurisdiction.id).where(
        Jurisdiction.parent_id == street.id, Jurisdiction.level == Level.COMMUNITY
    )
    per_community = _per_community(today, communities).subquery()
    numbers = [column.name for column in per_community.c if column.name != "community_id"]
    columns = {
        "code": Jurisdiction.code,
        "name": Jurisdiction.name,
        "households": sa.func.coalesce(Jurisdiction.households, 0),
        **{name: sa.func.coalesce(per_community.c[name], 0) for name in numbers},
    }
    key = sort.lstrip("-") if sort.lstrip("-") in STREET_SORTS else "code"
    order = columns[key].desc() if sort.startswith("-") else columns[key].asc()
    rows = db.session.execute(
        sa.select(*[column.label(name) for name, column in columns.items()])
        .select_from(Jurisdiction)
        .outerjoin(per_community, per_community.c.community_id == Jurisdiction.id)
        .where(Jurisdiction.id.in_(communities))
        .order_by(order, *([] if key == "code" else [Jurisdiction.code]))
    ).all()
    overview = StreetOverview(street=street, as_of=today)
    for row in rows:
        values = row._mapping
        overview.rows.append(_row(values, values["code"], values["name"], int(values["households"])))
    return overview


def payments_to_answer(
    community: Jurisdiction, *, limit: int | None = None
) -> tuple[list[Disbursement], int]:
    """Payments departments recorded for ``community`` that its head has not confirmed yet (recorded,
    or disputed: a disputed payment may still be confirmed), oldest first, each with the number and
    title of its authorisation and the department; at most ``limit`` of them, and how many there
    are in all. One query (the total is a window count)."""
    rows = db.session.execute(
        sa.select(
            Disbursement,
            Authorisation.number,
            Authorisation.title,
            Department.name,
            sa.func.count().over().label("total"),
        )
        .join(Allocation, Allocation.id == Disbursement.allocation_id)
        .join(Authorisation, Authorisation.id == Allocation.authorisation_id)
        .join(Department, Department.id == Authorisation.department_id)
        .where(
            Allocation.community_id == community.id,
            Disbursement.state.in_([DisbursementState.RECORDED, DisbursementState.DISPUTED]),
        )
        .order_by(Disbursement.paid_on, Disbursement.id)
        .limit(limit)
        .options(
            sa.orm.lazyload(Disbursement.recorded_by),
            sa.orm.lazyload(Disbursement.answered_by),
            sa.orm.defaultload(Disbursement.allocation).lazyload(Allocation.community),
        )
    ).all()
    payments = []
    for disbursement, number, title, department, _total in rows:
        disbursement.authorisation_number = number
        disbursement.authorisation_title = title
        disbursement.department_name = department
        payments.append(disbursement)
    return payments, (rows[0].total if rows else 0)


def under_a_gate() -> sa.ColumnElement[bool]:
    """A ``Jurisdiction`` inside some gate's jurisdiction (its path starts with the gate's, exactly)."""
    holder = sa.orm.aliased(Jurisdiction)
    return sa.exists().where(
        Gate.jurisdiction_id == holder.id,
        sa.func.substr(Jurisdiction.path, 1, sa.func.length(holder.path)) == holder.path,
    )


def public_communities(q: str = "", street: str = "") -> sa.Select:
    """The communities under a gate (the public index), optionally those whose name or code contains
    ``q`` and those of one street (by code)."""
    stmt = sa.select(Jurisdiction).where(Jurisdiction.level == Level.COMMUNITY, under_a_gate())
    if q:
        stmt = stmt.where(contains(q, Jurisdiction.name, Jurisdiction.code))
    if street:
        streets = sa.select(Jurisdiction.id).where(
            Jurisdiction.code == street, Jurisdiction.level == Level.STREET
        )
        stmt = stmt.where(Jurisdiction.parent_id.in_(streets))
    return stmt


def public_streets() -> list[tuple[str, str]]:
    """The streets under a gate: ``(code, name)`` by code, for the public index's filter."""
    rows = db.session.execute(
        sa.select(Jurisdiction.code, Jurisdiction.name)
        .where(Jurisdiction.level == Level.STREET, under_a_gate())
        .order_by(Jurisdiction.code)
    )
    return [(code, name) for code, name in rows]
