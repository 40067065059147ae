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
