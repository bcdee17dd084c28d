"""Writing a ``Table`` (``lms.reports.exports``) as CSV or XLSX bytes.

CSV: UTF-8 with a byte-order mark (so that Excel reads accents and Korean), one header row,
times as ``YYYY-MM-DD HH:MM`` in the column's zone (named in its header), booleans as the
translated "Yes"/"No", text that a spreadsheet would run as a formula (``= + - @``) quoted
with a leading apostrophe.

XLSX (openpyxl, streamed in write-only mode): bold header, first row frozen, column widths,
numbers as numbers, booleans as spreadsheet booleans, times as real Excel date-times in the
column's zone (Excel has no zones: the header says which), dates as dates. Text is always
stored as text, never as a formula.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from lms.assignments.grading import csv_cell
from lms.reports.exports import BOOL, DATE, DATETIME, INT, NUMBER, Column, Table

CSV_MIMETYPE = "text/csv; charset=utf-8"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MIMETYPES = {"csv": CSV_MIMETYPE, "xlsx": XLSX_MIMETYPE}

DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
DATE_FORMAT = "yyyy-mm-dd"
MIN_WIDTH, MAX_WIDTH = 8, 60
WIDTH_SAMPLE = 200  # rows looked at to size a column


def local_naive(value: datetime, zone: str) -> datetime:
    """The wall-clock time of an (aware, or naive UTC) instant in ``zone``, without zone (for Excel)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo("UTC"))
    return value.astimezone(ZoneInfo(zone)).replace(tzinfo=None)


# --------------------------------------------------------------------------
# CSV
# --------------------------------------------------------------------------


def csv_value(column: Column, value, zone: str = "UTC") -> str:
    if value is None:
        return ""
    if column.kind == DATETIME and isinstance(value, datetime):
        return local_naive(value, zone).strftime("%Y-%m-%d %H:%M")
    if column.kind == DATE and isinstance(value, date):
        return value.isoformat()
    if column.kind == BOOL or isinstance(value, bool):
        return _("Yes") if value else _("No")
    if column.kind in (INT, NUMBER) and isinstance(value, int | float):
        return f"{value:g}" if isinstance(value, float) else str(value)
    return csv_cell(value)


def csv_bytes(table: Table) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([csv_cell(header) for header in table.headers])
    for row in table.rows:
        writer.writerow([csv_value(column, value, table.zone_of(column))
                         for column, value in zip(table.columns, row, strict=True)])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


# --------------------------------------------------------------------------
# XLSX
# --------------------------------------------------------------------------


def _sheet_title(title: str) -> str:
    cleaned = "".join(" " if char in '[]:*?/\\' else char for char in title).strip() or "Sheet"
    return cleaned[:31]


def _text(value) -> str:
    return ILLEGAL_CHARACTERS_RE.sub("", str(value))


def _width(column: Column, header: str, rows: list[list], index: int) -> int:
    if column.width is not None:
        return max(column.width, min(len(header), MAX_WIDTH) // 2 + 2)
    if column.kind == DATETIME:
        longest = 16
    elif column.kind == DATE:
        longest = 10
    else:
        longest = max((len(str(row[index])) for row in rows[:WIDTH_SAMPLE] if row[index] is not None), default=0)
    # Headers wrap (see below), so a long header does not make a wide column.
    return max(MIN_WIDTH, min(MAX_WIDTH, max(longest, min(len(header), 18)) + 2))


def _cell(sheet, column: Column, value, zone: str):
    if value is None:
        return None
    if column.kind == DATETIME and isinstance(value, datetime):
        cell = WriteOnlyCell(sheet, value=local_naive(value, zone))
        cell.number_format = DATETIME_FORMAT
        return cell
    if column.kind == DATE and isinstance(value, date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = DATE_FORMAT
        return cell
    if isinstance(value, bool | int | float):
        return value
    cell = WriteOnlyCell(sheet, value=_text(value))
    cell.data_type = "s"  # never a formula, even when it starts with "="
    return cell


def xlsx_bytes(table: Table) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_sheet_title(table.title))
    sheet.freeze_panes = "A2"
    for index, column in enumerate(table.columns):
        sheet.column_dimensions[get_column_letter(index + 1)].width = _width(
            column, table.header_of(column), table.rows, index)
    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    header = []
    for title in table.headers:
        cell = WriteOnlyCell(sheet, value=_text(title))
        cell.data_type = "s"
        cell.font = bold
        cell.alignment = wrap
        header.append(cell)
    sheet.append(header)
    for row in table.rows:
        sheet.append([_cell(sheet, column, value, table.zone_of(column))
                      for column, value in zip(table.columns, row, strict=True)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


WRITERS = {"csv": csv_bytes, "xlsx": xlsx_bytes}


def write(table: Table, fmt: str) -> bytes:
    if fmt not in WRITERS:
        raise ValueError(f"unknown format {fmt!r}")
    return WRITERS[fmt](table)
