"""One figure as a tidy row: a measure's rate or percentage change for one area.

compare, trend and rank are all built from these two functions, so a figure means the same wherever it
is shown.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from ..forces import ENGLAND_AND_WALES, ENGLAND_AND_WALES_CODE
from ..metrics.poisson import change_test, poisson_bounds
from ..metrics.rates import percentage_change, rate
from ..rows import Row

if TYPE_CHECKING:
    from ..dataset import Dataset


def area_name(data: Dataset, area_code: str) -> str:
    if area_code == ENGLAND_AND_WALES_CODE:
        return ENGLAND_AND_WALES
    return data.registry.by_code(area_code).name


def rate_row(data: Dataset, measure: str, area_code: str, period_end: date,
             population_year: int | None = None) -> Row:
    """The measure's rate per 1,000 people (or households) for an area in the 12 months to ``period_end``."""
    info = data.classification.describe(measure)
    row = Row(area_code, area_name(data, area_code), measure, "rate_per_1000", period_end)
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
        row.value = rate(n, people)
        if n >= 0:
            low, high = poisson_bounds(n)
            row.ci_low, row.ci_high = rate(low, people), rate(high, people)
    return row


def change_row(data: Dataset, measure: str, area_code: str, period_end: date,
               base_end: date) -> Row:
    """The percentage change in the measure's count from the 12 months to ``base_end``.

    ``numerator`` holds the current count and ``denominator`` the base count.
    """
    row = Row(area_code, area_name(data, area_code), measure, "pct_change", period_end, base_end)
    current = data.counts.count(measure, area_code, period_end)
    if base_end not in data.counts.periods:
        row.numerator = current.value
        row.note = f"the data have no 12 months to {base_end:%B %Y} to compare with"
        return row
    base = data.counts.count(measure, area_code, base_end)
    row.numerator, row.denominator = current.value, base.value
    if not current.ok:
        row.note = current.note
    elif not base.ok:
        row.note = f"base period: {base.note}"
    elif current.value is not None and base.value is not None:
        row.value, row.note = percentage_change(current.value, base.value)
        if row.value is not None and min(current.value, base.value) >= 0:
            row.p_value = change_test(current.value, base.value)
    return row


SIGNIFICANCE = 0.05


def larger_than_chance(row: Row) -> bool:
    """Whether a change's exact Poisson test says it is larger than chance (p < 0.05)."""
    return row.p_value is not None and row.p_value < SIGNIFICANCE
