"""Late money for the statistics' page, API and export tests."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from gatekeeper.core import clock
from gatekeeper.modules.funds.models import Allocation
from tests import factories
from tests.factories import TODAY


@pytest.fixture
def late_money(db):
    """An approved duty over LJ01 whose allocations are all late, each due a day earlier than the
    one before and lacking 1,000.01 元 and more: the allocations, most overdue first."""
    with clock.frozen(dt.datetime.combine(TODAY, dt.time(10), tzinfo=clock.timezone())):
        funded = factories.approved()
    allocations = db.scalars(
        sa.select(Allocation)
        .where(Allocation.authorisation_id == funded.authorisation.id)
        .order_by(Allocation.id)
    ).all()
    for i, allocation in enumerate(allocations):
        allocation.amount_fen = 100_001 + i * 100
        allocation.due_date = dt.date(2026, 5, 1) - dt.timedelta(days=i)
    db.flush()
    assert len(allocations) > 2
    return allocations[::-1]
