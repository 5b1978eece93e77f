"""One figure as a tidy row: a measure's rate or percentage change for one area.

compare, trend and rank are all built from these two functions, so a figure means the same wherever it
is shown.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from ..model.forces import ENGLAND_AND_WALES, ENGLAND_AND_WALES_CODE
from ..metrics.poisson import change_test, poisson_bounds
from ..metrics.rates import percentage_change, rate_per
from ..results import Row
from .changes import SMALL_NUMBERS, apply, change_tests, differs, months_shared, small_numbers, small_numbers_note

if TYPE_CHECKING:
    from collections.abc import Callable

    from ..dataset import Dataset
    from ..model.measures import Count


def area_name(data: Dataset, area_code: str) -> str:
    if area_code == ENGLAND_AND_WALES_CODE:
        return ENGLAND_AND_WALES
    return data.registry.by_code(area_code).name


def rate_row(data: Dataset, measure: str, area_code: str, period_end: date,
             population_year: int | None = None, per: int = 1000) -> Row:
    """The measure's rate per 1,000 people (or households; or per ``per``) for an area in the 12 months to
    ``period_end``. The statistic is named for its base (``rate_per_1000``, ``rate_per_1000000``)."""
    info = data.classification.describe(measure)
    row = Row(area_code, area_name(data, area_code), measure, f"rate_per_{per}", period_end, per=per)
    count = data.counts.count(measure, area_code, period_end)
    denominator = data.denominators.get(info.denominator, area_code, period_end, population_year)
    row.numerator = count.value
    row.denominator = denominator.value
    if not count.ok:
        row.note = count.note
    elif not denominator.ok:
        row.note = denominator.note
    elif count.value is not None and denominator.value is not None:
        n, people = count.value, denominator.value
        row.value = float(rate_per(n, people, per))
        if small_numbers(n):
            row.note = f"small numbers: {n:,.0f} crimes, fewer than {SMALL_NUMBERS}"
        if n >= 0:
            low, high = poisson_bounds(n)
            row.ci_low, row.ci_high = float(rate_per(low, people, per)), float(rate_per(high, people, per))
    return row


def change_row(data: Dataset, measure: str, area_code: str, period_end: date,
               base_end: date, count: Callable[[str, str, date], Count] | None = None) -> Row:
    """The percentage change in the measure's count from the 12 months to ``base_end``.

    ``numerator`` holds the current count and ``denominator`` the base count. ``count`` counts the measure
    (default: ``data.counts.count``; a breakdown counts its parts with ``data.counts.part_count``).
    """
    count = count or data.counts.count
    row = Row(area_code, area_name(data, area_code), measure, "pct_change", period_end, base_end)
    current = count(measure, area_code, period_end)
    if base_end not in data.counts.periods:
        row.numerator = current.value
        row.note = f"the data have no 12 months to {base_end:%B %Y} to compare with"
        return row
    base = count(measure, area_code, base_end)
    row.numerator, row.denominator = current.value, base.value
    if not current.ok:
        row.note = current.note
    elif not base.ok:
        row.note = f"base period: {base.note}"
    elif current.value is not None and base.value is not None:
        row.value, row.note = percentage_change(current.value, base.value)
        if row.value is None:
            return row
        if small_numbers(current.value, base.value):
            row.note = small_numbers_note(current.value, base.value)
        tests = change_tests(data, measure, period_end, base_end)
        if months_shared(period_end, base_end) == 0 and min(current.value, base.value) >= 0:
            row.p_value_poisson = change_test(current.value, base.value)
        if area_code != ENGLAND_AND_WALES_CODE:
            apply(row, tests)
            if row.z is None and not row.note:
                found = tests.of(area_code)
                row.note = tests.reason or (found.note if found is not None else "")
    row.recording_change = "; ".join(c.note() for c in data.straddled(measure, base_end, period_end))
    return row


def differs_from_england_and_wales(row: Row) -> bool:
    """Whether a force's change differs from England and Wales's by more than forces' changes usually do
    (|z| > 1.96 with additive overdispersion; see ``analyses.changes``)."""
    return differs(row)


#: A rate on fewer residents (or households) than this is marked: in England and Wales only City of London's
#: (about 6,000 residents in mid-2013; the next smallest force has over 500,000).
SMALL_DENOMINATOR = 100_000
SMALL_MARK = "‡"


def small_denominator(row: Row) -> bool:
    """Whether a rate row's denominator is a small resident population (City of London)."""
    return (row.statistic.startswith("rate_per_") and row.area_code != ENGLAND_AND_WALES_CODE
            and row.value is not None and row.denominator is not None and 0 < row.denominator < SMALL_DENOMINATOR)


def small_population_note(rows: list[Row], denominator: str) -> str:
    """Why a rate on a small resident population is marked and not comparable with other forces'."""
    listed = "; ".join(f"{r.area} {int(r.denominator):,}" for r in rows)  # type: ignore[arg-type]
    whom = "population" if denominator == "population" else "count of households"
    return (f"{SMALL_MARK} a rate on a resident {whom} under {SMALL_DENOMINATOR:,} ({listed}): City of London's "
            "crimes are mostly against the people who work in and visit the City, many times its residents, so "
            "its rate per resident is not comparable with other forces' (HMICFRS reports on City of London "
            "Police separately).")
