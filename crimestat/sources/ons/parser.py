"""Load the ONS police force area file of rolling 12-month recorded crime totals into tidy counts.

Tidy counts are the one shape every crime source becomes: one row per area, period end, source category
and count, with the period length in months (see DESIGN.md).
"""

from __future__ import annotations

import calendar
from datetime import date

import pandas as pd

from ...model.forces import Registry
from ...log import warn
from ...model.periods import names_day, parse_period_end
from ...loaders._csv import Source, parse_number, read_csv
from ...loaders._series import out_of_line_message, outliers

DATE = "12 months ending"
AREA = "PFA"
OFFENCE = "Offence"
COUNT = "Rolling year total number of offences"
REQUIRED = (DATE, AREA, OFFENCE, COUNT)


def load_ons_crime(source: Source, registry: Registry) -> pd.DataFrame:
    """Read the ONS rolling-year file and return tidy counts: ``area_code, period_end, months, category, count``.

    Counts may be negative: ONS publishes a few net adjustments (more crimes cancelled than recorded in a
    year) as negative totals. They are kept so composite totals match ONS's; a measure made only of such
    a group is shown as not available (see ``measures``).
    """
    table = read_csv(source, REQUIRED)
    i_date, i_area, i_off, i_count = (table.index(c) for c in REQUIRED)
    dates: dict[str, tuple[date | None, str | None, bool]] = {}
    areas: dict[str, str | None] = {}
    corrected: dict[str, list[int]] = {}
    seen: dict[tuple, int] = {}
    codes, ends, categories, counts = [], [], [], []
    for r, row in enumerate(table.rows):
        raw_date = row[i_date]
        if raw_date not in dates:
            parsed, problem = parse_period_end(raw_date)
            if parsed is not None and not problem and parsed >= date.today():
                problem = (f"'{raw_date.strip()}' ends a period after today ({date.today():%d %B %Y}); expected "
                           "periods that have ended")
                parsed = None
            dates[raw_date] = (parsed, problem, parsed is not None and not names_day(raw_date, parsed.day))
        end, why, moved = dates[raw_date]
        if why:
            table.problem(why, r, DATE)
        elif moved:
            corrected.setdefault(raw_date.strip(), []).append(table.lines[r])
        name = row[i_area].strip()
        if name not in areas:
            force = registry.find(name) if name else None
            areas[name] = force.code if force else None
        code = areas[name]
        if code is None:
            table.problem(_unknown_area(registry, name), r, AREA)
        offence = row[i_off].strip()
        if not offence:
            table.problem("empty value; expected an offence group", r, OFFENCE)
        text = row[i_count]
        try:
            count: int | float | None = int(text)
            if abs(count) >= 10**15:  # type: ignore[arg-type]
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
    for raw, lines in corrected.items():
        fixed = dates[raw][0]
        warn(
            f"{table.name}: '{raw}' is not a month end ({_line_span(lines)}); "
            f"read as {fixed:%d-%m-%Y}, the quarter end it stands for"
        )
    _warn_gaps(table.name, sorted({e for e in ends if e is not None}))
    _warn_breaks(table.name, table.lines, codes, ends, categories, counts, registry)
    return pd.DataFrame(
        {
            "area_code": pd.Series(codes, dtype="string"),
            "period_end": pd.to_datetime(pd.Series(ends)),
            "months": 12,
            "category": pd.Series(categories, dtype="string"),
            "count": pd.Series(counts, dtype="int64"),
        }
    )


def _warn_breaks(name: str, lines: list[int], codes: list, ends: list, categories: list, counts: list,
                 registry: Registry) -> None:
    """Warn, naming the line, about a count that breaks with its own force and offence group's series by
    an order of magnitude (see ``_series``): a sign flipped, a number cut short, or one in the wrong unit."""
    series: dict[tuple[str, str], list[tuple[date, int]]] = {}
    for r, key in enumerate(zip(codes, categories)):
        series.setdefault(key, []).append((ends[r], r))
    for (code, offence), points in series.items():
        points.sort()
        values = [counts[r] for _, r in points]
        for i in outliers(values, can_stop=True):
            end, r = points[i]
            around = values[max(i - 1, 0):i] + values[i + 1:i + 2]
            warn(out_of_line_message(f"{name}, line {lines[r]}", values[i],
                                     f"{offence} for {registry.by_code(code).name} in the 12 months to {end:%B %Y}",
                                     around))


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

