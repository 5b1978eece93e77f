"""``crimestat trend``: a measure's rolling 12-month rate at every period end, force beside England and Wales."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from ..model import periods
from ..model.classification import MeasureInfo
from ..errors import PeriodNotCoveredError
from ..model.forces import ENGLAND_AND_WALES, ENGLAND_AND_WALES_CODE, Force
from ..model.recording_changes import RecordingChange, straddles
from ..metrics.rates import default_per, per_label
from ..results import Cell, ForceBesideEnglandAndWales, Result, Row, Section
from .base import release_note, resolve_force
from .figures import rate_row

if TYPE_CHECKING:
    from ..dataset import Dataset
    from ..sources import Source

SPARKS = "▁▂▃▄▅▆▇█"


SPARK_POINTS = 24  # six years of quarters


def sparkline(values: list[float | None]) -> str:
    """A one-line chart of the values ('·' where a value is missing)."""
    known = [v for v in values if v is not None]
    if not known:
        return ""
    low, high = min(known), max(known)
    span = high - low
    marks = []
    for v in values:
        if v is None:
            marks.append("·")
        else:
            marks.append(SPARKS[0] if span == 0 else SPARKS[round((v - low) / span * (len(SPARKS) - 1))])
    return "".join(marks)


@dataclass
class Trend(ForceBesideEnglandAndWales):
    """A measure's rate at each period end for a force and England and Wales."""

    force: Force
    measure: MeasureInfo
    period_ends: list[date]
    force_rates: list[Row]
    england_and_wales_rates: list[Row]
    source: Source
    breaks: list[tuple[date, str]] = field(default_factory=list)  # recording changes inside the span, for charts
    files: dict[str, str] = field(default_factory=dict)
    release: str | None = None
    release_note: str = ""  # which release and population series the figures come from
    editions: list[tuple[str, list[int]]] = field(default_factory=list)  # population edition -> mid-years used
    recording_changes: list[RecordingChange] = field(default_factory=list)  # registered changes inside the span
    per: int = 1000  # every rate's base, from one place (homicide: per million, as ONS)

    @property
    def unit(self) -> str:
        return f"per {per_label(self.per)} {self.measure.denominator}"

    def notes(self) -> list[str]:
        info = self.measure
        points = len(self.period_ends)
        notes = [
            f"Rolling 12-month totals at each period end ({points} points); denominators: the latest "
            f"mid-year {info.denominator} estimate before each period ends" if info.denominator == "population" else
            f"Rolling 12-month totals at each period end ({points} points), per {per_label(self.per)} households.",
            "CSV and JSON carry each rate's exact 95% Poisson interval (ci_low, ci_high).",
        ]
        notes += [f"§ Points after a recording change within these periods, which the series is not like for like "
                  f"across: {change.describe()}" for change in self.recording_changes]
        if len(self.editions) > 1:
            used = "; ".join(f"mid-{years[0]}" + (f" to mid-{years[-1]}" if len(years) > 1 else "") + f" from the {text}"
                             for text, years in self.editions)
            notes.append(f"Population editions: {used}. The later edition revised the years before it too, so a "
                         "change in rate from a period using one edition to a period using the other is partly the "
                         "revision, not a change in crime.")
        notes.append(self.source.cite())
        if self.release_note:
            notes.append(self.release_note)
        return notes

    def view(self) -> Result:
        info = self.measure
        series = {self.force.code: self.force_rates, ENGLAND_AND_WALES_CODE: self.england_and_wales_rates}
        table = [
            [Cell(f"{p:%b %Y}", marker=" §" if self.force_rates[i].recording_change else "")]
            + [Cell(rows[i].value, "rate", _note(rows[i], info.label)) for rows in series.values()]
            for i, p in enumerate(self.period_ends)
        ]
        # A table's sparkline shows the last SPARK_POINTS periods at most, so that it fits 80 columns beside
        # another (the chart, --plot, shows them all).
        shown = min(len(self.period_ends), SPARK_POINTS)
        label = "trend" if shown == len(self.period_ends) else f"trend, last {shown}"
        spark = [Cell(label)] + [Cell(sparkline([r.value for r in rows][-shown:])) for rows in series.values()]
        sections = [Section(["12 months to", self.force.name, ENGLAND_AND_WALES], table + [spark], chart="line",
                            unit=f"{info.label}, rate {info.unit}")]
        first, last = self.period_ends[0], self.period_ends[-1]
        title = (f"{info.label}: rate {self.unit}, {self.force.name} and England and Wales, "
                 f"{periods.label(first)} to {last:%B %Y}")
        meta = {"command": "trend", "force": {"code": self.force.code, "name": self.force.name},
                "measure": info.measure, "measure_label": info.label,
                "unit": self.unit,
                "from": first, "to": last, "points": len(self.period_ends), "sources": self.files}
        if self.release is not None:
            meta["release"] = self.release
        return Result(title, self.rows, sections, self.notes(), meta)


def trend(data: Dataset, force: Force | str, start: date | str | None = None, end: date | str | None = None,
          measure: str | None = None, population_year: int | None = None, per: int | None = None) -> Trend:
    """Rates for every period end from ``start`` to ``end`` (default: the four years to the latest).

    ``per``: the rates' base (default: per 1,000, or the measure's ONS base: homicide per million)."""
    force = resolve_force(data, force)
    measure = data.measure(measure) if measure else data.source.trend_measure
    last = periods.resolve(end, data.counts.periods, "to", data.counts.explain)
    if start is None:
        first = periods.years_before(last, 4)
    else:
        first = periods.resolve(start, data.counts.periods, "start", data.counts.explain)
    if first > last:
        raise PeriodNotCoveredError(f"is after the last period end, {last:%Y-%m}", parameter="start",
                                    value=f"{first:%Y-%m}")
    chosen = [p for p in data.counts.periods if first <= p <= last]
    info = data.classification.describe(measure)
    base_of = per or default_per(measure)
    mine = [rate_row(data, measure, force.code, p, population_year, base_of) for p in chosen]
    whole = [rate_row(data, measure, ENGLAND_AND_WALES_CODE, p, population_year, base_of) for p in chosen]
    editions: dict[str, list[int]] = {}
    if info.denominator == "population":
        for p in chosen:
            used = data.denominators.get("population", ENGLAND_AND_WALES_CODE, p, population_year)
            if used.ok and used.edition and used.year not in editions.get(used.edition, []):
                editions.setdefault(used.edition, []).append(used.year)  # type: ignore[arg-type]
    changes = _recording_changes(data, measure, chosen)
    for rows in (mine, whole):
        for row in rows:  # a point measured against the first straddles the changes between them
            row.recording_change = "; ".join(c.note() for c in changes if straddles(c, chosen[0], row.period_end))
    return Trend(force, info, chosen, mine, whole, data.source,
                 [(c.start, f"recording change: {c.title}") for c in changes],
                 dict(data.files), data.release.name if data.release is not None else None,
                 release_note(data), list(editions.items()), changes, base_of)


def _recording_changes(data: Dataset, measure: str, chosen: list[date]) -> list[RecordingChange]:
    """The registered recording changes that fall between the first and the last period shown and concern
    the measure's categories (a point after one is not like for like with a point before it)."""
    if not chosen:
        return []
    key = data.source.key
    return data.recording_changes.within(data.classification.categories(measure, key),
                                         lambda m: data.classification.members.get((key, m), set()),
                                         chosen[0], chosen[-1])


def _note(row: Row, label: str) -> str:
    return "" if row.value is not None else f"{label}, {row.area}, {row.period_end:%B %Y}: {row.note}"
