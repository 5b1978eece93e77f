"""Victim satisfaction, detection rates and anti-social behaviour beside the crime figures.

Each indicator carries its own period (HMIC's report pairs crime to June 2014 with detections and
anti-social behaviour to March 2014): for a comparison ending at ``to`` an indicator uses its latest
period ending within the 12 months up to ``to``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ..model import periods
from .figures import area_name
from ..model.forces import ENGLAND_AND_WALES, ENGLAND_AND_WALES_CODE
from ..dataset import Dataset
from ..loaders.indicators import Indicator
from ..metrics import proportion as prop
from ..metrics.rates import percentage_change
from ..metrics.rates import rate as per_1000
from ..results import Row

PUBLISHED_CONFIDENCE = 0.95  # published half-widths are 95% intervals


@dataclass(frozen=True)
class IndicatorOptions:
    confidence: float = 0.95
    interval: str = "wilson"
    population_year: int | None = None  # the mid-year population for the anti-social behaviour rate
    verdict: str = "overlap"

    def __post_init__(self) -> None:
        prop.z_value(self.confidence)  # refuses a level outside (0, 1)
        if self.interval not in prop.CONFINT_METHODS:
            raise ValueError(f"interval must be one of {prop.CONFINT_METHODS}")
        if self.verdict not in prop.VERDICT_RULES:
            raise ValueError(f"verdict must be one of {prop.VERDICT_RULES}")


class IndicatorSet:
    """Indicators looked up by area, measure and period."""

    def __init__(self, indicators: list[Indicator]):
        self._by_key = {(i.area_code, i.measure, i.period_end): i for i in indicators}
        self.sources = sorted({i.source for i in indicators})

    def periods(self) -> list[date]:
        """Every period end the file has figures for."""
        return sorted({p for (_, _, p) in self._by_key})

    def get(self, area: str, measure: str, period_end: date) -> Indicator | None:
        return self._by_key.get((area, measure, period_end))

    def latest(self, areas: list[str], measure: str, to: date) -> date | None:
        """The latest period of ``measure`` for any of ``areas`` ending in the 12 months up to ``to``."""
        start = periods.years_before(to, 1)
        found = [p for (a, m, p) in self._by_key if a in areas and m == measure and start < p <= to]
        return max(found) if found else None


# How an indicator is named in prose (identifiers such as 'detection_rate' never are).
NAMES = {
    "detection_rate": "detection rate",
    "asb_incidents": "anti-social behaviour incidents",
    "asb_incidents_change": "change in anti-social behaviour",
    "victim_satisfaction": "victim satisfaction",
    "charge_rate": "charge/summons rate",
}
# Detections were replaced by outcomes in April 2014: a detection rate is looked for in periods up to a year
# after, and the charge/summons rate in periods from the first 12 months wholly under outcomes.
DETECTIONS_LOOKED_FOR_UNTIL = date(2015, 3, 31)
OUTCOMES_FROM = date(2015, 3, 31)


def _label(measure: str) -> str:
    """The measure's label for the CSV's ``measure_label``: "Victim satisfaction"."""
    name = NAMES.get(measure, measure.replace("_", " "))
    return name[:1].upper() + name[1:]


def _missing(measure: str, area: str, period: date | None) -> str:
    name = NAMES.get(measure, measure.replace("_", " "))
    if period is None:
        return f"the indicators file has no {name} for {area} in the 12 months to the period compared"
    return f"the indicators file has no {name} for {area} in the {periods.label(period)}"


def proportion_row(data: Dataset, ind: Indicator | None, area: str, measure: str, period: date | None,
                   options: IndicatorOptions) -> Row:
    """A percentage (satisfaction, detection rate) with its interval where one is known."""
    row = Row(area, area_name(data, area), measure, "percent", period, label=_label(measure))
    if ind is None:
        row.note = _missing(measure, row.area, period)
        return row
    if ind.value is not None:
        row.value = ind.value
        if ind.half_width is not None:
            half = ind.half_width * prop.z_value(options.confidence) / prop.z_value(PUBLISHED_CONFIDENCE)
            row.ci_low, row.ci_high = max(0.0, ind.value - half), min(100.0, ind.value + half)
        return row
    row.numerator, row.denominator = ind.numerator, ind.denominator
    if not ind.denominator or ind.numerator is None:
        row.note = "no cases (denominator 0), so no percentage"
        return row
    row.value = ind.numerator / ind.denominator * 100
    if measure == "victim_satisfaction":
        low, high = prop.proportion_confint(ind.numerator, ind.denominator, options.confidence, options.interval)
        row.ci_low, row.ci_high = float(low) * 100, float(high) * 100
    return row


def _standard_error(ind: Indicator) -> float:
    """Standard error in percentage points, from counts or from a published 95% half-width."""
    if ind.value is not None:
        return (ind.half_width or 0.0) / prop.z_value(PUBLISHED_CONFIDENCE)
    assert ind.numerator is not None and ind.denominator
    p = ind.numerator / ind.denominator
    return float(prop.standard_error(p, ind.denominator)) * 100


def verdict_row(mine: Row, my_ind: Indicator | None, other: Row, other_ind: Indicator | None,
                comparator: str, options: IndicatorOptions, within: bool = False) -> Row:
    """HMIC's verdict ("broadly in line", "higher", "lower") on ``mine`` against ``other``.

    ``within``: ``other`` includes ``mine`` (England and Wales includes the force), so from counts the z-test
    compares the force with the rest of England and Wales (``proportion.subgroup_ztest``).
    """
    row = Row(mine.area_code, mine.area, mine.measure, "verdict", mine.period_end, comparator=comparator,
              label=mine.label)
    if other.period_end != mine.period_end:
        row.base_period_end = other.period_end
    if mine.value is None or other.value is None or my_ind is None or other_ind is None:
        row.note = "needs both figures: " + (mine.note or other.note)
        return row
    if mine.ci_low is None or other.ci_low is None:
        row.note = "needs an interval on both figures"
        return row
    row.value = mine.value - other.value
    both_counts = my_ind.value is None and other_ind.value is None
    if both_counts:
        test = prop.subgroup_ztest if within else prop.two_proportion_ztest
        try:
            z, p = test(my_ind.numerator, my_ind.denominator,  # type: ignore[arg-type]
                        other_ind.numerator, other_ind.denominator)  # type: ignore[arg-type]
        except ValueError as exc:
            row.value, row.note = None, f"the counts cannot be compared: {exc}"
            return row
    else:
        z, p = prop.difference_ztest(mine.value, _standard_error(my_ind), other.value, _standard_error(other_ind))
    row.p_value = p
    if options.verdict == "overlap":
        row.verdict = prop.verdict_overlap(mine.ci_low, mine.ci_high, other.ci_low, other.ci_high)  # type: ignore[arg-type]
    else:
        row.verdict = prop.verdict_z(z, p, 1 - options.confidence)
    return row


def asb_rows(data: Dataset, indicators: IndicatorSet, area: str, period: date | None,
             population_year: int | None = None) -> tuple[Row, Row]:
    """The anti-social behaviour rate per 1,000 population and its change on the previous 12 months.

    ``population_year`` picks the mid-year population, as for crime rates (``--population-year``)."""
    name = area_name(data, area)
    rate = Row(area, name, "asb_incidents", "rate_per_1000", period, label=_label("asb_incidents"))
    base = periods.years_before(period, 1) if period is not None else None
    change = Row(area, name, "asb_incidents", "pct_change", period, base, label=_label("asb_incidents"))
    ind = indicators.get(area, "asb_incidents", period) if period is not None else None
    if ind is None:
        rate.note = _missing("asb_incidents", name, period)
    elif ind.value is not None:
        rate.value = ind.value
    else:
        population = data.denominators.get("population", area, period, population_year)  # type: ignore[arg-type]
        rate.numerator, rate.denominator = ind.numerator, population.value
        if population.value is not None and ind.numerator is not None:
            rate.value = per_1000(ind.numerator, population.value)
        else:
            rate.note = population.note
    published = indicators.get(area, "asb_incidents_change", period) if period is not None else None
    previous = indicators.get(area, "asb_incidents", base) if base is not None else None
    if published is not None:
        change.value = published.value
    elif ind is not None and previous is not None and ind.numerator is not None and previous.numerator is not None:
        change.numerator, change.denominator = ind.numerator, previous.numerator
        change.value, change.note = percentage_change(ind.numerator, previous.numerator)
    else:
        change.note = _missing("asb_incidents_change", name, period)
    return rate, change


@dataclass
class IndicatorPart:
    """The indicators of a force beside England and Wales, each as a pair of rows (force, England and Wales).

    Indicators come from two places: a release's (or the user's) indicators file (detection rate,
    anti-social behaviour, victim satisfaction) and the release's outcomes data (charge/summons rate). An
    indicator whose source is absent has no rows; ``unavailable`` names, for one note, those the force has
    no figure for and why.
    """

    to: date
    options: IndicatorOptions
    sources: list[str]
    has_file: bool
    detection: list[Row] = field(default_factory=list)
    detection_period: date | None = None
    asb_rate: list[Row] = field(default_factory=list)
    asb_change: list[Row] = field(default_factory=list)
    asb_period: date | None = None
    satisfaction: list[Row] = field(default_factory=list)
    satisfaction_period: date | None = None
    previous_satisfaction: list[Row] = field(default_factory=list)
    previous_period: date | None = None
    against_england_and_wales: Row | None = None
    against_previous_year: Row | None = None
    charge: list[Row] = field(default_factory=list)
    charge_period: date | None = None
    charge_closed: Any = None  # analyses.outcome_series.ChargeIndicator: the closed basis, from the outcomes series
    pending: list[Row] = field(default_factory=list)  # not yet assigned an outcome: the charge rate's maturity
    as_at: date | None = None  # outcomes assigned by this date (the release's)
    notes: list[str] = field(default_factory=list)
    unavailable: list[str] = field(default_factory=list)  # labels, for one note
    unavailable_why: str = ""

    @property
    def empty(self) -> bool:
        """True when nothing has figures for these areas and months (one sentence, not a table of n/a)."""
        return (self.detection_period is None and self.asb_period is None and self.satisfaction_period is None
                and not any(r.value is not None for r in self.charge)
                and not (self.charge_closed is not None and any(r.value is not None for r in self.charge_closed.rates)))

    @property
    def rows(self) -> list[Row]:
        rows = [*self.detection, *self.asb_rate, *self.asb_change, *self.satisfaction, *self.previous_satisfaction]
        rows += [r for r in (self.against_england_and_wales, self.against_previous_year) if r is not None]
        rows += self.charge + self.pending
        if self.charge_closed is not None:
            rows += self.charge_closed.rates + [r for _, pair in self.charge_closed.changes for r in pair]
        return rows


def indicator_part(data: Dataset, indicators: IndicatorSet | None, force_code: str, to: date,
                   options: IndicatorOptions) -> IndicatorPart:
    """The indicators of a force beside England and Wales, each indicator at its latest period up to ``to``."""
    areas = [force_code, ENGLAND_AND_WALES_CODE]
    force_name = area_name(data, force_code)
    part = IndicatorPart(to, options, list(indicators.sources) if indicators is not None else [],
                         indicators is not None)
    reasons: list[str] = []
    if indicators is not None:
        _file_indicators(data, indicators, part, force_code, to, options)
    elif data.source.key != "police_uk":
        looked_for = ["anti-social behaviour", "victim satisfaction"]
        if to <= DETECTIONS_LOOKED_FOR_UNTIL:
            looked_for.insert(0, "detection rate")
        part.unavailable += looked_for
        reasons.append("the release has no indicators file; give one with --indicators FILE")
    if to >= OUTCOMES_FROM:
        outcomes = data.outcomes
        if outcomes is None:
            part.unavailable.append(NAMES["charge_rate"])
            reasons.append("the release has no outcomes data")
        else:
            from .outcomes import outcome_row

            start = periods.years_before(to, 1)
            found = [p for p in outcomes.periods if start < p <= to]
            if found:
                part.charge_period = max(found)
                part.charge = [outcome_row(data, "charge_rate", a, part.charge_period) for a in areas]
                part.pending = [outcome_row(data, "not_yet_assigned_rate", a, part.charge_period) for a in areas]
                part.as_at = data.release.published if data.release is not None else None
                if part.charge[0].value is None:
                    part.unavailable.append(NAMES["charge_rate"])
                    reasons.append(part.charge[0].note)
            else:
                part.unavailable.append(NAMES["charge_rate"])
                covered = outcomes.periods
                reasons.append("the outcomes data have no 12 months ending in the year to "
                               f"{to:%B %Y}" + (f" (they cover the {periods.label(covered[-1])})" if covered else ""))
        from .outcome_series import charge_indicator

        part.charge_closed = charge_indicator(data, areas, to)
        closed = part.charge_closed
        if closed is not None and (not closed.rates or closed.rates[0].value is None):
            part.unavailable.append("charge/summons rate of investigations closed")
            reasons.append(closed.note if not closed.rates else closed.rates[0].note)
    part.unavailable_why = "; ".join(reasons)
    if indicators is not None and part.empty:
        covered = indicators.periods()
        span = (f"; it has figures for the {periods.label(covered[0])}" +
                (f" to the {periods.label(covered[-1])}" if covered[-1] != covered[0] else "")) if covered else ""
        for row in part.rows:
            row.note = row.note.replace("12 months to the period compared", periods.label(to))
            row.period_end = to
        part.notes = [f"Indicators: the indicators file has no detection, anti-social behaviour or satisfaction "
                      f"figures for {force_name} or England and Wales in the {periods.label(to)}{span}."]
    closed = part.charge_closed
    if closed is not None and closed.rates and closed.rates[0].value is not None:
        part.notes.append(closed.note)
    return part


def _file_indicators(data: Dataset, indicators: IndicatorSet, part: IndicatorPart, force_code: str, to: date,
                     options: IndicatorOptions) -> None:
    areas = [force_code, ENGLAND_AND_WALES_CODE]
    part.detection_period = indicators.latest(areas, "detection_rate", to)
    part.detection = [proportion_row(data, indicators.get(a, "detection_rate", part.detection_period)
                                     if part.detection_period else None, a, "detection_rate", part.detection_period,
                                     options) for a in areas]
    part.asb_period = indicators.latest(areas, "asb_incidents", to)
    pairs = [asb_rows(data, indicators, a, part.asb_period, options.population_year) for a in areas]
    part.asb_rate, part.asb_change = [p[0] for p in pairs], [p[1] for p in pairs]

    sat_period = indicators.latest(areas, "victim_satisfaction", to)
    inds = {a: indicators.get(a, "victim_satisfaction", sat_period) if sat_period else None for a in areas}
    current = [proportion_row(data, inds[a], a, "victim_satisfaction", sat_period, options) for a in areas]
    previous_period = periods.years_before(sat_period, 1) if sat_period is not None else None
    prev_inds = {a: indicators.get(a, "victim_satisfaction", previous_period) if previous_period else None
                 for a in areas}
    previous = [proportion_row(data, prev_inds[a], a, "victim_satisfaction", previous_period, options) for a in areas]
    force_name = area_name(data, force_code)
    part.satisfaction, part.satisfaction_period = current, sat_period
    part.previous_satisfaction, part.previous_period = previous, previous_period
    part.against_england_and_wales = verdict_row(current[0], inds[force_code], current[1],
                                                 inds[ENGLAND_AND_WALES_CODE], ENGLAND_AND_WALES, options,
                                                 within=True)
    # The comparator is the area compared with, as a name without commas (a coded column of the CSV); the
    # previous year's period is in base_period_end.
    part.against_previous_year = verdict_row(current[0], inds[force_code], previous[0], prev_inds[force_code],
                                             force_name, options)
    if options.verdict == "overlap":
        rule = f"'broadly in line' where the {options.confidence:.0%} intervals overlap"
    else:
        rule = f"'broadly in line' where a two-sided z-test is not significant at {1 - options.confidence:.0%}"
    part.notes = [
        f"Victim satisfaction: {options.confidence:.0%} intervals (published ± half-widths, or "
        f"{options.interval.capitalize()} intervals from counts); {rule}.",
        "Indicators: " + "; ".join(indicators.sources) + "." if indicators.sources else "Indicators: none given.",
    ]
