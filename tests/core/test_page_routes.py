"""The walk over every HTML page (every route outside ``/api/`` and ``/static/``):

- anonymous visitors are sent to the log-in page from every page that is not public;
- every page answers below 500 for every role, with plausible values in its URL;
- every form post without the CSRF token is refused (400) and changes nothing;
- each role's home page is refused (403) to the roles it is not for.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import url_for

from gatekeeper.core import clock
from gatekeeper.core.audit import AuditEntry
from gatekeeper.core.permissions import PUBLIC
from gatekeeper.modules.accounts.models import Role
from tests import factories
from tests.factories import TODAY

ROLES = ["officer", "secretariat", "member2", "chair", "head", "street", "admin"]
NOT_PAGES = ("/api/", "/static/")


@pytest.fixture(autouse=True)
def today():
    with clock.frozen(TODAY):
        yield


def page_rules(app):
    return sorted(
        (r for r in app.url_map.iter_rules() if not r.rule.startswith(NOT_PAGES) and r.endpoint != "static"),
        key=lambda r: (r.rule, r.endpoint),
    )


@pytest.fixture
def url_values(db, world):
    """Values for the pages' URL parameters: an approved request and its authorisation, its first
    allocation with a payment, the catalogue in force, the demo's community, gate and users."""
    from gatekeeper.modules.catalogue import operations as catalogue_ops
    from gatekeeper.modules.funds import operations as funds_ops
    from gatekeeper.modules.funds.models import Allocation

    req = factories.approved()
    allocation = db.scalar(
        sa.select(Allocation)
        .where(Allocation.authorisation_id == req.authorisation.id)
        .order_by(Allocation.id)
        .limit(1)
    )
    payment = funds_ops.record_disbursement(
        allocation, 1000, TODAY, "临财拨〔2026〕1号", actor=world.user("officer")
    )
    db.commit()
    return {
        "request_id": req.id,
        "number": req.authorisation.number,
        "version_id": catalogue_ops.current_version(world.gate).id,
        "allocation_id": allocation.id,
        "disbursement_id": payment.id,
        "username": "officer",
        "code": "LJ0101",
        "notification_id": 1,
        "meeting_id": 1,
        "report_id": 1,
        "entry_code": "PD-107",
    }


def build_url(app, rule, values) -> str:
    args = {}
    for name in rule.arguments:
        if name == "code" and ("/gates/" in rule.rule or "/gate/" in rule.rule):
            args[name] = "LJ"
        elif name == "code" and "/entries/" in rule.rule:
            args[name] = values["entry_code"]
        elif name == "code" and "/departments/" in rule.rule:
            args[name] = "WJW"
        elif name == "code" and "/lang/" in rule.rule:
            args[name] = "en"
        else:
            args[name] = values.get(name, 1)
    with app.test_request_context():
        return url_for(rule.endpoint, **args)


def is_public(app, endpoint: str) -> bool:
    return getattr(app.view_functions[endpoint], "permission", None) == PUBLIC


def test_anonymous_visitors_are_sent_to_log_in_from_every_private_page(app, anonymous_page, url_values):
    wrong = []
    for rule in page_rules(app):
        if "GET" not in rule.methods or is_public(app, rule.endpoint):
            continue
        url = build_url(app, rule, url_values)
        answer = anonymous_page.get(url)
        if answer.status_code != 303 or not answer.headers["Location"].startswith("/login"):
            wrong.append(f"GET {url}: {answer.status_code}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("username", ROLES)
def test_every_page_answers_below_500_for_every_role(app, page_as, url_values, username):
    browser = page_as(username)
    wrong = []
    for rule in page_rules(app):
        if "GET" not in rule.methods or rule.endpoint == "accounts_pages.language":
            continue
        url = build_url(app, rule, url_values)
        answer = browser.get(url)
        answer.close()
        if answer.status_code >= 500:
            wrong.append(f"GET {url}: {answer.status_code}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("username", ["officer", "secretariat", "chair", "head", "admin"])
def test_every_form_post_without_the_token_is_refused(app, db, page_as, url_values, username):
    browser = page_as(username)
    entries = db.scalar(sa.select(sa.func.count(AuditEntry.id)))
    wrong = []
    for rule in page_rules(app):
        if "POST" not in rule.methods:
            continue
        url = build_url(app, rule, url_values)
        answer = browser.post(url, data={"reason": "x", "comment": "x"})
        if answer.status_code != 400:
            wrong.append(f"POST {url}: {answer.status_code}")
    assert not wrong, "\n".join(wrong)
    assert db.scalar(sa.select(sa.func.count(AuditEntry.id))) == entries, "a refused post changed something"


def test_each_home_page_is_refused_to_the_roles_it_is_not_for(app, page_as):
    homes = app.extensions["gatekeeper_home"]
    users = {
        Role.OFFICER: "officer",
        Role.SECRETARIAT: "secretariat",
        Role.MEMBER: "member2",
        Role.CHAIR: "chair",
        Role.COMMUNITY_HEAD: "head",
        Role.STREET_OFFICER: "street",
        Role.ADMIN: "admin",
    }
    assert set(homes) == set(users), "every role has a home page"
    browsers = {role: page_as(username) for role, username in users.items()}
    wrong = []
    for role, endpoint in homes.items():
        with app.test_request_context():
            url = url_for(endpoint)
        for other, browser in browsers.items():
            status = browser.get(url).status_code
            allowed = homes.get(other) == endpoint
            if allowed and status != 200:
                wrong.append(f"{users[other]} on {url} (its own home): {status}")
            if not allowed and status != 403:
                wrong.append(f"{users[other]} on {url} (home of {role.value}): {status}")
    assert not wrong, "\n".join(wrong)


def test_home_sends_each_role_to_its_home_page(app, page_as):
    for username in ROLES:
        browser = page_as(username)
        target = browser.get("/").headers["Location"]
        assert browser.get(target).status_code == 200, f"{username}: {target}"


def test_an_id_too_large_for_the_database_is_not_found(login_as, page_as):
    """PostgreSQL's INTEGER ends at 2**31 - 1: a larger id in an address matches no route (404)."""
    api = login_as("admin").get("/api/v1/requests/99999999999999")
    assert api.status_code == 404 and api.get_json()["error"]["code"] == "not_found"
    assert page_as("admin").get("/requests/99999999999999").status_code == 404
    assert login_as("admin").get(f"/api/v1/requests/{2**31 - 1}").status_code == 404
