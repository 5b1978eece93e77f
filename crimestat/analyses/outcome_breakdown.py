"""Which offence groups moved an outcome rate of the outcomes series between two financial years.

The release's year x offence group file gives each force's charges and out-of-court outcomes by offence group
and financial year, on both bases; its groups add up to the quarter file's year (checked when read). A group's
contribution is its outcomes of the kind as a percentage of all outcomes assigned in the later year, less the
same in the earlier year, so the contributions add up to the rate's change in percentage points.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from ..errors import PeriodNotCoveredError, UsageError
from ..model import periods
from ..model.forces import ENGLAND_AND_WALES_CODE, Force
from ..model.outcome_series import BASIS_WORDS, SeriesMeasure, series_measure, year_label
from ..results import Cell, Result, Row, Section
from .base import release_note, resolve_force
from .figures import area_name
from .outcome_series import CITATION, basis_notes, require_series, resolve_period

if TYPE_CHECKING:
    from ..dataset import Dataset

_GROUP_PARTS = {"t1": (0,), "oocd": (1,), "positive": (0, 1)}  # the year file's (charges, out-of-court) columns


@dataclass
class OutcomeBreakdown:
    """A force's (or England and Wales's) change in a series rate between two financial years, taken apart by
    offence group: each group's outcomes of the kind as points of the year's outcomes assigned, so the groups'
    contributions add up to the rate's change (in percentage points)."""

    area_code: str
    area: str
    measure: SeriesMeasure
    year: int
    base_year: int
    total: Row  # change_points: the rate's change
    lines: list[Row]  # contribution rows, one per offence group, largest first
    extra_notes: list[str]
    release_note: str = ""

    @property
    def rows(self) -> list[Row]:
        return [self.total, *self.lines]

    def to_frame(self):
        from ..results import rows_frame

        return rows_frame(self.rows)

    def view(self) -> Result:
        now, before = year_label(self.year), year_label(self.base_year)
        what = {"t1": "Charges", "oocd": "Out-of-court", "positive": "Positive"}[self.measure.count]
        table = [[Cell(line.comparator), Cell(line.denominator, "count"), Cell(line.numerator, "count"),
                  Cell(line.value, "points")] for line in self.lines]
        table.append([Cell("All offence groups (crimes excluding fraud)"), Cell(self.total.denominator, "count"),
                      Cell(self.total.numerator, "count"),
                      Cell(self.total.value, "points", "" if self.total.value is not None or not self.total.note else
                           f"{self.area}: {self.total.note}")])
        title = (f"{self.area}: which offence groups moved the {self.measure.what.lower()} "
                 f"{BASIS_WORDS[self.measure.basis].replace('12 months', 'year')}, {before} to {now}")
        notes = [f"A group's contribution: its outcomes of the kind as a percentage of all outcomes assigned in {now}, "
                 f"less the same in {before}; the contributions add up to the change in the rate (percentage points)."]
        if self.total.value is not None and self.total.note:
            notes.append(self.total.note + ".")
        notes += [*self.extra_notes, CITATION]
        if self.release_note:
            notes.append(self.release_note)
        meta = {"command": "breakdown", "force": {"code": self.area_code, "name": self.area},
                "measure": self.measure.name, "year": now, "base_year": before}
        return Result(title, self.rows, [Section(["Offence group", f"{what} {before}", f"{what} {now}",
                                                  "Contribution"], table, ["left", "right", "right", "right"])],
                      notes, meta)


def outcome_breakdown(data: Dataset, area_code: str, year: int, base_year: int,
                      measure: str = "charge_rate_closed") -> OutcomeBreakdown:
    """Which offence groups moved a series rate of ``area_code`` (a force or England and Wales) between the
    financial years starting in ``base_year`` and ``year``, from the release's year x offence group file."""
    series = require_series(data)
    info = series_measure(measure)
    parts = _GROUP_PARTS[info.count]
    name = area_name(data, area_code)
    end, base_end = date(year + 1, 3, 31), date(base_year + 1, 3, 31)
    total = Row(area_code, name, info.name, "change_points", end, base_end)
    lines: list[Row] = []
    found = {y: series.year_counts(area_code, y, info.basis) for y in (year, base_year)}
    missing = [v.note for counts, v in found.values() if counts is None]
    if missing:
        total.note = missing[0]
    else:
        (now, now_value), (before, before_value) = found[year], found[base_year]
        codes = None
        if area_code == ENGLAND_AND_WALES_CODE:
            # Both years over the same forces: one missing in either year is left out of both.
            left_out = tuple(sorted(set(now_value.left_out) | set(before_value.left_out)))
            codes = [f.code for f in data.registry.territorial if f.name not in left_out]
            if left_out:
                now = series.year_counts(area_code, year, info.basis, left_out)[0]
                before = series.year_counts(area_code, base_year, info.basis, left_out)[0]
                total.note = (f"England and Wales is the {len(codes)} forces with figures in both years; left out: "
                              f"{', '.join(left_out)}")
        groups_now = series.group_counts(area_code, year, info.basis, codes)
        groups_before = series.group_counts(area_code, base_year, info.basis, codes)
        if groups_now is None or groups_before is None:
            total.note = "the release has no offence-group figures for both years"
        else:
            assert now is not None and before is not None
            total.value = now[info.count] * 100 / now["assigned"] - before[info.count] * 100 / before["assigned"]
            total.numerator, total.denominator = now[info.count], before[info.count]
            for group, pair in groups_now.items():
                c_now = sum(pair[i] for i in parts)
                c_before = sum(groups_before.get(group, (0, 0))[i] for i in parts)
                lines.append(Row(area_code, name, info.name, "contribution", end, base_end,
                                 value=c_now * 100 / now["assigned"] - c_before * 100 / before["assigned"],
                                 numerator=c_now, denominator=c_before, comparator=group))
            lines.sort(key=lambda r: -abs(r.value or 0))
    return OutcomeBreakdown(area_code, name, info, year, base_year, total, lines, basis_notes(info, series)[1:],
                            release_note(data))


def series_breakdown(data: Dataset, force: Force | str, to: date | str | None = None,
                     baseline: date | str | None = None, *, level: str | None = None,
                     measure: str = "charge_rate_closed") -> OutcomeBreakdown:
    """``breakdown`` for a series rate: by offence group, between two financial years (``to`` and ``baseline``
    end in March; default the series' latest financial year and four years before)."""
    if level not in (None, "group"):
        raise UsageError(f"{measure} is taken apart by offence group only (the outcomes series' year file); "
                         f"leave out the level or give 'group'", parameter="level", value=level)
    force = resolve_force(data, force)
    series = require_series(data)
    years = [p for p in series.periods if p.month == 3]
    end = resolve_period(series, to) if to is not None else years[-1]
    base = resolve_period(series, baseline, "baseline") if baseline is not None else periods.years_before(end, 4)
    for which, when in (("to", end), ("baseline", base)):
        if when.month != 3:
            raise UsageError("the outcomes series' offence groups are by financial year: expected the end of one, a "
                             "March (YYYY-03)", parameter=which, value=f"{when:%Y-%m}")
    if base not in series.periods:
        raise PeriodNotCoveredError(f"is not covered by the outcomes series ({periods.coverage(series.periods)})",
                                    parameter="baseline", value=f"{base:%Y-%m}")
    return outcome_breakdown(data, force.code, end.year - 1, base.year - 1, measure)
