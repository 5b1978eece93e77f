"""Series breaks: source categories that start, stop or are replaced part-way through a file.

ONS redefines offence groups from time to time (force-level fraud moved to Action Fraud in 2013-14;
domestic burglary became residential burglary in April 2017). The file keeps the old group as zeros or
drops it, and shows the new group as zeros before it existed. Rolling 12-month totals that straddle the
change are partial. A rate computed from any of those would be silently wrong, so each category gets a
status for every period end, judged on its England and Wales total (the sum of the territorial forces):

- ``ok``: a complete 12 months of the category;
- ``partial_start`` / ``partial_end``: the 12 months straddle the category's first or last recording;
- ``not_started`` / ``ended``: nothing (or a placeholder) is recorded in the 12 months;
- ``gap``: the category is missing or empty in a period between periods that have it.

A category counts as recorded in a period when its total is at least ``PLACEHOLDER_SHARE`` of its
largest total; a handful of stragglers (4 domestic burglaries in 2018) is a placeholder, not a series.
A changeover is assumed to happen at the end of the last period without (or with complete) data, which
is how counting-rule changes take effect (at the start of a quarter).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from .periods import years_before

if TYPE_CHECKING:
    import numpy as np

PLACEHOLDER_SHARE = 0.01
OK, PARTIAL_START, PARTIAL_END, NOT_STARTED, ENDED, GAP = (
    "ok", "partial_start", "partial_end", "not_started", "ended", "gap",
)
_CHANGEOVER_SLACK = timedelta(days=92)


@dataclass(frozen=True)
class Lifetime:
    """When a category starts and stops being recorded, as changeover dates (None: not in this file)."""

    category: str
    started: date | None  # recording began just after this date
    stopped: date | None  # recording ended on or before this date
    status: dict[date, str]

    def first_complete(self) -> date | None:
        return None if self.started is None else years_before(self.started, -1)


def lifetimes(categories: list[str], totals: np.ndarray, present: np.ndarray,
              periods: list[date]) -> dict[str, Lifetime]:
    """Each category's lifetime from its totals over the territorial forces at each of ``periods``.

    ``totals`` and ``present`` are [category, period]: the summed count, and whether any force had a row
    there; a category with no row at a period end has no total there (not a zero), so it is not recorded
    then. (``measures.prepare`` gives them from its count cube.)
    """
    result = {}
    for i, category in enumerate(categories):
        row, has = totals[i], present[i]
        peak = float(row[has].max()) if has.any() else 0.0
        recorded = (has & (row >= PLACEHOLDER_SHARE * peak) & (peak > 0)).tolist()
        result[str(category)] = _from_recorded(str(category), recorded, periods)
    return result


def lifetime_from_totals(name: str, totals: list[int], periods: list[date]) -> Lifetime:
    """A lifetime judged on one series of England and Wales totals (a whole measure's), without pandas."""
    peak = max(totals, default=0)
    return _from_recorded(name, [peak > 0 and t >= PLACEHOLDER_SHARE * peak for t in totals], periods)


def _from_recorded(name: str, recorded: list[bool], periods: list[date]) -> Lifetime:
    """The lifetime of a category recorded (or not) at each of ``periods``, in order."""
    positions = [i for i, r in enumerate(recorded) if r]
    if not positions:
        return Lifetime(name, None, None, {p: GAP for p in periods})
    first, last = positions[0], positions[-1]
    started = periods[first - 1] if first > 0 else None
    stopped = years_before(periods[last + 1], 1) if last + 1 < len(periods) else None
    first_complete = years_before(started, -1) if started is not None else None
    status = {}
    for i, p in enumerate(periods):
        if i < first:
            status[p] = NOT_STARTED
        elif i > last:
            status[p] = ENDED
        elif not recorded[i]:
            status[p] = GAP
        elif first_complete is not None and p < first_complete:
            status[p] = PARTIAL_START
        elif stopped is not None and p > stopped:
            status[p] = PARTIAL_END
        else:
            status[p] = OK
    return Lifetime(name, started, stopped, status)


def succeeds(new: Lifetime, old: Lifetime) -> bool:
    """Whether ``new`` began when ``old`` stopped: one replaced the other."""
    if new.started is None or old.stopped is None:
        return False
    return abs(new.started - old.stopped) <= _CHANGEOVER_SLACK


def why_unusable(members: list[Lifetime], period: date) -> str | None:
    """Why a measure made of ``members`` cannot be computed at ``period`` (None if it can).

    A category that stops is fine when a member category took over from it, and one that starts is fine
    when it took over from a member: the measure then counts every crime once, under one name or the
    other.
    """
    for life in members:
        state = life.status.get(period, GAP)
        if state == OK:
            continue
        if state in (ENDED, PARTIAL_END):
            if any(succeeds(other, life) for other in members):
                continue
            stop = life.stopped
            assert stop is not None
            return (
                f"series break: '{life.category}' is not recorded by forces in full after "
                f"the 12 months to {stop:%B %Y}"
            )
        if state in (NOT_STARTED, PARTIAL_START):
            if any(succeeds(life, other) for other in members):
                continue
            first, started = life.first_complete(), life.started
            assert first is not None and started is not None
            return (
                f"series break: '{life.category}' is recorded from {started + timedelta(days=1):%B %Y}; "
                f"the first complete 12 months end in {first:%B %Y}"
            )
        return f"'{life.category}' has no data for the 12 months to {period:%B %Y}"
    return None
