"""Load the indicators file: victim satisfaction, detection rates and anti-social behaviour by force.

A long CSV with one row per area, period end and measure, holding either counts (``numerator`` and
``denominator``) or a published ``value`` (with its 95% ``half_width`` for satisfaction), and the
``source`` of the figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ..model.forces import ENGLAND_AND_WALES, ENGLAND_AND_WALES_CODE, Registry, normalise
from ..model.periods import parse_period_end
from ._csv import Source, parse_number, read_csv

PROPORTIONS = ("victim_satisfaction", "detection_rate")
MEASURES = PROPORTIONS + ("asb_incidents", "asb_incidents_change")
REQUIRED = ("area", "period_end", "measure", "source")
OPTIONAL = ("numerator", "denominator", "value", "half_width")


@dataclass(frozen=True)
class Indicator:
    """One published or counted figure for an area and 12-month period."""

    area_code: str
    period_end: date
    measure: str
    numerator: int | None
    denominator: int | None
    value: float | None
    half_width: float | None
    source: str
    line: int


def load_indicators(source: Source, registry: Registry) -> list[Indicator]:
    """Read and check an indicators file; every problem is reported with its line and column."""
    table = read_csv(source, REQUIRED, OPTIONAL)
    missing_optional = [c for c in ("numerator", "value") if c not in table.header]
    if len(missing_optional) == 2:
        from ..errors import MissingColumnError, Problem

        raise MissingColumnError([Problem(
            table.name, "expected a 'numerator' column (counts) or a 'value' column (published figures)", 1
        )])

    def cell(row: list[str], column: str) -> str:
        return row[table.index(column)].strip() if column in table.header else ""

    result = []
    seen: dict[tuple, int] = {}
    for r, row in enumerate(table.rows):
        area_text = cell(row, "area")
        code = _area_code(registry, area_text)
        if code is None:
            near = registry.suggest(area_text)
            hint = f" (did you mean '{near[0]}'?)" if near else ""
            table.problem(f"'{area_text}' is not a known force or 'England and Wales'{hint}", r, "area")
        end, why = parse_period_end(cell(row, "period_end"))
        if why:
            table.problem(why, r, "period_end")
        measure = cell(row, "measure")
        if measure not in MEASURES:
            table.problem(f"'{measure}' is not an indicator; expected one of {', '.join(MEASURES)}", r, "measure")
        numerator = _optional(table, r, "numerator", cell(row, "numerator"), integer=True, minimum=0,
                              what="a whole number of 0 or more")
        denominator = _optional(table, r, "denominator", cell(row, "denominator"), integer=True, minimum=0,
                                what="a whole number of 0 or more")
        value = _value(table, r, measure, cell(row, "value"))
        half_width = _optional(table, r, "half_width", cell(row, "half_width"), integer=False, minimum=0,
                               what="a half-width of 0 or more percentage points")
        _check_shape(table, r, measure, numerator, denominator, value, half_width, row, cell)
        source_text = cell(row, "source")
        if not source_text:
            table.problem("empty value; expected where the figure was published", r, "source")
        key = (code, end, measure)
        if None not in key:
            if key in seen:
                table.problem(f"a second {measure} row for this area and period (first on line {seen[key]})",
                              r, None)
            seen[key] = table.lines[r]
        if code is not None and end is not None:
            result.append(Indicator(code, end, measure, numerator, denominator,  # type: ignore[arg-type]
                                    value, half_width, source_text, table.lines[r]))
    table.raise_problems()
    return result


def _area_code(registry: Registry, text: str) -> str | None:
    if normalise(text) in (normalise(ENGLAND_AND_WALES), normalise(ENGLAND_AND_WALES_CODE)):
        return ENGLAND_AND_WALES_CODE
    force = registry.find(text) if text else None
    return force.code if force else None


def _optional(table, r, column, text, **kwargs):
    return parse_number(table, r, column, text, **kwargs) if text else None


def _value(table, r, measure, text):
    if not text:
        return None
    if measure in PROPORTIONS:
        value = parse_number(table, r, "value", text, integer=False, minimum=0, what="a percentage from 0 to 100")
        if value is not None and value > 100:
            table.problem(f"'{text}' is above 100; expected a percentage from 0 to 100", r, "value")
            return None
        if value is not None and 0 < value < 1 and "." in text:
            # 0.838 for 83.8%: a proportion where a percentage is expected (no force detects or satisfies
            # under 1% of its cases).
            table.problem(f"'{text}' looks like a proportion; expected a percentage from 0 to 100, such as "
                          f"{value * 100:g}", r, "value")
            return None
        return value
    if measure == "asb_incidents_change":
        return parse_number(table, r, "value", text, integer=False, minimum=-100,
                            what="a percentage change of -100 or more")
    return parse_number(table, r, "value", text, integer=False, minimum=0, what="a rate per 1,000 of 0 or more")


def _check_shape(table, r, measure, numerator, denominator, value, half_width, row, cell) -> None:
    has_counts = bool(cell(row, "numerator") or cell(row, "denominator"))
    has_value = bool(cell(row, "value"))
    if has_counts and has_value:
        table.problem("give either counts (numerator, denominator) or a published value, not both", r, None)
    elif not has_counts and not has_value:
        table.problem("no figure; expected counts (numerator, denominator) or a published value", r, None)
    if measure in PROPORTIONS and has_counts:
        if not cell(row, "numerator") or not cell(row, "denominator"):
            table.problem("a proportion needs both numerator and denominator", r, None)
        elif numerator is not None and denominator is not None and numerator > denominator:
            table.problem(f"numerator {numerator} is above denominator {denominator}", r, "numerator")
    if measure in ("asb_incidents", "asb_incidents_change") and cell(row, "denominator"):
        table.problem("anti-social behaviour takes no denominator; the population comes from the data",
                      r, "denominator")
    if measure == "asb_incidents_change" and has_counts:
        table.problem("a change is a published value; give the incidents of each year as asb_incidents rows",
                      r, None)
    if cell(row, "half_width") and measure != "victim_satisfaction":
        table.problem("only victim_satisfaction takes a half_width", r, "half_width")
    if cell(row, "half_width") and has_counts:
        table.problem("a half_width goes with a published value; from counts the interval is computed", r,
                      "half_width")
