"""Test fixtures.

Every test that uses the app runs once per database backend: SQLite always, PostgreSQL too when
``GATEKEEPER_TEST_DATABASE_URL`` is set. Per backend (and per xdist worker) the schema is built by
the migrations and the demo district (without requests) is loaded once; each test then runs inside
a transaction that is rolled back, its commits being savepoints.

- ``app``: the application; ``db``: the test's session (app context pushed);
- ``client``: an API client; ``login_as(username)``: an API client with that user's bearer token;
- ``page_as(username)``: a client of the HTML pages, logged in through the log-in form, sending the
  CSRF token with its forms; ``anonymous_page``: one that has not logged in;
- ``world``: handy objects of the demo district (gate, users, communities).
Each request of a client runs in a fresh context (its own app context, session and ``g``), as on a
real server; the frozen clock of the test is carried into it.
"""

from __future__ import annotations

import contextvars
import fcntl
import os
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import has_app_context
from flask.testing import FlaskClient
from flask_migrate import upgrade
from flask_sqlalchemy.session import Session as FlaskSession

from gatekeeper import create_app
from gatekeeper.core import clock
from gatekeeper.extensions import db as _db

PASSWORD = "demo-password-1"
PG_URL = os.environ.get("GATEKEEPER_TEST_DATABASE_URL", "").strip()
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


def pytest_configure(config):
    os.environ.setdefault("GATEKEEPER_INSTANCE_PATH", str(config.rootpath / "instance" / "test"))


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def make_database(backend: str, tmp_path_factory, label: str) -> tuple[str, callable]:
    """A fresh, empty database for ``backend``: its URL and a function that drops it."""
    if backend == "sqlite":
        path = tmp_path_factory.mktemp(f"db-{label}") / "gatekeeper.sqlite3"
        return f"sqlite:///{path}", lambda: None
    schema = f"gk_{label}_{_worker()}_{uuid.uuid4().hex[:6]}".lower()
    admin = sa.create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in PG_URL else "?"
    url = f"{PG_URL}{separator}options=-csearch_path%3D{schema}"

    def drop():
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()

    return url, drop


#: The prepared document fonts, shared with the demo (``gatekeeper documents fonts`` writes them here).
FONT_DIR = Path(__file__).resolve().parents[1] / "instance" / "fonts"


def build_app(url: str, **overrides):
    config = {
        "FONT_DIR": str(FONT_DIR),
        "DATABASE_URL": url,
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "BASE_URL": "http://gatekeeper.test",
        **overrides,
    }
    return create_app(config)


#: Years of the official calendar the tests rely on, whatever year they run in.
CALENDAR_YEARS = (2025, 2026)


def prepare(app, *, district: bool = True) -> None:
    """Run the migrations and load the demo district and the calendar years of the tests, committed."""
    from gatekeeper.modules.demo.district import load_district
    from gatekeeper.modules.jurisdictions.operations import load_calendar_year, official_year

    with app.app_context():
        upgrade()
        if district:
            load_district(PASSWORD)
            for year in CALENDAR_YEARS:
                load_calendar_year(year, official_year(year), actor=None)
            _db.session.commit()
        _db.session.remove()


@pytest.fixture(scope="session", params=BACKENDS)
def app(request, tmp_path_factory):
    url, drop = make_database(request.param, tmp_path_factory, "t")
    application = build_app(url)
    application.config["BACKEND"] = request.param
    prepare(application)
    yield application
    with application.app_context():
        _db.engine.dispose()
    drop()


@pytest.fixture(scope="session")
def document_fonts():
    """The prepared font subsets of documents: cut once (half a minute) if `.ci/bootstrap` has not."""
    from gatekeeper.core import fonts

    FONT_DIR.mkdir(parents=True, exist_ok=True)
    with open(FONT_DIR / ".lock", "w") as lock:  # xdist workers: one cuts, the other waits
        fcntl.flock(lock, fcntl.LOCK_EX)
        return fonts.prepare(FONT_DIR)


class BoundSession(FlaskSession):
    """A session that always uses the test's connection (so everything is rolled back)."""

    def get_bind(self, *args, **kwargs):
        return self.bind


@pytest.fixture
def db(app):
    """The test's session, inside a transaction rolled back at the end."""
    from gatekeeper.modules.requests.precheck import forget_compiled_catalogues

    forget_compiled_catalogues()  # a rolled-back published version's id comes back in the next test
    with app.app_context():
        connection = _db.engine.connect()
        outer = connection.begin()
        original = _db.session
        _db.session = _db._make_scoped_session(
            {"bind": connection, "join_transaction_mode": "create_savepoint", "class_": BoundSession}
        )
        drift = []
        try:
            yield _db.session
        finally:
            _db.session.remove()
            _db.session = original
            drift = _allocation_sums_drift(connection)
            outer.rollback()
            connection.close()
        # the money summed by the triggers agrees with the allocations, whatever the test did
        assert not drift, f"allocation_sums differ from the allocations: {drift}"


def _allocation_sums_drift(connection) -> list:
    """``support.allocation_sums_drift`` on the test's connection; nothing to say when the test left
    the transaction unusable (it failed already, or checked a refusal that aborts it)."""
    from tests.support import allocation_sums_drift

    if not connection.in_transaction() or not connection.get_transaction().is_active:
        return []
    try:
        with connection.begin_nested():
            return allocation_sums_drift(connection)
    except sa.exc.DBAPIError:
        return []


class ApiClient(FlaskClient):
    """A test client whose every request runs in a fresh context, like a request on a server."""

    token: str | None = None

    def open(self, *args, **kwargs):
        headers = dict(kwargs.pop("headers", None) or {})
        if self.token and "Authorization" not in headers:
            headers["Authorization"] = f"Bearer {self.token}"
        kwargs["headers"] = headers
        frozen = clock._frozen.get()
        context = contextvars.Context()

        def run():
            clock._frozen.set(frozen)
            return super(ApiClient, self).open(*args, **kwargs)

        response = context.run(run)
        if has_app_context():
            _db.session.expire_all()  # what the test holds may have changed in the request
        return response


@pytest.fixture
def client(app, db):
    app.test_client_class = ApiClient
    return app.test_client()


@pytest.fixture
def login_as(app, db):
    """``login_as("officer")`` → a client sending that user's bearer token."""
    from gatekeeper.core.auth import issue_token
    from gatekeeper.modules.accounts.models import User

    def login(username: str) -> ApiClient:
        user = db.scalar(sa.select(User).where(User.username == username))
        assert user is not None, f"no demo user {username}"
        token, _row = issue_token(user, label="test")
        db.commit()
        app.test_client_class = ApiClient
        test_client = app.test_client()
        test_client.token = token
        return test_client

    return login


class PageClient(ApiClient):
    """A browser-like client of the HTML pages: logged in through the log-in form, it sends the
    session's CSRF token with every form (``form()``), as a page would."""

    csrf: str = ""

    def refresh_csrf(self, url: str = "/notifications") -> str:
        import re

        page = self.get(url)
        found = re.search(r'name="csrf-token" content="([^"]+)"', page.get_data(as_text=True))
        assert found, f"no CSRF token on {url} ({page.status_code})"
        self.csrf = found.group(1)
        return self.csrf

    def form(self, url: str, data: dict | None = None, **kwargs):
        """POST ``data`` as a form, with the CSRF token (lists become repeated fields)."""
        body = {"csrf_token": self.csrf, **(data or {})}
        return self.post(url, data=body, **kwargs)

    def text(self, url: str, status: int = 200) -> str:
        """GET a page, check its status, and return its HTML."""
        page = self.get(url)
        assert page.status_code == status, f"{url}: {page.status_code} {page.get_data(as_text=True)[:500]}"
        return page.get_data(as_text=True)


@pytest.fixture
def page_as(app, db):
    """``page_as("officer")`` → a ``PageClient`` logged in through the real log-in form."""

    def login(username: str, password: str = PASSWORD) -> PageClient:
        app.test_client_class = PageClient
        browser = app.test_client()
        browser.refresh_csrf("/login")
        answer = browser.post(
            "/login", data={"username": username, "password": password, "csrf_token": browser.csrf}
        )
        assert answer.status_code == 303, f"log-in of {username} failed: {answer.status_code}"
        browser.refresh_csrf()
        return browser

    return login


@pytest.fixture
def anonymous_page(app, db) -> PageClient:
    """A browser that has not logged in (public pages, the log-in page)."""
    app.test_client_class = PageClient
    browser = app.test_client()
    browser.refresh_csrf("/login")
    return browser


@dataclass
class World:
    gate: object
    district: object
    users: dict

    def user(self, username: str):
        return self.users[username]

    def community(self, code: str):
        from gatekeeper.modules.jurisdictions.models import Jurisdiction

        return _db.session.scalar(sa.select(Jurisdiction).where(Jurisdiction.code == code))


@pytest.fixture
def world(db):
    from gatekeeper.modules.accounts.models import User
    from gatekeeper.modules.jurisdictions.models import Gate

    gate = db.scalar(sa.select(Gate).where(Gate.code == "LJ"))
    users = {u.username: u for u in db.scalars(sa.select(User))}
    return World(gate=gate, district=gate.jurisdiction, users=users)


@pytest.fixture
def backend(app) -> str:
    return app.config["BACKEND"]
