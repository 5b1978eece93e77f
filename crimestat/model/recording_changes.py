"""The register of counting-rule and classification changes: when what was recorded changed, and for what.

Police recorded crime counts what forces record, and the rules for recording change: fraud moved to Action
Fraud, forces recorded more violence after HMIC's 2014 inspection, burglary was redefined in 2017, stalking and
harassment were counted differently in 2018, 2020 and 2023. A change from one 12-month period to another that
straddles such a change is partly a change in recording, so every change, trend and breakdown row that
straddles one names it. The register is data (``data/recording_changes.csv``), each entry with its source.

Two kinds of entry:

- ``counts``: the rule changes how many crimes are recorded; named for every measure that includes any of the
  affected categories (crime excluding fraud straddles the 2023 stalking and harassment change).
- ``classification``: crimes move between categories while their total continues (burglary split into
  residential and non-residential); named only for the affected measures and the categories inside them.

The series-break detector (``breaks``) still finds categories that appear or vanish; the register is for a
rule that shrinks or swells a continuing one.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Literal

Effect = Literal["counts", "classification"]


@dataclass(frozen=True)
class RecordingChange:
    """One registered change: from (and, when phased, to) which month, what it touched and what it did."""

    id: str
    start: date  # the first day the change applied
    end: date | None  # the last day of a phased change (None: it took effect at once)
    effect: Effect
    measures: tuple[str, ...]
    title: str
    what_changed: str
    source: str

    @property
    def when(self) -> str:
        """'May 2023', or 'April 2011 to March 2013' for a phased change."""
        if self.end is None:
            return f"{self.start:%B %Y}"
        return f"{self.start:%B %Y} to {self.end:%B %Y}"

    @property
    def last_day(self) -> date:
        return self.end or self.start

    def note(self) -> str:
        """The change named in one line, for a row's note."""
        return f"straddles a recording change: {self.title} ({self.when})"

    def describe(self) -> str:
        """The full note: what changed and where it is documented."""
        return f"{self.title[0].upper()}{self.title[1:]} ({self.when}): {self.what_changed}. Source: {self.source}."


def window_start(period_end: date) -> date:
    """The first day of the 12 months ending on ``period_end``."""
    month = period_end.month % 12 + 1
    year = period_end.year - 1 + (period_end.month == 12)
    return date(year, month, 1)


def straddles(change: RecordingChange, base_end: date, current_end: date) -> bool:
    """Whether the 12 months to ``base_end`` and those to ``current_end`` lie on both sides of ``change``
    (or either of them inside a phased change): some of the months compared were recorded the old way and
    some the new way."""
    first, last = sorted((base_end, current_end))
    return window_start(first) < change.last_day and change.start <= last


def month_start(text: str) -> date:
    year, month = (int(part) for part in text.split("-"))
    return date(year, month, 1)


def month_end(text: str) -> date:
    year, month = (int(part) for part in text.split("-"))
    return date(year, month, calendar.monthrange(year, month)[1])


@dataclass(frozen=True)
class Register:
    """Every registered change, in date order."""

    changes: tuple[RecordingChange, ...]

    def touching(self, categories: Iterable[str], members: Callable[[str], set[str]]) -> list[RecordingChange]:
        """The changes that concern a measure or part made of ``categories`` (of one source); ``members(m)``
        gives measure ``m``'s categories of that source."""
        mine = set(categories)
        if not mine:
            return []
        found = []
        for change in self.changes:
            affected: set[str] = set()
            for measure in change.measures:
                affected |= members(measure)
            if not affected:
                continue
            if change.effect == "counts" and mine & affected:
                found.append(change)
            elif change.effect == "classification" and mine <= affected:
                found.append(change)
        return found

    def straddled(self, categories: Iterable[str], members: Callable[[str], set[str]], base_end: date,
                  current_end: date) -> list[RecordingChange]:
        """The changes concerning ``categories`` that the two 12-month periods straddle."""
        return [c for c in self.touching(categories, members) if straddles(c, base_end, current_end)]

    def within(self, categories: Iterable[str], members: Callable[[str], set[str]], first_end: date,
               last_end: date) -> list[RecordingChange]:
        """The changes concerning ``categories`` that fall inside a series of period ends (for trends)."""
        return [c for c in self.touching(categories, members)
                if window_start(first_end) < c.last_day and c.start <= last_end]
