"""Who may open the administrator's pages: the admin only (403 for every other role, the log-in page
for nobody), every form refused without its CSRF token, the admin's menu and home."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from gatekeeper.core import clock
from gatekeeper.modules.accounts.models import User
from tests.factories import TODAY

GETS = (
    "/admin/",
    "/admin/users",
    "/admin/users/new",
    "/admin/users/officer",
    "/admin/users/officer/password",
    "/admin/departments",
    "/admin/departments/new",
    "/admin/departments/MZJ",
    "/admin/jurisdictions",
    "/admin/jurisdictions/new",
    "/admin/jurisdictions/LJ0101",
    "/admin/jurisdictions/LJ01",
    "/admin/gates",
    "/admin/gates/LJ",
    "/admin/calendar",
)
POSTS = (
    ("/admin/users/new", {"username": "x.y", "name": "X", "role": "admin"}),
    ("/admin/users/officer", {"name": "X", "role": "officer", "department": "MZJ"}),
    ("/admin/users/officer/disable", {}),
    ("/admin/users/officer/enable", {}),
    ("/admin/users/officer/password", {}),
    ("/admin/departments/new", {"code": "NEW", "name": "新部门", "jurisdiction": "LJ"}),
    ("/admin/departments/MZJ", {"name": "改名", "jurisdiction": "LJ"}),
    ("/admin/jurisdictions/new", {"level": "street", "code": "LJ09", "name": "新街道", "parent": "LJ"}),
    ("/admin/jurisdictions/LJ0101", {"name": "改名", "parent": "LJ02", "type": "urban", "households": "1"}),
    ("/admin/gates/LJ", {"name": "改名"}),
    ("/admin/calendar", {"year": "2026", "source": "builtin"}),
)
OTHERS = ("officer", "secretariat", "member1", "chair", "head", "street")


@pytest.fixture(autouse=True)
def today():
    with clock.frozen(TODAY):
        yield


@pytest.mark.parametrize("username", OTHERS)
def test_every_page_is_403_for_the_other_roles(page_as, username):
    browser = page_as(username)
    for url in GETS:
        assert browser.get(url).status_code == 403, url


@pytest.mark.parametrize("username", ["officer", "head"])
def test_every_action_is_403_for_the_other_roles_and_changes_nothing(page_as, db, username):
    browser = page_as(username)
    for url, data in POSTS:
        assert browser.form(url, data).status_code == 403, url
    officer = db.scalar(sa.select(User).where(User.username == "officer"))
    assert officer.active and officer.name == "张卫(区卫健委经办人)"


def test_nobody_logged_in_is_sent_to_log_in(anonymous_page):
    for url in GETS:
        answer = anonymous_page.get(url)
        assert answer.status_code == 303 and "/login" in answer.location, url


def test_every_page_opens_for_the_admin(page_as):
    admin = page_as("admin")
    for url in GETS:
        admin.text(url)


def test_a_post_without_its_csrf_token_is_refused(page_as, db):
    admin = page_as("admin")
    for url, data in POSTS:
        answer = admin.post(url, data=data)
        assert answer.status_code == 400, url
    officer = db.scalar(sa.select(User).where(User.username == "officer"))
    assert officer.active and officer.name == "张卫(区卫健委经办人)"


def test_the_admin_lands_on_the_overview_with_the_menu_and_the_sections(page_as):
    admin = page_as("admin")
    landing = admin.get("/")
    assert landing.status_code == 302 and landing.location.endswith("/admin/")
    html = admin.text("/admin/?lang=en")
    menu = re.search(r'<nav class="mainnav".*?</nav>', html, re.S).group(0)
    assert '<a href="/admin/" aria-current="page">Administration</a>' in menu
    tabs = re.search(r'<nav class="tabs admin-tabs".*?</nav>', html, re.S).group(0)
    for word in ("Overview", "Users", "Departments", "Jurisdictions", "Gates", "Calendar"):
        assert f">{word}</a>" in tabs
    user_page = admin.text("/admin/users/officer?lang=en")
    assert '<a href="/admin/users" aria-current="true">Users</a>' in user_page


def test_the_overview_counts_and_warns(page_as):
    html = page_as("admin").text("/admin/?lang=en")
    assert "The calendar has no data for next year (2027)" in html  # the tests load 2025 and 2026
    assert "The calendar has no data for 2026" not in html
    counts = dict(
        (label, int(number))
        for number, label in re.findall(
            r'stat-number">(\d+)</span>\s*<span class="stat-label">([^<]+)<', html
        )
    )
    assert counts["Departments"] == 33
    assert counts["Communities and villages"] == 80
    assert counts["Streets"] == 6
    assert counts["Gates"] == 1
    assert counts["Disabled users"] == 0


def test_other_roles_do_not_see_the_administration_menu(page_as):
    html = page_as("officer").text("/notifications?lang=en")
    assert "/admin/" not in html
