"""The dashboard's tables as files: CSV (one table; UTF-8 with BOM so Excel reads Chinese) and XLSX
(one sheet per table). In both, money is in 元 (yuan) and its headers say so; in the XLSX every cell
has its type: counts are whole numbers, money numbers with two decimals (``#,##0.00``), percentages
numbers with a percent format (62.5% is 0.625), dates dates."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _

from gatekeeper.core.money import yuan
from gatekeeper.modules.catalogue.tables import write_csv
from gatekeeper.modules.stats.tables import Column, Table

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: Number formats of the XLSX cells by column kind (a finance officer reads money as 元 with fen).
MONEY_FORMAT = "#,##0.00"
PERCENT_FORMAT = "0.0%"
DATE_FORMAT = "yyyy-mm-dd"


def header(column: Column) -> str:
    """The column's header in a file, with the unit of money (the page says it in every cell)."""
    return _("%(header)s (yuan)", header=column.header) if column.kind == "money" else column.header


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
    rows = [[header(column) for column in table.columns]]
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
            cell = WriteOnlyCell(sheet, value=header(column))
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
    if kind == "money":  # integer fen inside, exact 元 in the sheet
        return _formatted(sheet, Decimal(value) / 100, MONEY_FORMAT)
    if kind == "percent":  # "62.5" (percent, one decimal) → 0.625 shown as 62.5%
        return _formatted(sheet, Decimal(value) / 100, PERCENT_FORMAT)
    if kind == "int":
        return WriteOnlyCell(sheet, value=int(value))
    if kind == "date":
        return _formatted(sheet, value, DATE_FORMAT)
    cell = WriteOnlyCell(sheet, value=str(value))
    cell.data_type = "s"  # text, never a formula
    return cell


def _formatted(sheet, value: Any, number_format: str):
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=value)
    cell.number_format = number_format
    return cell
