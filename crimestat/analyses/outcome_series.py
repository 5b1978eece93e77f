"""Outcome rates over time from the outcomes series: trend, rank, the mix by year, compare's indicator rows.

The series (``crimestat.model.outcome_series``) gives, for every force and quarter from 2014/15, outcomes on two
bases: closed (assigned in the period, whenever the crime was recorded) and recorded (so far, of the crimes
recorded in the period). A rate is outcomes of a kind as a percentage of all outcomes assigned on the same
basis, crimes excluding fraud. Its release may be newer than the crime tables' (outcomes to March 2026 beside
crime to December 2025): figures of one rate always come from the one release.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from ..model import periods
from ..errors import PeriodNotCoveredError, UsageError
from ..model.forces import ENGLAND_AND_WALES, ENGLAND_AND_WALES_CODE, Force
from ..model.outcome_series import (BASES, BASIS_WORDS, MEASURES, OutcomeSeries, SeriesMeasure, SeriesValue,
                                    is_series_measure, series_measure, year_label)
from ..results import Cell, ForceBesideEnglandAndWales, Result, Row, Section
from .base import release_note, resolve_force
from .figures import area_name
from .trend import sparkline

if TYPE_CHECKING:
    from ..dataset import Dataset
    from .outcomes import ProportionFunnel

__all__ = ["is_series_measure", "require_series", "series_row", "series_trend", "rank_series", "outcomes_by_year",
           "charge_indicator", "MEASURES"]

CITATION = ("Source: Home Office, police recorded crime and outcomes open data tables (outcomes by force and quarter). "
            "Contains public sector information licensed under the Open Government Licence v3.0.")
SHORT_CITATION = "Source: Home Office crime outcomes open data (OGL v3.0)"
PARTIAL = "‡"  # England and Wales over the forces with figures, others left out
IMMATURE_MARK = "~"  # recorded basis, outcomes still being added

# Changes in what is recorded that move outcome rates, marked on trend charts and named in the notes:
# (the last day before the change, what changed, the counts it concerns).
EVENTS = (
    (date(2019, 3, 31), "outcome type 22 (diversionary, educational or intervention activity) is in use by forces "
                        "from April 2019 (a few uses before); it is counted as out-of-court here",
     ("oocd", "positive")),
)


def require_series(data: Dataset) -> OutcomeSeries:
    """The outcomes series, or an error saying which release has none."""
    found = data.outcome_series
    if found is None:
        if data.paths.release is not None:
            pinned = getattr(data.paths.release, "name", data.paths.release)
            raise UsageError(f"the release '{pinned}' has no outcomes series (outcomes by force and "
                             "quarter); leave out --release to use the newest release that has one "
                             "(`crimestat releases`)", parameter="release")
        raise UsageError("no release has an outcomes series (outcomes by force and quarter); add one "
                         "(`crimestat releases`)")
    return found


def resolve_period(series: OutcomeSeries, to: date | str | None, parameter: str = "to") -> date:
    """A 12-month period of the series (default: the latest)."""
    return periods.resolve(to, series.periods, parameter, lambda _: periods.coverage(series.periods),
                           "outcomes series")


def series_point(data: Dataset, measure: str, area_code: str, period_end: date) -> tuple[Row, str]:
    """A series measure as a tidy row (the percentage, outcomes of the kind and outcomes assigned beside it) and
    its mark for tables: ``PARTIAL`` for England and Wales without some forces, ``IMMATURE_MARK`` for a
    recorded-basis figure still filling in."""
    found = series_value(data, require_series(data), measure, area_code, period_end)
    row = Row(area_code, area_name(data, area_code), measure, "percent", period_end, value=found.value_percent,
              numerator=found.numerator, denominator=found.denominator, note=found.note)
    return row, mark_of(found)


_VALUES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def series_value(data: Dataset, series: OutcomeSeries, measure: str, area_code: str, period_end: date) -> SeriesValue:
    """``series.value``, kept per dataset: England and Wales's figure is asked for beside every force's."""
    kept = _VALUES.setdefault(data, {})
    key = (id(series), measure, area_code, period_end)
    if key not in kept:
        kept[key] = series.value(measure, area_code, period_end)
    return kept[key]


def series_row(data: Dataset, measure: str, area_code: str, period_end: date) -> Row:
    """A series measure as a tidy row (see :func:`series_point`)."""
    return series_point(data, measure, area_code, period_end)[0]


def mark_of(found: SeriesValue) -> str:
    if not found.ok:
        return ""
    return (PARTIAL if found.left_out else "") + (IMMATURE_MARK if found.immature else "")


def percent_cell(row: Row, label: str, mark: str = "") -> Cell:
    """A percentage, marked and explained under the table when England and Wales lacks forces or the figure is
    immature; its reason when missing."""
    if row.value is None:
        return Cell(None, "percent", f"{label}, {row.area}, {periods.label(row.period_end)}: {row.note}")
    # Said once for every period it applies to (the notes under a table are shown once each).
    return Cell(row.value, "percent", f"{mark} {row.area}: {row.note}" if mark else "", mark)


def _events(measure: SeriesMeasure, first: date, last: date) -> list[tuple[date, str]]:
    return [(when, text) for when, text, counts in EVENTS if measure.count in counts and first < when <= last]


def basis_notes(measure: SeriesMeasure, series: OutcomeSeries) -> list[str]:
    """What the basis means, and on the recorded basis that the latest quarters are still filling in."""
    notes = [f"{measure.what} {BASIS_WORDS[measure.basis]}: outcomes of the kind as a percentage of all outcomes "
             f"assigned on that basis (crimes excluding fraud; England and Wales: the 43 territorial forces)."]
    if measure.basis == "recorded":
        latest = series.latest_quarters
        notes.append(f"Recorded basis: crimes recorded in the latest four quarters of the series (to "
                     f"{latest[-1]:%B %Y}) are still being investigated, so their figures ({IMMATURE_MARK}) will change "
                     "as later releases add outcomes; use the closed basis for trends.")
    notes.append("Where a force's quarter holds less than a quarter of its usual outcomes (a gap the data write as 0, "
                 "or a quarter supplied in part), its 12-month figures that need the quarter are missing, and "
                 f"England and Wales ({PARTIAL}) is the forces with figures, the others named.")
    return notes


# -- trend ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SeriesInfo:
    """What a chart needs to know of a series measure."""

    measure: str
    label: str
    unit: str = "percent"


@dataclass
class SeriesTrend(ForceBesideEnglandAndWales):
    """An outcome rate at every quarter end, force beside England and Wales."""

    force: Force
    measure: SeriesInfo
    period_ends: list[date]
    force_rates: list[Row]
    england_and_wales_rates: list[Row]
    breaks: list[tuple[date, str]]
    extra_notes: list[str]
    files: dict[str, str] = field(default_factory=dict)
    release: str | None = None
    release_note: str = ""
    marks: dict[tuple[str, date], str] = field(default_factory=dict)  # (area code, period end) -> table mark
    short_citation: str = SHORT_CITATION
    y_label: str = "Percent of outcomes assigned"

    def notes(self) -> list[str]:
        notes = [f"12 months to each quarter end ({len(self.period_ends)} points)."] + self.extra_notes
        notes += [f"Recording change ({when:%B %Y}): {text}." for when, text in self.breaks]
        notes.append(CITATION)
        if self.release_note:
            notes.append(self.release_note)
        return notes

    def view(self) -> Result:
        label = self.measure.label
        table = [[Cell(f"{p:%b %Y}")] + [percent_cell(rows[i], label, self.marks.get((rows[i].area_code, p), ""))
                                          for rows in (self.force_rates, self.england_and_wales_rates)]
                 for i, p in enumerate(self.period_ends)]
        spark = [Cell("trend")] + [Cell(sparkline([r.value for r in rows]))
                                   for rows in (self.force_rates, self.england_and_wales_rates)]
        first, last = self.period_ends[0], self.period_ends[-1]
        title = f"{label}: {self.force.name} and England and Wales, {periods.label(first)} to {last:%B %Y}"
        meta = {"command": "trend", "force": {"code": self.force.code, "name": self.force.name},
                "measure": self.measure.measure, "measure_label": label, "unit": "percent", "from": first, "to": last,
                "points": len(self.period_ends), "sources": self.files}
        if self.release is not None:
            meta["release"] = self.release
        return Result(title, self.rows, [Section(["12 months to", self.force.name, ENGLAND_AND_WALES], table + [spark])],
                      self.notes(), meta)


def series_trend(data: Dataset, force: Force | str, start: date | str | None = None, end: date | str | None = None,
                 measure: str = "charge_rate_closed") -> SeriesTrend:
    """A series measure for every quarter end from ``start`` to ``end`` (default: the four years to the latest)."""
    force = resolve_force(data, force)
    info = series_measure(measure)
    series = require_series(data)
    last = resolve_period(series, end, "to")
    first = resolve_period(series, start, "start") if start is not None else \
        max(periods.years_before(last, 4), series.periods[0])
    if first > last:
        raise PeriodNotCoveredError(f"is after the last period end, {last:%Y-%m}", parameter="start",
                                    value=f"{first:%Y-%m}")
    chosen = [p for p in series.periods if first <= p <= last]
    marks: dict[tuple[str, date], str] = {}
    mine, whole = [], []
    for code, rows in ((force.code, mine), (ENGLAND_AND_WALES_CODE, whole)):
        for p in chosen:
            row, marks[(code, p)] = series_point(data, measure, code, p)
            rows.append(row)
    notes = basis_notes(info, series)
    release = data.used.get("outcome_series")
    return SeriesTrend(force, SeriesInfo(measure, info.label), chosen, mine, whole, _events(info, chosen[0], chosen[-1]),
                       notes, dict(data.files), release.name if release is not None else None, release_note(data),
                       marks)


# -- rank -----------------------------------------------------------------------------------------------------


@dataclass
class SeriesRanking:
    """Every territorial force ranked by an outcomes-series rate (rank 1 = highest), with funnel positions."""

    measure: SeriesMeasure
    period_end: date
    entries: list[tuple[int | None, Row, Row]]  # rank, the rate row, the rank row
    england_and_wales: Row
    funnel: ProportionFunnel
    extra_notes: list[str]
    release: str | None = None
    release_note: str = ""

    @property
    def rows(self) -> list[Row]:
        return [r for _, rate, position in self.entries for r in (rate, position)] + [self.england_and_wales]

    def to_frame(self):
        from ..results import rows_frame

        return rows_frame(self.rows)

    def view(self) -> Result:
        label = self.measure.label
        table = [[Cell("" if rank is None else str(rank)), Cell(rate.area), percent_cell(rate, label),
                  Cell(rate.numerator, "count"), Cell(rate.denominator, "count"), Cell(rate.verdict)]
                 for rank, rate, _ in self.entries]
        whole = self.england_and_wales
        table.append([Cell(""), Cell(whole.area), Cell(whole.value, "percent", f"{whole.area}: {whole.note}"
                                                      if whole.note else ""),
                      Cell(whole.numerator, "count"), Cell(whole.denominator, "count"), Cell("")])
        notes = [
            f"{periods.label(self.period_end)}. Rank 1 is the highest rate; equal rates share a rank. Outcomes "
            f"assigned: all outcomes on the {self.measure.basis} basis ({BASIS_WORDS[self.measure.basis]}).",
            "Funnel position: the force's percentage against 95% and 99.8% limits around England and Wales's for "
            "its number of outcomes assigned (Spiegelhalter 2005). " + self.funnel.describe(),
            *self.extra_notes, CITATION]
        if self.release_note:
            notes.append(self.release_note)
        meta = {"command": "rank", "measure": self.measure.name, "period_end": self.period_end,
                "funnel": self.funnel.method, "tau": self.funnel.tau, "overdispersion": self.funnel.phi}
        return Result(f"{label}: forces ranked, {periods.label(self.period_end)}", self.rows,
                      [Section(["Rank", "Force", "Percent", "Outcomes", "Assigned", "Funnel position"], table,
                               ["right", "left", "right", "right", "right", "left"])], notes, meta)


def rank_series(data: Dataset, measure: str, to: date | str | None = None, force_codes: list[str] | None = None,
                funnel: str = "additive") -> SeriesRanking:
    """Every territorial force (or ``force_codes``) ranked by a series measure, highest first, each with its
    position on the funnel for proportions around England and Wales (``analyses.outcomes.rank_entries``: the
    same funnel as every outcome rate)."""
    from .outcomes import rank_entries

    info = series_measure(measure)
    series = require_series(data)
    end = resolve_period(series, to)
    territorial = [f.code for f in data.registry.territorial]
    codes = force_codes or territorial
    rates = {c: series_row(data, measure, c, end) for c in set(codes) | set(territorial)}
    whole = series_row(data, measure, ENGLAND_AND_WALES_CODE, end)
    entries, shape = rank_entries(measure, end, rates, whole, codes, territorial, funnel)
    release = data.used.get("outcome_series")
    return SeriesRanking(info, end, entries, whole, shape, basis_notes(info, series)[1:],
                         release.name if release is not None else None, release_note(data))


# -- the mix by year ------------------------------------------------------------------------------------------

YEAR_COUNTS = ("t1", "oocd", "t2", "t3", "t6", "t7", "t8", "t22", "positive", "assigned")
COUNT_LABELS = {
    "t1": "Charged/summonsed (type 1)", "oocd": "Out-of-court, all types", "t2": "Youth caution (type 2)",
    "t3": "Adult caution (type 3)", "t6": "Penalty notice for disorder (type 6)",
    "t7": "Cannabis/khat warning (type 7)", "t8": "Community resolution (type 8)",
    "t22": "Diversionary, educational or intervention activity (type 22)", "positive": "Positive outcomes",
    "assigned": "All outcomes assigned",
}


@dataclass
class OutcomesByYear:
    """Charges, out-of-court outcomes by type and positive outcomes as shares of outcomes assigned, by
    financial year, for a force and England and Wales on one basis."""

    force: Force
    basis: str
    years: list[int]
    rows_by_year: list[tuple[int, dict[str, Row], dict[str, Row]]]  # year, force's rows, E&W's rows, by count
    extra_notes: list[str]
    marks: dict[tuple[str, int], str] = field(default_factory=dict)  # (area code, year) -> table mark
    release_note: str = ""
    files: dict[str, str] = field(default_factory=dict)

    @property
    def rows(self) -> list[Row]:
        return [r for _, mine, whole in self.rows_by_year for rows in (mine, whole) for r in rows.values()]

    def to_frame(self):
        from ..results import rows_frame

        return rows_frame(self.rows)

    def view(self) -> Result:
        sections = []
        for who, pick in ((self.force.name, 1), (ENGLAND_AND_WALES, 2)):
            table = []
            for entry in self.rows_by_year:
                rows = entry[pick]
                assigned = rows["assigned"]
                table.append([Cell(year_label(entry[0]))]
                             + [percent_cell(rows[c], COUNT_LABELS[c],
                                             self.marks.get((rows[c].area_code, entry[0]), ""))
                                for c in ("t1", "oocd", "t2", "t3", "t6", "t7", "t8", "t22", "positive")]
                             + [Cell(assigned.numerator, "count",
                                     "" if assigned.numerator is not None else
                                     f"{who}, {year_label(entry[0])}: {assigned.note}")])
            sections.append(Section([f"{who}, year", "Charged", "Out-of-court", "Youth caution", "Adult caution",
                                     "Penalty notice", "Cannabis/khat warning", "Community resolution",
                                     "Type 22", "Positive", "Outcomes assigned"], table,
                                    ["left"] + ["right"] * 10, who))
        title = (f"{self.force.name}: outcomes by financial year, {BASIS_WORDS[self.basis].replace('12 months', 'year')}, "
                 f"{year_label(self.years[0])} to {year_label(self.years[-1])}")
        notes = [f"Each outcome as a percentage of all outcomes assigned on the {self.basis} basis in the financial "
                 "year (crimes excluding fraud); out-of-court is types 2, 3, 6, 7, 8 and 22; positive is charged plus "
                 "out-of-court."] + self.extra_notes + [CITATION]
        if self.release_note:
            notes.append(self.release_note)
        meta = {"command": "outcomes", "force": {"code": self.force.code, "name": self.force.name},
                "basis": self.basis, "by": "year", "sources": self.files}
        return Result(title, self.rows, sections, notes, meta)


def outcomes_by_year(data: Dataset, force: Force | str, basis: str = "closed") -> OutcomesByYear:
    """The outcome mix of every financial year the series covers, force beside England and Wales."""
    if basis not in BASES:
        raise UsageError(f"unknown basis '{basis}'; expected one of {', '.join(BASES)}", parameter="basis")
    force = resolve_force(data, force)
    series = require_series(data)
    entries = []
    marks: dict[tuple[str, int], str] = {}
    for year in series.years:
        end = date(year + 1, 3, 31)
        pair = []
        for code in (force.code, ENGLAND_AND_WALES_CODE):
            counts, found = series.year_counts(code, year, basis)
            note, marks[(code, year)] = found.note, mark_of(found)
            rows = {}
            for count in YEAR_COUNTS:
                measure = f"outcome_{count}_{basis}" if count != "assigned" else f"outcomes_assigned_{basis}"
                row = Row(code, area_name(data, code), measure, "percent" if count != "assigned" else "count", end,
                          note=note)
                if counts is not None:
                    if count == "assigned":
                        row.value = row.numerator = counts["assigned"]
                    else:
                        row.numerator, row.denominator = counts[count], counts["assigned"]
                        row.value = counts[count] * 100 / counts["assigned"] if counts["assigned"] > 0 else None
                rows[count] = row
            pair.append(rows)
        entries.append((year, pair[0], pair[1]))
    info = MEASURES[f"charge_rate_{basis}"]
    return OutcomesByYear(force, basis, series.years, entries, basis_notes(info, series)[1:], marks,
                          release_note(data), dict(data.files))


# -- compare's indicator rows ---------------------------------------------------------------------------------


@dataclass
class ChargeIndicator:
    """The closed-basis charge rate for compare's indicator block: its period, the rates, and the changes on one
    and four years before in percentage points."""

    period: date | None
    rates: list[Row]  # force, England and Wales
    changes: list[tuple[date, list[Row]]]  # (base period, [force, England and Wales])
    note: str = ""


def charge_indicator(data: Dataset, areas: list[str], to: date) -> ChargeIndicator | None:
    """The closed-basis charge rate for the latest series period in the 12 months up to ``to``, and its change
    from one and four years before; None when no release has the series."""
    series = data.outcome_series
    if series is None:
        return None
    start = periods.years_before(to, 1)
    ends = series.periods  # worked out from the quarters on every use: once here
    found = [p for p in ends if start < p <= to]
    if not found:
        covered = ends
        return ChargeIndicator(None, [], [], "the outcomes series has no 12 months ending in the year to "
                               f"{to:%B %Y}" + (f" (it covers the 12 months to {covered[0]:%B %Y} to "
                                                f"{covered[-1]:%B %Y})" if covered else ""))
    period = max(found)
    measure = "charge_rate_closed"
    rates = [series_row(data, measure, a, period) for a in areas]
    changes = []
    for years in (1, 4):
        base = periods.years_before(period, years)
        rows = []
        for area, rate in zip(areas, rates):
            row = Row(area, rate.area, measure, "change_points", period, base)
            if base not in ends:
                row.note = f"the outcomes series starts with the 12 months to {ends[0]:%B %Y}"
            else:
                now, before = (series_value(data, series, measure, area, period),
                               series_value(data, series, measure, area, base))
                if not now.ok or not before.ok:
                    row.note = now.note if not now.ok else before.note
                else:
                    row.value = now.value_percent - before.value_percent  # type: ignore[operator]
                    row.numerator, row.denominator = now.numerator, before.numerator
                    partial = [v.note for v in (now, before) if v.left_out]  # England and Wales without a force
                    row.note = partial[0] if partial else ""
            rows.append(row)
        changes.append((base, rows))
    latest = ends[-1]
    note = (f"Indicators: the charge/summons rate of investigations closed (outcomes assigned in the 12 months, "
            f"whenever the crime was recorded) is from the outcomes series, which runs to the 12 months to {latest:%B %Y}"
            + (", later than the crime tables" if latest > to else "") + "; its changes are in percentage points.")
    return ChargeIndicator(period, rates, changes, note)
