"""The admin's user pages: the list, creating users of every role (a generated password shown once),
editing the role and attachments (sessions end), disabling (the user's session and API token are
refused at once), enabling, a new password (sessions end)."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from gatekeeper.core import clock
from gatekeeper.core.audit import AuditEntry
from gatekeeper.modules.accounts.models import Role, User
from tests.conftest import PASSWORD
from tests.factories import TODAY


@pytest.fixture(autouse=True)
def today():
    with clock.frozen(TODAY):
        yield


@pytest.fixture
def admin(page_as):
    return page_as("admin")


def find(db, username: str) -> User | None:
    db.expire_all()
    return db.scalar(sa.select(User).where(User.username == username))


def refused(browser) -> bool:
    """The browser's session no longer works: a page sends it to log in."""
    answer = browser.get("/notifications")
    return answer.status_code == 303 and "/login" in answer.location


def rows(html: str) -> list[str]:
    return re.findall(r'<td data-label="[^"]*"><a href="/admin/users/([^"]+)"><code>', html)


# --- the list ------------------------------------------------------------------------------------


def test_the_list_filters_by_role_status_department_and_name(admin, db):
    assert set(rows(admin.text("/admin/users?role=member&per_page=50"))) == {
        f"member{i}" for i in range(1, 6)
    }
    assert rows(admin.text("/admin/users?department=WJW")) == ["member1", "officer"]
    assert rows(admin.text("/admin/users?q=%E9%83%91%E7%A7%80")) == ["head"]  # 郑秀 (part of the name)
    assert rows(admin.text("/admin/users?q=MEMBER3")) == ["member3"]  # user name, any case
    find(db, "member2").active = False
    db.commit()
    assert rows(admin.text("/admin/users?active=0")) == ["member2"]
    assert "member2" not in rows(admin.text("/admin/users?active=1&role=member"))


def test_the_list_sorts_and_pages(admin):
    first = rows(admin.text("/admin/users?sort=-username&per_page=10"))
    assert len(first) == 10 and first == sorted(first, reverse=True)
    page2 = rows(admin.text("/admin/users?sort=-username&per_page=10&page=2"))
    assert len(page2) == 10 and not set(first) & set(page2)
    by_role = admin.text("/admin/users?sort=role&per_page=100")
    assert rows(by_role)[-1] in {"street", "admin"}


def test_an_empty_list_says_what_to_do(admin):
    html = admin.text("/admin/users?q=nobody-like-this&lang=en")
    assert "No user matches these filters" in html and 'href="/admin/users/new"' in html


# --- creating ------------------------------------------------------------------------------------

ROLE_BODIES = {
    "officer": {"department": "MZJ"},
    "secretariat": {"gate": "LJ", "department": "MZJ"},
    "member": {"gate": "LJ", "department": "CZJ"},
    "chair": {"gate": "LJ"},
    "community_head": {"jurisdiction": "LJ0102"},
    "street_officer": {"jurisdiction": "LJ02"},
    "admin": {},
}


@pytest.mark.parametrize("role", list(ROLE_BODIES))
def test_a_user_of_every_role_is_created(admin, db, role):
    body = {
        "username": f"new.{role}",
        "name": "新用户",
        "role": role,
        "password": "a-good-password",
        **ROLE_BODIES[role],
    }
    answer = admin.form("/admin/users/new", body)
    assert answer.status_code == 303 and answer.location.endswith(f"/admin/users/new.{role}")
    made = find(db, f"new.{role}")
    assert made.role == Role(role) and made.active
    assert (made.department.code if made.department else None) == ROLE_BODIES[role].get("department")
    assert (made.gate.code if made.gate else None) == ROLE_BODIES[role].get("gate")
    assert (made.jurisdiction.code if made.jurisdiction else None) == ROLE_BODIES[role].get("jurisdiction")
    assert db.scalar(
        sa.select(AuditEntry).where(AuditEntry.action == "user.create", AuditEntry.object_id == str(made.id))
    )


def test_attachments_the_role_does_not_use_are_left_out(admin, db):
    body = {"username": "head2", "name": "社区书记", "role": "community_head", "jurisdiction": "LJ0103"}
    admin.form("/admin/users/new", {**body, "department": "MZJ", "gate": "LJ"})
    made = find(db, "head2")
    assert made.jurisdiction.code == "LJ0103" and made.department is None and made.gate is None


def test_a_generated_password_is_shown_once_and_works(admin, page_as, db):
    answer = admin.form(
        "/admin/users/new", {"username": "wang.li", "name": "王丽", "role": "officer", "department": "MZJ"}
    )
    assert answer.status_code == 200
    html = answer.get_data(as_text=True)
    password = re.search(r'<code id="generated-password">([^<]+)</code>', html).group(1)
    assert len(password) >= 12
    assert password not in admin.text("/admin/users/wang.li")  # never again
    assert "wang.li" in (find(db, "wang.li").username)
    page_as("wang.li", password)  # logs in with it


def test_an_officer_without_a_department_is_refused_beside_the_field(admin, db):
    answer = admin.form("/admin/users/new", {"username": "no.dept", "name": "无部门", "role": "officer"})
    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    assert re.search(r'id="f-department-error">\s*<span>[^<]+</span>', html)
    assert 'value="no.dept"' in html  # what was typed is kept
    assert find(db, "no.dept") is None


@pytest.mark.parametrize(
    "body, field",
    [
        ({"role": "member", "department": "CZJ"}, "gate"),
        ({"role": "community_head", "jurisdiction": "LJ01"}, "jurisdiction"),  # a street, not a community
        ({"role": "street_officer"}, "jurisdiction"),
        ({"role": "officer", "department": "NOPE"}, "department"),
        ({"role": "officer", "department": "MZJ", "password": "short"}, "password"),
    ],
)
def test_what_a_role_lacks_is_said_beside_its_field(admin, db, body, field):
    answer = admin.form("/admin/users/new", {"username": "lacking", "name": "缺项", **body})
    assert answer.status_code == 422
    assert f'id="f-{field}-error"' in answer.get_data(as_text=True)
    assert find(db, "lacking") is None


def test_a_taken_user_name_is_said_beside_the_field(admin, db):
    answer = admin.form("/admin/users/new", {"username": "Officer", "name": "重名", "role": "admin"})
    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    assert 'id="f-username-error"' in html and 'value="Officer"' in html
    assert db.scalar(sa.select(sa.func.count(User.id)).where(User.name == "重名")) == 0


# --- editing -------------------------------------------------------------------------------------


def test_changing_the_role_and_attachments_ends_the_users_sessions(admin, page_as, db):
    officer = page_as("officer")
    version = find(db, "officer").session_version
    answer = admin.form(
        "/admin/users/officer",
        {"name": "张卫", "role": "member", "gate": "LJ", "department": "WJW", "jurisdiction": ""},
    )
    assert answer.status_code == 303
    changed = find(db, "officer")
    assert changed.role == Role.MEMBER and changed.gate.code == "LJ" and changed.department.code == "WJW"
    assert changed.session_version == version + 1
    assert refused(officer)
    entry = db.scalar(
        sa.select(AuditEntry).where(AuditEntry.action == "user.update").order_by(AuditEntry.id.desc())
    )
    assert (
        entry.before["role"] == "officer"
        and entry.after["role"] == "member"
        and entry.after["sessions_ended"] == 1
    )
    page_as("officer")  # logs in again, with the new rights


def test_changing_only_the_name_keeps_the_sessions(admin, page_as, db):
    officer = page_as("officer")
    admin.form("/admin/users/officer", {"name": "张卫（改名）", "role": "officer", "department": "WJW"})
    assert find(db, "officer").name == "张卫（改名）"
    assert not refused(officer)


def test_a_blank_optional_attachment_is_cleared(admin, db):
    admin.form("/admin/users/member3", {"name": "赵刚", "role": "member", "gate": "LJ", "department": ""})
    assert find(db, "member3").department is None


def test_an_edit_with_a_missing_attachment_changes_nothing(admin, db):
    answer = admin.form("/admin/users/member2", {"name": "改了", "role": "officer", "department": ""})
    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    assert 'id="f-department-error"' in html and 'value="改了"' in html
    member = find(db, "member2")
    assert member.role == Role.MEMBER and member.name == "王芳(区民政局)"


def test_the_admin_cannot_change_their_own_role_nor_disable_themselves(admin, db):
    answer = admin.form("/admin/users/admin", {"name": "系统管理员", "role": "officer", "department": "MZJ"})
    assert answer.status_code == 422 and 'id="f-role-error"' in answer.get_data(as_text=True)
    assert 'action="/admin/users/admin/disable"' not in admin.text("/admin/users/admin")
    assert admin.form("/admin/users/admin/disable").status_code == 403
    assert find(db, "admin").role == Role.ADMIN and find(db, "admin").active


def test_an_unknown_user_is_404(admin):
    assert admin.get("/admin/users/nobody").status_code == 404
    assert admin.form("/admin/users/nobody/disable").status_code == 404


# --- disabling, enabling, passwords -------------------------------------------------------------


def test_disabling_refuses_the_users_session_and_token_at_once(admin, page_as, login_as, db):
    officer = page_as("officer")
    api = login_as("officer")
    assert not refused(officer) and api.get("/api/v1/me").status_code == 200
    html = admin.text("/admin/users/officer")
    assert (
        'action="/admin/users/officer/disable"' in html and 'action="/admin/users/officer/enable"' not in html
    )
    answer = admin.form("/admin/users/officer/disable")
    assert answer.status_code == 303 and answer.location.endswith("/admin/users/officer")
    assert refused(officer)
    assert api.get("/api/v1/me").status_code == 401
    assert not find(db, "officer").active
    again = admin.text("/admin/users/officer")
    assert (
        'action="/admin/users/officer/enable"' in again
        and 'action="/admin/users/officer/disable"' not in again
    )


def test_enabling_lets_the_user_log_in_again(admin, page_as, db):
    admin.form("/admin/users/member4/disable")
    assert admin.form("/admin/users/member4/enable").status_code == 303
    assert find(db, "member4").active
    page_as("member4")


def test_a_new_password_ends_the_users_sessions(admin, page_as, db):
    member = page_as("member5")
    answer = admin.form("/admin/users/member5/password", {"password": "another-password-1"})
    assert answer.status_code == 303
    assert refused(member)
    page_as("member5", "another-password-1")


def test_a_generated_new_password_is_shown_once(admin, page_as):
    answer = admin.form("/admin/users/street/password", {})
    assert answer.status_code == 200
    password = re.search(
        r'<code id="generated-password">([^<]+)</code>', answer.get_data(as_text=True)
    ).group(1)
    page_as("street", password)


def test_a_short_new_password_is_refused_beside_the_field(admin, page_as):
    answer = admin.form("/admin/users/head/password", {"password": "short"})
    assert answer.status_code == 422 and 'id="f-password-error"' in answer.get_data(as_text=True)
    page_as("head", PASSWORD)  # unchanged


def test_the_user_page_lists_their_deputies(admin, db, world):
    from gatekeeper.modules.accounts import operations as ops

    ops.name_deputy(
        world.user("member2"),
        world.user("member3"),
        TODAY,
        TODAY.replace(day=20),
        "出差",
        actor=world.user("admin"),
    )
    db.commit()
    html = admin.text("/admin/users/member2?lang=en")
    assert "Deputies" in html and "/admin/users/member3" in html and "出差" in html
    assert "/admin/users/member2" in admin.text("/admin/users/member3")


def test_an_emptied_name_is_refused(admin, db):
    answer = admin.form(
        "/admin/users/member1", {"name": "", "role": "member", "gate": "LJ", "department": "WJW"}
    )
    assert answer.status_code == 422 and 'id="f-name-error"' in answer.get_data(as_text=True)
    assert find(db, "member1").name == "陈健(区卫健委)"
