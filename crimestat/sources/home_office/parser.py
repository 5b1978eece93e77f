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
from datetime import date
import io
import os
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ...errors import BadValueError, DataFileError, MissingColumnError, Problem
from ...model.forces import Registry
from ...log import warn
from ...loaders._complete import any_force_short
from ...loaders._csv import _MARKS, CsvTable, Source, _check_header, decode_bytes, gunzip, parse_number, read_bytes, source_name
from ...loaders.spreadsheet import SheetProblem, SheetTable, is_spreadsheet, read_sheet_tables

YEAR = "Financial Year"
QUARTER = "Financial Quarter"
FORCE = "Force Name"
CODE = "Offence Code"
COUNT = "Number of Offences"
OLD_COUNT = "Offence Count"  # the count column's name in some older releases
DESCRIPTIVE = ("Offence Description", "Offence Group", "Offence Subgroup")
REQUIRED = (YEAR, QUARTER, FORCE, CODE)
COUNT_NAMES = (COUNT, OLD_COUNT)

# A year sheet: '2013_14' or '2013-14', with at most a note in brackets ('2025_26 (provisional)').
YEAR_SHEET = re.compile(r"^(\d{4})[-_ ](\d{2})(?:\s*\([^()]{1,40}\))?$")
_NOT_DATA_SHEET = re.compile(r"cover|note|contents", re.IGNORECASE)
_YEAR = re.compile(r"^(\d{4})/(\d{2})$")
_QUARTERS = {"1": 1, "2": 2, "3": 3, "4": 4}
_WHOLE = r"[+-]?[0-9]{1,15}"  # ASCII digits only ('١٢' and full-width digits are not a count)
_WHOLE_ANCHORED = r"^-?[0-9]{1,15}$"
# A quarter's count for one force and offence code outside these bounds is refused as implausible: all crime
# in England and Wales is about 6 million a year, and the April 2026 release ranges from -268 (recording
# corrections) to 246,973 (UK Finance, one quarter).
COUNT_BOUNDS = (-10_000, 10_000_000)
# Financial years a release can hold: the series starts in 2002/03, and no year can start in the future.
FIRST_YEAR = 2000
_GZIP_MAGIC = b"\x1f\x8b"
COUNT_WHAT = "a whole number of offences"


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
    types[count_column] = pa.string()
    try:
        table = pa_csv.read_csv(
            pa.BufferReader(data),
            # The header is the first line: named by the trimmed names already read, so ' Force Name' is found.
            read_options=pa_csv.ReadOptions(column_names=header, skip_rows=1),
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
class _Column:
    """A low-cardinality text column as codes into its distinct values (trimmed): checks run on the few
    distinct values, not on 300,000 rows."""

    codes: np.ndarray
    values: np.ndarray  # object array of trimmed text

    @classmethod
    def of(cls, series: pd.Series) -> _Column:
        codes, uniques = pd.factorize(series, use_na_sentinel=False)
        # Values equal once trimmed share one code: ' 30C' and '30C' are one offence code, so a row repeated
        # with a space added is a duplicate, not a second count.
        merged, values = pd.factorize(pd.Series([str(u).strip() for u in uniques], dtype=object),
                                      use_na_sentinel=False)
        return cls(np.asarray(merged, dtype="int64")[np.asarray(codes, dtype="int64")],
                   np.asarray(values, dtype=object))

    @classmethod
    def from_arrow(cls, column: pa.ChunkedArray) -> _Column:
        """From a dictionary-encoded column whose chunks share one dictionary (``Table.unify_dictionaries``)."""
        chunks = [chunk for chunk in column.chunks if len(chunk)]
        if not chunks:
            return cls(np.zeros(0, dtype="int64"), np.array([], dtype=object))
        indices = np.concatenate([np.asarray(chunk.indices, dtype="int64") for chunk in chunks])
        distinct = chunks[0].dictionary.to_pylist()
        merged, values = pd.factorize(pd.Series([str(v).strip() for v in distinct], dtype=object),
                                      use_na_sentinel=False)
        return cls(np.asarray(merged, dtype="int64")[indices], np.asarray(values, dtype=object))

    def rows_where(self, bad: set[int]) -> np.ndarray:
        """The row indices whose value is one of the ``bad`` distinct values."""
        return np.flatnonzero(np.isin(self.codes, list(bad)))

    def text(self, row: int) -> str:
        return str(self.values[self.codes[row]])


def _tidy(raw: _Raw, registry: Registry) -> pd.DataFrame:
    year, quarter, force, code = raw.columns()
    # Rows of empty cells (a CSV line of commas, spreadsheet padding) carry nothing: leave them out.
    blank = (
        (year.values[year.codes] == "") & (quarter.values[quarter.codes] == "")
        & (force.values[force.codes] == "") & (code.values[code.codes] == "")
    )
    if blank.any():
        blank &= (raw.counts().astype(str).str.strip() == "").to_numpy()
    keep = np.flatnonzero(~blank) if blank.any() else None

    start = _financial_years(raw, year, keep)
    quarter_number = _quarters(raw, quarter, keep)
    area = _forces(raw, force, registry, keep)
    empty_code = {i for i, v in enumerate(code.values) if not v}
    if empty_code:
        for row in _kept(code.rows_where(empty_code), keep):
            raw.problem(int(row), "empty value; expected an offence code such as '8N' or '4.10'", CODE)
    count = _counts(raw)

    valid = ~(np.isnan(start) | np.isnan(quarter_number) | (area.values == "")[area.codes]
              | np.isin(code.codes, list(empty_code)))
    if keep is not None:
        valid &= ~blank
    _bounds(raw, count, valid)
    _duplicates(raw, valid, force, year, quarter, code, area)
    if raw.problems:
        raise BadValueError(_sorted(raw.problems))
    _complete_quarters(raw, valid, start, quarter_number, area, code, registry)

    rows = np.flatnonzero(valid) if not valid.all() else slice(None)
    # Quarter q of financial year Y ends in month Y*12 + 2 + 3q (0-based months: q1 -> June of Y).
    month0 = start[rows].astype("int64") * 12 + 2 + 3 * quarter_number[rows].astype("int64")
    ends = (month0 - 1970 * 12 + 1).astype("datetime64[M]").astype("datetime64[D]") - np.timedelta64(1, "D")
    return pd.DataFrame(
        {
            "area_code": pd.array(area.values, dtype="string").take(area.codes[rows]),
            "period_end": pd.to_datetime(ends).as_unit("ns"),
            "months": np.full(len(ends), 3, dtype="int64"),
            "category": pd.array(code.values, dtype="string").take(code.codes[rows]),
            "count": count[rows],
        }
    )


def _quoted(text: str) -> str:
    """A cell quoted in a message: as written, or with escapes where it holds a NUL or another control
    character (which a terminal would show as nothing, so '2012/13' would seem to be refused)."""
    return f"'{text}'" if text.isprintable() else repr(text)


def _kept(rows: np.ndarray, keep: np.ndarray | None) -> np.ndarray:
    return rows if keep is None else np.intersect1d(rows, keep)


def _sorted(problems: list[Problem]) -> list[Problem]:
    sheet_order: dict[str, int] = {}
    for p in problems:
        sheet = getattr(p, "sheet", None) or ""
        sheet_order.setdefault(sheet, len(sheet_order))
    return sorted(
        problems, key=lambda p: (sheet_order[getattr(p, "sheet", None) or ""], p.line or 0, p.column or "")
    )


def _financial_years(raw: _Raw, years: _Column, keep: np.ndarray | None) -> np.ndarray:
    """The first calendar year of each row's financial year ('2013/14' -> 2013), NaN where it is malformed."""
    starts = np.full(len(years.values), np.nan)
    reasons: dict[int, str] = {}
    for i, text in enumerate(years.values):
        match = _YEAR.match(text)
        if match and (int(match.group(1)) + 1) % 100 == int(match.group(2)) and \
                FIRST_YEAR <= int(match.group(1)) <= date.today().year:
            starts[i] = float(match.group(1))
        elif match and (int(match.group(1)) + 1) % 100 == int(match.group(2)):
            reasons[i] = (f"{_quoted(text)} is outside the years police recorded crime can cover; expected a financial "
                          f"year from {FIRST_YEAR}/{(FIRST_YEAR + 1) % 100:02d} to this year's")
        elif not text:
            reasons[i] = "empty value; expected a financial year such as 2013/14"
        elif match:
            reasons[i] = (f"{_quoted(text)} is not a financial year: the years are not consecutive; expected a "
                          "financial year such as 2013/14")
        else:
            reasons[i] = f"{_quoted(text)} is not a financial year; expected YYYY/YY, such as 2013/14"
    if reasons:
        for row in _kept(years.rows_where(set(reasons)), keep):
            raw.problem(int(row), reasons[int(years.codes[row])], YEAR)
    return starts[years.codes]


def _quarters(raw: _Raw, quarters: _Column, keep: np.ndarray | None) -> np.ndarray:
    numbers = np.array([_QUARTERS.get(v, np.nan) for v in quarters.values], dtype=float)
    bad = {i for i, n in enumerate(numbers) if np.isnan(n)}
    if bad:
        for row in _kept(quarters.rows_where(bad), keep):
            text = quarters.text(row)
            found = f"{_quoted(text)} is not a quarter" if text else "empty value"
            raw.problem(int(row), f"{found}; expected a financial quarter 1, 2, 3 or 4 (1 = April to June)",
                        QUARTER)
    return numbers[quarters.codes]


def _forces(raw: _Raw, names: _Column, registry: Registry, keep: np.ndarray | None) -> _Column:
    """Each row's registry code ('' where the force is unknown, with a problem recorded), coded by the
    distinct registry codes: 'CIFAS' and 'Cifas' are one area."""
    codes = np.empty(len(names.values), dtype=object)
    reasons: dict[int, str] = {}
    for i, name in enumerate(names.values):
        force = registry.find(name) if name else None
        codes[i] = force.code if force is not None else ""
        if force is not None:
            continue
        if not name:
            reasons[i] = "empty value; expected a police force name"
        else:
            near = registry.suggest(name)
            hint = f" (did you mean '{near[0]}'?)" if near else ""
            reasons[i] = (f"{_quoted(name)} is not a known police force{hint}; expected a name or code from "
                          "`crimestat forces`")
    if reasons:
        for row in _kept(names.rows_where(set(reasons)), keep):
            raw.problem(int(row), reasons[int(names.codes[row])], FORCE)
    merged, distinct = pd.factorize(pd.Series(codes, dtype=object), use_na_sentinel=False)
    return _Column(np.asarray(merged, dtype="int64")[names.codes], np.asarray(distinct, dtype=object))


def _counts(raw: _Raw) -> np.ndarray:
    """The counts as int64. The happy path is one arrow cast; only cells that fail it are looked at."""
    try:
        cells = raw.count_cells if raw.count_cells is not None else pa.array(raw.counts())
        trimmed = pc.utf8_trim_whitespace(cells)
        # Arrow's cast also takes '0x10' (hex); counts are plain ASCII digits, checked first.
        if pc.all(pc.match_substring_regex(trimmed, _WHOLE_ANCHORED)).as_py():
            return np.asarray(pc.cast(trimmed, pa.int64()), dtype="int64")
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, AttributeError):
        pass
    counts = raw.counts()
    text = counts.astype(str).str.strip()
    ok = text.str.fullmatch(_WHOLE).to_numpy(dtype=bool)
    values = np.zeros(len(text), dtype="int64")
    values[ok] = text[ok].astype("int64").to_numpy()
    for i in np.flatnonzero(~ok):
        stub = CsvTable(raw.name, [], [], [0])
        cell = str(counts.iloc[i])
        if not cell.strip():
            blank_row = all(not raw.cell(c, int(i)).strip() for c in REQUIRED)
            if blank_row:
                continue  # a row of empty cells, left out
        parsed = parse_number(stub, 0, COUNT, cell, minimum=None, what=COUNT_WHAT)
        if parsed is None:
            raw.problem(int(i), stub.problems[0].message, raw.count_column)
        elif not re.fullmatch(r"[+-]?[0-9]{1,3}(,[0-9]{3})+|[+-]?[0-9]+(\.0+)?", cell.strip()):
            # '0x10', '1_000', '١٢': Python reads them as numbers, but no release writes a count so.
            raw.problem(int(i), f"{_quoted(cell.strip())} is not written as a whole number of offences; expected digits "
                                "only, such as 129", raw.count_column)
        else:
            values[i] = int(parsed)
    return values


def _bounds(raw: _Raw, count: np.ndarray, valid: np.ndarray) -> None:
    low, high = COUNT_BOUNDS
    for row in np.flatnonzero(valid & ((count < low) | (count > high)))[:20]:
        raw.problem(int(row), f"{int(count[row]):,} is not a plausible count for one force, quarter and offence code; "
                    f"expected {low:,} to {high:,} (negative counts are small recording corrections)",
                    raw.count_column)


MIN_FORCES_FOR_COMPLETENESS = 10


def _complete_quarters(raw: _Raw, valid: np.ndarray, start: np.ndarray, quarter: np.ndarray, area: _Column,
                       code: _Column, registry: Registry) -> None:
    """A force's quarter must list every offence code that all the other forces list in that quarter.

    The published tables give every territorial force a row for every offence code in every quarter (zeros
    included), so a force-quarter short of codes the others all have is a file cut short at a line end, or
    rows lost: its totals would be silently partial. Checked where at least ten territorial forces have the
    quarter (a user's extract of a few forces is left alone).
    """
    territorial = {f.code for f in registry.territorial}
    # By the few distinct areas, not 300,000 object comparisons (np.isin on objects took 0.12 s).
    is_territorial = np.array([name in territorial for name in area.values], dtype=bool)
    rows = np.flatnonzero(valid & is_territorial[area.codes])
    if not len(rows):
        return
    keys = (start[rows] * 10 + quarter[rows]).astype("int64")
    if not any_force_short(keys - keys.min(), area.codes[rows], code.codes[rows], MIN_FORCES_FOR_COMPLETENESS):
        _last_quarter_complete(raw, rows, start, quarter, area, registry)
        if raw.problems:
            raise BadValueError(_sorted(raw.problems))
        return  # the usual case, found with numpy; the loop below names the forces and codes
    frame = pd.DataFrame({"quarter": start[rows] * 10 + quarter[rows], "area": area.values[area.codes[rows]],
                          "code": code.codes[rows], "row": rows}).drop_duplicates(["quarter", "area", "code"])
    problems = 0
    for quarter_key, block in frame.groupby("quarter", sort=True):
        forces = block["area"].nunique()
        if forces < MIN_FORCES_FOR_COMPLETENESS:
            continue
        held = block.groupby("code")["area"].nunique()
        for area_code, own in block.groupby("area"):
            # Codes every other force has but this one lacks.
            missing = sorted(set(held.index[held == forces - 1]) - set(own["code"]))
            if not missing:
                continue
            names = [str(code.values[c]) for c in missing]
            first = int(own["row"].min())
            year = int(quarter_key) // 10
            raw.problem(first, f"{registry.by_code(str(area_code)).name}, {year}/{(year + 1) % 100:02d} quarter "
                        f"{int(quarter_key) % 10} lacks {len(names)} offence code{'s' if len(names) != 1 else ''} "
                        f"that every other force has ({', '.join(names[:5])}{', ...' if len(names) > 5 else ''}): "
                        "the file may be cut short or rows lost; expected a row for every offence code", None)
            problems += 1
            if problems >= 20:
                break
    _last_quarter_complete(raw, rows, start, quarter, area, registry)
    if raw.problems:
        raise BadValueError(_sorted(raw.problems))


def _last_quarter_complete(raw: _Raw, rows: np.ndarray, start: np.ndarray, quarter: np.ndarray, area: _Column,
                           registry: Registry) -> None:
    """The file's last quarter must have every force the quarter before it has.

    A file cut at a line end between two forces leaves the last quarter with only the forces before the cut:
    every force's codes are complete, but England and Wales cannot be summed and the latest period would be
    one with no figures. (A force missing from an earlier quarter is a gap the figures say n/a for.)
    """
    keys = start[rows] * 10 + quarter[rows]
    order = np.unique(keys)
    if len(order) < 2:
        return
    last, before = order[-1], order[-2]
    have_last = set(area.values[np.unique(area.codes[rows][keys == last])])
    have_before = set(area.values[np.unique(area.codes[rows][keys == before])])
    lacking = sorted(have_before - have_last)
    if len(have_before) >= MIN_FORCES_FOR_COMPLETENESS and lacking:
        names = [registry.by_code(str(c)).name for c in lacking]
        year = int(last) // 10
        position = int(rows[np.flatnonzero(keys == last)[-1]])
        raw.problem(position, f"the last quarter, {year}/{(year + 1) % 100:02d} quarter {int(last) % 10}, has "
                    f"{len(have_last)} of the {len(have_before)} forces of the quarter before; it lacks "
                    f"{', '.join(names[:3])}{f' and {len(names) - 3} more' if len(names) > 3 else ''}: the file "
                    "may be cut short; expected every force in every quarter", None)


def _duplicates(raw: _Raw, valid: np.ndarray, force: _Column, year: _Column, quarter: _Column, code: _Column,
                area: _Column) -> None:
    """Record a problem for every repeat of a (force, financial year, quarter, offence code) row.

    The key uses the registry code, so 'CIFAS' and 'Cifas' in the same quarter would also be a repeat.
    """
    key = area.codes.astype("int64")
    for column in (year, quarter, code):
        key = key * (len(column.values) + 1) + column.codes
    key = np.where(valid, key, -1 - np.arange(len(key)))  # invalid rows never repeat
    repeated = pd.Series(key).duplicated(keep=False).to_numpy()
    if not repeated.any():
        return
    first: dict[int, int] = {}
    for row in np.flatnonzero(repeated):
        k = int(key[row])
        if k not in first:
            first[k] = int(row)
            continue
        raw.problem(
            int(row),
            f"duplicate row for {force.text(int(row))}, {year.text(int(row))} quarter {quarter.text(int(row))}, "
            f"offence code '{code.text(int(row))}' (first on {_where(raw, first[k])}); expected one row per force, quarter and "
            "offence code",
            None,
        )


def _where(raw: _Raw, position: int) -> str:
    if raw.sheets is not None and raw.rows is not None:
        return f"sheet {raw.sheets[position]}, row {int(raw.rows[position])}"
    return f"line {raw.line(position)}"
