"""A result as an Excel workbook (``--format xlsx``): one sheet per table, the tidy rows, the notes.

Numbers are written as numbers, unrounded (to the contract's 12 significant digits), with a number format
that shows them as the table does (rates to 1 decimal place, changes to whole percent, markers after
them), so a spreadsheet computes with the figures and people read HMIC's rounding. Text is always text:
a cell starting with ``=`` is never a formula. The workbook is byte-identical for the same result (fixed
timestamps inside the file).
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date
from typing import Any

from ..results import Cell, Result, Section
from .text import spreadsheet_text
from .cells import MISSING, _missing_notes
from .contract import contract_value

#: Excel's number formats for the kinds of cell a table holds: what format_cell does, as a format.
NUMBER_FORMATS = {
    "rate": "0.0",
    "change": "0%",
    "percent": "0.0%",
    "percent0": "0%",
    "percent_ci": "0.0%",
    "count": "#,##0",
    "signed_count": "+#,##0;-#,##0;0",
    "points": "+0.0;-0.0;0.0",
}
#: Kinds whose values are percentages (8.65 meaning 8.65%): stored as the fraction (0.0865) under a percent
#: format, so that a formula on the cell computes with the right number.
PERCENT_KINDS = frozenset({"change", "percent", "percent0", "percent_ci"})
_SHEET_NAME = re.compile(r"[\[\]:*?/\\]")
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest a zip entry can carry


def to_xlsx(result: Result) -> bytes:
    """The workbook: a sheet per section (named after its first header), "Data" with the CSV's rows and
    columns, and "Notes" with the title, the notes and the sources."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    names: set[str] = set()
    for section in result.sections:
        subject = _subject(section.headers[0] if section.headers else "")
        if section.group:  # several forces' tables: each sheet names its force, shortened to fit
            subject = f"{section.group[:31 - len(subject) - 3].rstrip()} - {subject}"
        sheet = book.create_sheet(_sheet_name(subject, names))
        _section_sheet(sheet, section, Font(bold=True))
        if section.chart == "line":
            _line_chart(sheet, section, result.title)
    data = book.create_sheet(_sheet_name("Data", names))
    _data_sheet(data, result, Font(bold=True))
    notes = book.create_sheet(_sheet_name("Notes", names))
    _notes_sheet(notes, result, Font(bold=True))
    return _reproducible(book)


#: A table's subject from its first header: "12 months to December 2025: rate per 1,000 population" -> "Rates".
_SUBJECTS = [(re.compile(r"\brate per\b", re.I), "Rates"), (re.compile(r"^change", re.I), "Changes"),
             (re.compile(r"^other indicators$", re.I), "Indicators"), (re.compile(r"^12 months to$", re.I), "Trend"),
             (re.compile(r"^outcomes\b", re.I), "Outcomes"), (re.compile(r"^type$", re.I), "Outcome types")]


def _subject(header: str) -> str:
    """A short, readable sheet name for a table (its first header, or the kind of table it heads)."""
    for pattern, subject in _SUBJECTS:
        if pattern.search(header):
            return subject
    words, name = header.split(), ""
    for word in words:  # cut at a word, never mid-word
        if len(name) + len(word) + 1 > 31:
            break
        name = f"{name} {word}".strip()
    return name or "Table"


def _line_chart(sheet, section: Section, title: str) -> None:
    """A line chart of the table's numeric columns by its first column, beside the table."""
    from openpyxl.chart import LineChart, Reference

    last = 1
    for r, cells in enumerate(section.rows, start=2):  # the points: rows whose figures are numbers
        if len(cells) > 1 and cells[1].kind in NUMBER_FORMATS:
            last = r
    if last < 3:
        return  # one point is not a line
    chart = LineChart()
    chart.title = title[:250]
    chart.y_axis.title = section.unit or None
    chart.x_axis.title = section.headers[0]
    chart.height, chart.width = 9, 18
    data = Reference(sheet, min_col=2, max_col=len(section.headers), min_row=1, max_row=last)
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(Reference(sheet, min_col=1, min_row=2, max_row=last))
    from openpyxl.utils import get_column_letter

    sheet.add_chart(chart, f"{get_column_letter(len(section.headers) + 2)}2")


def _sheet_name(text: str, taken: set[str]) -> str:
    """Excel's rules: at most 31 characters, none of []:*?/\\, unique (case-insensitively)."""
    base = _SHEET_NAME.sub(" ", spreadsheet_text(text)).strip(" '") or "Table"
    base = re.sub(r"\s+", " ", base)[:31].rstrip()
    name, n = base, 1
    while name.lower() in taken:
        n += 1
        suffix = f" ({n})"
        name = base[:31 - len(suffix)].rstrip() + suffix
    taken.add(name.lower())
    return name


def _text(sheet, row: int, column: int, value: str, font=None):
    cell = sheet.cell(row=row, column=column)
    cell.value = spreadsheet_text(value)  # a control character from data (a NUL, an ESC) as an escape
    cell.data_type = "s"  # never a formula, whatever the text starts with
    if font is not None:
        cell.font = font
    return cell


def _section_sheet(sheet, section: Section, bold) -> None:
    widths = [len(h) for h in section.headers]
    for c, header in enumerate(section.headers, start=1):
        _text(sheet, 1, c, header, bold)
    for r, cells in enumerate(section.rows, start=2):
        for c, cell in enumerate(cells, start=1):
            shown = _put(sheet, r, c, cell)
            if c - 1 < len(widths):
                widths[c - 1] = max(widths[c - 1], len(shown))
    _widths(sheet, widths)
    sheet.freeze_panes = "B2"


def _put(sheet, row: int, column: int, cell: Cell) -> str:
    """Write one table cell: a number with its format, or text; returns about what Excel will show."""
    from .cells import format_cell

    value = cell.value
    if cell.kind in NUMBER_FORMATS and value is not None:
        number_format = NUMBER_FORMATS[cell.kind]
        if cell.kind == "percent_ci":
            shown = format_cell(cell)  # '83.8% (±1.7)': the interval goes into the format, the value stays a number
            value = value[0]
            number_format = '0.0%"' + _literal(shown[shown.index("%") + 1:]) + '"'
        elif cell.marker:  # after the number in every section of the format (positive;negative;zero)
            number_format = ";".join(f'{part}"{_literal(cell.marker)}"' for part in number_format.split(";"))
        number = contract_value("", value)
        if cell.kind in PERCENT_KINDS and isinstance(number, (int, float)):
            number = float(f"{number / 100:.12g}")
        target = sheet.cell(row=row, column=column)
        target.value = number
        target.number_format = number_format
        target.alignment = _right()
        return format_cell(cell)
    if cell.kind in NUMBER_FORMATS:
        _text(sheet, row, column, MISSING).alignment = _right()
        return MISSING
    shown = format_cell(cell)
    _text(sheet, row, column, shown)
    return shown


def _literal(text: str) -> str:
    return text.replace('"', "'")


def _right():
    from openpyxl.styles import Alignment

    return Alignment(horizontal="right")


def _data_sheet(sheet, result: Result, bold) -> None:
    columns = result.columns
    widths = [len(c) for c in columns]
    for c, name in enumerate(columns, start=1):
        _text(sheet, 1, c, name, bold)
    for r, record in enumerate(result.records(), start=2):
        for c, name in enumerate(columns, start=1):
            raw = record.get(name)
            if isinstance(raw, date):
                cell = sheet.cell(row=r, column=c, value=raw)
                cell.number_format = "yyyy-mm-dd"
                widths[c - 1] = max(widths[c - 1], 10)
                continue
            value = contract_value(name, raw, record)
            if value is None:
                continue
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                sheet.cell(row=r, column=c, value=value)
                widths[c - 1] = max(widths[c - 1], min(len(repr(value)), 16))
            else:
                _text(sheet, r, c, str(value))
                widths[c - 1] = max(widths[c - 1], min(len(str(value)), 60))
    _widths(sheet, widths)
    sheet.freeze_panes = "A2"


def _notes_sheet(sheet, result: Result, bold) -> None:
    lines: list[tuple[str, Any]] = [(result.title, bold), ("", None)]
    missing = _missing_notes(result)
    if missing:
        lines.append((f"{MISSING}: not available.", None))
        lines += [(f"  {note}", None) for note in missing]
    lines += [(note, None) for note in result.notes]
    flat = _flatten(result.meta)
    if flat:
        lines += [("", None), ("Details", bold)]
    row = 0
    for row, (text, font) in enumerate(lines, start=1):
        if text:
            _text(sheet, row, 1, text, font)
    for r, (key, value) in enumerate(flat, start=row + 1):
        _text(sheet, r, 1, key)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            sheet.cell(row=r, column=2, value=value)
        elif value is not None:
            _text(sheet, r, 2, str(value))
    sheet.column_dimensions["A"].width = 100
    sheet.column_dimensions["B"].width = 60


def _flatten(meta: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    """``{"force": {"code": ...}}`` as ``[("force.code", ...)]``, values as the JSON carries them."""
    out: list[tuple[str, Any]] = []
    for key, value in meta.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out += _flatten(value, f"{name}.")
        elif isinstance(value, (list, tuple)):
            out.append((name, "; ".join(str(contract_value(key, v)) for v in value)))
        else:
            out.append((name, contract_value(key, value)))
    return out


def _widths(sheet, widths: list[int]) -> None:
    from openpyxl.utils import get_column_letter

    for c, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(c)].width = min(max(width + 2, 8), 70)


def _reproducible(book) -> bytes:
    """The workbook's bytes with fixed timestamps (document properties and zip entries), so the same result
    gives the same file."""
    from datetime import datetime

    from openpyxl.writer.excel import ExcelWriter

    book.properties.created = book.properties.modified = datetime(*_FIXED_TIME)
    book.properties.creator = "crimestat"
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        ExcelWriter(book, archive).save()  # unlike openpyxl's save_workbook, leaves 'modified' alone
    fixed = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw.getvalue())) as source, \
            zipfile.ZipFile(fixed, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=_FIXED_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            target.writestr(entry, source.read(info.filename))
    return fixed.getvalue()
