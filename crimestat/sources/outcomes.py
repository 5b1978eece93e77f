"""Load Home Office crime outcomes open data into tidy quarterly outcome counts.

Two layouts are read, recognised by their header:

- the published data sheet (``prc-outcomes-open-data-marYYYY-tables-DDMMYY.xlsx``, or a CSV saved from it):
  one row per force, quarter, offence code and outcome type, with the count of outcomes "for offences that
  were recorded in the quarter" (the basis on which every recorded offence has exactly one outcome row, so
  the types sum to offences recorded); it is summed over offence codes here;
- the same sheet already summed over offence codes (``prc-outcomes-2024-25-by-force-quarter-group-type.csv.gz``
  in ``sample_data``).

The result has one row per area, quarter end, offence group and outcome type (see :func:`load_outcomes`).
Every problem in a file is collected and reported together, each naming the file, the line and the column.

Outcome types and their categories are data (``data/outcome_types.csv``, see :func:`load_outcome_types`).
"""

from __future__ import annotations

import csv
import io
import os
import re
import warnings
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataFileError, MissingColumnError, Problem
from ..model.forces import Registry
from ..model.outcomes import COLUMNS, OutcomeTypes
from ..loaders._csv import CsvTable, Source, gunzip, parse_number, read_bytes, read_csv, read_text, source_name
from ..loaders.outcome_types import load_outcome_types, packaged_outcome_types_path  # noqa: F401 (re-exported)
from .outcomes_checks import (OFFENCE_GROUPS, _complete_grid, _duplicates, _error, _near_group, _negative_totals,
                              _span, _suggest, _Where, _year_start, _year_text, first_seen, row_ids)

YEAR = "Financial Year"
QUARTER = "Financial Quarter"
FORCE = "Force Name"
GROUP = "Offence Group"
TYPE = "Outcome Type"
CODE = "Offence Code"
EXPIRED = "Offence code expired"
PUBLISHED_COUNT = "Outcomes for offences that were recorded in the quarter"
SUMMED_COUNT = "Outcomes for offences recorded in quarter (summed over offence codes)"
COMMON = (YEAR, QUARTER, FORCE, GROUP, TYPE)
PUBLISHED = (*COMMON, CODE, PUBLISHED_COUNT)  # 'Offence code expired' is optional
SUMMED = (*COMMON, SUMMED_COUNT)

# What the published sheet writes in the recorded-in-quarter column for an offence code that has expired.
EXPIRED_MARK = "n/a - offence code expired"
# The data sheet: 'Outcomes open data', 'Outcomes_open_data_2019_20', 'Outcomes open data 2024_25' (the whole
# name: 'Copy of Outcomes open data' or 'Outcomes open data (2)' is not it), one per workbook.
SHEET_NAME = re.compile(r"^\s*outcomes[ _]+open[ _]+data(?:[ _]+\d{4}[ _-]\d{2})?\s*$", re.IGNORECASE)
_INTEGER = re.compile(r"^-?[0-9]{1,15}$")  # ASCII digits only
# One outcome count above this is refused as implausible (all crime in England and Wales is about 6 million a
# year; the 2024/25 file's largest count is 109,681).
MAX_COUNT = 10_000_000
FIRST_YEAR = 2000  # outcomes data start in 2014/15; no financial year can start in the future
_GROUP_KEYS = {" ".join(g.lower().split()): g for g in OFFENCE_GROUPS}
_THOUSANDS = re.compile(r"^-?\d{1,3}(,\d{3})+$")
# Quarter 1 is April to June: the month and year offset of each quarter's last day.
_QUARTER_END = {1: (6, 30, 0), 2: (9, 30, 0), 3: (12, 31, 0), 4: (3, 31, 1)}

def looks_like_outcomes(header: Iterable[str]) -> bool:
    """Whether a header is an outcomes table's, in either layout (for telling sources apart by content)."""
    names = {str(h).strip() for h in header}
    return set(COMMON) <= names and (PUBLISHED_COUNT in names or SUMMED_COUNT in names)


def load_outcomes(source: Source, registry: Registry, outcome_types: OutcomeTypes | None = None) -> pd.DataFrame:
    """Read an outcomes file and return tidy quarterly counts.

    Columns: ``area_code`` (forces registry code), ``period_end`` (the quarter's last day: 2024/25 quarter
    1 is 2024-06-30, quarter 4 is 2025-03-31), ``months`` (3), ``offence_group`` (as published),
    ``outcome_type`` (int) and ``count`` (int64), summed over offence codes, one row per area, quarter,
    offence group and outcome type, sorted.

    Accepted: ``.csv`` and gzip-compressed ``.csv.gz`` (recognised by content, not by name) in either
    layout, and ``.ods``/``.xlsx`` workbooks (the data sheet is the one named like "Outcomes open data").
    Refused, all at once with file, line and column: an unknown force or outcome type, a quarter that is
    not 1-4, counts that are not whole numbers, duplicate rows, and a CSV that does not end with a line
    break (a download cut short). Negative counts are refused: the Home Office outcomes files carry none
    once summed over offence codes (the 2024/25 file has none), and the offence-code rows of the published
    sheet are summed first, so a negative recording correction there is accepted when its group total
    is not negative.
    """
    types = outcome_types if outcome_types is not None else load_outcome_types()
    name = source_name(source)
    if isinstance(source, (str, os.PathLike)) and Path(source).suffix.lower() in (".ods", ".xlsx", ".xlsm", ".xls"):
        frames = [_tidy(frame, lines, where, registry, types) for frame, lines, where in _read_workbook(Path(source))]
        return _combine(frames)
    frame, lines = _read_csv_frame(source, name)
    return _tidy(frame, lines, _Where(name), registry, types)


def _combine(frames: Sequence[pd.DataFrame]) -> pd.DataFrame:
    if len(frames) == 1:
        return frames[0]
    table = pd.concat(frames, ignore_index=True)
    keys = ["area_code", "period_end", "offence_group", "outcome_type"]
    table = table.groupby(keys, as_index=False, sort=True)["count"].sum()
    table.insert(2, "months", 3)
    return table[list(COLUMNS)]


class _Named(io.BytesIO):
    """Decompressed bytes that keep the file's name, so messages name the file the user gave."""

    def __init__(self, data: bytes, name: str):
        super().__init__(data)
        self.name = name


def _read_bytes(source: Source, name: str) -> bytes:
    data = read_bytes(source, "an outcomes CSV file")
    return data.encode("utf-8") if isinstance(data, str) else data


def _read_text(source: Source, name: str) -> str:
    """The file's text, gunzipped when it is gzip data whatever its name says."""
    if isinstance(source, (str, os.PathLike)) and str(source) == "-":
        return read_text(source)
    data = _read_bytes(source, name)
    data = gunzip(data, name)
    if data[:4] in (b"PK\x03\x04", b"\xd0\xcf\x11\xe0"):
        raise DataFileError.single(name, "is a workbook (or another zip file), not CSV text; give it its .xlsx or "
                                   ".ods name to read its 'Outcomes open data' sheet")
    return read_text(_Named(data, name))


def _read_csv_frame(source: Source, name: str) -> tuple[pd.DataFrame, np.ndarray]:
    """The file as a frame of text cells, with each row's line number.

    pandas' C parser does the work; its row positions are line numbers when no quoted cell spans lines,
    which is checked. Otherwise (or when pandas refuses the file) the slower reader that tracks lines
    exactly is used, so messages still name the right line.
    """
    text = _read_text(source, name)
    if not text.strip():
        raise DataFileError.single(name, "file is empty; expected a header line and outcome rows")
    stripped = text.lstrip("\r\n\t ")
    first_line = text[: len(text) - len(stripped)].count("\n") + 1
    problems: list[Problem] = []
    if not text.endswith("\n"):
        lines_total = text.count("\n") + 1
        problems.append(Problem(name, "the file does not end with a line break, so it may be cut short "
                                "(an interrupted download); expected a complete file", lines_total))
    first = stripped.split("\n", 1)[0].rstrip("\r")
    try:
        header = next(csv.reader([first]))
    except csv.Error:  # a stray carriage return or NUL: not a header; the column check says so
        header = first.split(",")
    header = [h.strip() for h in header]
    _check_header(name, header, first_line)
    wanted = {*PUBLISHED, *SUMMED, EXPIRED}
    columns = [h for h in header if h in wanted]
    exact = False
    try:
        with warnings.catch_warnings():
            # A row with more cells than the header is only a warning to pandas (the extra cells are
            # dropped); here it is a problem to report, which the exact reader below does. Every column is
            # read: with ``usecols`` pandas accepts such rows silently.
            warnings.simplefilter("error", pd.errors.ParserWarning)
            frame = pd.read_csv(io.StringIO(stripped), dtype=str, keep_default_na=False, na_filter=False,
                                skip_blank_lines=False, index_col=False, engine="c")
        frame.columns = header
        records = stripped.count("\n") + (0 if stripped.endswith("\n") else 1)
        blank = np.ones(len(frame), dtype=bool)
        for column in columns:
            blank &= (frame[column].str.strip() == "").to_numpy()
            if not blank.any():
                break  # no row is blank in every column so far: the rest cannot make one
        # pandas fills a row with fewer cells than the header with empty ones. An empty last cell in a row
        # that is not blank may be such a row, so the exact reader, which counts cells, has the last word.
        short = ((frame[header[-1]] == "").to_numpy() & ~blank).any()
        exact = records == len(frame) + 1 and not short
    except (pd.errors.ParserError, pd.errors.ParserWarning, ValueError):
        pass
    if exact:
        lines = np.arange(first_line + 1, first_line + 1 + len(frame))
        frame, lines = frame.loc[~blank, columns].reset_index(drop=True), lines[~blank]
    else:
        table = read_csv(io.StringIO(text), header)  # blank lines skipped, each row's own line kept
        table.name = name
        problems.extend(Problem(name, p.message, p.line, p.column) for p in table.problems)
        frame = pd.DataFrame({c: pd.Series([row[header.index(c)] for row in table.rows], dtype=str)
                              for c in columns})
        lines = np.asarray(table.lines, dtype=np.int64)
    if problems:
        raise _error(problems)
    if frame.empty:
        raise DataFileError.single(name, "has a header but no data rows", first_line)
    return frame, lines


def _check_header(name: str, header: list[str], line: int) -> None:
    seen: set[str] = set()
    for column in header:
        if column in seen:
            raise DataFileError.single(name, f"column '{column}' appears twice in the header", line)
        seen.add(column)
    wanted = PUBLISHED if PUBLISHED_COUNT in header else SUMMED if SUMMED_COUNT in header else None
    shown = ", ".join(f"'{c}'" for c in header)
    if wanted is None:
        raise MissingColumnError.single(
            name, f"no outcome count column: expected '{PUBLISHED_COUNT}' (the published outcomes sheet) or "
            f"'{SUMMED_COUNT}'; the header has {shown}", line)
    missing = [c for c in wanted if c not in header]
    if missing:
        raise MissingColumnError.single(
            name, f"missing column{'s' if len(missing) > 1 else ''} {', '.join(repr(c) for c in missing)} "
            f"of the outcomes layout; the header has {shown}", line)


def _read_workbook(path: Path) -> list[tuple[pd.DataFrame, np.ndarray, _Where]]:
    """The outcomes data sheet of a workbook (named like 'Outcomes open data'; Pivot, cover and notes skipped)."""
    try:
        from ..loaders.spreadsheet import read_sheet_tables
    except ImportError:  # the shared workbook reader is newer than this module
        raise DataFileError.single(str(path), "reading .ods/.xlsx workbooks is not available in this installation; "
                                   "save the 'Outcomes open data' sheet as CSV and give that") from None
    tables = read_sheet_tables(path, lambda sheet: bool(SHEET_NAME.search(sheet)), (*COMMON, CODE),
                               (EXPIRED, PUBLISHED_COUNT, SUMMED_COUNT), sheets_wanted="the outcomes data",
                               one_per=lambda sheet: "outcomes")
    result = []
    for table in tables:
        where = _Where(table.file, table.sheet)
        if PUBLISHED_COUNT not in table.columns and SUMMED_COUNT not in table.columns:
            raise MissingColumnError([where.problem(
                f"no '{PUBLISHED_COUNT}' column; expected the Home Office outcomes data sheet "
                "(outcomes for offences recorded in each quarter)", table.header_row, None)])
        frame = pd.DataFrame({c: s.to_numpy() for c, s in table.columns.items()})
        result.append((frame, np.asarray(table.rows, dtype=np.int64), where))
    return result


# --- checking and tidying -----------------------------------------------------------------------------






def _rows(unit: str, lines: np.ndarray) -> str:
    """'lines 5, 9, 12 and 40 more': where a repeated problem occurs."""
    shown = ", ".join(str(n) for n in lines[:3])
    more = len(lines) - 3
    return f"{unit}s {shown}" + (f" and {more} more" if more > 0 else "")


def _warn_out_of_line(keys: pd.DataFrame, lines: np.ndarray, where: _Where, by_code: bool = False) -> None:
    """The out-of-line rule of every count source (one wording, naming the line): an outcome count eight
    times or more away from the same force, offence group (and, in the published layout, offence code) and
    outcome type's quarters either side."""
    from ..loaders._series import grouped_outliers, out_of_line_message
    from ..runtime.log import warn

    series = ["area_code", "offence_group", "outcome_type"] + (["offence_code"] if by_code else [])
    if keys.empty:
        return
    group = first_seen(row_ids([keys[c] for c in series]))  # numbered as groupby(sort=False).ngroup() numbers them
    order = np.lexsort((keys["period_end"].to_numpy(), group))
    counts = keys["count"].to_numpy()[order]
    for n, i in enumerate(grouped_outliers(group[order], counts).tolist()):
        if n >= 20:
            break
        r = int(order[i])
        around = [int(counts[j]) for j in (i - 1, i + 1) if 0 <= j < len(order) and group[order[j]] == group[r]]
        row = keys.iloc[r]
        warn(out_of_line_message(f"{where.file}, {where.unit} {int(lines[r])}", int(counts[i]),
                                 f"outcomes of type {row['outcome_type']} for {row['offence_group']}"
                                 + (f" (offence code {row['offence_code']})" if by_code else "") + ", "
                                 f"{row['area_code']}, in the quarter to {pd.Timestamp(row['period_end']):%B %Y}",
                                 around))


def _lookup(values: pd.Series, mapping: dict) -> pd.Series:
    """``values.map(mapping)`` (None where a value is not in it), looked up once per distinct value: a Series'
    ``map`` of a dictionary costs several milliseconds even on a short file."""
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    found = [mapping.get(u) for u in uniques]
    codes = np.asarray(codes, dtype=np.intp)
    if all(v is None or isinstance(v, str) for v in found):
        # Text: the few distinct values made a string array once, then taken row by row (turning 40,000
        # Python strings into pandas' text dtype is most of the cost otherwise).
        return pd.Series(pd.array(found, dtype="str").take(codes), index=values.index)
    looked = np.empty(len(found), dtype=object)
    looked[:] = found
    return pd.Series(looked[codes], index=values.index, dtype=object)


def _sum_sorted(keys: pd.DataFrame) -> pd.DataFrame:
    """``keys.groupby(every column but the last, as_index=False, sort=True)[last].sum()`` with whole-array steps:
    each key column ranked by pandas' own sorted factorisation, the ranks combined, the counts summed by runs."""
    columns = list(keys.columns[:-1])
    ids = np.zeros(len(keys), dtype=np.int64)
    for column in columns:
        ranks, uniques = pd.factorize(keys[column], sort=True)
        ids = ids * (len(uniques) + 1) + np.asarray(ranks, dtype=np.int64)
    order = np.argsort(ids, kind="stable")
    ordered = ids[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]]) if len(ordered) else np.zeros(0, dtype=np.intp)
    counts = keys[keys.columns[-1]].to_numpy()
    summed = keys.iloc[order[starts], :-1].reset_index(drop=True)
    summed[keys.columns[-1]] = np.add.reduceat(counts[order], starts) if len(starts) else counts[:0]
    return summed


def _tidy(frame: pd.DataFrame, lines: np.ndarray, where: _Where, registry: Registry,
          types: OutcomeTypes) -> pd.DataFrame:
    """Check every cell that matters, vectorised, and sum the rows into tidy quarterly counts.

    Work per row is done only for rows with a problem, to word its message; a valid 700,000-row sheet is
    checked with whole-column operations.
    """
    problems: list[Problem] = []
    published = PUBLISHED_COUNT in frame.columns
    count_column = PUBLISHED_COUNT if published else SUMMED_COUNT

    def by_value(column: str, raw: pd.Series, bad: np.ndarray, message: Callable[[str], str]) -> None:
        """One problem per distinct bad value, at its first line, saying which other rows have it."""
        if not bad.any():
            return
        for value in pd.unique(raw[bad]):
            found = lines[bad & (raw == value).to_numpy()]
            also = f" ({len(found)} rows: {_rows(where.unit, found)})" if len(found) > 1 else ""
            problems.append(where.problem(message(value) + also, int(found[0]), column))

    # Financial year and quarter -> the quarter's last day, worked out once per distinct pair.
    year_raw = frame[YEAR].str.strip()
    quarter_raw = frame[QUARTER].str.strip()
    pair = year_raw + "|" + quarter_raw
    ends: dict[str, date] = {}
    bad_years: set[str] = set()
    bad_quarters: set[str] = set()
    late: set[str] = set()
    for text in pd.unique(pair):
        year_text, quarter_text = text.split("|", 1)
        start = _year_start(year_text)
        if start is None or not FIRST_YEAR <= start <= date.today().year:
            bad_years.add(year_text)
            start = None
        quarter = int(quarter_text) if quarter_text in ("1", "2", "3", "4") else None
        if quarter is None:
            bad_quarters.add(quarter_text)
        if start is not None and quarter is not None:
            month, day, offset = _QUARTER_END[quarter]
            ends[text] = date(start + offset, month, day)
            if ends[text] >= date.today():  # a quarter that has not ended cannot have outcomes yet
                late.add(text)
    by_value(YEAR, year_raw, year_raw.isin(bad_years).to_numpy(),
             lambda v: "empty value; expected a financial year such as 2024/25" if not v
             else f"'{v}' is not a financial year outcomes data can cover; expected one such as 2024/25")
    by_value(QUARTER, quarter_raw, quarter_raw.isin(bad_quarters).to_numpy(),
             lambda v: "empty value; expected a financial quarter 1-4" if not v
             else f"'{v}' is not a financial quarter; expected 1, 2, 3 or 4 (quarter 1 is April to June)")
    if late:
        by_value(QUARTER, pair, pair.isin(late).to_numpy(),
                 lambda v: f"{v.replace('|', ' quarter ')} ends after today ({date.today():%d %B %Y}); expected only "
                           "quarters that have ended")

    # Forces -> registry codes, looked up once per distinct name.
    force_raw = frame[FORCE].str.strip()
    codes = {n: (f.code if (f := registry.find(n)) is not None else None) for n in pd.unique(force_raw) if n}
    area = _lookup(force_raw, codes)
    by_value(FORCE, force_raw, area.isna().to_numpy(),
             lambda v: "empty value; expected a police force name" if not v
             else f"'{v}' is not a known police force{_suggest(registry, v)}; expected a name or code "
             "from `crimestat forces`")

    group_raw = frame[GROUP].str.strip()
    group = _lookup(group_raw, {v: _GROUP_KEYS.get(" ".join(v.lower().split()), v) for v in pd.unique(group_raw)})
    by_value(GROUP, group_raw, ~group.isin(OFFENCE_GROUPS).to_numpy(),
             lambda v: "empty value; expected an offence group" if not v else
             f"'{v}' is not a Home Office offence group{_near_group(v)}; expected one of: {', '.join(OFFENCE_GROUPS)}")
    if published:
        code = frame[CODE].str.strip()
        by_value(CODE, code, (code == "").to_numpy(), lambda v: "empty value; expected an offence code")

    # Outcome types: whole numbers listed in the outcome types table.
    type_raw = frame[TYPE].str.strip()
    bad_type = ~type_raw.isin({str(n) for n in types.numbers}).to_numpy()
    expected = f"an outcome type listed in outcome_types.csv ({_span(types.numbers)})"
    by_value(TYPE, type_raw, bad_type, lambda v: f"empty value; expected {expected}" if not v
             else f"'{v}' is not a known outcome type; expected {expected}")

    # Counts: whole numbers; the published sheet's expired-code marker only where the code is expired.
    count_raw = frame[count_column].str.strip()
    separated = count_raw.str.fullmatch(_THOUSANDS.pattern).to_numpy()
    if separated.any():
        count_raw = count_raw.where(~separated, count_raw.str.replace(",", "", regex=False))
    good = count_raw.str.fullmatch(_INTEGER.pattern).to_numpy()
    marked = np.zeros(len(frame), dtype=bool)
    misplaced = marked
    if published:
        marked = (count_raw.str.lower() == EXPIRED_MARK).to_numpy()
        expired = (frame[EXPIRED].str.strip().str.lower() == "x").to_numpy() if EXPIRED in frame.columns \
            else np.zeros(len(frame), dtype=bool)
        misplaced = marked & ~expired
        for r in np.flatnonzero(misplaced):
            problems.append(where.problem(
                f"'{frame[count_column].iat[r]}' but '{EXPIRED}' is not 'x'; expected a whole number of outcomes "
                "(the marker is for expired offence codes only)", int(lines[r]), count_column))
        good = good | marked
    counts = np.zeros(len(frame), dtype=np.int64)
    numeric = good & ~marked  # an expired code's marker counts nothing
    counts[numeric] = count_raw[numeric].astype(np.int64).to_numpy()
    what = "a whole number of outcomes of 0 or more"
    for r in np.flatnonzero(~good):
        scratch = CsvTable(where.file, [], [], [int(lines[r])])  # parse_number words the message
        cell = frame[count_column].iat[r]
        parse_number(scratch, 0, count_column, cell, what=what)
        problems.extend(where.problem(p.message, p.line, p.column) for p in scratch.problems)
        if not scratch.problems:  # '+12', '12.0', '1_0', '١٢': a number, but not one written as a count
            problems.append(where.problem(f"'{cell}' is not written as a whole number of outcomes; expected "
                                          "digits only, such as 239", int(lines[r]), count_column))
    for r in np.flatnonzero(counts > MAX_COUNT)[:20]:
        problems.append(where.problem(f"{int(counts[r]):,} is not a plausible number of outcomes for one force, "
                                      f"quarter and offence; expected at most {MAX_COUNT:,}", int(lines[r]),
                                      count_column))
    if not published:
        # Recording corrections, if any, are netted off before the Home Office sums over offence codes:
        # the summed file has no negative counts, so one is a damaged or hand-edited file.
        for r in np.flatnonzero(counts < 0):
            problems.append(where.problem(f"'{frame[count_column].iat[r]}' is negative; expected {what}",
                                          int(lines[r]), count_column))
    # Duplicates are looked for on the cells as written (a force under two of its names included), so
    # that they are reported with every other problem of the file.
    # Keys compare values as read (2024/25 and 2024-25 are one year; group names in any case are one group).
    raw_keys = pd.DataFrame({"year": _lookup(year_raw, {v: _year_text(v) for v in pd.unique(year_raw)}),
                             "quarter": quarter_raw,
                             "force": area.fillna(force_raw), "group": group, "type": type_raw})
    if published:
        # The one rule for keys: an offence code in another case or spacing ('8n', '8 N') is the same code.
        code_raw = frame[CODE].str.strip()
        raw_keys["code"] = _lookup(code_raw, {v: " ".join(v.split()).upper() for v in pd.unique(code_raw)})
    _duplicates(raw_keys, lines, where, problems)
    if published:
        _negative_totals(raw_keys.drop(columns="code"), counts, good & ~misplaced, lines, where, count_column, problems)
    if problems:
        raise _error(problems)

    keys = pd.DataFrame({
        "area_code": area.astype("string").to_numpy(),
        "period_end": pd.to_datetime(_lookup(pair, ends)).to_numpy(),
        "offence_group": group.astype("string").to_numpy(),
        "outcome_type": type_raw.astype(np.int64).to_numpy(),
        "count": counts,
    })
    if published:  # one row per force, quarter, offence code and type: each code's quarters are a series
        _warn_out_of_line(keys.assign(offence_code=raw_keys["code"].to_numpy()), lines, where, by_code=True)
    else:  # one row per force, quarter, group and type: each row is a point of its series
        _warn_out_of_line(keys, lines, where)
    summed = _sum_sorted(keys)
    summed.insert(2, "months", 3)
    _complete_grid(summed, registry, where, lines)
    return summed[list(COLUMNS)].reset_index(drop=True)


