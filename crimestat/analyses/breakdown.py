"""``crimestat breakdown``: what drove a force's change, the change in a measure taken apart over its parts.

A measure (default: crime excluding fraud) is taken apart at a level of the source (Home Office offence groups,
subgroups or offence codes; the ONS release's offence groups; police.uk crime types). Each part has its
count in both periods, its change and percentage change, its contribution, its rate, England and Wales's
percentage change for the same part and the change test against it (the overdispersed test of
``analyses.changes``, shared with compare and rank). A part's contribution is its change divided by the
measure's base-period total, times 100, so the contributions add up exactly to the measure's percentage
change (DESIGN.md). Every row whose two periods straddle a registered recording change names it.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from ..model import periods
from ..model.classification import CATEGORY_LEVEL, MeasureInfo
from ..model.forces import ENGLAND_AND_WALES_CODE, Force
from ..model.recording_changes import RecordingChange
from ..results import Row
from .base import Periods, choose_periods, release_note, resolve_force
from .figures import change_row, differs_from_england_and_wales, rate_row

if TYPE_CHECKING:
    import pandas as pd

    from ..dataset import Dataset
    from ..sources import Source

LEVEL_NAMES = {"group": "Offence group", "subgroup": "Offence subgroup", CATEGORY_LEVEL: "Offence"}


@dataclass
class BreakdownLine:
    """One part of the measure (or the measure itself): the force's change, contribution and rate, and
    England and Wales's change for the same part."""

    measure: MeasureInfo
    change: Row  # pct_change: numerator the current count, denominator the base count; z against E&W
    contribution: Row  # percentage points of the measure's base-period total
    rate: Row  # the force's rate in the current period
    england_and_wales: Row  # England and Wales's pct_change for the same part
    recording_changes: list[RecordingChange] = field(default_factory=list)

    @property
    def difference(self) -> int | None:
        """The change in the count (current minus base), None when either is missing."""
        if self.change.numerator is None or self.change.denominator is None:
            return None
        return int(self.change.numerator) - int(self.change.denominator)

    @property
    def marked(self) -> bool:
        """Whether the force's change differs from England and Wales's (|z| > 1.96)."""
        return differs_from_england_and_wales(self.change)


@dataclass
class Breakdown:
    """A force's change in a measure taken apart over the parts that make it up at one level."""

    force: Force
    measure: MeasureInfo
    level: str
    periods: Periods  # current and baseline are the two periods compared
    total: BreakdownLine
    lines: list[BreakdownLine]  # largest contributions first: rises, then falls, then parts with no change
    source: Source
    files: dict[str, str] = field(default_factory=dict)
    release: str | None = None
    release_note: str = ""
    dropped: int = 0  # parts with no crimes in either period, not listed

    @property
    def rows(self) -> list[Row]:
        """Every figure as a tidy row: the total's, then each part's (pct_change, contribution, rate, and
        England and Wales's pct_change)."""
        rows: list[Row] = []
        for line in [self.total, *self.lines]:
            rows += [line.change, line.contribution, line.rate, line.england_and_wales]
        return rows

    def to_frame(self) -> pd.DataFrame:
        """The tidy rows as a pandas DataFrame (the columns of ``--format csv``)."""
        from ..results import rows_frame

        return rows_frame(self.rows)

    def largest(self, n: int = 3) -> tuple[list[BreakdownLine], list[BreakdownLine]]:
        """The ``n`` largest rises and the ``n`` largest falls (by contribution)."""
        rises = [line for line in self.lines if (line.contribution.value or 0) > 0][:n]
        falls = sorted((line for line in self.lines if (line.contribution.value or 0) < 0),
                       key=lambda line: line.contribution.value)[:n]  # type: ignore[arg-type, return-value]
        return rises, falls

    @property
    def recording_changes(self) -> list[RecordingChange]:
        """Every registered recording change any row straddles, once, in date order."""
        found = {c.id: c for line in [self.total, *self.lines] for c in line.recording_changes}
        return sorted(found.values(), key=lambda c: (c.start, c.id))


def breakdown(data: Dataset, force: Force | str, to: date | str | None = None,
              baseline: date | str | None = None, *, level: str | None = None, measure: str | None = None,
              chosen: Periods | None = None, population_year: int | None = None) -> Breakdown:
    """A force's change in ``measure`` (default: the source's headline measure, crime excluding fraud) from the
    12 months to ``baseline`` (default: four years before ``to``) to those to ``to`` (default: the latest),
    taken apart at ``level`` ("group", "subgroup" or "offence"; the levels the source has; default subgroups
    where the source has them, else groups)."""
    force = resolve_force(data, force)
    measure = data.measure(measure) if measure else data.source.trend_measure
    chosen = chosen or choose_periods(data, to, baseline)
    current, base = chosen.current, chosen.baseline  # the dataset has checked that the baseline is earlier
    if population_year is not None:
        data.denominators.check_year(population_year)
    key = data.source.key
    level = level or data.classification.default_level(key)
    parts = data.classification.parts(measure, key, level)
    count = data.counts.part_count
    total_line = _line(data, measure, force, current, base, None, count, population_year)
    base_total = total_line.change.denominator
    lines = []
    dropped = 0
    for part in parts:
        line = _line(data, part, force, current, base, base_total, count, population_year)
        if line.change.numerator == 0 and line.change.denominator == 0 and not line.england_and_wales.numerator:
            dropped += 1  # a part no force recorded in either period (an expired code): nothing to show
            continue
        lines.append(line)
    total_line.contribution.value = _contribution(total_line.difference, base_total)
    total_line.contribution.denominator = base_total
    return Breakdown(force, data.classification.describe(measure, key), level, chosen, total_line, _ordered(lines),
                     data.source, dict(data.files), data.release.name if data.release is not None else None,
                     release_note(data), dropped)


def _line(data: Dataset, measure: str, force: Force, current: date, base: date, base_total: float | None, count,
          population_year: int | None) -> BreakdownLine:
    info = data.classification.describe(measure, data.source.key)
    change = change_row(data, measure, force.code, current, base, count)
    whole = _england_and_wales(data, measure, current, base, count)
    line = BreakdownLine(info, change, Row(force.code, force.name, measure, "contribution", current, base),
                         rate_row(data, measure, force.code, current, population_year), whole,
                         data.straddled(measure, base, current))
    contribution = line.contribution
    contribution.numerator, contribution.denominator = line.difference, base_total
    contribution.recording_change = change.recording_change
    if base_total is not None:
        contribution.value = _contribution(line.difference, base_total)
        if contribution.value is None:
            contribution.note = change.note or "no count in one of the two periods"
    return line


_WHOLE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _england_and_wales(data: Dataset, measure: str, current: date, base: date, count) -> Row:
    """England and Wales's change in a part, computed once per dataset: every force's breakdown shows it."""
    cache = _WHOLE.setdefault(data, {})
    key = (measure, current, base)
    if key not in cache:
        cache[key] = change_row(data, measure, ENGLAND_AND_WALES_CODE, current, base, count)
    return cache[key]


def _contribution(difference: int | None, base_total: float | None) -> float | None:
    """The change as percentage points of the base-period total (exact before rounding, as percentage_change)."""
    if difference is None or not base_total or base_total < 0:
        return None
    return difference * 100 / base_total


def _ordered(lines: list[BreakdownLine]) -> list[BreakdownLine]:
    """Rises (largest contribution first), then falls (largest first), then parts with no change or no value."""
    rises = sorted((x for x in lines if (x.contribution.value or 0) > 0), key=lambda x: -x.contribution.value)  # type: ignore[operator]
    falls = sorted((x for x in lines if (x.contribution.value or 0) < 0), key=lambda x: x.contribution.value)  # type: ignore[arg-type, return-value]
    rest = [x for x in lines if not x.contribution.value]
    return rises + falls + rest


def what_changed(result: Breakdown, n: int = 3) -> str:
    """A paragraph for a report: the change in the measure, its largest contributions up and down, and any
    registered recording change it straddles (the report's "what changed")."""
    from ..metrics.rounding import round_half_up

    total = result.total
    span = f"from the {periods.label(result.periods.baseline)} to the {periods.label(result.periods.current)}"
    if total.change.value is None:
        return f"{result.measure.label} for {result.force.name} {span}: no change can be given ({total.change.note})."

    def part(line: BreakdownLine) -> str:
        before, after = int(line.change.denominator), int(line.change.numerator)  # type: ignore[arg-type]
        return f"{line.measure.label.lower()} ({before:,} to {after:,}, {line.difference:+,})"

    pct = round_half_up(total.change.value, 0)
    direction = "rose" if total.change.value > 0 else "fell" if total.change.value < 0 else "did not change"
    text = (f"{result.measure.label} in {result.force.name} {direction} by {abs(pct)} percent {span} "
            f"({int(total.change.denominator):,} to {int(total.change.numerator):,} crimes)."  # type: ignore[arg-type]
            if total.change.value else f"{result.measure.label} in {result.force.name} did not change {span}.")
    rises, falls = result.largest(n)
    if rises:
        text += " The largest rises: " + "; ".join(part(x) for x in rises) + "."
    if falls:
        text += " The largest falls: " + "; ".join(part(x) for x in falls) + "."
    for change in (c for c in result.recording_changes if c.effect == "counts"):  # reclassifications move no total
        touched = [x.measure.label.lower() for x in result.lines if change in x.recording_changes]
        text += (f" The two periods straddle {change.title} ({change.when}), which concerns "
                 f"{', '.join(touched[:3]) or result.measure.label.lower()}: part of the change there is a change "
                 "in recording, not in crime.")
    return text
