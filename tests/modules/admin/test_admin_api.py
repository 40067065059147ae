"""The API the admin's pages added: users (read, change, disable, enable, new password), departments
(create, read, change), jurisdictions (create, read, change and move); admin only, errors in the
error shape."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from gatekeeper.core import clock
from gatekeeper.modules.accounts.models import Role, User
from gatekeeper.modules.jurisdictions.models import Department, Jurisdiction
from tests.conftest import PASSWORD
from tests.factories import TODAY

API = "/api/v1"


@pytest.fixture(autouse=True)
def today():
    with clock.frozen(TODAY):
        yield


@pytest.fixture
def admin(login_as):
    return login_as("admin")


def error(answer, status: int, code: str | None = None) -> dict:
    assert answer.status_code == status, answer.get_data(as_text=True)[:300]
    body = answer.get_json()["error"]
    assert set(body) >= {"code", "message", "fields"}
    if code:
        assert body["code"] == code
    return body


def find(db, model, **where):
    db.expire_all()
    return db.scalar(sa.select(model).filter_by(**where))


# --- users ---------------------------------------------------------------------------------------


def test_users_are_listed_with_filters(admin):
    members = admin.get(f"{API}/users?role=member").get_json()
    assert members["total"] == 5 and {u["username"] for u in members["items"]} == {
        f"member{i}" for i in range(1, 6)
    }
    assert [u["username"] for u in admin.get(f"{API}/users?department=WJW").get_json()["items"]] == [
        "member1",
        "officer",
    ]
    assert admin.get(f"{API}/users?q=secre").get_json()["items"][0]["username"] == "secretariat"
    assert admin.get(f"{API}/users?active=false").get_json()["total"] == 0


def test_a_user_is_read_and_changed(admin, db):
    assert admin.get(f"{API}/users/officer").get_json()["department"] == "WJW"
    answer = admin.patch(f"{API}/users/officer", json={"role": "member", "gate": "LJ"})
    assert answer.status_code == 200
    body = answer.get_json()
    assert (body["role"], body["gate"], body["department"]) == ("member", "LJ", "WJW")
    answer = admin.patch(f"{API}/users/officer", json={"role": "community_head", "jurisdiction": "LJ0105"})
    body = answer.get_json()
    assert (body["role"], body["jurisdiction"], body["department"], body["gate"]) == (
        "community_head",
        "LJ0105",
        None,
        None,
    )


def test_a_change_that_leaves_a_role_without_its_attachment_is_422(admin, db):
    body = error(admin.patch(f"{API}/users/member1", json={"gate": None}), 422, "validation_error")
    assert "gate" in body["fields"]
    body = error(admin.patch(f"{API}/users/member1", json={"role": "street_officer"}), 422)
    assert "jurisdiction" in body["fields"]
    body = error(admin.patch(f"{API}/users/member1", json={"role": "officer", "department": "NOPE"}), 422)
    assert "department" in body["fields"]
    assert find(db, User, username="member1").role == Role.MEMBER


def test_a_role_change_ends_the_users_sessions(admin, page_as):
    member = page_as("member2")
    admin.patch(f"{API}/users/member2", json={"role": "chair"})
    answer = member.get("/notifications")
    assert answer.status_code == 303 and "/login" in answer.location


def test_disable_and_enable(admin, login_as, client, db):
    token_user = login_as("officer")
    body = admin.post(f"{API}/users/officer/disable", json={}).get_json()
    assert body["active"] is False
    error(token_user.get(f"{API}/me"), 401)
    login = client.post(f"{API}/auth/token", json={"username": "officer", "password": PASSWORD})
    error(login, 401)
    assert admin.post(f"{API}/users/officer/enable", json={}).get_json()["active"] is True
    assert (
        client.post(f"{API}/auth/token", json={"username": "officer", "password": PASSWORD}).status_code
        == 201
    )


def test_the_admin_cannot_disable_themselves(admin, db):
    body = error(admin.post(f"{API}/users/admin/disable", json={}), 422)
    assert "active" in body["fields"]
    assert find(db, User, username="admin").active


def test_a_new_password(admin, client):
    body = admin.post(f"{API}/users/head/password", json={}).get_json()
    assert body["username"] == "head" and len(body["password"]) >= 12
    assert (
        client.post(f"{API}/auth/token", json={"username": "head", "password": body["password"]}).status_code
        == 201
    )
    given = admin.post(f"{API}/users/head/password", json={"password": "chosen-password"}).get_json()
    assert given["password"] == ""
    error(admin.post(f"{API}/users/head/password", json={"password": "short"}), 422)


def test_an_unknown_user_is_404(admin):
    error(admin.get(f"{API}/users/nobody"), 404, "not_found")
    error(admin.patch(f"{API}/users/nobody", json={"name": "x"}), 404)
    error(admin.post(f"{API}/users/nobody/disable", json={}), 404)


@pytest.mark.parametrize("username", ["officer", "secretariat", "chair", "head"])
def test_user_changes_are_the_admins_only(login_as, db, username):
    api = login_as(username)
    error(api.get(f"{API}/users/member1"), 403, "forbidden")
    error(api.patch(f"{API}/users/member1", json={"name": "x"}), 403)
    error(api.post(f"{API}/users/member1/disable", json={}), 403)
    error(api.post(f"{API}/users/member1/enable", json={}), 403)
    error(api.post(f"{API}/users/member1/password", json={}), 403)
    error(api.get(f"{API}/users/nobody"), 403)  # nobody learns which names exist
    assert find(db, User, username="member1").active


# --- departments ---------------------------------------------------------------------------------


def test_a_department_is_created_read_and_changed(admin, db):
    answer = admin.post(f"{API}/departments", json={"code": "LSJ", "name": "区粮食局", "jurisdiction": "LJ"})
    assert answer.status_code == 201 and answer.get_json() == {
        "code": "LSJ",
        "name": "区粮食局",
        "jurisdiction": "LJ",
    }
    assert admin.get(f"{API}/departments?q=qlsj").get_json()["items"][0]["code"] == "LSJ"
    assert admin.get(f"{API}/departments/LSJ").get_json()["name"] == "区粮食局"
    answer = admin.patch(f"{API}/departments/LSJ", json={"name": "区粮食和物资储备局"})
    assert answer.get_json()["name"] == "区粮食和物资储备局"
    assert find(db, Department, code="LSJ").initials == "qlshwzcbj"


def test_department_errors(admin):
    body = error(
        admin.post(f"{API}/departments", json={"code": "MZJ", "name": "x", "jurisdiction": "LJ"}),
        409,
        "code_taken",
    )
    assert "code" in body["fields"]
    assert (
        "jurisdiction"
        in error(admin.post(f"{API}/departments", json={"code": "N1", "name": "x"}), 422)["fields"]
    )
    assert (
        "code"
        in error(
            admin.post(f"{API}/departments", json={"code": "a b", "name": "x", "jurisdiction": "LJ"}), 422
        )["fields"]
    )
    error(admin.patch(f"{API}/departments/NOPE", json={"name": "x"}), 404)
    error(admin.patch(f"{API}/departments/MZJ", json={"code": "X"}), 422)  # the code does not change


def test_departments_are_changed_by_the_admin_only(login_as):
    api = login_as("officer")
    error(api.post(f"{API}/departments", json={"code": "X1", "name": "x", "jurisdiction": "LJ"}), 403)
    error(api.patch(f"{API}/departments/MZJ", json={"name": "x"}), 403)
    assert api.get(f"{API}/departments/MZJ").status_code == 200  # reading stays open


# --- jurisdictions -------------------------------------------------------------------------------


def test_a_community_is_created_read_changed_and_moved(admin, db):
    answer = admin.post(
        f"{API}/jurisdictions",
        json={
            "level": "community",
            "code": "LJ0115",
            "name": "新社区",
            "parent": "LJ01",
            "type": "urban",
            "households": 900,
        },
    )
    assert answer.status_code == 201
    body = answer.get_json()
    assert (body["path"], body["parent"], body["households"], body["type"]) == (
        "/JC/LJ/LJ01/LJ0115/",
        "LJ01",
        900,
        "urban",
    )
    answer = admin.patch(f"{API}/jurisdictions/LJ0115", json={"parent": "LJ03", "households": 950})
    body = answer.get_json()
    assert (body["path"], body["parent"], body["households"]) == ("/JC/LJ/LJ03/LJ0115/", "LJ03", 950)
    assert admin.get(f"{API}/jurisdictions/LJ0115").get_json()["parent_name"] == "解放路街道"
    codes = [c["code"] for c in admin.get(f"{API}/communities?street=LJ03&per_page=200").get_json()["items"]]
    assert "LJ0115" in codes


def test_jurisdiction_errors(admin, db):
    taken = {"level": "street", "code": "LJ01", "name": "x", "parent": "LJ"}
    assert error(admin.post(f"{API}/jurisdictions", json=taken), 409, "code_taken")["fields"]["code"]
    village = {
        "level": "community",
        "code": "N1",
        "name": "x",
        "parent": "LJ01",
        "type": "rural",
        "households": -1,
    }
    assert "households" in error(admin.post(f"{API}/jurisdictions", json=village), 422)["fields"]
    no_type = {"level": "community", "code": "N2", "name": "x", "parent": "LJ01", "households": 3}
    assert "type" in error(admin.post(f"{API}/jurisdictions", json=no_type), 422)["fields"]
    city = {"level": "city", "code": "N3", "name": "x", "parent": "JC"}
    assert "level" in error(admin.post(f"{API}/jurisdictions", json=city), 422)["fields"]
    assert "parent" in error(admin.patch(f"{API}/jurisdictions/LJ0101", json={"parent": "LJ"}), 422)["fields"]
    assert "parent" in error(admin.patch(f"{API}/jurisdictions/LJ", json={"parent": "JC"}), 422)["fields"]
    error(admin.patch(f"{API}/jurisdictions/NOPE", json={}), 404)
    assert find(db, Jurisdiction, code="LJ0101").path == "/JC/LJ/LJ01/LJ0101/"


def test_jurisdictions_are_changed_by_the_admin_only(login_as):
    api = login_as("street")
    error(
        api.post(f"{API}/jurisdictions", json={"level": "street", "code": "X", "name": "x", "parent": "LJ"}),
        403,
    )
    error(api.patch(f"{API}/jurisdictions/LJ0101", json={"households": 1}), 403)
    assert api.get(f"{API}/jurisdictions/LJ0101").status_code == 200


def test_the_new_operations_are_documented(client):
    paths = client.get(f"{API}/openapi.json").get_json()["paths"]
    assert {"get", "patch"} <= set(paths["/api/v1/users/{username}"])
    for path in (
        "/api/v1/users/{username}/disable",
        "/api/v1/users/{username}/enable",
        "/api/v1/users/{username}/password",
    ):
        assert "post" in paths[path]
    assert "post" in paths["/api/v1/departments"] and "patch" in paths["/api/v1/departments/{code}"]
    assert "post" in paths["/api/v1/jurisdictions"] and "patch" in paths["/api/v1/jurisdictions/{code}"]
    assert "moves a" in paths["/api/v1/jurisdictions/{code}"]["patch"]["description"]
