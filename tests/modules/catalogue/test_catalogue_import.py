"""Catalogue files: import in both formats and both file types, refusals, export round trips."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest
import sqlalchemy as sa
from catalogue_support import SAMPLE, csv_bytes, csv_table, native_row, snapshot, xlsx_bytes
from sqlalchemy import event

from gatekeeper.core.audit import AuditEntry
from gatekeeper.core.errors import ValidationFailed
from gatekeeper.modules.catalogue import io as catalogue_io
from gatekeeper.modules.catalogue import operations as ops
from gatekeeper.modules.catalogue.io import NATIVE_COLUMNS, SAMPLE_COLUMNS
from gatekeeper.modules.catalogue.models import CatalogueChange, ChangeAction, Kind, StandardBasis, Standing


def _changes(db, version) -> list[tuple[str, ChangeAction]]:
    rows = db.execute(
        sa.select(CatalogueChange.code, CatalogueChange.action)
        .where(CatalogueChange.version_id == version.id)
        .order_by(CatalogueChange.id)
    )
    return [tuple(r) for r in rows]


def _sample_xlsx() -> bytes:
    return xlsx_bytes(csv_table(SAMPLE.read_bytes()))


# --- good files -----------------------------------------------------------------------------


def test_the_real_sample_imports_into_an_empty_catalogue(db, other_gate):
    version = ops.create_version(other_gate, label="v1", actor=None)
    report = ops.import_file(
        version, SAMPLE.read_bytes(), "catalogue_sample.csv", reason="初始目录", actor=None
    )
    db.commit()
    assert report["format"] == "published_list"
    assert len(report["added"]) == 68 and report["amended"] == [] and report["unchanged"] == 0
    entries = {e.code: e for e in version.entries}
    banned = [e for e in entries.values() if e.standing == Standing.BANNED]
    assert len(banned) == 25 and all(e.kind == Kind.CERTIFICATE for e in banned)
    assert {e.code[:3] for e in banned} == {"NC-"}
    duty = next(e for e in entries.values() if e.kind == Kind.DUTY)
    assert duty.role is not None and duty.funding_basis == StandardBasis.NONE
    assert len(_changes(db, version)) == 68
    audit = db.scalar(
        sa.select(AuditEntry)
        .where(AuditEntry.action == "catalogue.import")
        .order_by(AuditEntry.id.desc())
        .limit(1)
    )
    assert audit.after["file"] == "catalogue_sample.csv" and len(audit.after["sha256"]) == 64


def test_the_sample_as_xlsx_gives_the_same_catalogue(db, other_gate, world, published):
    version = ops.create_version(other_gate, label="v1", actor=None)
    report = ops.import_file(version, _sample_xlsx(), "sample.xlsx", reason="初始目录", actor=None)
    assert report["format"] == "published_list" and len(report["added"]) == 68
    mine = {e.code: e.content() for e in version.entries}
    demo = {e.code: e.content() for e in published.entries if e.code in mine}
    assert mine == demo  # the demo gate imported the same CSV: same codes, same contents


def test_reimporting_the_sample_changes_nothing_and_keeps_local_money(db, world, draft):
    code = next(
        e.code
        for e in draft.entries
        if e.kind == Kind.DUTY and e.list_name != "临江区社区依法协助政府工作事项清单"
    )
    funding = {"funding_basis": StandardBasis.PER_COMMUNITY, "funding_amount_fen": 50000}
    ops.amend_entry(draft, code, funding, reason="本区经费标准", actor=None)
    report = ops.import_file(draft, SAMPLE.read_bytes(), "catalogue_sample.csv", reason="复核", actor=None)
    assert report["added"] == [] and report["amended"] == [] and report["unchanged"] == 68
    assert ops.find_entry(draft, code).funding_amount_fen == 50000  # the list says nothing of money


def test_native_csv_merge_adds_and_amends(db, draft):
    existing = sorted(draft.entries, key=lambda e: e.code)[0]
    rows = [native_row("PD-900"), {**native_row(existing.code), **_as_row(existing), "notes": "新的说明"}]
    report = ops.import_file(draft, csv_bytes(rows), "new.csv", reason="年度修订", actor=None)
    assert report == {
        "format": "native",
        "mode": "merge",
        "dry_run": False,
        "added": ["PD-900"],
        "amended": [existing.code],
        "removed": [],
        "unchanged": 0,
    }
    entry = ops.find_entry(draft, "PD-900")
    assert entry.funding_amount_fen == 120050 and entry.initials.startswith("xzkz")
    assert _changes(db, draft) == [("PD-900", ChangeAction.ADD), (existing.code, ChangeAction.INTERPRET)]


def test_a_file_changes_only_the_columns_it_has(db, draft):
    duty = next(e for e in draft.entries if e.code == "PD-101")
    data = csv_bytes(
        [["PD-101", "新标题", "duty", "permitted"]], header=("code", "title", "kind", "standing")
    )
    report = ops.import_file(draft, data, "titles.csv", reason="改名", actor=None)
    assert report["amended"] == ["PD-101"]
    assert (duty.title, duty.legal_basis, duty.funding_amount_fen) == (
        "新标题",
        "《社会救助暂行办法》",
        20000,
    )


def test_native_xlsx_with_chinese_headings(db, draft):
    heading = ["编码", "名称", "类别", "性质", "角色", "经费标准类型", "经费标准（元）", "需专门场所"]
    table = [heading, ["PS-900", "平安建设宣传栏", "sign", "permitted", "", "per_community", "300", "否"]]
    report = ops.import_file(draft, xlsx_bytes(table), "牌子.xlsx", reason="新增", actor=None)
    assert report["added"] == ["PS-900"]
    entry = ops.find_entry(draft, "PS-900")
    assert (entry.kind, entry.funding_amount_fen, entry.requires_premises) == (Kind.SIGN, 30000, False)


def test_replace_removes_what_the_file_does_not_name(db, draft):
    keep = sorted(draft.entries, key=lambda e: e.code)[:3]
    rows = [_as_row(e) for e in keep]
    report = ops.import_file(draft, csv_bytes(rows), "three.csv", reason="精简", actor=None, mode="replace")
    assert report["unchanged"] == 3 and report["added"] == []
    assert len(report["removed"]) == 68 + 29 - 3
    db.commit()
    assert sorted(e.code for e in draft.entries) == [e.code for e in keep]
    removed = [c for c in _changes(db, draft) if c[1] == ChangeAction.REMOVE]
    assert len(removed) == len(report["removed"])
    assert {
        c.reason for c in db.scalars(sa.select(CatalogueChange).where(CatalogueChange.version_id == draft.id))
    } == {"精简"}


def test_dry_run_reports_the_same_and_changes_nothing(db, draft):
    data = csv_bytes([native_row("PD-900"), _as_row(draft.entries[0])])
    before = snapshot(db)
    dry = ops.import_file(draft, data, "x.csv", reason="试导入", actor=None, mode="replace", dry_run=True)
    db.commit()
    assert snapshot(db) == before
    real = ops.import_file(draft, data, "x.csv", reason="导入", actor=None, mode="replace")
    assert {**dry, "dry_run": False} == real
    assert real["added"] == ["PD-900"] and real["unchanged"] == 1


def test_an_unknown_mode_is_refused(db, draft):
    with pytest.raises(ValidationFailed) as caught:
        ops.import_file(draft, csv_bytes([native_row()]), "x.csv", reason="r", actor=None, mode="wipe")
    assert "mode" in caught.value.fields


def test_import_of_2000_rows_is_bulk(db, backend, draft):
    """A constant number of queries, not one per row (its time is for benchmarks, not for tests)."""
    rows = [native_row(f"PD-{n:04d}", title=f"协助开展第{n}项入户调查工作") for n in range(2000)]
    data = csv_bytes(rows)
    statements = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(db.get_bind(), "before_cursor_execute", count)
    try:
        report = ops.import_file(draft, data, "big.csv", reason="批量导入", actor=None)
        db.commit()
    finally:
        event.remove(db.get_bind(), "before_cursor_execute", count)
    assert len(report["added"]) == 2000
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) < 20, len(selects)  # not a query per row
    if backend == "postgresql":  # SQLite cannot batch INSERT ... RETURNING without a sentinel column
        assert len(statements) < 60, len(statements)


# --- refused files --------------------------------------------------------------------------


def _zip_without_workbook() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    return out.getvalue()


def _duty_to_sign() -> bytes:
    # PD-101 is an assisting duty: a file making it a sign without clearing its role is inconsistent.
    return csv_bytes([["PD-101", "牌子", "sign", "permitted"]], header=("code", "title", "kind", "standing"))


def _native(*rows: dict) -> bytes:
    return csv_bytes(list(rows))


def _head(*columns: str) -> tuple[str, ...]:
    return columns


def _published_list(*lines: str) -> bytes:
    return "\r\n".join([",".join(SAMPLE_COLUMNS), *lines, ""]).encode()


AMOUNT = "rows.2.funding_amount_yuan"
REFUSED = [
    # id, data, filename, field named
    (
        "wrong header",
        csv_bytes([["A", "t", "duty", "p"]], header=_head("code", "titel", "kind", "standing")),
        "x.csv",
        "rows.1.titel",
    ),
    (
        "missing column",
        csv_bytes([["A", "t", "duty"]], header=_head("code", "title", "kind")),
        "x.csv",
        "rows.1.standing",
    ),
    ("bad enum", _native(native_row(kind="dutty")), "x.csv", "rows.2.kind"),
    (
        "bad money",
        _native(native_row(), native_row("B", funding_amount_yuan="12.345")),
        "x.csv",
        "rows.3.funding_amount_yuan",
    ),
    ("float-like money", _native(native_row(funding_amount_yuan="1e3")), "x.csv", AMOUNT),
    ("negative money", _native(native_row(funding_amount_yuan="-5.00")), "x.csv", AMOUNT),
    ("money without basis", _native(native_row(funding_basis="none")), "x.csv", AMOUNT),
    ("duplicate code", _native(native_row("A"), native_row("B"), native_row("A")), "x.csv", "rows.4.code"),
    ("bad code", _native(native_row("A B")), "x.csv", "rows.2.code"),
    ("role of a sign", _native(native_row(kind="sign")), "x.csv", "rows.2.role"),
    ("bad flag", _native(native_row(requires_staff="maybe")), "x.csv", "rows.2.requires_staff"),
    ("too long cell", _native(native_row(title="长" * 201)), "x.csv", "rows.2.title"),
    ("control character", _native(native_row(notes="a\x1bb")), "x.csv", "rows.2.notes"),
    ("more cells than columns", csv_bytes([[*native_row().values(), "extra"]]), "x.csv", "rows.2.-"),
    ("empty file", b"", "x.csv", "file"),
    ("header only", csv_bytes([]), "x.csv", "file"),
    ("not text", b"\x80\x81\xff" * 10, "x.csv", "file"),
    ("broken quotes", b'code,title,kind,standing\r\n"A,t,duty,permitted\r\n', "x.csv", "file"),
    ("garbage as xlsx", b"\x00garbage\xff" * 50, "x.xlsx", "file"),
    ("a zip that is no workbook", _zip_without_workbook(), "x.xlsx", "file"),
    ("not csv", b"%PDF-1.4 ...", "x.pdf", "file"),
    ("list with bad kind", _published_list("L,证明,证明事项,部门,,pamphlet,,"), "x.csv", "rows.2.role"),
    (
        "list with a repeated item",
        _published_list("L,证明,c,d,,certificate,,", "L,证明,c,d,,certificate,,"),
        "x.csv",
        "rows.3.item_name",
    ),
    ("inconsistent amendment", _duty_to_sign(), "x.csv", "rows.2.role"),
]


@pytest.mark.parametrize(("data", "filename", "field"), [r[1:] for r in REFUSED], ids=[r[0] for r in REFUSED])
def test_a_malformed_file_is_refused_whole(db, draft, data, filename, field):
    before = snapshot(db)
    with pytest.raises(ValidationFailed) as caught:
        ops.import_file(draft, data, filename, reason="导入", actor=None)
    error = caught.value
    assert error.code == "invalid_file" and error.status == 422
    assert field in error.fields, error.fields
    if field.startswith("rows."):
        _rows, row, column = field.split(".", 2)
        assert {"row": int(row), "column": column} in [
            {"row": p["row"], "column": p["column"]} for p in error.extra["problems"]
        ]
    db.commit()  # whatever the failed import might have queued would be written now
    assert snapshot(db) == before


def test_every_problem_is_named(db, draft):
    rows = [native_row("A", kind="x"), native_row("B", standing="y", funding_amount_yuan="abc")]
    with pytest.raises(ValidationFailed) as caught:
        ops.import_file(draft, csv_bytes(rows), "x.csv", reason="r", actor=None)
    assert set(caught.value.fields) == {"rows.2.kind", "rows.3.standing", "rows.3.funding_amount_yuan"}
    assert len(caught.value.extra["problems"]) == 3


# --- export and round trips -----------------------------------------------------------------


def _as_row(entry) -> dict[str, str]:
    header, row = catalogue_io.native_rows([entry])
    return dict(zip(header, row, strict=True))


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_export_imports_again_unchanged(db, published, draft, other_gate, fmt):
    data = ops.export_version(published, fmt)
    report = ops.import_file(draft, data, f"v1.{fmt}", reason="核对", actor=None, mode="replace")
    assert report["format"] == "native"
    assert (report["added"], report["amended"], report["removed"]) == ([], [], [])
    assert report["unchanged"] == len(published.entries)
    fresh = ops.create_version(other_gate, label="copy", actor=None)
    ops.import_file(fresh, data, f"v1.{fmt}", reason="复制", actor=None)
    assert {e.code: e.content() for e in fresh.entries} == {e.code: e.content() for e in published.entries}
    if fmt == "csv":
        assert ops.export_version(fresh, "csv") == data


def test_csv_export_has_a_bom_and_the_native_columns(published):
    data = ops.export_version(published, "csv")
    assert data.startswith("\ufeff".encode())
    table = csv_table(data)
    assert tuple(table[0]) == NATIVE_COLUMNS
    assert len(table) == len(published.entries) + 1
    assert [r[0] for r in table[1:]] == sorted(r[0] for r in table[1:])


FORMULAS = {
    "title": '=HYPERLINK("http://evil.example","点击")',
    "legal_basis": "+1+1",
    "department": "@SUM(A1:A2)",
    "notes": "-2+3",
    "source": "'=already quoted",
    "list_name": "'plain apostrophe",
}


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_formula_like_cells_round_trip_safely(db, draft, other_gate, fmt):
    ops.add_entry(
        draft,
        {"code": "PX-1", "kind": Kind.SYSTEM, "standing": Standing.PERMITTED, **FORMULAS},
        reason="r",
        actor=None,
    )
    entry = ops.find_entry(draft, "PX-1")
    data = ops.export_version(draft, fmt)
    if fmt == "csv":
        cells = [c for row in csv_table(data) for c in row]
        assert not any(c.startswith(("=", "+", "-", "@")) for c in cells)
        assert "'=HYPERLINK" in data.decode("utf-8-sig")
    else:
        sheet = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
        assert all(
            cell.data_type == "s" for row in sheet.iter_rows() for cell in row if cell.value is not None
        )
    fresh = ops.create_version(other_gate, label="copy", actor=None)
    ops.import_file(fresh, data, f"x.{fmt}", reason="r", actor=None)
    assert ops.find_entry(fresh, "PX-1").content() == entry.content()
