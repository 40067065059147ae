"""Importing inventory files: good CSV and XLSX files, every malformed file refused whole with its
problems named by row and column, and the check's verdicts against the published catalogue."""

from __future__ import annotations

import pytest

from gatekeeper.core.errors import ValidationFailed
from gatekeeper.modules.inventory import io as inventory_io
from gatekeeper.modules.inventory import operations as ops
from gatekeeper.modules.inventory.models import CleanupStatus
from tests.modules.inventory.inventory_support import (
    ROWS,
    ZH_HEADER,
    counts,
    csv_bytes,
    import_rows,
    items_by_title,
    xlsx_bytes,
)


def _refused(world, data: bytes, filename: str = "inventory.csv") -> ValidationFailed:
    before = counts()
    with pytest.raises(ValidationFailed) as caught:
        ops.import_file(world.gate, data, filename, actor=world.user("secretariat"))
    assert counts() == before  # nothing half-imported
    return caught.value


def test_csv_import_writes_every_row_with_its_verdict(db, world):
    record = import_rows(world)
    assert record.rows == len(ROWS)
    assert record.catalogue_version_id == ops.current_version(world.gate).id
    items = items_by_title(world)
    assert len(items) == len(ROWS)
    assert items["亲属关系证明"].community.code == "LJ0101"
    assert items["亲属关系证明"].department.code == "MZJ"
    assert items["亲属关系证明"].since.isoformat() == "2019-03-01"
    assert items["亲属关系证明"].notes == "居委会盖章"
    # a department the system does not know stays as text
    assert items["居民养犬证明"].department is None and items["居民养犬证明"].department_name == "GAJ"


def test_banned_item_must_go_with_the_negative_list_finding(db, world):
    import_rows(world)
    item = items_by_title(world)["亲属关系证明"]
    assert item.status == CleanupStatus.REMOVE
    assert item.catalogue_entry is None
    negative = [f for f in item.findings if f["code"] == "NEGATIVE_LIST"]
    assert len(negative) == 1
    assert negative[0]["severity"] == "block"
    assert negative[0]["entry_code"] == "NC-001"
    assert "负面清单" in negative[0]["message"] and "negative-list" in negative[0]["messages"]["en"]
    assert "民政部" in negative[0]["citation"]


def test_permitted_item_stays_with_its_catalogue_entry(db, world):
    import_rows(world)
    items = items_by_title(world)
    assert items["新时代文明实践站"].status == CleanupStatus.KEEP
    assert items["新时代文明实践站"].catalogue_entry == "PS-005"
    assert items["新时代文明实践站"].findings == []
    assert items["最低生活保障对象管理台账"].catalogue_entry == "PL-101"


def test_item_outside_the_catalogue_must_go_with_the_out_of_catalogue_finding(db, world):
    import_rows(world)
    item = items_by_title(world)["禁毒工作站"]
    assert item.status == CleanupStatus.REMOVE
    assert [f["code"] for f in item.findings] == ["OUT_OF_CATALOGUE"]
    assert item.findings[0]["severity"] == "refer"
    assert item.findings[0]["citation"]


def test_preview_writes_nothing_and_tells_the_same_verdicts(db, world):
    before = counts()
    plan = ops.preview_import(world.gate, csv_bytes(ROWS), "inventory.csv")
    assert counts() == before
    verdicts = {row["title"]: verdict.status for row, verdict in plan.rows}
    assert verdicts["亲属关系证明"] == CleanupStatus.REMOVE
    assert verdicts["综治中心"] == CleanupStatus.KEEP
    assert (plan.keep, plan.remove) == (3, 5)
    _record, report = ops.import_file(
        world.gate, csv_bytes(ROWS), "inventory.csv", actor=world.user("secretariat"), dry_run=True
    )
    assert counts() == before
    assert report["dry_run"] is True and report["rows"] == 8 and report["remove"] == 5
    assert report["by_kind"]["certificate"] == {"keep": 0, "remove": 3}


def test_xlsx_with_chinese_headings_and_kind_names(db, world):
    rows = [
        ("滨江社区", "证明事项", "居民财产证明", "区民政局", "2020/4/1", ""),
        ("LJ0101", "机构牌子", "退役军人服务站", "TYJ", "2021年5月6日", "保留"),
    ]
    record, _report = ops.import_file(
        world.gate, xlsx_bytes(rows, header=ZH_HEADER), "清理.xlsx", actor=world.user("secretariat")
    )
    items = items_by_title(world)
    assert record.rows == 2
    assert items["居民财产证明"].community.code == "LJ0101"
    assert items["居民财产证明"].kind.value == "certificate"
    assert items["居民财产证明"].department.code == "MZJ"
    assert items["居民财产证明"].status == CleanupStatus.REMOVE
    assert items["退役军人服务站"].kind.value == "sign"
    assert items["退役军人服务站"].status == CleanupStatus.KEEP
    assert items["退役军人服务站"].since.isoformat() == "2021-05-06"


def test_gb18030_csv_is_read(db, world):
    record, _ = ops.import_file(
        world.gate, csv_bytes(ROWS[:2], encoding="gb18030"), "gbk.csv", actor=world.user("secretariat")
    )
    assert record.rows == 2


@pytest.mark.parametrize(
    ("row", "column", "words"),
    [
        (("LJ9999", "sign", "某牌子", "", "", ""), "community", "LJ9999"),
        (("不存在社区", "sign", "某牌子", "", "", ""), "community", "不存在社区"),
        (("", "sign", "某牌子", "", "", ""), "community", "必须"),
        (("LJ0101", "plaque-ish", "某牌子", "", "", ""), "kind", "plaque-ish"),
        (("LJ0101", "", "某牌子", "", "", ""), "kind", "必须"),
        (("LJ0101", "sign", "", "", "", ""), "title", "必须"),
        (("LJ0101", "sign", "某牌子", "", "2021-13-01", ""), "since", "2021-13-01"),
        (("LJ0101", "sign", "某牌子", "", "last spring", ""), "since", "last spring"),
        (("LJ0101", "sign", "某" * 201, "", "", ""), "title", "200"),
        (("LJ0101", "sign", "某\x07牌子", "", "", ""), "title", "控制字符"),
    ],
)
def test_a_bad_row_is_named_by_row_and_column_and_nothing_is_written(db, world, row, column, words):
    good = ("LJ0101", "sign", "综治中心", "ZFW", "", "")
    error = _refused(world, csv_bytes([good, (*good[:2], "新时代文明实践站", *good[3:]), row]))
    assert error.code == "invalid_file"
    assert list(error.fields) == [f"rows.4.{column}"]
    assert words in error.fields[f"rows.4.{column}"][0]
    assert error.extra["problems"][0] == {
        "row": 4,
        "column": column,
        "message": error.fields[f"rows.4.{column}"][0],
    }


def test_every_problem_of_the_file_is_listed(db, world):
    error = _refused(
        world,
        csv_bytes([("LJ9999", "sign", "甲", "", "", ""), ("LJ0101", "nonsense", "", "", "bad", "")]),
    )
    assert set(error.fields) == {"rows.2.community", "rows.3.kind", "rows.3.title", "rows.3.since"}


def test_missing_columns_are_named(db, world):
    error = _refused(world, csv_bytes([("LJ0101", "某牌子")], header=("community", "title")))
    assert set(error.fields) == {"rows.1.kind"}


def test_not_text_is_refused(db, world):
    error = _refused(world, b"\xff\xfe\x00\x81\x9f\xff" * 10)
    assert error.code == "invalid_file" and "file" in error.fields


def test_a_broken_xlsx_is_refused(db, world):
    error = _refused(world, b"PK\x03\x04 not really a zip", "inventory.xlsx")
    assert error.code == "invalid_file" and "file" in error.fields


def test_other_file_types_are_refused(db, world):
    error = _refused(world, b"%PDF-1.7", "inventory.pdf")
    assert "file" in error.fields


def test_an_empty_file_and_a_file_without_rows_are_refused(db, world):
    assert "file" in _refused(world, b"").fields
    assert "rows.2.file" in _refused(world, csv_bytes([])).fields


def test_a_repeated_row_is_refused(db, world):
    row = ("LJ0101", "sign", "综治中心", "ZFW", "", "")
    error = _refused(world, csv_bytes([row, row]))
    assert list(error.fields) == ["rows.3.title"]


def test_an_item_already_in_the_inventory_is_refused(db, world):
    import_rows(world, ROWS[:2])
    error = _refused(world, csv_bytes(ROWS[1:3]))
    assert list(error.fields) == ["rows.2.title"]


def test_too_many_rows_are_refused(db, world, monkeypatch):
    monkeypatch.setattr(inventory_io, "MAX_ROWS", 3)
    rows = [("LJ0101", "sign", f"牌子{n}", "", "", "") for n in range(5)]
    error = _refused(world, csv_bytes(rows))
    assert error.code == "invalid_file"
    assert any(key.endswith(".file") for key in error.fields)


def test_the_import_is_audited(db, world):
    import sqlalchemy as sa

    from gatekeeper.core.audit import AuditEntry

    record = import_rows(world)
    entry = db.scalar(sa.select(AuditEntry).where(AuditEntry.action == "inventory.import"))
    assert entry is not None and entry.object_id == str(record.id)
