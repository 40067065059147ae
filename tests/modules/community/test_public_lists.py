"""The published (公示) lists: without logging in, only what is in force, Chinese by default and
English with ``?lang=en``, no script, each item linked to its verification page."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from community_support import LATER, make_items

from gatekeeper.core import clock
from gatekeeper.modules.authorisations.operations import verification_code
from tests.factories import TODAY


@pytest.fixture(autouse=True)
def today():
    with clock.frozen(TODAY):
        yield


@pytest.fixture
def items(db, world):
    return make_items(world)


def listed(html: str) -> set[str]:
    return set(re.findall(r'<span class="number">(LJ-\d{4}-\d{4})</span>', html))


def test_the_list_needs_no_login_and_shows_only_what_is_in_force(client, items):
    with clock.frozen(LATER):
        answer = client.get("/public/communities/LJ0101")
    assert answer.status_code == 200 and answer.mimetype == "text/html"
    html = answer.get_data(as_text=True)
    assert listed(html) == {
        items.paid.number,
        items.ending.number,
        items.ledger.number,
        items.unfunded.number,
    }
    assert '<html lang="zh-CN">' in html
    assert "滨江社区" in html and items.paid.department.name in html


def test_an_ended_item_leaves_the_list(client, items):
    with clock.frozen(items.ending.valid_to.replace(day=21)):
        html = client.get("/public/communities/LJ0101").get_data(as_text=True)
    assert items.ending.number not in listed(html) and items.paid.number in listed(html)


def test_english_on_request_with_links_keeping_it(client, items):
    html = client.get("/public/communities/LJ0101?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "Work items authorised in" in html and "Work duty" in html
    assert "工作事项" not in html  # the kind is in English; names of places and departments are data
    assert 'href="/public/communities/LJ0101?lang=zh"' in html  # the switch back


def test_each_item_links_to_its_verification_page(client, items):
    html = client.get("/public/communities/LJ0101?lang=en").get_data(as_text=True)
    links = re.findall(r'href="(/verify/[^"]+)"', html)
    assert len(links) == 4
    for link in links:
        parts = urlsplit(link.replace("&amp;", "&"))
        number = parts.path.rsplit("/", 1)[1]
        query = parse_qs(parts.query)
        assert query["code"] == [verification_code(number)]
        assert query["community"] == ["LJ0101"] and query["lang"] == ["en"]
    target = links[0].replace("&amp;", "&")
    assert client.get(target).status_code == 200  # the verification page answers it


def test_no_script_and_a_strict_policy(client, items):
    answer = client.get("/public/communities/LJ0101")
    html = answer.get_data(as_text=True)
    assert "<script" not in html
    assert "script-src" not in answer.headers["Content-Security-Policy"]
    assert "default-src 'none'" in answer.headers["Content-Security-Policy"]
    assert "css/community.css" in html and "public.css" in html
    stylesheet = client.get("/static/css/community.css")
    assert "size: A4" in stylesheet.get_data(as_text=True)  # printable on A4
    stylesheet.close()


def test_no_money_on_the_public_list(client, items):
    html = client.get("/public/communities/LJ0101?lang=en").get_data(as_text=True)
    assert "yuan" not in html and "元" not in html


def test_an_unknown_community(client):
    answer = client.get("/public/communities/NOPE?lang=en")
    assert answer.status_code == 404
    assert "No community has this code" in answer.get_data(as_text=True)


def test_a_street_is_not_a_community(client):
    assert client.get("/public/communities/LJ01").status_code == 404


def test_an_empty_list_says_so(client, db):
    html = client.get("/public/communities/LJ0601?lang=en").get_data(as_text=True)
    assert "No work item is authorised in this community at present" in html


# --- the index ------------------------------------------------------------------------------------


def test_the_index_lists_the_communities_in_pages(client):
    html = client.get("/public/communities?lang=en").get_data(as_text=True)
    assert "1–25 of 80" in html
    assert 'href="/public/communities/LJ0101?lang=en"' in html
    assert 'rel="next"' in html


def test_search_by_name_or_code(client):
    by_name = client.get("/public/communities", query_string={"q": "滨江"}).get_data(as_text=True)
    assert "/public/communities/LJ0101" in by_name and "/public/communities/LJ0201" not in by_name
    by_code = client.get("/public/communities?q=lj0102").get_data(as_text=True)
    assert re.findall(r'href="/public/communities/(LJ\d{4})', by_code) == ["LJ0102"]
    nothing = client.get("/public/communities?q=%25&lang=en").get_data(as_text=True)  # no wildcard
    assert "No community matches" in nothing


def test_filter_by_street(client):
    html = client.get("/public/communities?street=LJ05&per_page=50").get_data(as_text=True)
    codes = re.findall(r'href="/public/communities/(LJ\d{4})', html)
    assert len(codes) == 14 and all(code.startswith("LJ05") for code in codes)


def test_public_pages_for_a_logged_in_user_too(page_as):
    page_as("head").text("/public/communities/LJ0101")
