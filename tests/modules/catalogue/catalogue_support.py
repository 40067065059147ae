"""Helpers of the catalogue tests: files in memory and row counts."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl
import sqlalchemy as sa

from gatekeeper.core.audit import AuditEntry
from gatekeeper.modules.catalogue.io import NATIVE_COLUMNS
from gatekeeper.modules.catalogue.models import CatalogueChange, CatalogueEntry, CatalogueVersion

DATA = Path(__file__).resolve().parents[3] / "gatekeeper" / "modules" / "demo" / "data"
SAMPLE = DATA / "catalogue_sample.csv"


def native_row(code: str = "PD-900", **changes) -> dict[str, str]:
    """One row of the native format, as text."""
    row = {
        "code": code,
        "title": "协助开展居家养老服务需求调查",
        "kind": "duty",
        "standing": "permitted",
        "role": "assist",
        "legal_basis": "《中华人民共和国老年人权益保障法》",
        "department": "区民政局",
        "funding_basis": "per_community",
        "funding_amount_yuan": "1200.50",
        "requires_premises": "no",
        "requires_staff": "no",
        "list_name": "测试清单",
        "source": "test",
        "notes": "",
    }
    row.update(changes)
    return row


def csv_bytes(rows: list[dict] | list[list[str]], header=NATIVE_COLUMNS, *, bom: bool = True) -> bytes:
    """A CSV file of ``rows`` (dicts keyed by ``header``, or lists of cells)."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(c, "") for c in header] if isinstance(row, dict) else row)
    return buffer.getvalue().encode("utf-8-sig" if bom else "utf-8")


def xlsx_bytes(table: list[list[str]]) -> bytes:
    """An XLSX file whose first sheet holds ``table`` (header included)."""
    book = openpyxl.Workbook()
    sheet = book.active
    for row in table:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_table(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def snapshot(db) -> tuple[int, int, int, int]:
    """Rows of versions, entries, changes and audit entries: what a refused import must not change."""
    return tuple(
        db.scalar(sa.select(sa.func.count()).select_from(model))
        for model in (CatalogueVersion, CatalogueEntry, CatalogueChange, AuditEntry)
    )
