"""Load the ONS police force area file of rolling 12-month recorded crime totals into tidy counts.

Tidy counts are the one shape every crime source becomes: one row per area, period end, source category
and count, with the period length in months (see DESIGN.md).

The file has 46,000 rows, so (as for the Home Office tables) the happy path does not check them one by one:
each distinct date, area and offence group is checked once, the counts are converted in one pass, and the
out-of-line rule runs on all series at once. Only a file in which that finds something wrong (or a count
written other than as a plain integer) is read by the careful path, row by row, which names every problem's
line and column; both give the same counts and the same warnings.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from ...model.forces import Registry
from ...runtime.log import warn
from ...model.periods import names_day, parse_period_end
from ...loaders._coded import coded_columns
from ...loaders._csv import (CsvTable, Source, csv_table, is_whole_file, parse_number, read_text,
                             source_name)
from ...loaders._series import grouped_outliers, out_of_line_message

if TYPE_CHECKING:
    import pandas as pd

DATE = "12 months ending"
AREA = "PFA"
OFFENCE = "Offence"
COUNT = "Rolling year total number of offences"
REQUIRED = (DATE, AREA, OFFENCE, COUNT)

#: A count at least this large (either sign) is not read as it stands (see ``parse_number``).
_TOO_LARGE = 10**15


def load_ons_crime(source: Source, registry: Registry) -> pd.DataFrame:
    """Read the ONS rolling-year file and return tidy counts: ``area_code, period_end, months, category, count``.

    Counts may be negative: ONS publishes a few net adjustments (more crimes cancelled than recorded in a
    year) as negative totals. They are kept so composite totals match ONS's; a measure made only of such
    a group is shown as not available (see ``measures``).
    """
    name = source_name(source)
    text = read_text(source)
    coded = coded_columns(text, name, REQUIRED)
    counts, lines = None, None
    if coded is not None:
        counts = _fast({c: (coded.codes[c], coded.values[c]) for c in REQUIRED}, coded.lines, registry)
        lines = coded.lines
    if counts is None:
        table = csv_table(text, name, REQUIRED, whole_file=is_whole_file(source))
        if not table.problems:
            counts = _fast({c: _factor(table.column(c)) for c in REQUIRED}, table.lines, registry)
        if counts is None:
            counts = _careful(table, registry)
        lines = table.lines
    for raw, where in counts.corrected.items():
        fixed = counts.corrected_to[raw]
        warn(
            f"{name}: '{raw}' is not a month end ({_line_span(where)}); "
            f"read as {fixed:%d-%m-%Y}, the quarter end it stands for"
        )
    _warn_gaps(name, sorted(counts.ends))
    _warn_breaks(name, lines, counts, registry)
    import pandas as pd  # here, not at the top: a file that fails (validate) is read without pandas

    return pd.DataFrame(
        {
            "area_code": pd.Series(pd.array(counts.codes, dtype="string").take(counts.code)),
            "period_end": pd.Series(pd.to_datetime(pd.Series(counts.ends, dtype=object)).array.take(counts.end)),
            "months": 12,
            "category": pd.Series(pd.array(counts.categories, dtype="string").take(counts.category)),
            "count": pd.Series(counts.count, dtype="int64"),
        }
    )


@dataclass
class _Counts:
    """A file's rows as codes: row ``r`` is ``ends[end[r]]``, ``codes[code[r]]``, ``categories[category[r]]`` and
    ``count[r]``; ``corrected`` holds the lines of each date that is not a month end (by its text)."""

    ends: list[date]
    end: np.ndarray
    codes: list[str]
    code: np.ndarray
    categories: list[str]
    category: np.ndarray
    count: np.ndarray
    corrected: dict[str, list[int]]
    corrected_to: dict[str, date]


def _factor(values) -> tuple[np.ndarray, list]:
    """Each value's position among the distinct values (in order of first appearance), and those values."""
    values = list(values)
    distinct = list(dict.fromkeys(values))
    position = {v: i for i, v in enumerate(distinct)}
    return np.fromiter(map(position.__getitem__, values), dtype=np.intp, count=len(values)), distinct


def _period_end(raw_date: str, today: date) -> tuple[date | None, str | None, bool]:
    """A date cell read: (the period end, why it is not one, whether it was moved to its month's end)."""
    parsed, problem = parse_period_end(raw_date)
    if parsed is not None and not problem and parsed >= today:
        problem = (f"'{raw_date.strip()}' ends a period after today ({today:%d %B %Y}); expected "
                   "periods that have ended")
        parsed = None
    return parsed, problem, parsed is not None and not names_day(raw_date, parsed.day)


def _fast(columns: dict[str, tuple[np.ndarray, list[str]]], lines: Sequence[int], registry: Registry) \
        -> _Counts | None:
    """The rows (``columns``, each coded as by :func:`_factor`, and their ``lines``) read a distinct value at a
    time, or None
    when anything would be a problem (or a count is not a plain integer): the careful path then reads the file
    row by row and names each problem."""
    today = date.today()
    raw_date, raw_dates = columns[DATE]
    read = [_period_end(raw, today) for raw in raw_dates]
    if any(why for _, why, _ in read):
        return None
    end_of_raw, ends = _factor(parsed for parsed, _, _ in read)
    raw_area, raw_areas = columns[AREA]
    found = [registry.find(name) if name else None for name in (raw.strip() for raw in raw_areas)]
    if any(force is None for force in found):
        return None
    code_of_raw, codes = _factor(force.code for force in found)  # type: ignore[union-attr]
    raw_off, raw_offs = columns[OFFENCE]
    offences = [raw.strip() for raw in raw_offs]
    if not all(offences):
        return None
    category_of_raw, categories = _factor(offences)
    raw_count, raw_counts = columns[COUNT]
    try:
        count = np.array(list(map(int, raw_counts)), dtype=np.int64)[raw_count]
    except (ValueError, OverflowError):
        return None
    if ((count >= _TOO_LARGE) | (count <= -_TOO_LARGE)).any():
        return None
    end, code, category = end_of_raw[raw_date], code_of_raw[raw_area], category_of_raw[raw_off]
    key = (end * len(codes) + code) * len(categories) + category
    if len(key) > 1 and not np.diff(np.sort(key)).all():
        return None  # a duplicate row
    corrected: dict[str, list[int]] = {}
    corrected_to: dict[str, date] = {}
    moved = np.array([m for _, _, m in read], dtype=bool)
    for r in np.flatnonzero(moved[raw_date]).tolist():
        text = raw_dates[raw_date[r]]
        corrected.setdefault(text.strip(), []).append(lines[r])
        corrected_to.setdefault(text.strip(), read[raw_date[r]][0])  # type: ignore[arg-type]
    return _Counts(ends, end, codes, code, categories, category, count, corrected, corrected_to)


def _careful(table: CsvTable, registry: Registry) -> _Counts:
    """The rows read one by one, every problem recorded with its line and column and raised together."""
    i_date, i_area, i_off, i_count = (table.index(c) for c in REQUIRED)
    today = date.today()
    dates: dict[str, tuple[date | None, str | None, bool]] = {}
    areas: dict[str, tuple[str | None, str | None]] = {}
    corrected: dict[str, list[int]] = {}
    corrected_to: dict[str, date] = {}
    seen: dict[tuple, int] = {}
    codes, ends, categories, counts = [], [], [], []
    for r, row in enumerate(table.rows):
        raw_date = row[i_date]
        if raw_date not in dates:
            dates[raw_date] = _period_end(raw_date, today)
        end, why, moved = dates[raw_date]
        if why:
            table.problem(why, r, DATE)
        elif moved:
            corrected.setdefault(raw_date.strip(), []).append(table.lines[r])
            corrected_to.setdefault(raw_date.strip(), end)  # type: ignore[arg-type]
        name = row[i_area].strip()
        if name not in areas:
            force = registry.find(name) if name else None
            areas[name] = (force.code, None) if force else (None, _unknown_area(registry, name))
        code, unknown = areas[name]
        if unknown is not None:
            table.problem(unknown, r, AREA)
        offence = row[i_off].strip()
        if not offence:
            table.problem("empty value; expected an offence group", r, OFFENCE)
        text = row[i_count]
        try:
            count: int | float | None = int(text)
            if abs(count) >= _TOO_LARGE:  # type: ignore[arg-type]
                raise ValueError
        except ValueError:
            count = parse_number(table, r, COUNT, text, minimum=None, what="a whole number of offences")
        key = (end, code, offence)
        if None not in key:
            if key in seen:
                table.problem(
                    f"duplicate row for {name}, {offence}, {raw_date.strip()} (first on line {seen[key]})",
                    r, None,
                )
            else:
                seen[key] = table.lines[r]
        codes.append(code)
        ends.append(end)
        categories.append(offence)
        counts.append(count)
    table.raise_problems()
    end, end_values = _factor(ends)
    code, code_values = _factor(codes)
    category, category_values = _factor(categories)
    return _Counts(end_values, end, code_values, code, category_values, category,
                   np.array(counts, dtype=np.int64), corrected, corrected_to)


def _warn_breaks(name: str, lines: Sequence[int], counts: _Counts, registry: Registry) -> None:
    """Warn, naming the line, about a count that breaks with its own force and offence group's series by
    an order of magnitude (see ``_series``): a sign flipped, a number cut short, or one in the wrong unit.

    Each force and offence group is a series, in order of its first row, its counts in period order; the
    rule is ``outliers(values, can_stop=True)``'s, run on all series at once."""
    import pandas as pd

    n = len(counts.count)
    series, _ = pd.factorize(counts.code.astype(np.int64) * len(counts.categories) + counts.category, sort=False)
    ordinal = np.array([e.toordinal() for e in counts.ends], dtype=np.int64)[counts.end]
    order = np.lexsort((np.arange(n), ordinal, series))
    groups, values = series[order], counts.count[order]
    for p in grouped_outliers(groups, values, can_stop=True, adjustments=False).tolist():
        r = int(order[p])
        around = [int(values[q]) for q in (p - 1, p + 1) if 0 <= q < n and groups[q] == groups[p]]
        offence = counts.categories[counts.category[r]]
        force = registry.by_code(counts.codes[counts.code[r]]).name
        end = counts.ends[counts.end[r]]
        warn(out_of_line_message(f"{name}, line {lines[r]}", int(values[p]),
                                 f"{offence} for {force} in the 12 months to {end:%B %Y}", around))


def _warn_gaps(name: str, ends: list[date]) -> None:
    """Warn when a quarterly series skips quarters: those periods are missing, not zero."""
    quarterly = False
    for a, b in zip(ends, ends[1:]):
        step = (b.year - a.year) * 12 + b.month - a.month
        if step == 3:
            quarterly = True
        elif quarterly and step > 3:
            missing = [calendar.month_name[(a.month + k - 1) % 12 + 1] + f" {a.year + (a.month + k - 1) // 12}"
                       for k in range(3, step, 3)]
            warn(f"{name}: no rows for the 12 months to {', '.join(missing)} (the periods jump from "
                 f"{a:%B %Y} to {b:%B %Y}); those periods are not available")


def _unknown_area(registry: Registry, name: str) -> str:
    if not name:
        return "empty value; expected a police force area"
    near = registry.suggest(name)
    hint = f" (did you mean '{near[0]}'?)" if near else ""
    return f"'{name}' is not a known police force area{hint}; expected a name or code from `crimestat forces`"



def _line_span(lines: list[int]) -> str:
    if len(lines) == 1:
        return f"line {lines[0]}"
    return f"lines {lines[0]}-{lines[-1]}, {len(lines)} rows"
