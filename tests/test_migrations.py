"""The schema is made only by the migrations, and they agree with the models."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from gatekeeper.extensions import db
from tests.conftest import build_app, make_database


def test_models_and_migrations_agree(app):
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "compare_server_default": True}
        )
        differences = compare_metadata(context, db.metadata)
    assert differences == [], "models and migrations differ; generate a migration"


def test_downgrade_to_nothing_and_back(backend, tmp_path_factory):
    url, drop = make_database(backend, tmp_path_factory, "mig")
    app = build_app(url)
    try:
        with app.app_context():
            upgrade()
            assert "admission_requests" in sa.inspect(db.engine).get_table_names()
            downgrade(revision="base")
            assert sa.inspect(db.engine).get_table_names() == ["alembic_version"]
            upgrade()
            assert "audit_entries" in sa.inspect(db.engine).get_table_names()
            db.session.remove()
            db.engine.dispose()
    finally:
        drop()


def test_0007_fills_the_money_sums_and_the_decision_rounds_from_what_is_there(backend, tmp_path_factory):
    """Money paid and carried by a variation, and decisions, made before 0007: going back to 0006 and
    up again fills ``carried_forward``, ``allocation_sums`` and the rounds' times as the app wrote them."""
    from gatekeeper.core import clock
    from gatekeeper.modules.authorisations.models import AuthorisationStatus
    from gatekeeper.modules.funds import operations as funds_ops
    from gatekeeper.modules.funds.models import Allocation, AllocationSum
    from gatekeeper.modules.requests.models import RequestEvent
    from tests import factories
    from tests.conftest import prepare

    def snapshot():
        db.session.expire_all()
        sums = {
            tuple(row) for row in db.session.execute(sa.select(*AllocationSum.__table__.c)) if any(row[2:])
        }
        carried = set(db.session.scalars(sa.select(Allocation.id).where(Allocation.carried_forward)))
        rounds = set(
            db.session.execute(
                sa.select(
                    RequestEvent.id, RequestEvent.round_submitted_at, RequestEvent.round_accepted_at
                ).where(RequestEvent.action == "decide")
            )
        )
        return sums, carried, rounds

    url, drop = make_database(backend, tmp_path_factory, "fill")
    app = build_app(url)
    prepare(app)
    try:
        with app.app_context(), clock.frozen(factories.TODAY):
            old = factories.approved().authorisation
            first = db.session.scalars(
                sa.select(Allocation).where(Allocation.authorisation_id == old.id)
            ).first()
            funds_ops.record_disbursement(
                first, 1000, factories.TODAY, "拨付-1", actor=factories.user("officer")
            )
            new = factories.approved(
                scope={"type": "communities", "codes": ["LJ0101", "LJ0201"], "community_type": None}
            ).authorisation
            old.status, old.superseded_by_id, old.ended_at = (
                AuthorisationStatus.SUPERSEDED,
                new.id,
                clock.now(),
            )
            funds_ops.carry_over(old, new, actor=factories.user("chair"))
            db.session.commit()
            before = snapshot()
            sums, carried, rounds = before
            assert len(sums) == 2 and len(carried) == 1 and len(rounds) == 2
            assert all(submitted and accepted for _id, submitted, accepted in rounds)

            db.session.remove()  # the migrations lock the tables: no transaction may stay open
            downgrade(revision="0006")
            upgrade()
            assert snapshot() == before
            db.session.remove()
            db.engine.dispose()
    finally:
        drop()
