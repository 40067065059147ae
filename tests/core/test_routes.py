"""The route walk: every endpoint makes a permission decision, and the API's surface holds together.

- every view carries a ``permission`` marker (a ``can_*`` check or "public"), and the guard fails
  closed for a view that decides nothing;
- anonymous calls to non-public API routes answer 401 in the error shape, and nothing answers 5xx;
- every GET route answers below 500 for the admin and for a community head (and others); every
  route and method, called by each role with an empty body, answers without a 5xx;
- the OpenAPI document lists exactly the API routes and declares bearer security;
- the docs page loads only local assets.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from flask import url_for

from gatekeeper.core import clock
from gatekeeper.core.permissions import ALLOWED_WITHOUT_DECISION, PUBLIC, authorize
from gatekeeper.modules.catalogue import operations as catalogue_ops
from tests import factories
from tests.factories import TODAY

#: Endpoints that are not views of ours: static files, the OpenAPI document and its viewer.
NOT_OURS = {"static", "api-docs.openapi_json", "api_docs.page", "api_docs.asset"}
API = "/api/v1"
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


@pytest.fixture(autouse=True)
def today():
    with clock.frozen(TODAY):
        yield


def api_rules(app):
    return sorted(
        (r for r in app.url_map.iter_rules() if r.rule.startswith(API + "/")),
        key=lambda r: (r.rule, r.endpoint),
    )


def methods_of(rule) -> list[str]:
    return [m for m in METHODS if m in rule.methods]


def marker(app, endpoint: str) -> str | None:
    return getattr(app.view_functions[endpoint], "permission", None)


def is_public(app, endpoint: str) -> bool:
    return endpoint in NOT_OURS or marker(app, endpoint) == PUBLIC


#: Values of URL parameters that depend on the resource (``code`` of a gate, an entry, a community).
CODES = {"/catalogue/": "PD-107", "/communities/": "LJ0101", "/gates/": "LJ"}


@pytest.fixture
def url_values(db, world):
    """Plausible values for every URL parameter: an approved request and its authorisation, the
    catalogue in force, a docs asset; codes by resource (see ``CODES``)."""
    req = factories.approved()
    version = catalogue_ops.current_version(world.gate)
    return {
        "request_id": req.id,
        "number": req.authorisation.number,
        "version_id": version.id,
        "filename": "swagger-ui.css",
    }


def build_url(app, rule, values) -> str:
    """The rule's URL; a parameter nobody knows yet (a new route) gets 1, which fits int and str."""
    args = {}
    for name in rule.arguments:
        if name == "code":
            args[name] = next((code for prefix, code in CODES.items() if prefix in rule.rule), "LJ")
        else:
            args[name] = values.get(name, 1)
    with app.test_request_context():
        return url_for(rule.endpoint, **args)


def call(client, method: str, url: str):
    response = client.open(url, method=method, json=None if method == "GET" else {})
    response.close()  # file responses (docs assets, exports) hold an open file
    return response


def assert_error_shape(response, status: int, code: str | None = None) -> None:
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/json"
    error = response.get_json()["error"]
    assert isinstance(error["code"], str) and error["code"]
    assert isinstance(error["message"], str) and error["message"]
    assert isinstance(error["fields"], dict)
    if code is not None:
        assert error["code"] == code


# --- (a) every endpoint makes a decision ---------------------------------------------------------


def test_allow_list_is_the_one_the_guard_uses():
    assert set(ALLOWED_WITHOUT_DECISION) == NOT_OURS


def test_every_endpoint_has_a_permission_marker(app):
    missing = sorted(e for e in app.view_functions if e not in NOT_OURS and not marker(app, e))
    assert not missing, f"endpoints without a permission decision: {missing}"


def test_markers_name_a_check_or_public(app):
    odd = {
        e: marker(app, e)
        for e in app.view_functions
        if e not in NOT_OURS and not (marker(app, e) == PUBLIC or str(marker(app, e)).startswith("can_"))
    }
    assert not odd, f"permission markers that are neither a can_* check nor public: {odd}"


@pytest.fixture
def probe():
    """A throw-away app run as on a server (not the shared one), with views that decide or not."""
    from gatekeeper.extensions import db
    from tests.conftest import build_app

    app = build_app("sqlite://", TESTING=False)

    @app.route(f"{API}/probe/undecided")
    def undecided():
        return {"ok": True}

    @app.route(f"{API}/probe/decided")
    def decided():
        authorize(True)
        return {"ok": True}

    @app.route(f"{API}/probe/missing")
    def missing():
        return {"error": "gone"}, 404

    yield app.test_client()
    with app.app_context():
        db.engine.dispose()


def test_the_guard_fails_closed(probe):
    assert probe.get(f"{API}/probe/undecided").status_code == 500
    assert probe.get(f"{API}/probe/decided").status_code == 200
    assert probe.get(f"{API}/probe/missing").status_code == 404  # errors pass untouched


def test_the_guard_answers_internal_error_in_the_error_shape(probe):
    assert_error_shape(probe.get(f"{API}/probe/undecided"), 500, "internal_error")


# --- (b) anonymous calls -------------------------------------------------------------------------


def test_anonymous_calls_answer_401_unless_public(app, client, url_values):
    wrong = []
    for rule in api_rules(app):
        url = build_url(app, rule, url_values)
        for method in methods_of(rule):
            response = call(client, method, url)
            status = response.status_code
            if status >= 500:
                wrong.append(f"{method} {url}: {status}")
            elif is_public(app, rule.endpoint):
                if status == 401:
                    wrong.append(f"{method} {url}: public yet 401")
            elif status != 401:
                wrong.append(f"{method} {url}: {status} instead of 401")
            else:
                assert_error_shape(response, 401, "unauthenticated")
    assert not wrong, "\n".join(wrong)


def test_a_bad_token_is_anonymous_everywhere(app, client, url_values):
    headers = {"Authorization": "Bearer gk_not-a-token"}
    for rule in api_rules(app):
        if is_public(app, rule.endpoint):
            continue
        url = build_url(app, rule, url_values)
        for method in methods_of(rule):
            response = client.open(url, method=method, json={}, headers=headers)
            assert response.status_code == 401, f"{method} {url}"


# --- (c) every GET as admin and as a community head ----------------------------------------------


@pytest.mark.parametrize("username", ["admin", "head", "street", "officer", "member1"])
def test_every_get_answers_below_500(app, login_as, url_values, username):
    api = login_as(username)
    wrong = []
    for rule in api_rules(app):
        if "GET" not in rule.methods:
            continue
        url = build_url(app, rule, url_values)
        response = call(api, "GET", url)
        if response.status_code >= 500:
            body = response.get_json(silent=True) or {}
            wrong.append(f"GET {url}: {response.status_code} {body.get('error', {}).get('code')}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize(
    "username", ["officer", "secretariat", "member2", "chair", "head", "street", "admin"]
)
def test_every_route_and_method_with_an_empty_body_answers_a_clean_error(app, login_as, url_values, username):
    """Each role calls everything with ``{}``: allowed, refused or invalid, but never a 5xx, and every
    error in the error shape. Revoking one's own token comes last, since it ends the walk."""
    api = login_as(username)
    rules = sorted(api_rules(app), key=lambda r: r.endpoint == "accounts.delete_token")
    wrong = []
    for rule in rules:
        url = build_url(app, rule, url_values)
        for method in methods_of(rule):
            response = call(api, method, url)
            if response.status_code >= 500:
                wrong.append(f"{method} {url}: {response.status_code}")
            elif response.status_code >= 400:
                assert_error_shape(response, response.status_code)
    assert not wrong, "\n".join(wrong)


# --- (d) the OpenAPI document and the docs page ---------------------------------------------------


def openapi_path(rule: str) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def test_openapi_lists_every_api_route_with_its_methods(app, client):
    document = client.get(f"{API}/openapi.json").get_json()
    documented = {
        (path, method.upper())
        for path, operations in document["paths"].items()
        for method in operations
        if method.upper() in METHODS
    }
    routed = {
        (openapi_path(rule.rule), method)
        for rule in api_rules(app)
        if rule.endpoint not in NOT_OURS
        for method in methods_of(rule)
    }
    assert routed - documented == set(), "routes missing from the OpenAPI document"
    assert documented - routed == set(), "documented operations without a route"


def test_openapi_declares_bearer_security(client):
    document = client.get(f"{API}/openapi.json").get_json()
    assert document["components"]["securitySchemes"]["bearer"] == {"type": "http", "scheme": "bearer"}
    assert {"bearer": []} in document["security"]


def test_openapi_public_operations_need_no_token(app, client):
    document = client.get(f"{API}/openapi.json").get_json()
    for rule in api_rules(app):
        if rule.endpoint in NOT_OURS or marker(app, rule.endpoint) != PUBLIC:
            continue
        for method in methods_of(rule):
            operation = document["paths"][openapi_path(rule.rule)][method.lower()]
            assert operation.get("security") == [], f"{method} {rule.rule}"


class _Assets(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script" and attributes.get("src"):
            self.urls.append(attributes["src"])
        if tag == "link" and attributes.get("href"):
            self.urls.append(attributes["href"])


def test_docs_page_loads_only_local_assets(client):
    page = client.get(f"{API}/docs")
    assert page.status_code == 200 and page.mimetype == "text/html"
    parser = _Assets()
    parser.feed(page.get_data(as_text=True))
    assert len(parser.urls) >= 2  # the Swagger UI script and stylesheet at least
    for url in parser.urls:
        assert not url.startswith(("http://", "https://", "//")), url
        asset = client.get(url)
        asset.close()
        assert asset.status_code == 200, url


def test_docs_asset_outside_the_bundle_is_404(client):
    response = client.get(f"{API}/docs/assets/../../../../etc/passwd")
    response.close()
    assert response.status_code == 404
