"""``gatekeeper screenshots``: each role's main pages at desk and phone width, in Chinese and English.

By default it builds a demo of its own (a fresh SQLite database in a temporary folder, the whole demo
district with its requests and money), serves it on a free local port and drives Debian's Chromium
with Playwright: log in as each role through the log-in form, open the pages, save full-page PNGs as
``<role>-<page>-<desktop|phone>-<zh|en>.png``. ``--base-url`` shoots a server that is already running
(with ``--password`` of its demo users) instead.

Playwright is one of the test tools: ``.ci/bootstrap test`` installs it and Chromium.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import click

CHROMIUM = os.environ.get("GATEKEEPER_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
VIEWPORTS = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 375, "height": 812}}
DEMO_PASSWORD = "demo-screens-1"


def _pages(app) -> dict[str, list[tuple[str, str]]]:
    """``{username: [(page name, path), ...]}`` over the demo data: homes first, then main pages."""
    import sqlalchemy as sa

    from gatekeeper.extensions import db
    from gatekeeper.modules.accounts.models import User
    from gatekeeper.modules.authorisations.models import Authorisation, AuthorisationStatus
    from gatekeeper.modules.authorisations.operations import verification_code
    from gatekeeper.modules.requests.models import AdmissionRequest, RequestState

    with app.app_context():

        def first(state: RequestState, *criteria) -> int | None:
            return db.session.scalar(
                sa.select(AdmissionRequest.id)
                .where(AdmissionRequest.state == state, *criteria)
                .order_by(AdmissionRequest.id)
                .limit(1)
            )

        officer = db.session.scalar(sa.select(User).where(User.username == "officer"))
        in_review = first(RequestState.IN_REVIEW)
        own = AdmissionRequest.department_id == officer.department_id
        returned = first(RequestState.RETURNED, own) or first(RequestState.APPROVED, own)
        active = db.session.scalar(
            sa.select(Authorisation.number)
            .where(Authorisation.status == AuthorisationStatus.ACTIVE)
            .order_by(Authorisation.id.desc())
            .limit(1)
        )
        code = verification_code(active) if active else ""
    pages = {
        "": [("login", "/login"), ("verify", f"/verify/{active}?code={code}&community=LJ0101")],
        "officer": [("home", "/"), ("new-request", "/requests/new"), ("request", f"/requests/{returned}")],
        "secretariat": [("home", "/"), ("catalogue", "/catalogue"), ("request", f"/requests/{in_review}")],
        "member2": [("home", "/"), ("vote", f"/requests/{in_review}/vote")],
        "chair": [("home", "/"), ("decide", f"/requests/{in_review}/decide")],
        "head": [("home", "/")],
        "street": [("home", "/")],
        "admin": [("home", "/")],
    }
    pages[""].append(("public-list", "/public/communities/LJ0101"))
    return pages


@contextlib.contextmanager
def _demo_server() -> Iterator[tuple[object, str]]:
    """A fresh demo on a free port: (app, base URL)."""
    from flask_migrate import upgrade
    from werkzeug.serving import make_server

    from gatekeeper import create_app
    from gatekeeper.core.db import write_intent
    from gatekeeper.extensions import db
    from gatekeeper.modules.demo.loader import load_demo

    with tempfile.TemporaryDirectory(prefix="gatekeeper-screens-") as folder:
        app = create_app({"DATABASE_URL": f"sqlite:///{folder}/demo.sqlite3", "SECRET_KEY": "screens"})
        with app.app_context(), write_intent():
            upgrade()
            click.echo("Loading the demo district...")
            load_demo(DEMO_PASSWORD)
            db.session.commit()
        server = make_server("127.0.0.1", 0, app, threaded=True)
        app.config["BASE_URL"] = f"http://127.0.0.1:{server.server_port}"
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield app, f"http://127.0.0.1:{server.server_port}"
        finally:
            server.shutdown()
            with app.app_context():
                db.engine.dispose()


def _shoot(base_url: str, password: str, pages: dict, out: Path, languages: tuple[str, ...]) -> list[Path]:
    from playwright.sync_api import sync_playwright

    written: list[Path] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        for lang in languages:
            for username, views in pages.items():
                for viewport_name, viewport in VIEWPORTS.items():
                    context = browser.new_context(viewport=viewport, base_url=base_url, locale="zh-CN")
                    page = context.new_page()
                    page.goto(f"/lang/{lang}?next=/login")
                    if username:
                        page.fill("#f-username", username)
                        page.fill("#f-password", password)
                        page.click("button[type=submit]")
                        page.wait_for_load_state("networkidle")
                    for name, path in views:
                        answer = page.goto(path)
                        page.wait_for_load_state("networkidle")
                        time.sleep(0.3)  # the live pre-check and other scripts settle
                        status = answer.status if answer else 0
                        target = out / f"{username or 'public'}-{name}-{viewport_name}-{lang}.png"
                        page.screenshot(path=str(target), full_page=True)
                        written.append(target)
                        click.echo(f"{status} {path} -> {target.name}")
                    context.close()
        browser.close()
    return written


@click.command("screenshots")
@click.option("--out", "out", default="screenshots", show_default=True, type=click.Path(file_okay=False))
@click.option("--base-url", default=None, help="Shoot a running server instead of a fresh demo.")
@click.option("--password", default=None, help="Password of the demo users of --base-url.")
@click.option("--lang", "languages", multiple=True, type=click.Choice(["zh", "en"]), default=("zh", "en"))
def screenshots_command(out: str, base_url: str | None, password: str | None, languages: tuple[str, ...]):
    """Screenshots of each role's main pages at desk (1366 px) and phone (375 px) width."""
    try:
        import playwright  # noqa: F401
    except ImportError as exc:
        raise click.ClickException("Playwright is missing: run .ci/bootstrap test first.") from exc
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per screenshot is enough
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    if base_url:
        from gatekeeper import create_app

        if not password:
            raise click.ClickException("--password of the demo users is needed with --base-url.")
        written = _shoot(base_url, password, _pages(create_app()), folder, languages)
    else:
        with _demo_server() as (app, url):
            written = _shoot(url, DEMO_PASSWORD, _pages(app), folder, languages)
    click.echo(f"{len(written)} screenshots in {folder}/")


COMMANDS = [screenshots_command]
