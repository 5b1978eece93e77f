"""Reading tables out of ``.ods`` and ``.xlsx`` workbooks, every cell as text, every row with its number.

The Home Office publishes its open data tables as workbooks (a 15 MB ``.ods`` for recorded crime, 26-44 MB
``.xlsx`` for outcomes). They are read with python-calamine, a Rust reader that takes a second or two where
odfpy (what pandas uses for ``.ods``) takes minutes.

Cells come back as text so that one validation path serves CSV and workbooks alike: a number cell that
calamine gives as the float ``5840.0`` becomes ``"5840"``, while a text cell is kept exactly as typed (an
offence code ``"4.10"`` stays ``"4.10"``; only a code typed into a number cell could have lost its zero, and
nothing can recover that). Each data row keeps its sheet name and 1-based row number, so that a problem can
be reported as "file, sheet 2013_14, row 1234, column 'Number of Offences'".
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataFileError, MissingColumnError, MissingFileError, Problem

SPREADSHEET_SUFFIXES = (".ods", ".xlsx", ".xlsm", ".xls")

# How far down a sheet the header may be (title and note rows above it are allowed).
_HEADER_SEARCH_ROWS = 50


class SpreadsheetLayoutError(MissingColumnError):
    """A workbook without the expected sheets, or a sheet without the expected header row."""


@dataclass(frozen=True)
class SheetProblem(Problem):
    """A problem in a workbook, located by sheet and spreadsheet row rather than by line."""

    sheet: str | None = None

    def _place(self) -> str:
        if self.sheet is None:
            return super()._place()
        return f", sheet {self.sheet}" + (f", row {self.line}" if self.line is not None else "")


@dataclass
class SheetTable:
    """One sheet's table: the wanted columns (as text) of every data row, with the row numbers.

    ``columns`` holds the required columns and those optional ones the sheet has, by their trimmed names.
    ``rows`` are the 1-based spreadsheet row numbers of the data rows (the header's row + 1 onwards, blank
    rows left out).
    """

    file: str
    sheet: str
    header_row: int
    header: list[str]
    columns: dict[str, pd.Series]
    rows: np.ndarray

    def __len__(self) -> int:
        return len(self.rows)


def is_spreadsheet(path: str | os.PathLike) -> bool:
    """Whether a path names a workbook, by its suffix or (for a misnamed file) its zip signature."""
    if str(path).lower().endswith(SPREADSHEET_SUFFIXES):
        return True
    try:
        with open(path, "rb") as stream:
            head = stream.read(8)
    except OSError:
        return False
    # .ods and .xlsx are zip files; old .xls is an OLE2 compound file.
    return head.startswith(b"PK\x03\x04") or head.startswith(b"\xd0\xcf\x11\xe0")


def read_sheet_tables(
    path: str | os.PathLike,
    sheet_filter: Callable[[str], bool],
    required: Sequence[str],
    optional: Sequence[str] = (),
    *,
    sheets_wanted: str = "the expected data",
    one_per: Callable[[str], str] | None = None,
) -> list[SheetTable]:
    """Read every sheet whose name passes ``sheet_filter`` as a table of text cells.

    In each such sheet the header is the first row (of the first 50) that holds every ``required`` name
    after trimming spaces; rows above it (titles, notes) are ignored, and so are columns that are neither
    required nor ``optional`` (stray extra columns in a published sheet). A workbook with no matching
    sheet, or a matching sheet without the header, is a :class:`SpreadsheetLayoutError` naming the file
    and the sheets it has; ``sheets_wanted`` describes the sheets looked for, for that message.
    ``one_per`` gives what a sheet holds (its financial year, say): two chosen sheets holding the same
    are an error naming both, never added together.
    """
    from python_calamine import CalamineError, CalamineWorkbook

    name = str(path)
    if not os.path.exists(path):
        raise MissingFileError.single(name, "file not found")
    if os.path.isdir(path):
        raise MissingFileError.single(name, "is a folder, expected a spreadsheet (.ods or .xlsx)")
    from .workbook_size import check_workbook_size

    # Before the reader opens it (an .ods is built whole as it opens): a stray far cell costs gigabytes.
    check_workbook_size(name, sheet_filter)
    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except (CalamineError, OSError, ValueError) as exc:
        raise DataFileError.single(name, f"cannot be read as a spreadsheet (.ods or .xlsx): {exc}") from None
    except Exception as exc:  # calamine raises its own exception types for damaged zips and XML
        raise DataFileError.single(name, f"cannot be read as a spreadsheet (.ods or .xlsx): {exc}") from None
    try:
        sheets = list(workbook.sheet_names)
        chosen = [s for s in sheets if sheet_filter(s)]
        if not chosen:
            raise SpreadsheetLayoutError.single(
                name, f"no sheet with {sheets_wanted}; the workbook has sheets {_names(sheets)}"
            )
        if one_per is not None:
            held: dict[str, list[str]] = {}
            for sheet in chosen:
                held.setdefault(one_per(sheet), []).append(sheet)
            twice = [found for found in held.values() if len(found) > 1]
            if twice:
                raise SpreadsheetLayoutError.single(
                    name, f"sheets {_names(twice[0])} both hold {sheets_wanted}; expected one such sheet (delete "
                          "or rename the other: crimestat never adds two sheets of the same data together)")
        tables = []
        for sheet in chosen:
            try:
                cells = workbook.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
            except Exception as exc:  # a damaged sheet inside a readable workbook
                raise DataFileError([SheetProblem(name, f"cannot be read: {exc}", sheet=sheet)]) from None
            tables.append(_table(name, sheet, cells, required, optional, sheets))
        return tables
    finally:
        workbook.close()


def _table(
    name: str,
    sheet: str,
    cells: list[list[Any]],
    required: Sequence[str],
    optional: Sequence[str],
    sheets: list[str],
) -> SheetTable:
    header_index = None
    first_nonblank: list[str] | None = None
    for i, row in enumerate(cells[:_HEADER_SEARCH_ROWS]):
        labels = [cell_text(c).strip() for c in row]
        if first_nonblank is None and any(labels):
            first_nonblank = labels
        if all(r in labels for r in required):
            header_index = i
            header = labels
            break
    if header_index is None:
        found = [c for c in (first_nonblank or []) if c]
        missing = [r for r in required if r not in found]
        hints = []
        for column in missing:
            near = difflib.get_close_matches(column, found, n=1, cutoff=0.6)
            if near:
                hints.append(f"is '{near[0]}' meant to be '{column}'?")
        message = (
            f"no header row with the columns {_names(required)}"
            + (f" (missing {_names(missing)}; the first row has {_names(found)})" if found else " (sheet is empty)")
            + (f"; {' '.join(hints)}" if hints else "")
            + f"; the workbook has sheets {_names(sheets)}"
        )
        raise SpreadsheetLayoutError([SheetProblem(name, message, sheet=sheet)])
    wanted = [c for c in (*required, *optional) if c in header]
    positions = {c: header.index(c) for c in wanted}
    body = cells[header_index + 1:]
    # Only the wanted columns are converted; stray columns are never looked at. calamine's rows are
    # rectangular, but a short row (a hand-made file) reads as empty cells.
    columns = {
        c: _column_text([row[p] if p < len(row) else "" for row in body]) for c, p in positions.items()
    }
    rows = np.arange(header_index + 2, header_index + 2 + len(body))
    if len(body):
        blank = np.ones(len(body), dtype=bool)
        for series in columns.values():
            blank &= (series.str.strip() == "").to_numpy()
        if blank.any():
            keep = ~blank
            columns = {c: s[keep].reset_index(drop=True) for c, s in columns.items()}
            rows = rows[keep]
    return SheetTable(name, sheet, header_index + 1, header, columns, rows)


def _column_text(values: list[Any]) -> pd.Series:
    """A column of calamine cell values as text, without per-cell work when the column is all text.

    calamine gives text cells as ``str``, number cells as ``float`` (or ``int``), dates as ``date`` or
    ``datetime``. Whole floats lose their ``.0``; other floats are written in their shortest exact form.
    """
    series = pd.Series(values, dtype=object)
    kind = pd.api.types.infer_dtype(series, skipna=False)
    if kind in ("string", "empty"):
        return series.astype(str)
    if kind == "integer":
        return series.astype("int64").astype(str)
    if kind == "floating":
        numbers = series.astype(float).to_numpy()
        if np.isfinite(numbers).all() and (numbers == np.round(numbers)).all() and (abs(numbers) < 2**53).all():
            return pd.Series(numbers.astype("int64").astype(str), dtype=str)
    return pd.Series([cell_text(v) for v in values], dtype=str)


def cell_text(value: Any) -> str:
    """One calamine cell value as the text a person sees in the cell."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return str(value)
        if value.is_integer() and abs(value) < 2**53:
            return str(int(value))
        return repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    return str(value)


def _names(columns: Sequence[str]) -> str:
    return ", ".join(f"'{c}'" for c in columns)
