"""``crimestat trend``: a measure's rolling 12-month rate at every period end, force beside England and Wales."""

from __future__ import annotations

from datetime import date

from .. import periods
from ..errors import PeriodNotCoveredError
from .figures import rate_row
from ..forces import ENGLAND_AND_WALES, ENGLAND_AND_WALES_CODE
from ..dataset import Dataset
from ..rows import Cell, Result, Row, Section

SPARKS = "▁▂▃▄▅▆▇█"


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


def trend(data: Dataset, force_name: str, start: date | None = None, end: date | None = None,
          measure: str | None = None, population_year: int | None = None) -> Result:
    """Rates for every period end from ``start`` to ``end`` (default: the four years to the latest)."""
    force = data.registry.get(force_name)
    measure = measure or ("police_uk_all_crime" if data.counts.source == "police_uk" else "crime_excl_fraud")
    data.classification.check(measure)
    end = periods.resolve(end, data.counts.periods, "--to", data.counts.explain)
    if start is None:
        start = periods.years_before(end, 4)
    else:
        start = periods.resolve(start, data.counts.periods, "--from", data.counts.explain)
    if start > end:
        raise PeriodNotCoveredError(f"--from {start:%Y-%m} is after --to {end:%Y-%m}")
    chosen = [p for p in data.counts.periods if start <= p <= end]
    info = data.classification.describe(measure)
    areas = [force.code, ENGLAND_AND_WALES_CODE]
    series = {a: [rate_row(data, measure, a, p, population_year) for p in chosen] for a in areas}
    rows = [r for p_rows in zip(*series.values()) for r in p_rows]
    table = [
        [Cell(f"{p:%b %Y}")] + [Cell(series[a][i].value, "rate", _note(series[a][i], info.label)) for a in areas]
        for i, p in enumerate(chosen)
    ]
    names = [force.name, ENGLAND_AND_WALES]
    spark = [Cell("trend")] + [Cell(sparkline([r.value for r in series[a]])) for a in areas]
    sections = [Section(["12 months to", *names], table + [spark])]
    title = (f"{info.label}: rate {info.unit}, {force.name} and England and Wales, "
             f"{periods.label(chosen[0])} to {chosen[-1]:%B %Y}")
    notes = [
        f"Rolling 12-month totals at each period end ({len(chosen)} points); denominators: the latest "
        f"mid-year {info.denominator} estimate before each period ends" if info.denominator == "population" else
        f"Rolling 12-month totals at each period end ({len(chosen)} points), per 1,000 households.",
        "CSV and JSON carry each rate's exact 95% Poisson interval (ci_low, ci_high).",
        "Source: Office for National Statistics, police recorded crime by police force area. Contains public "
        "sector information licensed under the Open Government Licence v3.0.",
    ]
    meta = {"command": "trend", "force": {"code": force.code, "name": force.name}, "measure": measure,
            "measure_label": info.label, "unit": info.unit,
            "from": chosen[0], "to": chosen[-1], "points": len(chosen), "sources": data.files}
    return Result(title, rows, sections, notes, meta)


def _note(row: Row, label: str) -> str:
    return "" if row.value is not None else f"{label}, {row.area}, {row.period_end:%B %Y}: {row.note}"
