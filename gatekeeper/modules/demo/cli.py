"""``gatekeeper upgrade``, ``gatekeeper serve`` and ``gatekeeper demo``."""

from __future__ import annotations

import os
import secrets

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_migrate import upgrade as migrate_upgrade

from gatekeeper.core.db import write_intent
from gatekeeper.extensions import db
from gatekeeper.modules.demo.district import USERS, is_loaded
from gatekeeper.modules.demo.screenshots import screenshots_command


@click.command("upgrade")
@with_appcontext
def upgrade_command() -> None:
    """Create the database, or bring it to the latest schema (runs the migrations)."""
    migrate_upgrade()
    click.echo(f"Database is up to date: {db.engine.url.render_as_string(hide_password=True)}")


def _serve(host: str, port: int, threads: int) -> None:
    from waitress import serve

    if not os.environ.get("GATEKEEPER_BASE_URL"):
        # Verification links must point at where the app really answers.
        shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
        current_app.config["BASE_URL"] = f"http://{shown}:{port}"

    click.echo(
        f"Serving on http://{host}:{port}/  (API docs: http://{host}:{port}/api/v1/docs; Ctrl+C stops)"
    )
    serve(current_app._get_current_object(), host=host, port=port, threads=threads, ident="gatekeeper")


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int)
@with_appcontext
def serve_command(host: str, port: int, threads: int) -> None:
    """Serve the application with waitress (a production WSGI server)."""
    _serve(host, port, threads)


@click.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--no-serve", is_flag=True, help="Only create and load the database.")
@with_appcontext
def demo_command(host: str, port: int, no_serve: bool) -> None:
    """Upgrade the database, load the demo district if it is empty, and serve it."""
    from gatekeeper.modules.demo.loader import load_demo

    migrate_upgrade()
    password = current_app.config["DEMO_PASSWORD"]
    if not is_loaded():
        password = password or secrets.token_urlsafe(9)
        click.echo("Loading the demo district 临江区 (80 communities, 33 departments, ~100 requests)...")
        with write_intent():
            summary = load_demo(password)
            db.session.commit()
        click.echo(summary)
        click.echo(f"Demo users: {', '.join(u.username for u in USERS)}, and <code>.officer per department")
        click.echo(f"Password of every demo user: {password}")
    else:
        shown = password or "(the one printed when the demo was first loaded)"
        click.echo(f"Demo district already loaded. Password of the demo users: {shown}")
    prepare_document_fonts()
    if not no_serve:
        _serve(host, port, 8)


def prepare_document_fonts() -> None:
    """Cut the document fonts once (documents print without them too, only slower)."""
    from gatekeeper.core import fonts, pdf

    if fonts.system_font() is None:
        click.echo(fonts.NoCjkFont.MESSAGE, err=True)
        return
    folder = pdf.font_folder(current_app)
    if not fonts.prepared(folder):
        click.echo("Preparing the document fonts (once, about half a minute)...")
        fonts.prepare(folder)
        pdf.reset(current_app)


COMMANDS = [upgrade_command, serve_command, demo_command, screenshots_command]
