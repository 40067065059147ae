"""Gatekeeper (社区工作事项准入管理系统): the application factory."""

from __future__ import annotations

import importlib
import os
from pathlib import Path

from flask import Flask, g, request

ROOT = Path(__file__).resolve().parent.parent

#: Feature packages under ``gatekeeper.modules``; each may have ``models``, ``api`` (``BLUEPRINTS``),
#: ``pages`` (``PAGES``: plain Flask blueprints of HTML pages, with ``NAV`` and ``HOME``, see
#: ``core.web``), ``permissions`` (``can_*`` functions, also offered to templates) and ``cli``
#: (``COMMANDS``).
MODULES = (
    "jurisdictions",
    "accounts",
    "catalogue",
    "requests",
    "committee",
    "authorisations",
    "verification",
    "funds",
    "attachments",
    "notifications",
    "supervision",
    "inventory",
    "stats",
    "community",
    "admin",
    "audit",
    "documents",
    "demo",
    "i18n",
)


def feature_parts(part: str):
    """The ``part`` module (``models``, ``api``, ``cli``) of every feature that has one."""
    for name in MODULES:
        try:
            yield importlib.import_module(f"gatekeeper.modules.{name}.{part}")
        except ModuleNotFoundError as exc:
            if exc.name != f"gatekeeper.modules.{name}.{part}":
                raise


def import_models() -> None:
    """Import every model module, so the metadata is complete (migrations, tests)."""
    importlib.import_module("gatekeeper.core.audit")
    importlib.import_module("gatekeeper.core.ratelimit")
    list(feature_parts("models"))


def create_app(config: dict | None = None) -> Flask:
    """Build the app. ``config`` overrides defaults and ``GATEKEEPER_*`` environment variables."""
    from gatekeeper.config import load_config
    from gatekeeper.core import clock
    from gatekeeper.core.api import GatekeeperApi, docs
    from gatekeeper.core.db import configure_engine, set_write_intent
    from gatekeeper.core.errors import register_error_handlers
    from gatekeeper.core.i18n import init_i18n
    from gatekeeper.core.pdf import init_documents
    from gatekeeper.core.permissions import install_guard
    from gatekeeper.core.sessions import init_sessions
    from gatekeeper.core.web import DatabaseInteger, init_pages
    from gatekeeper.extensions import db, login_manager, migrate

    instance_path = os.environ.get("GATEKEEPER_INSTANCE_PATH") or str(ROOT / "instance")
    app = Flask(
        __name__,
        instance_path=instance_path,
        template_folder=str(ROOT / "templates"),
        static_folder="static",
    )
    values = load_config(app.instance_path, config)
    app.config.update(values)
    app.config.update(
        SQLALCHEMY_DATABASE_URI=values["DATABASE_URL"],
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True},
        JSON_SORT_KEYS=False,
        API_TITLE="Gatekeeper API",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api/v1",
        OPENAPI_JSON_PATH="openapi.json",
        API_SPEC_OPTIONS={
            "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
            "security": [{"bearer": []}],
            "info": {
                "description": "Admission management of community work items (社区工作事项准入管理系统)."
            },
        },
    )
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    clock.set_timezone(values["TIMEZONE"])
    _ensure_sqlite_folder(values["DATABASE_URL"])

    import_models()
    db.init_app(app)
    with app.app_context():
        configure_engine(db.engine, values["SQLITE_BUSY_TIMEOUT_MS"])
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    login_manager.init_app(app)
    import gatekeeper.core.auth  # noqa: F401  (registers the user and token loaders)

    init_i18n(app)
    app.url_map.converters["int"] = DatabaseInteger  # before any route is added
    api = GatekeeperApi(app)  # one per app: it holds that app's OpenAPI document
    api.register_converter(DatabaseInteger, lambda c: {"type": "integer", "minimum": 0, "maximum": c.max})
    app.register_blueprint(docs)
    for module in feature_parts("api"):
        for blp in module.BLUEPRINTS:
            api.register_blueprint(blp)
    init_sessions(app)
    init_pages(app)
    init_documents(app)

    register_error_handlers(app)
    install_guard(app)

    @app.before_request
    def _write_intent():
        # Writers take SQLite's write lock at BEGIN, so concurrent writers queue instead of failing.
        g.write_intent_token = set_write_intent(request.method not in ("GET", "HEAD", "OPTIONS"))

    @app.teardown_request
    def _reset_write_intent(_exc):
        token = g.pop("write_intent_token", None)
        if token is not None:
            token.var.reset(token)

    from gatekeeper.cli import register_commands

    register_commands(app)
    return app


def _ensure_sqlite_folder(url: str) -> None:
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
