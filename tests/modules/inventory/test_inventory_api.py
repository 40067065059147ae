"""The inventory API: imports (preview and apply), items with filters, removal, progress."""

from __future__ import annotations

import io

import pytest

from tests.modules.inventory.inventory_support import (
    API,
    ROWS,
    counts,
    csv_bytes,
    import_rows,
    items_by_title,
)


def _upload(client, data: bytes, name: str = "inventory.csv", **form):
    body = {"file": (io.BytesIO(data), name), **form}
    return client.post(f"{API}/inventory/imports", data=body, content_type="multipart/form-data")


def test_dry_run_previews_each_row_and_writes_nothing(login_as):
    client = login_as("secretariat")
    before = counts()
    answer = _upload(client, csv_bytes(ROWS), dry_run="true")
    assert answer.status_code == 200, answer.json
    body = answer.json
    assert counts() == before
    assert body["id"] is None and body["dry_run"] is True
    assert (body["rows"], body["keep"], body["remove"]) == (8, 3, 5)
    first = body["items"][0]
    assert (first["row"], first["community"], first["kind"], first["title"]) == (
        2,
        "LJ0101",
        "certificate",
        "亲属关系证明",
    )
    assert first["status"] == "remove"
    assert [f["code"] for f in first["findings"]] == ["NEGATIVE_LIST", "OUT_OF_CATALOGUE"]
    assert "负面清单" in first["findings"][0]["message"]


def test_import_then_list(login_as):
    client = login_as("secretariat")
    answer = _upload(client, csv_bytes(ROWS))
    assert answer.status_code == 200, answer.json
    assert answer.json["id"] is not None
    listing = client.get(f"{API}/inventory/imports").json
    assert listing["total"] == 1 and listing["items"][0]["rows"] == 8
    assert listing["items"][0]["sha256"] == answer.json["sha256"]


def test_english_messages_for_an_english_reader(login_as):
    client = login_as("secretariat")
    answer = client.post(
        f"{API}/inventory/imports",
        data={"file": (io.BytesIO(csv_bytes(ROWS[:1])), "a.csv"), "dry_run": "true"},
        content_type="multipart/form-data",
        headers={"Accept-Language": "en"},
    )
    assert "negative-list" in answer.json["items"][0]["findings"][0]["message"]


def test_a_malformed_file_is_a_422_naming_row_and_column(login_as):
    client = login_as("secretariat")
    before = counts()
    answer = _upload(client, csv_bytes([ROWS[0], ("LJ0101", "magic", "某牌子", "", "", "")]))
    assert answer.status_code == 422
    error = answer.json["error"]
    assert error["code"] == "invalid_file"
    assert list(error["fields"]) == ["rows.3.kind"]
    assert error["problems"][0]["row"] == 3
    assert counts() == before


def test_no_file_is_a_422(login_as):
    answer = login_as("secretariat").post(
        f"{API}/inventory/imports", data={"dry_run": "true"}, content_type="multipart/form-data"
    )
    assert answer.status_code == 422
    assert "file" in answer.json["error"]["fields"]


@pytest.mark.parametrize("username", ["chair", "head", "street", "officer"])
def test_only_the_secretariat_and_admin_import(login_as, username):
    answer = _upload(login_as(username), csv_bytes(ROWS), dry_run="true")
    assert answer.status_code == 403
    assert answer.json["error"]["code"] == "forbidden"


def test_admin_imports(login_as):
    assert _upload(login_as("admin"), csv_bytes(ROWS[:2]), gate="LJ").status_code == 200


def test_items_filtered_and_paginated(db, world, login_as):
    import_rows(world)
    client = login_as("secretariat")
    page = client.get(f"{API}/inventory/items?per_page=3").json
    assert (page["total"], page["per_page"], len(page["items"]), page["pages"]) == (8, 3, 3, 3)
    assert client.get(f"{API}/inventory/items?street=LJ01").json["total"] == 6
    assert client.get(f"{API}/inventory/items?community=LJ0102").json["total"] == 2
    assert client.get(f"{API}/inventory/items?kind=certificate").json["total"] == 3
    assert client.get(f"{API}/inventory/items?status=keep").json["total"] == 3
    assert client.get(f"{API}/inventory/items?department=MZJ").json["total"] == 2
    one = client.get(f"{API}/inventory/items?q=养犬").json["items"][0]
    assert one["community"] == "LJ0102" and one["street"] == "LJ01" and one["status"] == "remove"
    assert client.get(f"{API}/inventory/items?kind=nonsense").status_code == 422


def test_a_head_and_a_department_see_their_own_part(db, world, login_as):
    import_rows(world)
    head = login_as("head").get(f"{API}/inventory/items").json
    assert {i["community"] for i in head["items"]} == {"LJ0101"} and head["total"] == 4
    officer = login_as("mzj.officer").get(f"{API}/inventory/items").json
    assert {i["department"] for i in officer["items"]} == {"MZJ"}
    other = items_by_title(world)["居民养犬证明"]
    assert login_as("head").get(f"{API}/inventory/items/{other.id}").status_code == 404


def test_removal_by_the_head(db, world, login_as):
    import_rows(world)
    items = items_by_title(world)
    client = login_as("head")
    answer = client.post(
        f"{API}/inventory/items/{items['亲属关系证明'].id}/removal",
        json={"removed_on": "2026-05-20", "note": "已停"},
    )
    assert answer.status_code == 200, answer.json
    assert answer.json["status"] == "removed" and answer.json["removed_on"] == "2026-05-20"
    again = client.post(f"{API}/inventory/items/{items['亲属关系证明'].id}/removal", json={})
    assert again.status_code == 409 and again.json["error"]["code"] == "invalid_transition"
    keep = client.post(f"{API}/inventory/items/{items['新时代文明实践站'].id}/removal", json={})
    assert keep.status_code == 409
    future = client.post(
        f"{API}/inventory/items/{items['禁毒工作站'].id}/removal", json={"removed_on": "2030-01-01"}
    )
    assert future.status_code == 422 and "removed_on" in future.json["error"]["fields"]
    bad = client.post(f"{API}/inventory/items/{items['禁毒工作站'].id}/removal", json={"removed_on": "soon"})
    assert bad.status_code == 422


def test_a_removal_is_taken_back_through_the_api(db, world, login_as):
    import_rows(world)
    item = items_by_title(world)["亲属关系证明"]
    office = login_as("secretariat")
    url = f"{API}/inventory/items/{item.id}/removal/undo"
    assert office.post(url, json={"note": "核实"}).status_code == 409  # not removed yet
    assert office.post(f"{API}/inventory/items/{item.id}/removal", json={}).status_code == 200
    missing = office.post(url, json={})
    assert missing.status_code == 422 and "note" in missing.get_json()["error"]["fields"]
    undone = office.post(url, json={"note": "牌子仍在"})
    assert undone.status_code == 200 and undone.get_json()["status"] == "remove"
    assert login_as("member2").post(url, json={"note": "x"}).status_code in (403, 404)


def test_removal_refused_to_others(db, world, login_as):
    import_rows(world)
    items = items_by_title(world)
    assert (
        login_as("street")
        .post(f"{API}/inventory/items/{items['亲属关系证明'].id}/removal", json={})
        .status_code
        == 403
    )
    assert (
        login_as("head").post(f"{API}/inventory/items/{items['死亡证明'].id}/removal", json={}).status_code
        == 404
    )
    assert login_as("secretariat").post(f"{API}/inventory/items/999999/removal", json={}).status_code == 404


def test_recheck(db, world, login_as):
    import_rows(world)
    item = items_by_title(world)["禁毒工作站"]
    client = login_as("secretariat")
    assert client.post(f"{API}/inventory/items/{item.id}/recheck", json={}).status_code == 422
    answer = client.post(f"{API}/inventory/items/{item.id}/recheck", json={"note": "复核"})
    assert answer.status_code == 200 and answer.json["status"] == "remove"
    assert (
        login_as("head").post(f"{API}/inventory/items/{item.id}/recheck", json={"note": "x"}).status_code
        == 403
    )


def test_progress(db, world, login_as):
    import_rows(world)
    client = login_as("secretariat")
    client.post(f"{API}/inventory/items/{items_by_title(world)['死亡证明'].id}/removal", json={})
    body = client.get(f"{API}/inventory/progress").json
    assert body["total"] == {"items": 8, "to_remove": 5, "removed": 1, "pending": 4, "percent_done": 20.0}
    lj02 = client.get(f"{API}/inventory/progress?street=LJ02").json
    assert lj02["communities"] == [
        {
            "code": "LJ0201",
            "name": lj02["communities"][0]["name"],
            "street": "LJ02",
            "items": 2,
            "to_remove": 1,
            "removed": 1,
            "pending": 0,
            "percent_done": 100.0,
        }
    ]
    street = login_as("street").get(f"{API}/inventory/progress").json
    assert [line["code"] for line in street["streets"]] == ["LJ01"]
    assert login_as("head").get(f"{API}/inventory/progress?community=LJ0201").json["total"]["items"] == 0


def test_apply_exactly_the_previewed_file_by_its_sha256(login_as):
    client = login_as("secretariat")
    preview = _upload(client, csv_bytes(ROWS), dry_run="true").json
    other = _upload(client, csv_bytes(ROWS[:2]), sha256=preview["sha256"])
    assert other.status_code == 409 and other.json["error"]["code"] == "file_changed"
    assert counts()[1] == 0
    same = _upload(client, csv_bytes(ROWS), sha256=preview["sha256"])
    assert same.status_code == 200 and same.json["rows"] == 8
