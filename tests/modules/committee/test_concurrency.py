"""Races on PostgreSQL, with real commits and threads: one decision per request, one number each."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from gatekeeper.extensions import db
from gatekeeper.modules.authorisations.models import Authorisation
from gatekeeper.modules.committee.models import Decision
from tests import factories, support
from tests.conftest import PG_URL

pytestmark = pytest.mark.skipif(not PG_URL, reason="concurrency is tested on PostgreSQL")


@pytest.fixture(scope="module")
def committed_app(tmp_path_factory):
    yield from support.committed_app(tmp_path_factory, "race")


def _codes(app, calls) -> list[int]:
    return [status for status, _body in support.race(app, calls)]


def test_two_simultaneous_decisions_yield_exactly_one(committed_app):
    chair = support.token(committed_app, "chair")
    for _attempt in range(5):
        with committed_app.app_context():
            req_id = factories.voted(factories.in_review()).id
        url = f"/api/v1/requests/{req_id}/decide"
        codes = _codes(
            committed_app, [(chair, url, {"outcome": "approve"}), (chair, url, {"outcome": "approve"})]
        )
        assert sorted(codes) == [200, 409]
        with committed_app.app_context():
            assert db.session.scalar(sa.select(sa.func.count()).where(Decision.request_id == req_id)) == 1
            assert (
                db.session.scalar(sa.select(sa.func.count()).where(Authorisation.request_id == req_id)) == 1
            )


def test_simultaneous_approvals_get_distinct_consecutive_numbers(committed_app):
    chair = support.token(committed_app, "chair")
    with committed_app.app_context():
        ids = [
            factories.voted(factories.in_review(title=f"协助开展传染病防控和健康教育（第{n}批）")).id
            for n in range(4)
        ]
    codes = _codes(
        committed_app, [(chair, f"/api/v1/requests/{i}/decide", {"outcome": "approve"}) for i in ids]
    )
    assert codes == [200] * 4
    with committed_app.app_context():
        numbers = sorted(
            db.session.scalars(sa.select(Authorisation.number).where(Authorisation.request_id.in_(ids)))
        )
        seqs = [int(n.rsplit("-", 1)[1]) for n in numbers]
        assert len(set(numbers)) == 4 and seqs == list(range(seqs[0], seqs[0] + 4))
