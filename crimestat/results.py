"""The shapes every command hands to the renderer: tidy rows for CSV/JSON, sections for people."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import date
from typing import Any

# The CSV/JSON contract: names and order are stable; new columns are only ever appended.
COLUMNS = [
    "area_code", "area", "measure", "statistic", "period_end", "base_period_end", "value",
    "numerator", "denominator", "ci_low", "ci_high", "p_value", "verdict", "comparator", "note",
    "z", "tau", "p_value_poisson", "per",
    "unit",
    "recording_change",
    "measure_label", "count", "base_count",
]

#: Columns that hold whole numbers (counts, populations, ranks): written as integers, ``Int64`` in frames.
INTEGER_COLUMNS = frozenset({"numerator", "denominator", "per", "rank", "rows", "count", "categories",
                             "count_change"})

#: What ``value`` is measured in, by statistic (rates are named for their base: see :func:`unit_of`).
UNITS = {"pct_change": "percent", "percent": "percent", "verdict": "percentage_points", "rank": "rank",
         "change_points": "percentage_points", "count": "count", "contribution": "percentage_points"}


def unit_of(statistic: str, measure: str) -> str:
    """The unit of a row's ``value``: ``per_1000_population``, ``per_1000_households`` (or per 100,000 or
    per 1,000,000), ``percent``, ``percentage_points`` (a verdict's difference) or ``rank``; "" if unknown.

    A rate's base follows from its statistic (``rate_per_1000``, ``pooled_rate_per_100000``) and whom it
    is per from the measure's denominator in the packaged ``data/measures.csv``.
    """
    if statistic in UNITS:
        return UNITS[statistic]
    base = statistic.removeprefix("pooled_").removeprefix("rate_per_")
    if statistic.startswith(("rate_per_", "pooled_rate_per_")) and base.isdigit():
        return f"per_{base}_{'households' if measure in _household_measures() else 'population'}"
    return ""


@functools.cache
def _household_measures() -> frozenset[str]:
    import csv
    from importlib import resources

    with (resources.files("crimestat") / "data" / "measures.csv").open(encoding="utf-8") as stream:
        return frozenset(r["measure"] for r in csv.DictReader(stream) if r["denominator"].strip() == "households")


@dataclass
class Row:
    """One statistic for one area and measure: a rate, a change, an interval, a verdict..."""

    area_code: str
    area: str
    measure: str
    statistic: str
    period_end: date | None
    base_period_end: date | None = None
    value: float | None = None
    numerator: float | None = None
    denominator: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    p_value: float | None = None
    verdict: str = ""
    comparator: str = ""
    note: str = ""
    z: float | None = None  # pct_change: against England and Wales's change; rank rates: the funnel z-score
    tau: float | None = None  # the between-force spread (additive overdispersion) that z allows for
    p_value_poisson: float | None = None  # pct_change: the exact Poisson test of no change in counts
    per: int | None = None  # rates: per how many people (or households)
    recording_change: str = ""  # changes: the registered recording changes the two periods straddle, named
    label: str = ""  # the measure's label where the analysis knows better than the packaged lists

    @property
    def unit(self) -> str:
        """What ``value`` is measured in (see :func:`unit_of`)."""
        return unit_of(self.statistic, self.measure)

    @property
    def measure_label(self) -> str:
        """The measure as people read it ("Crime excluding fraud"), from the packaged measure and outcome lists."""
        return self.label or measure_label(self.measure)

    @property
    def count(self) -> float | None:
        """The count the value is made from: a rate's crimes, a change's crimes in the current period."""
        return self.numerator if self.statistic.startswith(_COUNTED) else None

    @property
    def base_count(self) -> float | None:
        """A change's crimes in the base period (``base_period_end``)."""
        return self.denominator if self.statistic == "pct_change" else None

    def record(self) -> dict[str, Any]:
        record = {c: getattr(self, c) for c in COLUMNS}
        if self.statistic == "pct_change":
            # A change's two counts are ``count`` and ``base_count``: a ``denominator`` holding the base
            # count was misread as a population (the contract before crimestat 0.3).
            record["numerator"] = record["denominator"] = None
        return record


_COUNTED = ("rate_per_", "pct_change")


def measure_label(measure: str) -> str:
    """A measure's label from ``data/measures.csv`` or, for ``outcome_type_N``, ``data/outcome_types.csv``;
    "" when neither lists it."""
    return _labels().get(measure, "")


@functools.cache
def _labels() -> dict[str, str]:
    import csv
    from importlib import resources

    found = {}
    with (resources.files("crimestat") / "data" / "measures.csv").open(encoding="utf-8") as stream:
        found.update({r["measure"]: r["label"] for r in csv.DictReader(stream)})
    with (resources.files("crimestat") / "data" / "outcome_types.csv").open(encoding="utf-8") as stream:
        found.update({f"outcome_type_{r['outcome_type']}": r["label"] for r in csv.DictReader(stream)})
    return found


@dataclass(frozen=True)
class Cell:
    """A value in a people's table and how to show it: 'text', 'rate', 'change', 'count', 'percent'."""

    value: Any
    kind: str = "text"
    note: str = ""  # why the value is missing, shown under the table
    marker: str = ""  # a symbol after the value, explained under the table


@dataclass
class Section:
    """One table for people: a header row and rows of cells."""

    headers: list[str]
    rows: list[list[Cell]]
    align: list[str] = field(default_factory=list)
    group: str = ""  # whose table this is, when one result holds several forces' tables
    chart: str = ""  # "line": a series by its first column (a spreadsheet draws it beside the table)
    unit: str = ""  # what the table's numbers are, for a chart's axis ("rate per 1,000 population")


@dataclass
class Result:
    """What a command produced: a title, tables and notes for people, tidy rows for programs."""

    title: str
    rows: list[Any]  # Row objects, or plain records for listings
    sections: list[Section]
    notes: list[str]
    meta: dict[str, Any] = field(default_factory=dict)
    columns: list[str] = field(default_factory=lambda: list(COLUMNS))

    def records(self) -> list[dict[str, Any]]:
        return [row.record() if isinstance(row, Row) else row for row in self.rows]

    def to_frame(self):
        """The rows of ``--format csv`` as a pandas DataFrame (see :func:`rows_frame`)."""
        return rows_frame(self.rows, self.columns)


def rows_frame(rows: list[Any], columns: list[str] | None = None):
    """Tidy rows (``Row`` objects or plain records) as a pandas DataFrame with the CSV's columns: dates as
    ``datetime.date``, whole-number columns (counts, denominators, ranks) as ``Int64``, so a count is never
    a float and a missing one is ``<NA>``."""
    import pandas as pd

    columns = list(columns or COLUMNS)
    frame = pd.DataFrame([row.record() if isinstance(row, Row) else row for row in rows], columns=columns)
    for column in columns:
        if column in INTEGER_COLUMNS:
            values = pd.to_numeric(frame[column], errors="coerce")
            whole = values.dropna()
            if (whole == whole.round()).all():  # a fractional value stays a float rather than be cut
                frame[column] = values.round().astype("Int64")
    return frame


class ForceBesideEnglandAndWales:
    """A series result's tidy rows: at each period end the force's, then England and Wales's (a base for the
    dataclasses that hold ``force_rates`` and ``england_and_wales_rates``)."""

    force_rates: list[Row]
    england_and_wales_rates: list[Row]

    @property
    def rows(self) -> list[Row]:
        return [r for pair in zip(self.force_rates, self.england_and_wales_rates) for r in pair]

    def to_frame(self):
        """The rows of ``--format csv`` as a pandas DataFrame (see :func:`rows_frame`)."""
        return rows_frame(self.rows)


def merge_rows(row_lists: list[list[Any]]) -> list[Any]:
    """Several forces' rows as one list: each force's own rows, and England and Wales's (or any shared
    record) once, where the first force brought them."""
    seen: set[tuple] = set()
    rows: list[Any] = []
    for row_list in row_lists:
        for row in row_list:
            key = tuple(sorted(row.record().items())) if isinstance(row, Row) else tuple(sorted(row.items()))
            if isinstance(row, Row) and row.area_code != "K04000001":
                rows.append(row)  # a force's own row: always its own
                continue
            if key not in seen:
                seen.add(key)
                rows.append(row)
    return rows


class ForceResults(list):
    """One analysis result per force (``force="all"`` or several names), in the order asked. Rendered as one
    result, England and Wales's rows once; ``to_frame()`` gives the same rows as ``--format csv``."""

    def __init__(self, results: list[Any], command: str, period_end: date | None):
        super().__init__(results)
        self.command = command
        self.period_end = period_end

    def to_frame(self):
        return rows_frame(merge_rows([r.rows for r in self]))


def merge(results: list[Result], title: str, meta: dict[str, Any]) -> Result:
    """Several results (one per force) as one: every table in turn, each note once, and each row once, so
    England and Wales's rows appear where the first force brought them and not again."""
    rows = merge_rows([result.rows for result in results])
    sections = []
    for result in results:
        force = result.meta.get("force", {}).get("name", "") if isinstance(result.meta.get("force"), dict) else ""
        for section in result.sections:
            sections.append(Section(section.headers, section.rows, section.align, force, section.chart, section.unit))
    notes = list(dict.fromkeys(note for result in results for note in result.notes))
    return Result(title, rows, sections, notes, meta, list(results[0].columns) if results else list(COLUMNS))
