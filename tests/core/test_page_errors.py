"""How pages answer errors: a refused action is said on the page it came from, with the database as it
was; a page one may not open is a 403 page; the guard still fails closed for pages."""

from __future__ import annotations

import pytest
from flask import flash

from gatekeeper.core.errors import Conflict, NotAllowed, ValidationFailed
from gatekeeper.core.permissions import authorize, public
from gatekeeper.extensions import db
from tests.conftest import build_app


@pytest.fixture
def probe():
    """A throw-away app, run as on a server, with pages that refuse in each way."""
    app = build_app("sqlite://", TESTING=False, WTF_CSRF_ENABLED=False)

    @app.route("/probe/form", methods=["GET", "POST"])
    @public
    def form():
        from flask import get_flashed_messages

        return " | ".join(get_flashed_messages()) or "form"

    @app.route("/probe/conflict", methods=["GET", "POST"])
    @public
    def conflict():
        raise Conflict("Someone else decided first.")

    @app.route("/probe/invalid", methods=["POST"])
    @public
    def invalid():
        raise ValidationFailed("Give a reason.", fields={"reason": ["required"]})

    @app.route("/probe/forbidden", methods=["GET", "POST"])
    def forbidden():
        authorize(NotAllowedCheck())
        return "never"

    @app.route("/probe/undecided")
    def undecided():
        flash("nothing decided")
        return "should not be served"

    yield app.test_client()
    with app.app_context():
        db.engine.dispose()


class NotAllowedCheck:
    def __bool__(self):
        return False


def test_a_refused_post_goes_back_with_the_message(probe):
    answer = probe.post("/probe/conflict", headers={"Referer": "http://localhost/probe/form?x=1"})
    assert answer.status_code == 303 and answer.headers["Location"] == "/probe/form?x=1"
    assert probe.get("/probe/form").get_data(as_text=True) == "Someone else decided first."


def test_a_referrer_elsewhere_is_not_followed(probe):
    answer = probe.post("/probe/invalid", headers={"Referer": "https://evil.example/page"})
    assert answer.status_code == 303 and answer.headers["Location"] == "/probe/invalid"


def test_a_refused_get_is_an_error_page_with_its_status(probe):
    page = probe.get("/probe/conflict")
    assert page.status_code == 409 and page.mimetype == "text/html"
    assert "Someone else decided first." in page.get_data(as_text=True)


def test_a_forbidden_page_is_403_in_html_and_json_for_the_api(probe):
    page = probe.get("/probe/forbidden")
    assert page.status_code == 403 and "无权访问" in page.get_data(as_text=True)
    assert NotAllowed().status == 403


def test_the_guard_fails_closed_for_pages_too(probe):
    assert probe.get("/probe/undecided").status_code == 500
