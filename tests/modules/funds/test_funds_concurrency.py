"""Races on PostgreSQL, with real commits and threads: payments against one allocation at the same
moment never pay more than its amount, and the refused ones are told why (422), never a 500."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from gatekeeper.core import clock
from gatekeeper.extensions import db
from gatekeeper.modules.funds.models import Allocation, Disbursement
from gatekeeper.modules.jurisdictions.models import Jurisdiction
from tests import factories, support
from tests.conftest import PG_URL

pytestmark = pytest.mark.skipif(not PG_URL, reason="concurrency is tested on PostgreSQL")

THREADS = 8


@pytest.fixture(scope="module")
def committed_app(tmp_path_factory):
    yield from support.committed_app(tmp_path_factory, "funds_race")


def _allocation(app, title: str) -> tuple[int, int, str]:
    """A fresh approval over LJ01 (committed): LJ0101's allocation id, its amount, the number."""
    with app.app_context(), clock.frozen(factories.TODAY):
        authorisation = factories.approved(title=title).authorisation
        allocation = db.session.scalar(
            sa.select(Allocation)
            .join(Jurisdiction, Jurisdiction.id == Allocation.community_id)
            .where(Allocation.authorisation_id == authorisation.id, Jurisdiction.code == "LJ0101")
        )
        return allocation.id, allocation.amount_fen, authorisation.number


def _paid(app, allocation_id: int) -> tuple[int, int]:
    with app.app_context():
        allocation = db.session.get(Allocation, allocation_id)
        recorded = db.session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(Disbursement.amount_fen), 0)).where(
                Disbursement.allocation_id == allocation_id
            )
        )
        db.session.remove()
        return allocation.disbursed_fen, int(recorded)


def test_simultaneous_payments_never_over_pay(committed_app):
    officer = support.token(committed_app, "officer")
    for attempt in range(3):
        allocation_id, amount, _number = _allocation(
            committed_app, f"协助开展传染病防控和健康教育（第{attempt}批）"
        )
        share = amount // 3 + 1  # three would pay more than the amount: at most two fit
        url = f"/api/v1/allocations/{allocation_id}/disbursements"
        body = {"amount_fen": share, "date": factories.TODAY.isoformat(), "reference": "并发拨付"}
        results = support.race(committed_app, [(officer, url, body)] * THREADS)
        codes = sorted(code for code, _body in results)
        assert codes == [201, 201] + [422] * (THREADS - 2), results
        assert {b["error"]["code"] for code, b in results if code == 422} == {"over_payment"}
        disbursed, recorded = _paid(committed_app, allocation_id)
        assert disbursed == recorded == 2 * share <= amount


def test_simultaneous_bulk_and_single_payments_never_over_pay(committed_app):
    officer = support.token(committed_app, "officer")
    allocation_id, amount, number = _allocation(committed_app, "协助开展传染病防控和健康教育（批量）")
    single = {"amount_fen": amount, "date": factories.TODAY.isoformat(), "reference": "单笔"}
    with committed_app.app_context():
        outstanding = db.session.scalar(
            sa.select(sa.func.sum(Allocation.amount_fen)).where(
                Allocation.authorisation_id == db.session.get(Allocation, allocation_id).authorisation_id
            )
        )
        db.session.remove()
    bulk = {"amount_fen": int(outstanding), "date": factories.TODAY.isoformat(), "reference": "批量"}
    calls = [(officer, f"/api/v1/allocations/{allocation_id}/disbursements", single)] * 3
    calls += [(officer, f"/api/v1/authorisations/{number}/disbursements", bulk)] * 3
    results = support.race(committed_app, calls)
    codes = [code for code, _body in results]
    assert codes.count(201) == 1 and codes.count(422) == 5, results
    disbursed, recorded = _paid(committed_app, allocation_id)
    assert disbursed == recorded == amount
