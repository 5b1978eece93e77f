"""12-month periods: choosing period ends, their comparisons, and the population year they use."""

from __future__ import annotations

import calendar
from collections.abc import Sequence

import pandas as pd

from .errors import PeriodNotCoveredError


def month_end(year: int, month: int) -> pd.Timestamp:
    return pd.Timestamp(year, month, calendar.monthrange(year, month)[1])


def years_before(period_end: pd.Timestamp, years: int) -> pd.Timestamp:
    return month_end(period_end.year - years, period_end.month)


def label(period_end: pd.Timestamp) -> str:
    """'12 months to June 2014', HMIC's way of naming a period."""
    return f"12 months to {period_end:%B %Y}"


def coverage(periods: Sequence[pd.Timestamp]) -> str:
    """A sentence on which 12-month periods the data hold."""
    if not periods:
        return "the data hold no periods"
    ordered = sorted(periods)
    text = f"the data cover the 12 months to {ordered[0]:%B %Y} through the 12 months to {ordered[-1]:%B %Y}"
    gaps = {(b.year - a.year) * 12 + b.month - a.month for a, b in zip(ordered, ordered[1:])}
    if len(gaps) > 1:
        quarterly = next((p for p, q in zip(ordered, ordered[1:]) if (q - p).days < 100), None)
        if quarterly is not None:
            text += f" (yearly periods until {quarterly:%B %Y}, then every quarter)"
    return text


def resolve(requested: pd.Timestamp | None, periods: Sequence[pd.Timestamp], what: str = "--to",
            explain=None) -> pd.Timestamp:
    """The requested period end if the data have it (default: the latest); otherwise an error.

    ``explain(period)`` may add why a period is missing (for monthly data: the months a window lacks).
    """
    if not periods:
        prefix = f"{what} {requested:%Y-%m}: " if requested is not None else ""
        raise PeriodNotCoveredError(f"{prefix}the crime data hold no complete 12-month period" +
                                    (f"; {explain(requested)}" if explain else ""))
    if requested is None:
        return max(periods)
    if requested not in set(periods):
        raise PeriodNotCoveredError(
            f"{what} {requested:%Y-%m}: no 12-month period ends in {requested:%B %Y} in the crime data; "
            + (explain(requested) if explain else coverage(periods))
        )
    return requested


def population_year(period_end: pd.Timestamp) -> int:
    """The mid-year estimate a period uses: the latest dated strictly before its end (30 June)."""
    return period_end.year if period_end > pd.Timestamp(period_end.year, 6, 30) else period_end.year - 1
