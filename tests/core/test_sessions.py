"""Browser sessions: log-in through the form, throttling, CSRF, and sessions that end for good.

- the log-in page is public; a wrong password is said on the page (401) with the user name kept; too
  many failures answer 429 like the API's token requests;
- every form post and every API call made with the session cookie needs the session's CSRF token; a
  bearer client needs none;
- log-out, a password change and disabling the user end sessions: a copy of the old cookie, sent
  again, is refused; sessions also end after the idle time and the absolute time;
- ``next`` after log-in and the language switch only ever lead to a page of this site.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from gatekeeper.core import clock
from gatekeeper.core.audit import AuditEntry
from gatekeeper.modules.accounts import operations as account_ops
from gatekeeper.modules.accounts.models import SessionEnd, User, UserSession
from tests.conftest import PASSWORD
from tests.factories import TODAY

COOKIE = "gatekeeper_session"


@pytest.fixture(autouse=True)
def today():
    with clock.frozen(TODAY):
        yield


def cookie(browser) -> str:
    return browser.get_cookie(COOKIE).value


def logged_in(browser) -> bool:
    answer = browser.get("/notifications")
    return answer.status_code == 200


def officer(db) -> User:
    return db.scalar(sa.select(User).where(User.username == "officer"))


# --- log-in ---------------------------------------------------------------------------------------


def test_the_log_in_page_is_public_and_chinese_by_default(anonymous_page):
    html = anonymous_page.text("/login")
    assert "登录" in html and 'lang="zh-CN"' in html
    assert 'autocomplete="current-password"' in html
    assert anonymous_page.get("/").headers["Location"].endswith("/login")


def test_pages_behind_the_log_in_send_anonymous_visitors_to_it_and_back(anonymous_page):
    answer = anonymous_page.get("/notifications?unread=1")
    assert answer.status_code == 303
    assert answer.headers["Location"] == "/login?next=/notifications?unread%3D1"
    logged = anonymous_page.post(
        "/login",
        data={
            "username": "officer",
            "password": PASSWORD,
            "next": "/notifications?unread=1",
            "csrf_token": anonymous_page.csrf,
        },
    )
    assert logged.status_code == 303 and logged.headers["Location"] == "/notifications?unread=1"


def test_a_wrong_password_is_said_on_the_page_with_the_name_kept(anonymous_page, db):
    answer = anonymous_page.post(
        "/login", data={"username": "officer", "password": "wrong", "csrf_token": anonymous_page.csrf}
    )
    html = answer.get_data(as_text=True)
    assert answer.status_code == 401
    assert "用户名或密码错误" in html
    assert 'value="officer"' in html
    assert not logged_in(anonymous_page)
    assert db.scalar(sa.select(sa.func.count(UserSession.id))) == 0


def test_missing_fields_are_said_beside_them(anonymous_page):
    answer = anonymous_page.post("/login", data={"username": "", "csrf_token": anonymous_page.csrf})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert html.count('class="field-error"') == 2


def test_log_in_is_throttled_like_the_api(app, anonymous_page):
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        data = {"username": "chair", "password": "guess", "csrf_token": anonymous_page.csrf}
        assert anonymous_page.post("/login", data=data).status_code == 401
    data = {"username": "chair", "password": PASSWORD, "csrf_token": anonymous_page.csrf}
    answer = anonymous_page.post("/login", data=data)
    assert answer.status_code == 429
    assert "尝试次数过多" in answer.get_data(as_text=True)
    assert not logged_in(anonymous_page)


def test_a_successful_log_in_starts_a_recorded_session_and_lands_on_the_home_page(page_as, db):
    page_as("officer")
    row = db.scalar(sa.select(UserSession).join(User).where(User.username == "officer"))
    assert row is not None and row.ended_at is None
    assert row.expires_at - row.created_at == dt.timedelta(hours=12)
    assert len(row.token_hash) == 64
    actions = db.scalars(sa.select(AuditEntry.action).where(AuditEntry.action == "auth.login")).all()
    assert actions == ["auth.login"]


@pytest.mark.parametrize(
    "target", ["https://evil.example/x", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"]
)
def test_next_never_leads_off_the_site(anonymous_page, target):
    data = {"username": "officer", "password": PASSWORD, "next": target, "csrf_token": anonymous_page.csrf}
    answer = anonymous_page.post("/login", data=data)
    assert answer.status_code == 303
    assert answer.headers["Location"].startswith("/") and not answer.headers["Location"].startswith("//")
    assert "evil" not in answer.headers["Location"]


# --- CSRF -----------------------------------------------------------------------------------------


def test_a_form_without_the_csrf_token_is_refused(anonymous_page):
    answer = anonymous_page.post("/login", data={"username": "officer", "password": PASSWORD})
    assert answer.status_code == 400
    assert "表单已过期" in answer.get_data(as_text=True)
    assert not logged_in(anonymous_page)


def test_a_forged_token_is_refused_and_logout_needs_the_token_too(page_as):
    browser = page_as("officer")
    assert browser.post("/logout", data={"csrf_token": "forged"}).status_code == 400
    assert browser.post("/logout").status_code == 400
    assert logged_in(browser)


def test_the_browsers_api_calls_need_the_token_but_bearer_clients_do_not(page_as, login_as):
    browser = page_as("officer")
    refused = browser.post("/api/v1/notifications/read-all", json={})
    assert refused.status_code == 400
    assert refused.get_json()["error"]["code"] == "csrf_failed"
    allowed = browser.post("/api/v1/notifications/read-all", json={}, headers={"X-CSRFToken": browser.csrf})
    assert allowed.status_code == 200
    assert login_as("officer").post("/api/v1/notifications/read-all", json={}).status_code == 200


def test_a_bearer_header_makes_the_cookie_irrelevant(page_as):
    browser = page_as("officer")
    answer = browser.get("/api/v1/me", headers={"Authorization": "Bearer gk_not-a-token"})
    assert answer.status_code == 401  # the token decides, not the session next to it


# --- sessions end for good ------------------------------------------------------------------------


def test_log_out_ends_the_session_and_a_replayed_cookie_is_refused(page_as, db):
    browser = page_as("officer")
    copied = cookie(browser)
    answer = browser.form("/logout")
    assert answer.status_code == 303 and answer.headers["Location"] == "/login"
    assert not logged_in(browser)
    browser.set_cookie(COOKIE, copied)
    assert browser.get("/notifications").status_code == 303
    row = db.scalar(sa.select(UserSession))
    assert row.ended_at is not None and row.end_reason == SessionEnd.LOGOUT


def test_log_out_ends_only_this_browsers_session(page_as):
    first, second = page_as("officer"), page_as("officer")
    first.form("/logout")
    assert not logged_in(first)
    assert logged_in(second)


def test_a_password_change_ends_every_other_session(page_as, db):
    mine, other = page_as("officer"), page_as("officer")
    copied = cookie(mine)
    changed = mine.form(
        "/account/password",
        {
            "current_password": PASSWORD,
            "new_password": "new-password-9",
            "confirm_password": "new-password-9",
        },
    )
    assert changed.status_code == 303
    assert logged_in(mine), "the browser that changed it stays logged in, on a new session"
    assert not logged_in(other)
    other.set_cookie(COOKIE, copied)
    assert not logged_in(other)
    reasons = db.scalars(sa.select(UserSession.end_reason).where(UserSession.ended_at.is_not(None))).all()
    assert sorted(reasons) == [SessionEnd.PASSWORD, SessionEnd.PASSWORD]


def test_a_wrong_current_password_changes_nothing(page_as, db):
    browser = page_as("officer")
    before = officer(db).password_hash
    answer = browser.form(
        "/account/password",
        {"current_password": "wrong", "new_password": "new-password-9", "confirm_password": "new-password-9"},
    )
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert re.search(r'id="f-current-password-error">\s*<span>当前密码不正确', html)
    db.expire_all()
    assert officer(db).password_hash == before
    assert logged_in(browser)


def test_new_passwords_that_differ_are_said_beside_the_second(page_as):
    answer = page_as("officer").form(
        "/account/password",
        {"current_password": PASSWORD, "new_password": "new-password-9", "confirm_password": "other-9999"},
    )
    assert answer.status_code == 422
    assert 'id="f-confirm-password-error"' in answer.get_data(as_text=True)


def test_disabling_a_user_ends_their_sessions(page_as, db, world):
    browser = page_as("officer")
    account_ops.set_active(officer(db), False, actor=world.user("admin"))
    db.commit()
    assert not logged_in(browser)
    account_ops.set_active(officer(db), True, actor=world.user("admin"))
    db.commit()
    assert not logged_in(browser), "enabling again does not bring an ended session back"


def test_a_session_ends_after_the_idle_time(app, page_as):
    browser = page_as("officer")
    idle = app.config["SESSION_IDLE_MINUTES"]
    start = clock.now()
    with clock.frozen(start + dt.timedelta(minutes=idle - 1)):
        assert logged_in(browser)
    with clock.frozen(start + dt.timedelta(minutes=2 * idle - 2)):
        assert logged_in(browser), "each request restarts the idle time"
    with clock.frozen(start + dt.timedelta(minutes=3 * idle)):
        answer = browser.get("/notifications")
        assert answer.status_code == 303 and answer.headers["Location"].startswith("/login")
        assert "长时间未操作" in browser.text("/login")


def test_a_session_ends_after_its_hours_however_busy(app, page_as):
    browser = page_as("officer")
    start = clock.now()
    step = dt.timedelta(minutes=app.config["SESSION_IDLE_MINUTES"] - 1)
    moment = start
    while moment < start + dt.timedelta(hours=app.config["SESSION_MAX_HOURS"]) - step:
        moment += step
        with clock.frozen(moment):
            assert logged_in(browser)
    with clock.frozen(start + dt.timedelta(hours=app.config["SESSION_MAX_HOURS"], minutes=1)):
        assert not logged_in(browser)


def test_the_session_cookie_is_http_only_and_same_site(page_as):
    browser = page_as("officer")
    jar = browser.get_cookie(COOKIE)
    assert jar.http_only and jar.same_site == "Lax"


# --- answers --------------------------------------------------------------------------------------


def test_pages_carry_security_headers_and_logged_in_pages_are_not_cached(page_as, anonymous_page):
    page = page_as("officer").get("/notifications")
    csp = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert page.headers["X-Frame-Options"] == "DENY"
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert page.headers["Cache-Control"] == "no-store"
    public = anonymous_page.get("/login")
    assert public.headers["X-Frame-Options"] == "DENY"
    assert "no-store" not in public.headers.get("Cache-Control", "")


def test_pages_have_no_inline_script_or_style(page_as):
    html = page_as("officer").text("/notifications")
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []
    assert " style=" not in html and "<style" not in html


def test_an_unknown_page_is_an_html_404_and_an_unknown_api_url_json(anonymous_page, client):
    page = anonymous_page.get("/no-such-page")
    assert page.status_code == 404 and page.mimetype == "text/html"
    assert "页面不存在" in page.get_data(as_text=True)
    api = client.get("/api/v1/no-such-thing")
    assert api.status_code == 404 and api.get_json()["error"]["code"] == "not_found"


def test_the_language_switch_keeps_the_choice_and_stays_on_the_site(anonymous_page):
    answer = anonymous_page.get("/lang/en?next=/login")
    assert answer.status_code == 303 and answer.headers["Location"] == "/login"
    assert anonymous_page.get_cookie("lang").value == "en"
    html = anonymous_page.text("/login")
    assert 'lang="en"' in html and "User name" in html and "用户名" not in html
    assert anonymous_page.get("/lang/zh?next=//evil.example").headers["Location"] == "/"
    assert 'lang="zh-CN"' in anonymous_page.text("/login")


def test_the_switch_link_drops_a_language_named_in_the_address(anonymous_page):
    html = anonymous_page.text("/login?lang=en")
    link = re.search(r'class="lang-switch[^"]*" href="([^"]+)"', html).group(1)
    assert link == "/lang/zh?next=/login"
