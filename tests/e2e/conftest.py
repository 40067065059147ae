"""Browser tests: the real pages in Debian's Chromium, driven by Playwright, against a live server.

Per test session (per xdist worker) one live server: a fresh SQLite database built by the migrations
with the demo district loaded (users, departments, the published catalogue, the calendar), served by
werkzeug in a thread on a free local port. Tests act through the pages only; data they need beforehand
may be made with ``tests.factories`` inside ``live.context()`` (real operations, committed).

Every browser page records what it asks for: a request for anything but the live server is aborted
and fails the test, and so does any console error (a CSP violation, a script error).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import threading
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from werkzeug.serving import make_server

from tests.conftest import PASSWORD, build_app, prepare

CHROMIUM = os.environ.get("GATEKEEPER_CHROMIUM", "/usr/bin/chromium")
#: As the machine's own probe starts it: no sandbox (root), no GPU, no background traffic.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 375, "height": 812}


def pytest_collection_modifyitems(items):
    """The live server is werkzeug's development server: when Chromium drops a connection while a
    static file (the icon) is being sent, the server leaves that file to the garbage collector, whose
    ResourceWarning then surfaces in whichever browser test is running. Production serves with
    waitress; the browser tests do not judge the development server's file handles."""
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(
                pytest.mark.filterwarnings(
                    "ignore:Exception ignored in. <_io:pytest.PytestUnraisableExceptionWarning"
                )
            )
            item.add_marker(pytest.mark.filterwarnings("ignore:unclosed file:ResourceWarning"))


@dataclass
class LiveServer:
    app: object
    url: str

    @contextlib.contextmanager
    def context(self):
        """An app context on the live database (commits are real)."""
        with self.app.app_context():
            yield


@pytest.fixture(scope="session")
def live(tmp_path_factory) -> LiveServer:
    path = tmp_path_factory.mktemp("e2e") / "gatekeeper.sqlite3"
    app = build_app(f"sqlite:///{path}", TESTING=False)
    prepare(app)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    app.config["BASE_URL"] = url  # verification links and QR codes lead to this server
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield LiveServer(app=app, url=url)
    server.shutdown()
    thread.join(timeout=10)
    from gatekeeper.extensions import db

    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def chromium():
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium is not installed at {CHROMIUM}: run .ci/bootstrap test, which installs it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@dataclass
class Traffic:
    """What the pages asked for: requests to elsewhere (aborted) and console errors."""

    origin: str
    foreign: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)

    def local(self, url: str) -> bool:
        parts = urlsplit(url)
        return parts.scheme in ("data", "blob", "about") or f"{parts.scheme}://{parts.netloc}" == self.origin


def open_context(chromium, live: LiveServer, traffic: Traffic, *, viewport=DESKTOP, locale="zh-CN"):
    context = chromium.new_context(viewport=viewport, locale=locale, base_url=live.url)
    context.set_default_timeout(15000)

    def route(route_, request):
        traffic.urls.append(request.url)
        if traffic.local(request.url):
            route_.continue_()
        else:
            traffic.foreign.append(request.url)
            route_.abort()

    context.route("**/*", route)
    return context


def watch(page, traffic: Traffic) -> None:
    """Record console errors and failed assets. A page answered 4xx on purpose (a refused form is
    422, a wrong password 401) logs "Failed to load resource" too: documents are left out of that
    check, every other resource (styles, scripts, images, API calls) must succeed."""

    def console(msg):
        if msg.type == "error" and not msg.text.startswith("Failed to load resource"):
            traffic.errors.append(msg.text)

    def response(answer):
        if answer.status >= 400 and answer.request.resource_type not in ("document", "fetch", "xhr"):
            traffic.errors.append(f"{answer.status} {answer.url}")

    page.on("console", console)
    page.on("pageerror", lambda exc: traffic.errors.append(str(exc)))
    page.on("response", response)


@pytest.fixture
def browser_page(chromium, live):
    """``browser_page(username=None, viewport=DESKTOP)`` → a Playwright page (logged in when a user is
    named); at the end of the test no page may have asked for anything outside the app, nor logged an
    error."""
    traffic = Traffic(origin=live.url)
    contexts = []

    def open_page(username: str | None = None, *, viewport=DESKTOP, locale="zh-CN", password=PASSWORD):
        context = open_context(chromium, live, traffic, viewport=viewport, locale=locale)
        contexts.append(context)
        page = context.new_page()
        watch(page, traffic)
        if username:
            login(page, username, password)
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert traffic.foreign == [], f"pages asked for URLs outside the app: {traffic.foreign}"
    assert traffic.errors == [], f"errors in the browser console: {traffic.errors}"


def login(page, username: str, password: str = PASSWORD) -> None:
    """Log in through the log-in form, as a person would."""
    page.goto("/login")
    page.fill("#f-username", username)
    page.fill("#f-password", password)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)
