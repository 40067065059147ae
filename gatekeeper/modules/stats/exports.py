"""The dashboard's tables as files: CSV (one table; UTF-8 with BOM so Excel reads Chinese) and XLSX
(one sheet per table, numbers as numbers, money in 元 with two decimals)."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

from gatekeeper.core.money import yuan
from gatekeeper.modules.catalogue.tables import write_csv
from gatekeeper.modules.stats.tables import Table

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _text(value: Any, kind: str) -> str:
    if value is None:
        return ""
    if kind == "money":
        return yuan(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def table_csv(table: Table) -> bytes:
    """The table as CSV: a header row, then one row per line (money in 元, e.g. ``1234.56``)."""
    rows = [[column.header for column in table.columns]]
    rows += [[_text(row.get(c.key), c.kind) for c in table.columns] for row in table.rows]
    return write_csv(rows)


def tables_xlsx(tables: list[Table]) -> bytes:
    """A workbook with one sheet per table (sheet names are the tables' stable names): a title row,
    the headers, the rows. Text cells are stored as text, never as formulas."""
    import openpyxl
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = openpyxl.Workbook(write_only=True)
    for table in tables:
        sheet = book.create_sheet(title=table.name[:31])
        title = WriteOnlyCell(sheet, value=table.title)
        title.font = Font(bold=True)
        sheet.append([title])
        headers = []
        for column in table.columns:
            cell = WriteOnlyCell(sheet, value=column.header)
            cell.font = Font(bold=True)
            headers.append(cell)
        sheet.append(headers)
        for row in table.rows:
            sheet.append([_cell(sheet, row.get(column.key), column.kind) for column in table.columns])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell(sheet, value: Any, kind: str):
    from openpyxl.cell import WriteOnlyCell

    if value is None:
        return WriteOnlyCell(sheet, value=None)
    if kind == "money":
        cell = WriteOnlyCell(sheet, value=Decimal(value) / 100)
        cell.number_format = "#,##0.00"
        return cell
    if kind == "int":
        return WriteOnlyCell(sheet, value=int(value))
    if kind == "date":
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "yyyy-mm-dd"
        return cell
    cell = WriteOnlyCell(sheet, value=str(value))
    cell.data_type = "s"  # text, never a formula
    return cell
