"""The data of the community pages' tests: authorisations over street LJ01 in every case the pages
distinguish (paid, unpaid and overdue, ending soon, unfunded, elsewhere, revoked), seen on LATER."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from gatekeeper.core import clock
from gatekeeper.extensions import db
from gatekeeper.modules.authorisations import lifecycle
from gatekeeper.modules.authorisations.models import Authorisation
from gatekeeper.modules.funds import operations as funds_ops
from gatekeeper.modules.funds.models import Allocation, Disbursement
from gatekeeper.modules.jurisdictions.models import Jurisdiction
from gatekeeper.modules.jurisdictions.operations import update_gate
from tests import factories
from tests.factories import TODAY, user

#: The day the pages are looked at: every item has started; money was due on 8 September (5
#: working days after 1 September).
LATER = dt.date(2026, 9, 10)

UNFUNDED = {
    "kind": "certificate",
    "role": None,
    "catalogue_entry": "PC-005",
    "title": "其他依法依规需要出具的证明事项",
    "demands": {"reports_per_year": 0},
    "funding": {"basis": "none", "amount_fen": 0, "source": ""},
}
LEDGER = {
    "kind": "ledger",
    "role": None,
    "title": "消防安全巡查记录",
    "catalogue_entry": "PL-103",
    "legal_basis": "《中华人民共和国消防法》",
    "funding": {"basis": "per_community", "amount_fen": 20000},
}
LJ02 = {"scope": {"type": "streets", "codes": ["LJ02"], "community_type": None}}


@dataclass
class Items:
    paid: Authorisation  # a duty; LJ0101's money paid in full (recorded, not yet confirmed)
    ending: Authorisation  # a duty ending 20 September; nothing paid (overdue on LATER)
    ledger: Authorisation  # a ledger; LJ0101's money half paid, the payment confirmed (overdue)
    unfunded: Authorisation  # a certificate without money
    elsewhere: Authorisation  # over street LJ02 only
    revoked: Authorisation  # over LJ01, revoked
    payment: Disbursement  # the recorded payment of ``paid`` to LJ0101
    confirmed: Disbursement  # the confirmed payment of ``ledger`` to LJ0101


def community(code: str) -> Jurisdiction:
    return db.session.scalar(sa.select(Jurisdiction).where(Jurisdiction.code == code))


def allocation(authorisation: Authorisation, code: str) -> Allocation:
    return db.session.scalar(
        sa.select(Allocation).where(
            Allocation.authorisation_id == authorisation.id, Allocation.community_id == community(code).id
        )
    )


def make_items(world) -> Items:
    """The authorisations, approved on TODAY through the real operations (committed)."""
    with clock.frozen(TODAY):
        update_gate(world.gate, {"settings": {"funding_due_days": 5}}, actor=user("admin"))
        db.session.commit()
    paid = factories.approved().authorisation
    ending = factories.approved(end_date="2026-09-20").authorisation
    ledger = factories.approved(**LEDGER).authorisation
    unfunded = factories.approved(**UNFUNDED).authorisation
    elsewhere = factories.approved(**LJ02).authorisation
    revoked = factories.approved(title="协助开展爱国卫生运动").authorisation
    with clock.frozen(TODAY):
        lifecycle.revoke(revoked, "群众反映负担重", actor=user("chair"))
        full = allocation(paid, "LJ0101")
        payment = funds_ops.record_disbursement(
            full, full.amount_fen, TODAY, "临财拨-001", actor=user("officer")
        )
        half = allocation(ledger, "LJ0101")
        confirmed = funds_ops.record_disbursement(
            half, half.amount_fen // 2, TODAY, "临财拨-002", actor=user("officer")
        )
        funds_ops.confirm(confirmed, actor=user("head"))
        db.session.commit()
    return Items(paid, ending, ledger, unfunded, elsewhere, revoked, payment, confirmed)
