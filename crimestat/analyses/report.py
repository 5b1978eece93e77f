"""``crimestat report``: the "Crime" section of an HMIC inspection report, written from the figures.

The sentences follow HMIC's 2014 wording; the words (reduced / increased / did not change, broadly in
line with / higher than / lower than) are chosen from the figures as rounded for print, so the text and
the table never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from .. import periods
from .compare import HMIC_RATES, compare
from ..forces import ENGLAND_AND_WALES_CODE, Force
from .indicators import IndicatorOptions, IndicatorSet
from ..dataset import Dataset
from ..render import round_half_up
from ..rows import Cell, Row, Section
from .trend import trend

VICTIM_BASED = ("victim-based crime (i.e., crimes where there is a direct victim such as an individual, a "
                "group, or an organisation)")


@dataclass
class Block:
    """One piece of the report: a heading, a paragraph, a table, a figure or a note."""

    kind: str  # "h1", "h2", "p", "table", "figure", "note", "list"
    text: str = ""
    section: Section | None = None
    items: list[str] = field(default_factory=list)


@dataclass
class Report:
    title: str
    blocks: list[Block]
    chart: object = None  # the trend Result the figure is drawn from
    notes: list[str] = field(default_factory=list)


def whole(value: float) -> int:
    return int(round_half_up(value, 0))


def change_words(value: float, verb: str = "reduced") -> str:
    """'reduced by 15 percent', 'increased by 3 percent' or 'did not change' (from the rounded figure)."""
    n = whole(value)
    if n == 0:
        return "did not change"
    rise = {"reduced": "increased", "decreased": "increased"}[verb]
    return f"{verb if n < 0 else rise} by {abs(n)} percent"


def change_noun(value: float) -> str:
    """'a reduction of 16 percent', 'an increase of 2 percent' or 'no change'."""
    n = whole(value)
    if n == 0:
        return "no change"
    return f"{'a ' if n < 0 else 'an '}{'reduction' if n < 0 else 'increase'} of {abs(n)} percent"


def change_adjective(value: float) -> str:
    """'a 1 percent reduction', 'a 2 percent increase' or 'no change'."""
    n = whole(value)
    if n == 0:
        return "no change"
    return f"a {abs(n)} percent {'reduction' if n < 0 else 'increase'}"


def comparison_words(mine: float, other: float) -> str:
    """'lower than', 'higher than' or 'the same as', judged on whole percents as printed."""
    a, b = whole(mine), whole(other)
    return "lower than" if a < b else "higher than" if a > b else "the same as"


def _pm(value: float, row: Row) -> str:
    text = f"{round_half_up(value, 1)} percent"
    if row.ci_low is not None and row.ci_high is not None:
        half = (row.ci_high - row.ci_low) / 2
        text += f" (± {round_half_up(half, 1)} percent)"
    return text


def build_report(data: Dataset, force_name: str, to: date | None = None,
                 indicators: IndicatorSet | None = None, options: IndicatorOptions | None = None) -> Report:
    """The report for a force and period, from the same figures ``compare`` gives."""
    options = options or IndicatorOptions()
    force: Force = data.registry.get(force_name)
    result = compare(data, force.code, to, indicators=indicators, options=options)
    meta = result.meta
    current, base, year = meta["period_end"], meta["baseline_period_end"], meta["year_before_period_end"]
    rows = {(r.area_code, r.measure, r.statistic, r.period_end, r.base_period_end): r for r in result.rows}
    name, police = force.name, police_name(force)
    ew = ENGLAND_AND_WALES_CODE

    def get(area, measure, statistic, period=current, base_end=None):
        return rows.get((area, measure, statistic, period, base_end))

    blocks = [Block("h1", f"Crime inspection statistics: {police}"), Block("h2", "Crime")]
    long_f, long_e = get(force.code, "crime_excl_fraud", "pct_change", base_end=base), get(ew, "crime_excl_fraud", "pct_change", base_end=base)
    if long_f and long_e and long_f.value is not None and long_e.value is not None:
        blocks.append(Block("p", (
            f"When compared with the {periods.label(base)}, recorded crime (excluding fraud) in the "
            f"{periods.label(current)} {change_words(long_f.value)} in {name} compared with "
            f"{change_noun(long_e.value)} across all forces in England and Wales.")))
    else:
        blocks.append(Block("p", f"A comparison with the {periods.label(base)} is not available: "
                                 f"{(long_f.note if long_f else '') or (long_e.note if long_e else '')}."))
    vb_f, vb_e = get(force.code, "victim_based_crime", "pct_change", base_end=base), get(ew, "victim_based_crime", "pct_change", base_end=base)
    if vb_f and vb_e and vb_f.value is not None and vb_e.value is not None:
        blocks.append(Block("p", (
            f"Over this period, {VICTIM_BASED} {change_words(vb_f.value, 'decreased')} in {name}, compared "
            f"with {change_noun(vb_e.value)} across England and Wales.")))
    year_f, year_e = get(force.code, "crime_excl_fraud", "pct_change", base_end=year), get(ew, "crime_excl_fraud", "pct_change", base_end=year)
    if year_f and year_e and year_f.value is not None and year_e.value is not None:
        blocks.append(Block("p", (
            f"Looking at the 12 months prior to the end of {current:%B %Y}; recorded crime (excluding fraud) in "
            f"{name} {change_words(year_f.value)}. This is compared with {change_adjective(year_e.value)} "
            "across England and Wales.")))

    chart = trend(data, force.code, periods.years_before(current, 4) if periods.years_before(current, 4) in
                  data.counts.periods else None, current)
    first = chart.meta["from"]
    blocks.append(Block("figure", f"Figure: Recorded crime rate (per 1,000 population) between {first:%B %Y} "
                                  f"and {current:%B %Y}."))

    blocks.append(Block("p", (
        "By looking at how many recorded crimes and incidents of anti-social behaviour occur per 1,000 "
        "population, we get an indication of how safe it is for the public in that police area. The table "
        f"below shows crime and anti-social behaviour rates in {name} (per 1,000 population) compared with "
        "the rest of England and Wales.")))
    table, notes = _rates_table(data, rows, force, police, current)
    blocks.append(Block("table", section=table))
    for note in notes:
        blocks.append(Block("note", note))

    blocks += _indicator_blocks(rows, force, police, name, indicators is not None)
    blocks.append(Block("h2", "Method and sources"))
    blocks.append(Block("list", items=_method(data, result, options, indicators is not None)))
    return Report(f"{police}: crime, {periods.label(current)}", blocks, chart, result.notes)


def police_name(force: Force) -> str:
    """The force's own name, as HMIC's reports use it ('Warwickshire Police')."""
    for alias in force.aliases:
        if alias.endswith(("Police", "Constabulary", "Police Service")) and alias.lower().startswith(force.name.split()[0].lower()):
            return alias
    return force.name


def _rates_table(data: Dataset, rows, force: Force, police: str, current) -> tuple[Section, list[str]]:
    body = []
    missing = []
    for measure in HMIC_RATES:
        info = data.classification.describe(measure)
        star = "*" if info.denominator == "households" else ""
        pair = [rows.get((a, measure, "rate_per_1000", current, None)) for a in (force.code, ENGLAND_AND_WALES_CODE)]
        body.append([Cell(info.label + star)] + [Cell(r.value if r else None, "rate") for r in pair])
        missing += [f"{info.label}, {r.area}: {r.note}" for r in pair if r is not None and r.value is None]
    asb_note = ""
    asb = [r for r in rows.values() if r.measure == "asb_incidents" and r.statistic == "rate_per_1000"]
    if asb:
        period = asb[0].period_end
        pair = [next((r for r in asb if r.area_code == a), None) for a in (force.code, ENGLAND_AND_WALES_CODE)]
        body.append([Cell("Anti-social behaviour incidents*")] + [Cell(r.value if r else None, "rate") for r in pair])
        if period is not None and period != current:
            asb_note = f"anti-social behaviour data is for the {periods.label(period)} and "
    notes = [f"*Note that {asb_note}the rate for burglary in a dwelling is the rate per 1,000 households, not "
             "population."]
    notes += [f"Not available: {m}" for m in missing]
    headers = [periods.label(current), f"{police} rate (per 1,000 population)",
               "England and Wales total rate (per 1,000 population)"]
    return Section(headers, body, ["left", "right", "right"]), notes


def _indicator_blocks(rows, force: Force, police: str, name: str, have_indicators: bool) -> list[Block]:
    ew = ENGLAND_AND_WALES_CODE
    blocks: list[Block] = []
    if not have_indicators:
        return [Block("p", "No indicators file was given, so detection rates, anti-social behaviour and victim "
                           "satisfaction are not reported.")]
    det = {r.area_code: r for r in rows.values() if r.measure == "detection_rate"}
    mine, other = det.get(force.code), det.get(ew)
    if mine and other and mine.value is not None and other.value is not None:
        blocks.append(Block("p", (
            f"{name}'s detection rate (for crimes excluding fraud) for the 12 months to the end of "
            f"{mine.period_end:%B %Y} was {whole(mine.value)} percent which was "
            f"{comparison_words(mine.value, other.value)} the {whole(other.value)} percent for England and Wales.")))
    else:
        known = mine or other
        why = known.note if known is not None else "no figures"
        blocks.append(Block("p", f"Detection rates for {name} are not available: {why}."))

    sat = [r for r in rows.values() if r.measure == "victim_satisfaction"]
    cur_f = next((r for r in sat if r.statistic == "percent" and r.area_code == force.code and r.period_end is not None
                  and not any(v.statistic == "verdict" and v.base_period_end == r.period_end for v in sat)), None)
    cur_e = next((r for r in sat if r.statistic == "percent" and r.area_code == ew and cur_f is not None
                  and r.period_end == cur_f.period_end), None)
    against_ew = next((r for r in sat if r.statistic == "verdict" and r.comparator == "England and Wales"), None)
    against_year = next((r for r in sat if r.statistic == "verdict" and r.base_period_end is not None), None)
    prev_f = next((r for r in sat if r.statistic == "percent" and r.area_code == force.code and against_year is not None
                   and r.period_end == against_year.base_period_end), None)
    if cur_f and cur_e and cur_f.value is not None and cur_e.value is not None and against_ew and against_ew.verdict:
        text = (f"In the 12 months to the end of {cur_f.period_end:%B %Y}, {police} had a victim satisfaction rate of "
                f"{_pm(cur_f.value, cur_f)} which is {_verdict(against_ew.verdict)} the satisfaction rate in England "
                f"and Wales of {_pm(cur_e.value, cur_e)}.")
        if prev_f and prev_f.value is not None and against_year and against_year.verdict:
            text += (f" Its current rate is {_verdict(against_year.verdict)} the {_pm(prev_f.value, prev_f)} "
                     f"recorded for {name} in the previous year.")
        blocks.append(Block("p", text))
    else:
        why = (cur_f.note if cur_f is not None else "") or "the indicators file has no satisfaction figures"
        blocks.append(Block("p", f"Victim satisfaction for {name} is not available: {why}."))

    asb_rate = next((r for r in rows.values() if r.measure == "asb_incidents" and r.statistic == "rate_per_1000"
                     and r.area_code == force.code), None)
    asb_change = next((r for r in rows.values() if r.measure == "asb_incidents" and r.statistic == "pct_change"
                       and r.area_code == force.code), None)
    if asb_rate and asb_rate.numerator is not None and asb_rate.period_end is not None:
        text = (f"In the {periods.label(asb_rate.period_end)}, {police} recorded {asb_rate.numerator:,} incidents of "
                "anti-social behaviour.")
        if asb_change and asb_change.value is not None:
            n = whole(asb_change.value)
            text += (" This is no change against the previous 12 months." if n == 0 else
                     f" This is {'a reduction' if n < 0 else 'an increase'} of {abs(n)} percent against the "
                     "previous 12 months.")
        blocks.append(Block("p", text))
    return blocks


def _verdict(word: str) -> str:
    return {"broadly in line": "broadly in line with", "higher": "higher than", "lower": "lower than"}[word]


def _method(data: Dataset, result, options: IndicatorOptions, have_indicators: bool) -> list[str]:
    items = [
        "Recorded crime: Office for National Statistics, police recorded crime by police force area (rolling "
        "12-month totals, the 2019 revision of the series). England and Wales is the sum of the 43 territorial "
        "forces.",
        "Rates per 1,000 population use the latest ONS mid-year population estimate dated before the period ends "
        "(the revised estimates); burglary in a dwelling uses 2011 Census households.",
        "The data are later revisions of the figures first published, so a figure can differ slightly from one "
        "printed at the time.",
        "Changes: (current − base) ÷ base × 100, rounded to whole percent; an exact Poisson test (in the CSV "
        "output) says whether a change is larger than chance variation in counts.",
    ]
    if have_indicators:
        items.append(
            "Victim satisfaction: 95% intervals as published, or Wilson intervals from respondent counts; "
            "'broadly in line' where the intervals overlap" + (" (z-test verdicts were asked for)" if options.verdict
                                                                 == "z-test" else "") + ".")
        items.append("Detection rates, anti-social behaviour and satisfaction: " + "; ".join(
            n.removeprefix("Indicators: ").rstrip(".") for n in result.notes if n.startswith("Indicators:")) + ".")
    items.append("Contains public sector information licensed under the Open Government Licence v3.0.")
    return items
