"""Verification is rate-limited per address (``VERIFY_RATE_PER_MINUTE``, 30): API and page share one
count, misses count like hits, and the count is kept before anything is looked up."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from gatekeeper.core import clock
from gatekeeper.core.ratelimit import RateEvent
from gatekeeper.modules.authorisations.operations import verification_code
from tests.factories import TODAY

API = "/api/v1"
LIMIT = 30
HOME = {"REMOTE_ADDR": "10.0.0.1"}
NEIGHBOUR = {"REMOTE_ADDR": "10.0.0.2"}


def api(client, number, code, address=HOME):
    return client.get(f"{API}/verify/{number}", query_string={"code": code}, environ_base=address)


def page(client, number, code, address=HOME):
    return client.get(f"/verify/{number}", query_string={"code": code}, environ_base=address)


def test_the_31st_request_in_a_minute_is_refused_misses_included(client, authorisation):
    number, code = authorisation.number, verification_code(authorisation.number)
    start = dt.datetime.combine(TODAY, dt.time(10, 0, 5), tzinfo=clock.timezone())
    with clock.frozen(start):
        for _ in range(LIMIT // 2):
            assert api(client, number, "0" * 16).status_code == 404  # misses count
            assert api(client, number, code).status_code == 200
    with clock.frozen(start + dt.timedelta(seconds=50)):
        refused = api(client, number, code)
        assert refused.status_code == 429
        assert refused.get_json() == {
            "error": {
                "code": "rate_limited",
                "message": refused.get_json()["error"]["message"],
                "fields": {},
            }
        }
        assert refused.headers["Retry-After"] == "60"
        assert api(client, number, code, NEIGHBOUR).status_code == 200  # another address is served
    with clock.frozen(start + dt.timedelta(seconds=61)):
        assert api(client, number, code).status_code == 200  # a minute later, served again


def test_the_page_and_the_api_share_the_count(client, authorisation):
    number, code = authorisation.number, verification_code(authorisation.number)
    for _ in range(LIMIT):
        assert api(client, number, code).status_code == 200
    refused = page(client, number, code)
    assert refused.status_code == 429
    assert refused.mimetype == "text/html"
    html = refused.get_data(as_text=True)
    assert "查询过于频繁" in html
    assert authorisation.title not in html  # refused before the lookup
    assert refused.headers["Retry-After"] == "60"
    assert page(client, number, code, NEIGHBOUR).status_code == 200


def test_a_404_page_counts_too(db, client, authorisation):
    for _ in range(LIMIT):
        assert page(client, authorisation.number, "0" * 16).status_code == 404
    assert api(client, authorisation.number, verification_code(authorisation.number)).status_code == 429
    counted = db.scalar(sa.select(sa.func.count(RateEvent.id)).where(RateEvent.bucket == "verify"))
    assert counted == LIMIT


def test_the_form_and_a_number_without_code_do_not_count(db, client, authorisation):
    client.get("/verify", environ_base=HOME)
    client.get(f"/verify/{authorisation.number}", environ_base=HOME)
    assert db.scalar(sa.select(sa.func.count(RateEvent.id))) == 0
