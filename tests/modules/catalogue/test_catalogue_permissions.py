"""Who may do what with the catalogue, through the API, for every demo role.

Published versions: everybody logged in reads them; nobody changes them (the secretariat gets
409, everyone else 403). Drafts: the gate's secretariat, members and chair and the admin read
them, everybody else gets 404; only the secretariat changes them, the others who see them get 403.
"""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from catalogue_support import csv_bytes, native_row

from gatekeeper.modules.catalogue import permissions as perms
from gatekeeper.modules.catalogue.models import CatalogueVersion

API = "/api/v1/catalogue"
USERS = ("officer", "secretariat", "member2", "chair", "head", "street", "admin")
SEES_DRAFTS = {"secretariat", "member2", "chair", "admin"}
ENTRY = {"code": "PD-900", "title": "新事项", "kind": "ledger", "standing": "permitted", "reason": "新增"}


def _import(api, version_id):
    body = {"file": (io.BytesIO(csv_bytes([native_row()])), "x.csv"), "reason": "导入"}
    return api.post(f"{API}/versions/{version_id}/import", data=body, content_type="multipart/form-data")


READS = {
    "version": lambda api, v: api.get(f"{API}/versions/{v}"),
    "entries": lambda api, v: api.get(f"{API}/entries?version={v}"),
    "changes": lambda api, v: api.get(f"{API}/versions/{v}/changes"),
    "diff": lambda api, v: api.get(f"{API}/versions/{v}/diff?against={v}"),
    "export": lambda api, v: api.get(f"{API}/versions/{v}/export?format=xlsx"),
}


def _add(api, version_id):
    return api.post(f"{API}/versions/{version_id}/entries", json=ENTRY)


def _amend(api, version_id):
    return api.patch(f"{API}/versions/{version_id}/entries/PD-101", json={"notes": "n", "reason": "r"})


def _remove(api, version_id):
    return api.post(f"{API}/versions/{version_id}/entries/PD-101/remove", json={"reason": "r"})


def _publish(api, version_id):
    return api.post(f"{API}/versions/{version_id}/publish", json={})


WRITES = {
    "add": (201, _add),
    "amend": (200, _amend),
    "remove": (200, _remove),
    "import": (200, _import),
    "publish": (200, _publish),
}


@pytest.mark.parametrize("username", USERS)
@pytest.mark.parametrize("action", sorted(READS))
def test_reads(login_as, published, draft, username, action):
    api = login_as(username)
    assert READS[action](api, published.id).status_code == 200
    expected = 200 if username in SEES_DRAFTS else 404
    assert READS[action](api, draft.id).status_code == expected


@pytest.mark.parametrize("username", USERS)
@pytest.mark.parametrize("action", sorted(WRITES))
def test_writes_to_a_draft(login_as, draft, username, action):
    success, call = WRITES[action]
    response = call(login_as(username), draft.id)
    expected = {"secretariat": success}.get(username, 403 if username in SEES_DRAFTS else 404)
    assert response.status_code == expected, response.get_json()
    if expected >= 400:
        assert response.get_json()["error"]["code"] == {403: "forbidden", 404: "not_found"}[expected]


@pytest.mark.parametrize("username", USERS)
@pytest.mark.parametrize("action", sorted(WRITES))
def test_writes_to_a_published_version(login_as, published, username, action):
    _success, call = WRITES[action]
    response = call(login_as(username), published.id)
    expected = 409 if username == "secretariat" else 403
    assert response.status_code == expected, response.get_json()


@pytest.mark.parametrize("username", USERS)
def test_opening_a_draft(login_as, published, username):
    response = login_as(username).post(f"{API}/versions", json={"gate": "LJ", "label": "2027年版"})
    assert response.status_code == (201 if username == "secretariat" else 403)


@pytest.mark.parametrize("username", USERS)
def test_version_list(login_as, draft, username):
    states = [v["state"] for v in login_as(username).get(f"{API}/versions").get_json()["items"]]
    assert states == (["draft", "published"] if username in SEES_DRAFTS else ["published"])


def test_the_sql_condition_agrees_with_the_function(db, world, published, draft, other_gate):
    versions = [published, draft]
    for user in world.users.values():
        visible = set(db.scalars(sa.select(CatalogueVersion.id).where(perms.readable_versions(user))))
        assert visible == {v.id for v in versions if perms.can_read_version(user, v)}, user.username
