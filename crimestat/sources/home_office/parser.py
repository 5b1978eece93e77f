"""Load the Home Office police recorded crime open data tables (force x quarter x offence code) into tidy counts.

The published file is a workbook (``prc-pfa-mar2013-onwards-tables-DDMMYY.ods``: a cover sheet, a notes
sheet and one sheet per financial year); people also pass it on as CSV, often gzip-compressed. All layouts
give the same tidy counts: ``area_code, period_end, months (3), category (the offence code), count``.

The full release is over 300,000 rows, so the happy path never loops over rows in Python: cells are read as
text by pandas (or calamine), checked with vectorised string operations, and only rows that fail a check
are looked at one by one, to say where and why. Every problem of a file is collected and raised together.

What is kept deliberately: negative counts (recording corrections the Home Office publishes, 426 rows in
the April 2026 release), British Transport Police and the national fraud bodies (with their registry codes;
they are not territorial, so they never enter England and Wales). What is refused: ``N/a`` and any other
non-number (a missing count is not a zero), an unknown force, a malformed financial year or quarter, the same
force, quarter and offence code twice, and a CSV whose last line has no newline (a truncated download would
otherwise silently give smaller numbers).
"""

from __future__ import annotations

import csv
import io
import os
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa

from ...errors import BadValueError, DataFileError, MissingColumnError, Problem
from ...model.forces import Registry
from ...runtime.log import warn
from ...loaders._csv import _MARKS, Source, _check_header, decode_bytes, gunzip, read_bytes, source_name
from ...loaders.spreadsheet import SheetProblem, SheetTable, is_spreadsheet, read_sheet_tables
from .checks import _Column, _tidy
from .layout import (CODE, COUNT, COUNT_NAMES, FORCE, OLD_COUNT, QUARTER, REQUIRED, YEAR, YEAR_SHEET, _GZIP_MAGIC,
                     _NOT_DATA_SHEET)


def looks_like_home_office_crime(header: list[str]) -> bool:
    """Whether a header (CSV first line or a sheet's header row) is the Home Office recorded crime table.

    Recognised by its columns, not its file name: the financial year, quarter, force and offence code, and a
    count column (``Number of Offences``, or ``Offence Count`` in older releases). The outcomes tables share
    the first four but have outcome columns and no offence count, so they are not taken for it.
    """
    names = {str(h).strip() for h in header}
    return (
        all(c in names for c in REQUIRED)
        and any(c in names for c in COUNT_NAMES)
        and not any(n.lower().startswith("outcome") for n in names)
    )


def is_year_sheet(name: str) -> bool:
    """A year sheet of the workbook (``2012_13``, ``2012-13`` or ``2025_26 (provisional)``); cover, notes and
    contents sheets are not."""
    name = name.strip()
    return bool(YEAR_SHEET.match(name)) and not _NOT_DATA_SHEET.search(name)


def load_home_office_crime(source: Source, registry: Registry) -> pd.DataFrame:
    """Read a Home Office recorded crime table and return tidy quarterly counts.

    ``source`` is a ``.ods``/``.xlsx`` workbook, a ``.csv`` or ``.csv.gz`` (gzip is recognised by its
    first bytes whatever the name), ``-`` for standard input, or an open file (CSV). The result has
    ``area_code`` (the forces registry code), ``period_end`` (the quarter's last day: financial year 2013/14
    quarter 1 ends 30 June 2013, quarter 4 ends 31 March 2014), ``months`` (3), ``category`` (the offence
    code, as text) and ``count`` (int64, negative corrections kept).
    """
    if isinstance(source, (str, os.PathLike)) and str(source) != "-" and _is_workbook(source):
        raw = _read_workbook(source)
    else:
        raw = _read_csv(source)
    return _tidy(raw, registry)


def _is_workbook(path: str | os.PathLike) -> bool:
    if not os.path.isfile(path):
        return False  # the CSV reader reports a missing file or a folder
    with open(path, "rb") as stream:
        if stream.read(2) == _GZIP_MAGIC:
            return False
    return is_spreadsheet(path)


# --- reading -------------------------------------------------------------------------------------------


def _read_workbook(path: str | os.PathLike) -> _Raw:
    name = str(path)
    tables = read_sheet_tables(path, is_year_sheet, REQUIRED, COUNT_NAMES,
                               sheets_wanted="a financial year's data (named like 2013_14 or 2013-14)",
                               one_per=lambda sheet: "/".join(YEAR_SHEET.match(sheet.strip()).groups()))  # type: ignore[union-attr]
    frames, sheets, rows = [], [], []
    count_column = COUNT
    for table in tables:
        column = _count_column(table.header)
        if column is None:
            raise MissingColumnError([SheetProblem(
                name, f"missing column '{COUNT}' (or '{OLD_COUNT}'); the header has "
                f"{', '.join(repr(c) for c in table.header if c)}", table.header_row, None, sheet=table.sheet,
            )])
        count_column = column
        frames.append(pd.DataFrame({
            YEAR: table.columns[YEAR], QUARTER: table.columns[QUARTER], FORCE: table.columns[FORCE],
            CODE: table.columns[CODE], COUNT: table.columns[column],
        }))
        sheets.append(np.full(len(table), table.sheet, dtype=object))
        rows.append(table.rows)
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=[*REQUIRED, COUNT])
    if frame.empty:
        raise DataFileError.single(name, f"the year sheets ({_sheet_list(tables)}) have a header but no data rows")
    return _Raw(name, frame, count_column, sheets=np.concatenate(sheets), rows=np.concatenate(rows))


def _sheet_list(tables: Sequence[SheetTable]) -> str:
    return ", ".join(t.sheet for t in tables)


def _count_column(header: Sequence[str]) -> str | None:
    return next((c for c in COUNT_NAMES if c in header), None)


def _read_bytes(source: Source, name: str) -> bytes:
    data = read_bytes(source, "a CSV file or a workbook")
    return data.encode("utf-8") if isinstance(data, str) else data


def _read_csv(source: Source) -> _Raw:
    name = source_name(source)
    data = _read_bytes(source, name)
    data = gunzip(data, name)
    if data[:4] == b"PK\x03\x04" and isinstance(source, (str, os.PathLike)) and str(source) != "-":
        return _read_workbook(source)  # a workbook saved under another name: read it as one
    if data[:4] == b"PK\x03\x04":
        raise DataFileError.single(name, "is a workbook (zip file), not a CSV; give it as a file path "
                                         "ending in .ods or .xlsx")
    if not re.search(rb"\S", data):
        raise DataFileError.single(name, f"file is empty; expected a header line with the columns "
                                         f"{', '.join(repr(c) for c in (*REQUIRED, COUNT))}")
    if any(data.startswith(mark) for mark, _ in _MARKS):  # UTF-16 or UTF-32, by its byte-order mark
        data = decode_bytes(data, name).encode("utf-8")
    if not _is_utf8(data):
        try:
            data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            warn(f"{name}: not UTF-8 (byte 0x{data[exc.start]:02x} on line {line}); read as Windows-1252 (Latin-1)")
            data = data.decode("cp1252", errors="replace").encode("utf-8")
    if not data.endswith(b"\n"):
        line = data.count(b"\n") + 1
        raise BadValueError.single(
            name, "the last line does not end with a newline: the file may be truncated (an interrupted "
                  "download or copy); expected a complete file ending with a line break", line,
        )
    header, header_line = _first_line(_head(data))
    _check_header(name, header, header_line, REQUIRED)
    count_column = _count_column(header)
    if count_column is None:
        raise MissingColumnError.single(
            name, f"missing column '{COUNT}' (or '{OLD_COUNT}'); the header has "
                  f"{', '.join(repr(c) for c in header)}", header_line,
        )
    raw = _read_arrow(name, data, header, header_line, count_column)
    if raw is not None:
        if not len(raw):
            raise DataFileError.single(name, "has a header but no data rows", header_line)
        return raw
    text = data.decode("utf-8-sig")
    encoding = "utf-8-sig"
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", pd.errors.ParserWarning)
            # dtype=object keeps the cells as Python text: pandas 3's str dtype converts every column to
            # Arrow strings, 0.2 s of a first run for columns that are factorised or cast straight after.
            frame = pd.read_csv(
                io.BytesIO(data), encoding=encoding, dtype=object, keep_default_na=False, na_filter=False,
                skip_blank_lines=True, engine="c", index_col=False,
            )
    except pd.errors.ParserError as exc:
        message = _parser_message(exc)
        found = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", message)
        if found:
            expected, line, saw = (int(g) for g in found.groups())
            raise DataFileError.single(name, f"expected {expected} fields, found {saw}", line) from None
        raise DataFileError.single(name, f"not a well-formed CSV file ({message}); expected comma-separated "
                                         "rows with double-quoted text") from None
    if any(issubclass(w.category, pd.errors.ParserWarning) for w in caught):
        # pandas drops the extra fields of rows longer than the header (with a warning): refuse instead.
        raise DataFileError.single(
            name, f"data rows have more fields than the header's {len(header)} columns; expected one field per "
                  "column", header_line + 1,
        )
    # All columns are read (index_col=False) so that a row with too many fields is refused rather than
    # shifted; only the wanted ones are kept.
    frame.columns = [str(c).strip() for c in frame.columns]
    frame = frame.rename(columns={count_column: COUNT})[[*REQUIRED, COUNT]]
    if frame.empty:
        raise DataFileError.single(name, "has a header but no data rows", header_line)
    return _Raw(name, frame, count_column, csv_text=text, header_line=header_line)


def _is_utf8(data: bytes) -> bool:
    """Whether the bytes are UTF-8 text, checked by Arrow (a few milliseconds where decoding 36 MB to a Python
    string takes 30)."""
    if data.isascii():
        return True
    offsets = pa.py_buffer(np.array([0, len(data)], dtype=np.int64))
    text = pa.Array.from_buffers(pa.large_binary(), 1, [None, offsets, pa.py_buffer(data)]).view(pa.large_string())
    try:
        text.validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True


def _head(data: bytes) -> str:
    """The text up to the end of the first line that is not blank (all the header reading needs)."""
    end = -1
    while True:
        end = data.find(b"\n", end + 1)
        if end < 0:
            return data.decode("utf-8-sig")
        head = data[: end + 1].decode("utf-8-sig")
        if head.strip():
            return head


def _read_arrow(name: str, data: bytes, header: list[str], header_line: int, count_column: str) -> _Raw | None:
    """The common case, read by Arrow's multi-threaded CSV reader with the four key columns coded as they are
    read (0.05 s for the April 2026 release, where pandas takes 0.25 s and coding the columns 0.1 s more).

    None when the file is not plainly shaped: a header not on the first line, quoted or with a column name
    twice, null cells, or rows Arrow refuses (a field too many or too few). The pandas reader then reads it and
    says exactly where and what is wrong; a file both read gives the same cells.
    """
    import pyarrow.csv as pa_csv

    first = data[: data.find(b"\n")]
    if header_line != 1 or b'"' in first or len(set(header)) != len(header):
        return None
    types = {c: pa.dictionary(pa.int32(), pa.string()) for c in REQUIRED}
    # The counts too: the April 2026 release has 5,573 distinct count cells in 321,893 rows, checked and cast once each.
    types[count_column] = pa.dictionary(pa.int32(), pa.string())
    try:
        table = pa_csv.read_csv(
            pa.BufferReader(data),
            # The header is the first line: named by the trimmed names already read, so ' Force Name' is found.
            read_options=pa_csv.ReadOptions(column_names=header, skip_rows=1, use_threads=False),
            parse_options=pa_csv.ParseOptions(newlines_in_values=True),
            convert_options=pa_csv.ConvertOptions(column_types=types, include_columns=[*REQUIRED, count_column],
                                                  strings_can_be_null=False),
        ).unify_dictionaries()
    except (pa.ArrowInvalid, pa.ArrowKeyError, pa.ArrowTypeError):
        return None
    if any(column.null_count for column in table.columns):
        return None
    keys = {c: _Column.from_arrow(table.column(c)) for c in REQUIRED}
    return _Raw(name, None, count_column, keys=keys, count_cells=table.column(count_column), csv_bytes=data)


def _parser_message(exc: Exception) -> str:
    return str(exc).replace("Error tokenizing data. C error: ", "").strip()


def _first_line(text: str) -> tuple[list[str], int]:
    """The first non-blank line's column names (trimmed) and its line number."""
    start = 0
    number = 1
    while start < len(text):
        end = text.find("\n", start)
        end = len(text) if end < 0 else end
        line = text[start:end]
        if line.strip():
            try:
                cells = next(csv.reader([line]))
            except csv.Error:  # a stray carriage return or NUL: not a header; the column check says so
                cells = line.split(",")
            return [c.strip() for c in cells], number
        start, number = end + 1, number + 1
    return [], 1


def _csv_lines(text: str, header_line: int, rows: int) -> np.ndarray:
    """The line each data row starts on, for error messages only (so it may be slow).

    When every line after the header is one data row, that is a sum; otherwise (blank lines, quoted line
    breaks) the file is walked with the csv module, skipping the lines pandas skips.
    """
    if text.count("\n") == header_line + rows and "\n\n" not in text:
        return np.arange(header_line + 1, header_line + 1 + rows)
    reader = csv.reader(io.StringIO(text, newline=""))
    lines: list[int] = []
    start = 1
    seen_header = False
    for record in reader:
        blank = not record or (len(record) == 1 and not record[0].strip())
        if not blank:
            if seen_header:
                lines.append(start)
            seen_header = True
        start = reader.line_num + 1
    lines += [start] * max(0, rows - len(lines))
    return np.asarray(lines[:rows] if len(lines) >= rows else lines)


# --- checking --------------------------------------------------------------------------------------------


@dataclass
class _Raw:
    """The text cells of a file's data rows, and how to say where each row is."""

    name: str
    frame: pd.DataFrame | None  # columns YEAR, QUARTER, FORCE, CODE, COUNT, as text; index = position in the file
    count_column: str
    sheets: np.ndarray | None = None  # per row, for workbooks
    rows: np.ndarray | None = None  # per row, spreadsheet row number (workbooks)
    csv_text: str | None = None
    header_line: int = 1
    _lines: np.ndarray | None = None
    problems: list[Problem] = field(default_factory=list)
    # From the Arrow reader (instead of ``frame``): the four key columns already coded, the count cells as text.
    keys: dict[str, _Column] | None = None
    count_cells: pa.ChunkedArray | None = None
    csv_bytes: bytes | None = None  # the file, decoded only to say where a problem is

    def __len__(self) -> int:
        return len(self.frame) if self.frame is not None else len(self.count_cells or [])

    def columns(self) -> list[_Column]:
        """The year, quarter, force and offence code columns, coded by their trimmed distinct values."""
        if self.keys is not None:
            return [self.keys[c] for c in REQUIRED]
        assert self.frame is not None
        return [_Column.of(self.frame[c]) for c in REQUIRED]

    def counts(self) -> pd.Series:
        """The count cells as text (a Series: for the checks of cells that are not plain whole numbers)."""
        if self.frame is not None:
            return self.frame[COUNT]
        assert self.count_cells is not None
        return pd.Series(self.count_cells.to_pylist(), dtype=object)

    def cell(self, column: str, row: int) -> str:
        if self.frame is not None:
            return str(self.frame[column].iloc[row])
        if column == COUNT:
            assert self.count_cells is not None
            return str(self.count_cells[row].as_py())
        assert self.keys is not None
        return self.keys[column].text(row)  # trimmed, which is all a caller asks of it

    def problem(self, position: int, message: str, column: str | None) -> None:
        """Record a problem at data row ``position`` (an index label of ``frame``)."""
        if self.sheets is not None and self.rows is not None:
            self.problems.append(
                SheetProblem(self.name, message, int(self.rows[position]), column, sheet=str(self.sheets[position]))
            )
        else:
            self.problems.append(Problem(self.name, message, self.line(position), column))

    def line(self, position: int) -> int:
        if self._lines is None:
            if self.csv_text is None and self.csv_bytes is not None:
                self.csv_text = self.csv_bytes.decode("utf-8-sig")
            self._lines = _csv_lines(self.csv_text or "", self.header_line, len(self))
        return int(self._lines[position])
