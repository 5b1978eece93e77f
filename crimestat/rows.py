"""The shapes every command hands to the renderer: tidy rows for CSV/JSON, sections for people."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

# The CSV/JSON contract: names and order are stable; new columns are only ever appended.
COLUMNS = [
    "area_code", "area", "measure", "statistic", "period_end", "base_period_end", "value",
    "numerator", "denominator", "ci_low", "ci_high", "p_value", "verdict", "comparator", "note",
    "z", "tau", "p_value_poisson", "per",
]


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

    def record(self) -> dict[str, Any]:
        return {c: getattr(self, c) for c in COLUMNS}


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


def rows_frame(rows: list[Row]):
    """Tidy rows as a pandas DataFrame with the CSV's columns (dates as ``datetime.date``)."""
    import pandas as pd

    return pd.DataFrame([row.record() for row in rows], columns=COLUMNS)
