"""Helpers of the inventory tests: files in CSV and XLSX, an import through the operations."""

from __future__ import annotations

import csv
import io

import openpyxl
import sqlalchemy as sa

from gatekeeper.extensions import db
from gatekeeper.modules.inventory import operations as ops
from gatekeeper.modules.inventory.models import InventoryImport, InventoryItem

API = "/api/v1"
HEADER = ("community", "kind", "title", "department", "since", "notes")
ZH_HEADER = ("社区", "类别", "名称", "部门", "设立时间", "备注")

#: A small inventory of two communities of street LJ01 and one of LJ02: banned, permitted and
#: out-of-catalogue items.
ROWS = [
    ("LJ0101", "certificate", "亲属关系证明", "MZJ", "2019-03-01", "居委会盖章"),  # banned
    ("LJ0101", "sign", "新时代文明实践站", "XCB", "2020-05-01", ""),  # permitted
    ("LJ0101", "sign", "禁毒工作站", "ZFW", "2018-01-01", ""),  # outside the catalogue
    ("LJ0101", "ledger", "最低生活保障对象管理台账", "MZJ", "", ""),  # permitted
    ("LJ0102", "certificate", "居民养犬证明", "GAJ", "", ""),  # banned
    ("LJ0102", "appraisal", "文明楼栋评比", "", "2021-06-01", ""),  # outside
    ("LJ0201", "certificate", "死亡证明", "WJW", "", ""),  # banned
    ("LJ0201", "sign", "综治中心", "ZFW", "", ""),  # permitted
]


def csv_bytes(rows, header=HEADER, encoding="utf-8-sig") -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows, header=HEADER) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def import_rows(world, rows=ROWS, *, actor="secretariat"):
    """Import ``rows`` through the operation (committed); returns the import."""
    record, _report = ops.import_file(world.gate, csv_bytes(rows), "inventory.csv", actor=world.user(actor))
    db.session.commit()
    return record


def items_by_title(world) -> dict[str, InventoryItem]:
    return {
        i.title: i
        for i in db.session.scalars(sa.select(InventoryItem).where(InventoryItem.gate_id == world.gate.id))
    }


def counts() -> tuple[int, int]:
    return (
        db.session.scalar(sa.select(sa.func.count(InventoryImport.id))),
        db.session.scalar(sa.select(sa.func.count(InventoryItem.id))),
    )
