"""The catalogue API: shapes of answers, errors, and query counts of the entry list."""

from __future__ import annotations

import io
from urllib.parse import unquote

import openpyxl
import pytest
from catalogue_support import SAMPLE, csv_bytes, csv_table, native_row, snapshot
from sqlalchemy import event

from gatekeeper.extensions import db as extension_db
from gatekeeper.modules.catalogue import operations as ops

API = "/api/v1/catalogue"
ENTRY_KEYS = {
    "code",
    "title",
    "kind",
    "standing",
    "role",
    "legal_basis",
    "department",
    "funding_standard",
    "version",
    "list_name",
    "source",
    "notes",
    "requires_premises",
    "requires_staff",
}
NEW_ENTRY = {
    "code": "PD-900",
    "title": "协助开展居家养老服务需求调查",
    "kind": "duty",
    "standing": "permitted",
    "role": "assist",
    "legal_basis": "《中华人民共和国老年人权益保障法》",
    "department": "区民政局",
    "funding_standard": {"basis": "per_community", "amount_fen": 1000001},
    "reason": "新增协助事项",
}


def upload(api, version_id: int, data: bytes, filename: str = "catalogue.csv", **form):
    body = {"file": (io.BytesIO(data), filename), "reason": "年度修订", **form}
    return api.post(f"{API}/versions/{version_id}/import", data=body, content_type="multipart/form-data")


def error_of(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == code and error["message"] and isinstance(error["fields"], dict)
    return error


# --- entries --------------------------------------------------------------------------------


def test_entries_of_the_current_version(login_as, published):
    body = login_as("officer").get(f"{API}/entries?per_page=200").get_json()
    assert (body["total"], body["page"], body["per_page"]) == (97, 1, 200)
    assert len(body["items"]) == 97
    item = next(i for i in body["items"] if i["code"] == "PD-103")
    assert set(item) == ENTRY_KEYS
    assert item["funding_standard"] == {
        "basis": "per_community",
        "amount_fen": 150000,
        "amount_yuan": "1500.00",
    }
    assert item["version"] == {
        "id": published.id,
        "number": 1,
        "label": published.label,
        "state": "published",
    }
    assert (item["kind"], item["standing"], item["role"]) == ("duty", "permitted", "assist")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("kind=duty&q=残疾人基本状况", {"PD-103"}),
        (
            "q=pd-10",
            {"PD-101", "PD-102", "PD-103", "PD-104", "PD-105", "PD-106", "PD-107", "PD-108", "PD-109"},
        ),
        ("q=XZKZCXJMZDSHBZ", {"PD-101"}),  # pinyin initials, any case
        ("q=100%25", set()),  # a literal %, not a wildcard
        ("standing=banned&q=亲属关系", {"NC-001"}),
        ("gate=LJ&kind=sign&standing=banned&q=zzz", set()),
    ],
)
def test_entry_filters(login_as, query, expected):
    body = login_as("head").get(f"{API}/entries?per_page=200&{query}").get_json()
    assert {i["code"] for i in body["items"]} == expected


def test_entries_of_a_draft_only_for_those_who_see_it(login_as, draft):
    assert login_as("secretariat").get(f"{API}/entries?version={draft.id}").get_json()["total"] == 97
    error_of(login_as("officer").get(f"{API}/entries?version={draft.id}"), 404, "not_found")
    error_of(login_as("officer").get(f"{API}/entries?version=999999"), 404, "not_found")


def test_entry_query_errors(login_as, published, other_gate):
    api = login_as("officer")
    error_of(api.get(f"{API}/entries?gate=NOPE"), 422, "validation_error")
    error_of(api.get(f"{API}/entries?kind=plaque"), 422, "validation_error")
    error_of(api.get(f"{API}/entries?per_page=201"), 422, "validation_error")
    error_of(api.get(f"{API}/entries?version={published.id}&gate=QT"), 422, "validation_error")
    # Two gates now: the officer names none and sits at none.
    assert "gate" in error_of(api.get(f"{API}/entries"), 422, "validation_error")["fields"]
    assert login_as("secretariat").get(f"{API}/entries").get_json()["total"] == 97  # their own gate
    assert api.get(f"{API}/entries?gate=QT").get_json()["total"] == 0  # no version yet
    assert login_as("admin").get(f"{API}/entries").status_code == 422


def test_entry_list_needs_a_log_in(client):
    error_of(client.get(f"{API}/entries"), 401, "unauthenticated")


def test_entry_list_uses_a_constant_number_of_queries(login_as, published):
    api = login_as("street")
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(extension_db.engine, "before_cursor_execute", count)
    try:
        counts = []
        for per_page in (10, 200):
            statements.clear()
            body = api.get(f"{API}/entries?per_page={per_page}").get_json()
            assert len(body["items"]) == min(per_page, 97)
            counts.append(len(statements))
    finally:
        event.remove(extension_db.engine, "before_cursor_execute", count)
    assert counts[0] == counts[1], counts
    assert counts[0] <= 10


# --- versions -------------------------------------------------------------------------------


def test_version_list_hides_drafts_from_outsiders(login_as, published, draft):
    for username, numbers in (("officer", [1]), ("head", [1]), ("member2", [2, 1]), ("admin", [2, 1])):
        body = login_as(username).get(f"{API}/versions?gate=LJ").get_json()
        assert [v["number"] for v in body["items"]] == numbers, username
        assert body["total"] == len(numbers)
    item = login_as("chair").get(f"{API}/versions").get_json()["items"][0]
    assert item["state"] == "draft" and item["based_on"] == published.id
    assert item["gate"] == "LJ" and item["created_by"] == "secretariat" and item["published_at"] is None


def test_version_detail_counts_entries(login_as, published):
    body = login_as("officer").get(f"{API}/versions/{published.id}").get_json()
    assert body["state"] == "published" and body["published_by"] == "admin"
    counts = body["counts"]
    assert counts["total"] == 97 and sum(counts["by_kind"].values()) == 97
    assert set(counts["by_kind"]) == {
        "duty",
        "sign",
        "ledger",
        "appraisal",
        "certificate",
        "mechanism",
        "system",
    }
    assert counts["by_standing"]["banned"] == 25
    error_of(login_as("officer").get(f"{API}/versions/999999"), 404, "not_found")


def test_create_a_draft(login_as, world, published, other_gate):
    api = login_as("secretariat")
    response = api.post(f"{API}/versions", json={"label": "2027年版", "notes": "年度修订"})
    assert response.status_code == 201
    body = response.get_json()
    assert (body["number"], body["state"], body["gate"], body["based_on"]) == (2, "draft", "LJ", published.id)
    error = error_of(api.post(f"{API}/versions", json={"gate": "LJ", "label": "again"}), 409, "draft_exists")
    assert error["message"]
    error_of(api.post(f"{API}/versions", json={"gate": "QT", "label": "x"}), 403, "forbidden")
    error_of(api.post(f"{API}/versions", json={"gate": "NOPE", "label": "x"}), 422, "validation_error")
    assert "label" in error_of(api.post(f"{API}/versions", json={}), 422, "validation_error")["fields"]
    error_of(
        api.post(f"{API}/versions", data="{not json", content_type="application/json"), 400, "malformed_json"
    )


# --- entries of a draft ---------------------------------------------------------------------


def test_add_amend_remove_and_the_changes(login_as, draft):
    api = login_as("secretariat")
    response = api.post(f"{API}/versions/{draft.id}/entries", json=NEW_ENTRY)
    assert response.status_code == 201
    body = response.get_json()
    assert set(body) == ENTRY_KEYS
    assert body["funding_standard"] == {
        "basis": "per_community",
        "amount_fen": 1000001,
        "amount_yuan": "10000.01",
    }
    assert body["version"]["state"] == "draft"
    body = api.patch(
        f"{API}/versions/{draft.id}/entries/PD-900", json={"notes": "每年一次", "reason": "说明"}
    ).get_json()
    assert body["notes"] == "每年一次"
    patch = {"funding_standard": {"basis": "none"}, "reason": "取消经费"}
    assert api.patch(f"{API}/versions/{draft.id}/entries/PD-900", json=patch).get_json()[
        "funding_standard"
    ] == {
        "basis": "none",
        "amount_fen": 0,
        "amount_yuan": "0.00",
    }
    response = api.post(f"{API}/versions/{draft.id}/entries/PD-900/remove", json={"reason": "并入"})
    assert response.status_code == 200
    assert response.get_json()["action"] == "remove" and response.get_json()["before"]["code"] == "PD-900"
    changes = api.get(f"{API}/versions/{draft.id}/changes?per_page=2").get_json()
    assert (changes["total"], changes["pages"]) == (4, 2)
    first = changes["items"][0]
    assert set(first) == {"id", "code", "action", "reason", "before", "after", "at", "actor"}
    assert (first["action"], first["reason"], first["actor"]) == ("add", "新增协助事项", "secretariat")
    second_page = api.get(f"{API}/versions/{draft.id}/changes?per_page=2&page=2").get_json()["items"]
    assert [c["action"] for c in changes["items"] + second_page] == ["add", "interpret", "amend", "remove"]


MONEY = "funding_standard.amount_fen"


def _funding(**funding) -> dict:
    return {**NEW_ENTRY, "funding_standard": {"basis": "per_community", **funding}}


BAD_ENTRIES = [
    ("missing reason", {k: v for k, v in NEW_ENTRY.items() if k != "reason"}, 422, "reason"),
    ("blank reason", {**NEW_ENTRY, "reason": "   "}, 422, "reason"),
    ("unknown kind", {**NEW_ENTRY, "kind": "plaque"}, 422, "kind"),
    ("negative money", _funding(amount_fen=-1), 422, MONEY),
    ("float money", _funding(amount_fen=100.5), 422, MONEY),
    ("money as text", _funding(amount_fen="100"), 422, MONEY),
    ("basis without money", _funding(), 422, MONEY),
    ("role of a sign", {**NEW_ENTRY, "kind": "sign"}, 422, "role"),
    ("bad code", {**NEW_ENTRY, "code": "PD 900"}, 422, "code"),
    ("too long title", {**NEW_ENTRY, "title": "长" * 201}, 422, "title"),
    ("control character", {**NEW_ENTRY, "notes": "\x00"}, 422, "notes"),
    ("unknown field", {**NEW_ENTRY, "colour": "red"}, 422, "colour"),
    ("code already used", {**NEW_ENTRY, "code": "PD-101"}, 409, "code"),
]


@pytest.mark.parametrize(
    ("body", "status", "field"), [b[1:] for b in BAD_ENTRIES], ids=[b[0] for b in BAD_ENTRIES]
)
def test_bad_entries_are_refused(db, login_as, draft, body, status, field):
    api = login_as("secretariat")
    before = snapshot(db)
    error = error_of(
        api.post(f"{API}/versions/{draft.id}/entries", json=body),
        status,
        "duplicate_code" if status == 409 else "validation_error",
    )
    assert field in error["fields"], error
    assert snapshot(db) == before


def test_bad_amendments_are_refused(login_as, draft):
    api = login_as("secretariat")
    url = f"{API}/versions/{draft.id}/entries"
    error_of(api.patch(f"{url}/NOPE", json={"notes": "x", "reason": "r"}), 404, "not_found")
    assert (
        "code"
        in error_of(api.patch(f"{url}/PD-101", json={"code": "X", "reason": "r"}), 422, "validation_error")[
            "fields"
        ]
    )
    assert (
        "role"
        in error_of(
            api.patch(f"{url}/PD-101", json={"kind": "sign", "reason": "r"}), 422, "validation_error"
        )["fields"]
    )
    assert "reason" in error_of(api.post(f"{url}/PD-101/remove", json={}), 422, "validation_error")["fields"]
    error_of(api.post(f"{url}/NOPE/remove", json={"reason": "r"}), 404, "not_found")


def test_a_published_version_answers_409(login_as, published):
    api = login_as("secretariat")
    url = f"{API}/versions/{published.id}"
    error_of(api.post(f"{url}/entries", json=NEW_ENTRY), 409, "invalid_transition")
    error_of(
        api.patch(f"{url}/entries/PD-101", json={"notes": "x", "reason": "r"}), 409, "invalid_transition"
    )
    error_of(api.post(f"{url}/entries/PD-101/remove", json={"reason": "r"}), 409, "invalid_transition")
    error_of(api.post(f"{url}/publish", json={}), 409, "invalid_transition")
    error_of(upload(api, published.id, csv_bytes([native_row()])), 409, "invalid_transition")


# --- diff and publish -----------------------------------------------------------------------


def test_diff(db, login_as, published, draft, other_gate):
    api = login_as("secretariat")
    api.post(f"{API}/versions/{draft.id}/entries", json=NEW_ENTRY)
    api.patch(f"{API}/versions/{draft.id}/entries/PD-101", json={"title": "新标题", "reason": "r"})
    api.post(f"{API}/versions/{draft.id}/entries/PD-102/remove", json={"reason": "r"})
    body = api.get(f"{API}/versions/{draft.id}/diff").get_json()  # against the version it is based on
    assert body["from"]["number"] == 1 and body["to"]["number"] == 2
    assert [e["code"] for e in body["added"]] == ["PD-900"]
    assert body["added"][0]["funding_amount_yuan"] == "10000.01"
    assert [e["code"] for e in body["removed"]] == ["PD-102"]
    assert body["changed"] == [
        {
            "code": "PD-101",
            "title": "新标题",
            "action": "amend",
            "fields": {"title": {"before": "协助开展城乡居民最低生活保障对象入户调查", "after": "新标题"}},
        }
    ]
    assert body["unchanged"] == 95
    assert (
        api.get(f"{API}/versions/{published.id}/diff?against={draft.id}").get_json()["removed"][0]["code"]
        == "PD-900"
    )
    error_of(api.get(f"{API}/versions/{published.id}/diff"), 422, "validation_error")  # based on nothing
    error_of(
        login_as("officer").get(f"{API}/versions/{published.id}/diff?against={draft.id}"), 404, "not_found"
    )
    other = ops.create_version(other_gate, label="v1", actor=None)
    ops.import_file(other, csv_bytes([native_row()]), "x.csv", reason="r", actor=None)
    ops.publish_version(other, actor=None)
    db.commit()
    error_of(api.get(f"{API}/versions/{published.id}/diff?against={other.id}"), 422, "different_gates")


def test_publish(login_as, world, draft):
    api = login_as("secretariat")
    response = api.post(f"{API}/versions/{draft.id}/publish", json={})
    assert response.status_code == 200
    body = response.get_json()
    assert body["state"] == "published" and body["published_by"] == "secretariat" and body["published_at"]
    assert ops.current_version(world.gate).id == draft.id
    assert login_as("officer").get(f"{API}/entries").get_json()["items"][0]["version"]["number"] == 2
    error_of(api.post(f"{API}/versions/{draft.id}/publish", json={}), 409, "invalid_transition")
    error_of(api.post(f"{API}/versions/{draft.id}/publish", json={"now": True}), 422, "validation_error")


# --- import and export ----------------------------------------------------------------------


def test_import_a_good_file(db, login_as, draft):
    api = login_as("secretariat")
    body = upload(api, draft.id, csv_bytes([native_row("PD-900")]), dry_run="true").get_json()
    assert body["dry_run"] is True and body["added"] == ["PD-900"]
    assert ops.find_entry(draft, "PD-900") is None
    body = upload(api, draft.id, csv_bytes([native_row("PD-900")])).get_json()
    assert body == {
        "format": "native",
        "mode": "merge",
        "dry_run": False,
        "added": ["PD-900"],
        "amended": [],
        "removed": [],
        "unchanged": 0,
    }
    body = upload(api, draft.id, SAMPLE.read_bytes(), "catalogue_sample.csv", mode="replace").get_json()
    assert body["format"] == "published_list" and body["unchanged"] == 68
    assert len(body["removed"]) == 29 + 1


def test_import_refuses_a_malformed_file_and_changes_nothing(db, login_as, draft):
    api = login_as("secretariat")
    before = snapshot(db)
    rows = [native_row("A", kind="dutty"), native_row("B", funding_amount_yuan="-1"), native_row("A")]
    error = error_of(upload(api, draft.id, csv_bytes(rows)), 422, "invalid_file")
    assert set(error["fields"]) == {"rows.2.kind", "rows.3.funding_amount_yuan", "rows.4.code"}
    assert {"row": 2, "column": "kind"} in [
        {"row": p["row"], "column": p["column"]} for p in error["problems"]
    ]
    assert all(set(p) == {"row", "column", "message"} for p in error["problems"])
    assert snapshot(db) == before


@pytest.mark.parametrize(
    ("data", "filename", "form", "code", "field"),
    [
        (b"", "empty.csv", {}, "invalid_file", "file"),
        (b"%PDF-1.4", "notes.pdf", {}, "invalid_file", "file"),
        (b"PK\x03\x04 truncated", "bad.xlsx", {}, "invalid_file", "file"),
        (csv_bytes([native_row()]), "x.csv", {"mode": "wipe"}, "validation_error", "mode"),
        (csv_bytes([native_row()]), "x.csv", {"reason": ""}, "validation_error", "reason"),
        (csv_bytes([native_row()]), "x.csv", {"dry_run": "perhaps"}, "validation_error", "dry_run"),
    ],
)
def test_import_errors(db, login_as, draft, data, filename, form, code, field):
    api = login_as("secretariat")
    before = snapshot(db)
    error = error_of(upload(api, draft.id, data, filename, **form), 422, code)
    assert field in error["fields"]
    assert snapshot(db) == before


def test_import_needs_a_file(login_as, draft):
    api = login_as("secretariat")
    response = api.post(
        f"{API}/versions/{draft.id}/import", data={"reason": "r"}, content_type="multipart/form-data"
    )
    assert "file" in error_of(response, 422, "validation_error")["fields"]
    response = api.post(f"{API}/versions/{draft.id}/import", json={"reason": "r", "file": "x"})
    assert "file" in error_of(response, 422, "validation_error")["fields"]


def test_export_csv_and_xlsx(login_as, published, draft):
    api = login_as("officer")
    response = api.get(f"{API}/versions/{published.id}/export")
    assert response.status_code == 200
    assert response.content_type == "text/csv; charset=utf-8"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment; filename=\"LJ-catalogue-v1.csv\"; filename*=UTF-8''")
    assert unquote(disposition.split("''", 1)[1]).startswith("临江区社区工作事项准入")
    assert response.data.startswith("\ufeff".encode())
    assert len(csv_table(response.data)) == 98
    response = api.get(f"{API}/versions/{published.id}/export?format=xlsx")
    assert response.content_type.startswith("application/vnd.openxmlformats")
    assert 'filename="LJ-catalogue-v1.xlsx"' in response.headers["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.data), read_only=True).worksheets[0]
    assert sum(1 for _row in sheet.iter_rows()) == 98
    error_of(api.get(f"{API}/versions/{published.id}/export?format=pdf"), 422, "validation_error")
    error_of(api.get(f"{API}/versions/{draft.id}/export"), 404, "not_found")
    secretariat = login_as("secretariat")
    exported = secretariat.get(f"{API}/versions/{published.id}/export?format=xlsx").data
    body = upload(secretariat, draft.id, exported, "v1.xlsx", mode="replace").get_json()
    assert (body["added"], body["amended"], body["removed"], body["unchanged"]) == ([], [], [], 97)


def test_a_too_large_upload_answers_413(db, app, login_as, draft, monkeypatch):
    api = login_as("secretariat")
    before = snapshot(db)
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 2000)
    rows = [native_row(f"PD-{n:03d}") for n in range(40)]
    error_of(upload(api, draft.id, csv_bytes(rows)), 413, "too_large")
    assert snapshot(db) == before
