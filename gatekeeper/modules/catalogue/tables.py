"""Spreadsheet files as tables of text: CSV and XLSX in, CSV and XLSX out.

Reading accepts UTF-8 CSV (with or without BOM) or GB18030, and the first sheet of an XLSX file;
anything it cannot read is refused with a 422 ``invalid_file``, never an exception of a library.
Writing protects spreadsheet users: a CSV cell that a spreadsheet would run as a formula is
quoted with an apostrophe (undone when read back), and XLSX cells are always text.
"""

from __future__ import annotations

import csv
import io
import warnings
import zipfile
from typing import Any

from flask_babel import gettext as _

from gatekeeper.core.errors import ValidationFailed

#: Largest uncompressed size of an XLSX file's parts (a zip bomb is refused before it is read).
MAX_XLSX_UNPACKED = 200 * 1024 * 1024


def read_table(data: bytes, filename: str, *, max_rows: int) -> list[list[str]]:
    """The cells of a CSV or XLSX file as text (at most ``max_rows`` + 2 rows are read)."""
    name = (filename or "").lower()
    if name.endswith(".xlsx"):
        return _read_xlsx(data, max_rows)
    if name.endswith(".csv") or name.endswith(".txt"):
        return _read_csv(data)
    raise ValidationFailed(
        _("Only .csv and .xlsx files can be imported."),
        code="invalid_file",
        fields={"file": [_("unsupported file type")]},
    )


def _read_csv(data: bytes) -> list[list[str]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ValidationFailed(
            _("The file is not text."), code="invalid_file", fields={"file": [_("not UTF-8 or GB18030 text")]}
        )
    try:
        return [[unquote(c) for c in row] for row in csv.reader(io.StringIO(text, newline=""), strict=True)]
    except csv.Error as exc:
        raise ValidationFailed(
            _("The CSV file is malformed: %(problem)s", problem=str(exc)),
            code="invalid_file",
            fields={"file": [str(exc)]},
        ) from exc


def _unreadable_xlsx(exc: Exception | None = None) -> ValidationFailed:
    detail = (str(exc) or type(exc).__name__) if exc is not None else _("too large once unpacked")
    return ValidationFailed(
        _("The XLSX file cannot be opened."), code="invalid_file", fields={"file": [detail[:300]]}
    )


def _read_xlsx(data: bytes, max_rows: int) -> list[list[str]]:
    import openpyxl  # uses defusedxml when it is installed (it is a dependency)

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise _unreadable_xlsx(exc) from exc
    if unpacked > MAX_XLSX_UNPACKED:
        raise _unreadable_xlsx()
    # The file comes from outside: whatever openpyxl or the XML parser trips on means "cannot open";
    # its warnings (missing styles, unsupported extensions) say nothing about the cells.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:
            raise _unreadable_xlsx(exc) from exc
        try:
            if not book.worksheets:
                raise _unreadable_xlsx(ValueError("no worksheet"))
            rows = []
            for values in book.worksheets[0].iter_rows(values_only=True):
                rows.append([_cell_text(v) for v in values])
                if len(rows) > max_rows + 1:
                    break
            return rows
        except ValidationFailed:
            raise
        except Exception as exc:
            raise _unreadable_xlsx(exc) from exc
        finally:
            book.close()


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _formula_like(cell: str) -> bool:
    """Starts with a formula character, possibly behind apostrophes (so quoting can be undone exactly)."""
    return cell.lstrip("'").startswith(_FORMULA_START)


def csv_safe(cell: str) -> str:
    """Spreadsheets run cells starting with = + - @ as formulas: quote them (undone on import)."""
    return "'" + cell if _formula_like(cell) else cell


def unquote(cell: str) -> str:
    """Undo :func:`csv_safe`: one apostrophe before a formula-like text is dropped."""
    return cell[1:] if cell.startswith("'") and _formula_like(cell) else cell


def write_csv(rows: list[list[str]]) -> bytes:
    """UTF-8 with BOM (so Excel opens Chinese text correctly), formula-like cells quoted."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows([[csv_safe(c) for c in row] for row in rows])
    return buffer.getvalue().encode("utf-8-sig")


def write_xlsx(rows: list[list[str]], title: str = "catalogue") -> bytes:
    """One sheet named ``title`` (cut to Excel's 31 characters) whose cells are all text."""
    import openpyxl
    from openpyxl.cell import WriteOnlyCell

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet(title=title[:31] or "catalogue")
    for row in rows:
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet, value=value)
            cell.data_type = "s"  # text, never a formula
            cells.append(cell)
        sheet.append(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
