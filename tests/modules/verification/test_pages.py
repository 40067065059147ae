"""The verification pages: ``/verify/<number>?code=`` (what the QR code opens) and the form ``/verify``.

Chinese by default, English with ``?lang=en``; a neutral 404 page; only the app's own stylesheet,
no script; the address printed on notices (``verification_url``) is exactly this page.
"""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import url_for

from gatekeeper.core import clock
from gatekeeper.modules.authorisations.models import AuthorisationStatus
from gatekeeper.modules.authorisations.operations import verification_code, verification_url
from tests import factories

LJ02 = {"type": "streets", "codes": ["LJ02"], "community_type": None}
NOT_FOUND = "未找到该准入许可，请核对编号和校验码"


class _Links(HTMLParser):
    """Every address an element of the page refers to, by tag and attribute."""

    def __init__(self):
        super().__init__()
        self.refs: list[tuple[str, str, str]] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        for name, value in attrs:
            if name in ("href", "src", "action", "srcset", "poster", "data") and value is not None:
                self.refs.append((tag, name, value))


def links(html: str) -> _Links:
    parser = _Links()
    parser.feed(html)
    return parser


def open_page(client, authorisation, **query):
    query.setdefault("code", verification_code(authorisation.number))
    return client.get(f"/verify/{authorisation.number}", query_string=query)


def text_of(response) -> str:
    assert response.mimetype == "text/html"
    return response.get_data(as_text=True)


# --- the page of an authorisation -----------------------------------------------------------------


def test_the_page_shows_the_status_and_the_facts_in_chinese(client, authorisation):
    response = open_page(client, authorisation)
    assert response.status_code == 200
    html = text_of(response)
    assert '<html lang="zh-CN">' in html
    for shown in (
        "有效",
        "协助开展传染病防控和健康教育",
        authorisation.number,
        authorisation.department.name,
        "工作事项",
        "2026年9月1日",
        "2027年8月31日",
        "尚未生效",
        "查询时间",
        "2026年6月1日",
    ):
        assert shown in html, shown


def test_english_on_request(client, authorisation):
    html = text_of(open_page(client, authorisation, lang="en"))
    assert '<html lang="en">' in html
    for shown in ("Valid", "Work duty", "September 1, 2026", "August 31, 2027", "Checked on"):
        assert shown in html, shown
    assert "有效" not in html
    switch = [value for tag, name, value in links(html).refs if tag == "a" and "lang=zh" in value]
    assert switch and all(f"/verify/{authorisation.number}?" in value for value in switch)


def test_the_language_switch_keeps_the_query(client, authorisation):
    html = text_of(open_page(client, authorisation, community="LJ0101"))
    switch = next(value for tag, name, value in links(html).refs if tag == "a" and "lang=en" in value)
    query = parse_qs(urlsplit(switch.replace("&amp;", "&")).query)
    assert query == {
        "code": [verification_code(authorisation.number)],
        "community": ["LJ0101"],
        "lang": ["en"],
    }


def test_community_in_scope_and_not(client, world, authorisation):
    inside = text_of(open_page(client, authorisation, community="LJ0101"))
    assert "scope--in" in inside and "滨江社区" in inside and "在本准入许可的范围内" in inside
    other = world.community("LJ0201")
    outside = text_of(open_page(client, authorisation, community="LJ0201"))
    assert "scope--out" in outside and other.name in outside and "不在本准入许可的范围内" in outside
    unknown = text_of(open_page(client, authorisation, community="NOPE99"))
    assert "scope--out" in unknown and "NOPE99" in unknown
    hostile = text_of(open_page(client, authorisation, community='<script>alert("x")</script>'))
    assert "<script" not in hostile and "&lt;script&gt;" in hostile


@pytest.mark.parametrize(
    ("status", "word", "english"),
    [
        ("expired", "已过期", "Expired"),
        ("revoked", "已撤销", "Revoked"),
        ("superseded", "已被替代", "Superseded"),
    ],
)
def test_ended_authorisations_say_so(db, client, world, authorisation, status, word, english):
    successor = factories.approved(scope=LJ02).authorisation if status == "superseded" else None
    # Set directly: revocation, expiry and variation are being built in authorisations/lifecycle.py.
    authorisation.status = AuthorisationStatus(status)
    authorisation.ended_at = clock.now()
    if status == "revoked":
        authorisation.revoked_at = clock.now()
        authorisation.revoke_reason = "经核查，该事项不属于社区工作事项"
        authorisation.revoked_by_id = world.user("chair").id
    if successor is not None:
        authorisation.superseded_by_id = successor.id
    db.commit()
    html = text_of(open_page(client, authorisation))
    assert f"badge--{status}" in html and word in html
    assert english in text_of(open_page(client, authorisation, lang="en"))
    if status == "revoked":
        assert "经核查，该事项不属于社区工作事项" in html
        assert world.user("chair").name not in html
    # still in the scope, but no green "in scope" for an authorisation no longer in force
    scoped = text_of(open_page(client, authorisation, community="LJ0101"))
    assert "scope--ended" in scoped and "scope--in" not in scoped
    assert "在范围内，但许可已不再有效" in scoped


def test_a_superseded_page_links_to_its_successor(db, client, authorisation):
    successor = factories.approved(scope=LJ02).authorisation
    # Set directly: variation is being built in authorisations/lifecycle.py.
    authorisation.status = AuthorisationStatus.SUPERSEDED
    authorisation.superseded_by_id = successor.id
    authorisation.ended_at = clock.now()
    db.commit()
    html = text_of(open_page(client, authorisation, lang="en"))
    target = next(v for t, n, v in links(html).refs if t == "a" and successor.number in v)
    followed = client.get(target.replace("&amp;", "&"))
    assert followed.status_code == 200
    assert "badge--active" in text_of(followed) and successor.number in text_of(followed)
    assert '<html lang="en">' in text_of(followed)


def test_past_its_last_day_it_reads_expired(client, authorisation):
    with clock.frozen(dt.date(2027, 9, 1)):
        html = text_of(open_page(client, authorisation))
    assert "badge--expired" in html and "已过期" in html


# --- misses ---------------------------------------------------------------------------------------


def test_a_wrong_code_and_an_unknown_number_get_the_same_neutral_404_page(client, authorisation):
    number = authorisation.number
    wrong = client.get(f"/verify/{number}", query_string={"code": "0" * 16})
    malformed = client.get(f"/verify/{number}", query_string={"code": "not-a-code!"})
    unknown = client.get("/verify/XQ-2099-9999", query_string={"code": verification_code("XQ-2099-9999")})
    for response in (wrong, malformed, unknown):
        assert response.status_code == 404
        assert NOT_FOUND in text_of(response)
        assert authorisation.title not in text_of(response)
    # the same page, but for the code typed, which the language switch keeps
    assert text_of(wrong).replace("0" * 16, "?") == text_of(malformed).replace("not-a-code!", "?")
    assert text_of(unknown).replace(verification_code("XQ-2099-9999"), "?") == text_of(wrong).replace(
        "0" * 16, "?"
    ).replace(number, "XQ-2099-9999")


def test_a_number_without_code_asks_for_it(client, authorisation):
    response = client.get(f"/verify/{authorisation.number}")
    assert response.status_code == 200
    html = text_of(response)
    assert f'value="{authorisation.number}"' in html and 'name="code"' in html
    assert authorisation.title not in html


# --- the form -------------------------------------------------------------------------------------


def test_the_form(client):
    response = client.get("/verify")
    assert response.status_code == 200
    html = text_of(response)
    assert 'name="number"' in html and 'name="code"' in html and "校验码" in html


def test_the_form_leads_to_the_page_of_the_number(client, authorisation):
    number, code = authorisation.number, verification_code(authorisation.number)
    typed = {"number": f"  {number.lower()} ".replace("-", "－"), "code": f" {code[:8].upper()} {code[8:]} "}
    response = client.get("/verify", query_string={**typed, "lang": "en"})
    assert response.status_code == 303
    target = urlsplit(response.headers["Location"])
    assert target.path == f"/verify/{number}"  # case, full-width dashes and spaces undone
    assert parse_qs(target.query) == {"code": [code], "lang": ["en"]}
    assert authorisation.title in text_of(client.get(response.headers["Location"]))


def test_the_form_says_what_is_missing(client):
    response = client.get("/verify", query_string={"number": "XQ-2026-0001", "code": "  "})
    assert response.status_code == 422
    html = text_of(response)
    assert "请输入校验码" in html and 'value="XQ-2026-0001"' in html


# --- what the page loads, and its address ---------------------------------------------------------


def test_only_the_apps_own_stylesheet_and_no_script(client, authorisation):
    pages = [
        open_page(client, authorisation),
        open_page(client, authorisation, lang="en", community="LJ0101"),
        client.get("/verify"),
        client.get(f"/verify/{authorisation.number}", query_string={"code": "0" * 16}),
    ]
    for response in pages:
        html = text_of(response)
        found = links(html)
        assert "script" not in found.tags and "<script" not in html
        assert " style=" not in html  # the policy refuses inline styles
        for _tag, _name, value in found.refs:
            assert not value.startswith(("http://", "https://", "//")), value
        assert "http://" not in html and "https://" not in html
        assert "script-src" not in response.headers["Content-Security-Policy"]
        assert "default-src 'none'" in response.headers["Content-Security-Policy"]
        assert response.headers["Cache-Control"] == "no-store"
        stylesheets = [v for t, n, v in found.refs if t == "link" and v.endswith(".css")]
        assert len(stylesheets) == 1
        icons = [v for t, n, v in found.refs if t == "link" and not v.endswith(".css")]
        assert icons == ["/static/favicon.svg"]
        css = client.get(stylesheets[0])
        assert css.status_code == 200 and css.mimetype == "text/css"
        assert b".badge--revoked" in css.data
        css.close()


def test_the_address_on_notices_is_this_page(app, client, authorisation):
    printed = urlsplit(verification_url(authorisation.number))
    assert f"{printed.scheme}://{printed.netloc}" == app.config["BASE_URL"]
    with app.test_request_context():
        built = url_for(
            "verification_pages.result",
            number=authorisation.number,
            code=verification_code(authorisation.number),
        )
    assert f"{printed.path}?{printed.query}" == built
    response = client.get(f"{printed.path}?{printed.query}")
    assert response.status_code == 200 and authorisation.title in text_of(response)
