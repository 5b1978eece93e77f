"""12-month periods: choosing period ends, their comparisons, and the population year they use.

A period is named by its last day, a ``datetime.date`` (not a pandas Timestamp, so that commands that
only read cached figures need not import pandas).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from ..errors import NoCompletePeriodError, PeriodNotCoveredError

_DMY = re.compile(r"^(\d{1,2})[-/](\d{1,2})[-/](\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
FINANCIAL_YEAR = re.compile(r"^(\d{4})\s*[/_-]\s*(\d{2})$")
"""A financial year in a data cell, however it is spelt: '2025/26', '2025-26', '2025_26', '2025 / 26' are one
year (the one rule for keys: every loader reads years with this pattern; the years must still be consecutive)."""


@dataclass(frozen=True)
class Periods:
    """The period compared and the two it is compared with: the baseline (four years before by default)
    and the year before."""

    current: date
    baseline: date
    year_before: date


def as_period(value: date | str, parameter: str = "period") -> date:
    """A period end as a plain date, from a date, a datetime (pandas Timestamps are datetimes) or text.

    Text goes through :func:`parse_month`, the one parser of periods: 'YYYY-MM', or a month's last day
    ('YYYY-MM-DD', with or without a time), so a library caller gets the command line's message."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    if len(text) > 10 and text[10] in " T":
        text = text[:10]  # a timestamp written as text: its date
    return parse_month(text, parameter)


_MONTH = re.compile(r"^(\d{4})-(\d{1,2})(?:-(\d{1,2}))?$")


def parse_month(text: str, parameter: str = "to") -> date:
    """A period end given by a user: 'YYYY-MM', 'YYYY-M' or 'YYYY-MM-DD' (a month's last day, as CSV writes it).

    Anything else, an impossible month ('2014-13') or a day that is not the month's last, is an error
    naming the parameter.
    """
    from ..errors import UsageError

    stripped = str(text).strip()
    match = _MONTH.match(stripped)
    expected = "expected YYYY-MM such as 2014-06, or the month's last day such as 2014-06-30"
    if not match:
        raise UsageError(f"is not a month; {expected}", parameter=parameter, value=stripped)
    year, month = int(match.group(1)), int(match.group(2))
    if not 1900 <= year <= 2999:
        raise UsageError(f"year {year} is outside the years crimestat handles (1900 to 2999); {expected}",
                         parameter=parameter, value=stripped)
    if not 1 <= month <= 12:
        raise UsageError(f"month {month} does not exist; {expected}", parameter=parameter, value=stripped)
    end = month_end(year, month)
    if match.group(3) is not None and int(match.group(3)) != end.day:
        raise UsageError(f"a 12-month period ends on a month's last day ({end:%Y-%m-%d}); {expected}",
                         parameter=parameter, value=stripped)
    return end


def month_end(year: int, month: int) -> date:
    if month == 12:
        return date(year, 12, 31)
    return date(year, month + 1, 1) - timedelta(days=1)


def years_before(period_end: date, years: int) -> date:
    """The period end ``years`` years earlier (later when negative), kept at its month's last day."""
    return month_end(period_end.year - years, period_end.month)


def parse_period_end(text: str) -> tuple[date | None, str | None]:
    """A period end from 'DD-MM-YYYY' (or ISO 'YYYY-MM-DD'): (date, None) or (None, why not).

    A date a day or two short of its month's end (the source's '30-12-2017') is returned as the month's
    end; the caller compares with the text and warns about it.
    """
    text = text.strip()
    match = _DMY.match(text)
    if match:
        day, month, year = (int(g) for g in match.groups())
    else:
        match = _ISO.match(text)
        if not match:
            return None, f"'{text}' is not a date; expected DD-MM-YYYY, such as 30-06-2014"
        year, month, day = (int(g) for g in match.groups())
    try:
        value = date(year, month, day)
    except ValueError:
        return None, f"'{text}' is not a real date; expected DD-MM-YYYY, such as 30-06-2014"
    last = month_end(year, month).day
    if day != last:
        if last - day <= 2:
            return date(year, month, last), None
        return None, f"'{text}' is not the last day of a month; expected a 12-month period end"
    return value, None


def names_day(text: str, day: int) -> bool:
    """Whether a date that :func:`parse_period_end` accepted is written with ``day`` (not moved to the month end)."""
    text = text.strip()
    dmy = _DMY.match(text)
    match = dmy or _ISO.match(text)
    assert match is not None
    return int(match.group(1) if dmy else match.group(3)) == day


def label(period_end: date) -> str:
    """'12 months to June 2014', HMIC's way of naming a period."""
    return f"12 months to {period_end:%B %Y}"


def coverage(periods: Sequence[date]) -> str:
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


def resolve(requested: date | str | None, periods: Sequence[date], what: str = "to",
            explain=None, data_name: str = "crime data") -> date:
    """The requested period end if the data have it (default: the latest); otherwise an error.

    ``what`` names the parameter the period came from (``to``, ``baseline``, ``start``), for the error.
    ``explain(period)`` may add why a period is missing (for monthly data: the months a window lacks).
    """
    if requested is not None:
        requested = as_period(requested, what)
    value = f"{requested:%Y-%m}" if requested is not None else None
    if not periods:
        raise NoCompletePeriodError(f"the {data_name} hold no complete 12-month period" +
                                    (f"; {explain(requested)}" if explain else ""),
                                    parameter=what if requested is not None else None, value=value)
    if requested is None:
        return max(periods)
    if requested not in set(periods):
        raise PeriodNotCoveredError(
            f"no 12-month period ends in {requested:%B %Y} in the {data_name}; "
            + (explain(requested) if explain else coverage(periods)), parameter=what, value=value)
    return requested


def population_year(period_end: date) -> int:
    """The mid-year estimate a period uses: the latest dated strictly before its end (30 June)."""
    return period_end.year if period_end > date(period_end.year, 6, 30) else period_end.year - 1
