"""``crimestat compare``: one force beside England and Wales, as in HMIC's crime inspection reports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .. import periods
from .figures import change_row, larger_than_chance, rate_row
from ..forces import ENGLAND_AND_WALES, ENGLAND_AND_WALES_CODE
from .indicators import IndicatorOptions, IndicatorSet, indicator_part
from ..dataset import Dataset
from ..peers import PeerGroups, peer_average
from ..rows import Cell, Result, Row, Section

PEER_GROUP = "peer_group"

# The rates and changes in the "Crime" section of HMIC's 2014 reports.
HMIC_RATES = ["crime_excl_fraud", "victim_based_crime", "sexual_offences", "violence_with_injury",
              "domestic_burglary"]
HMIC_CHANGES = [("crime_excl_fraud", "baseline"), ("victim_based_crime", "baseline"), ("crime_excl_fraud", "year")]
# With police.uk counts: all crime, anti-social behaviour and the categories nearest HMIC's.
POLICE_UK_RATES = ["police_uk_all_crime", "police_uk_anti_social_behaviour", "police_uk_violence_and_sexual_offences",
                   "police_uk_burglary"]
POLICE_UK_CHANGES = [("police_uk_all_crime", "baseline"), ("police_uk_all_crime", "year"),
                     ("police_uk_anti_social_behaviour", "year")]


CHANCE_MARK = "†"
CHANCE_NOTE = ("† larger than chance variation in counts would give (exact Poisson test, p < 0.05); "
               "see the README on what this test does and does not show.")


@dataclass
class Periods:
    current: date
    baseline: date
    year_before: date


def choose_periods(data: Dataset, to: date | None, baseline: date | None) -> Periods:
    """The period compared and its two comparisons; an explicit period outside the data is an error."""
    current = periods.resolve(to, data.counts.periods, "--to", data.counts.explain)
    if baseline is not None:
        baseline = periods.resolve(baseline, data.counts.periods, "--baseline", data.counts.explain)
    else:
        baseline = periods.years_before(current, 4)
    return Periods(current, baseline, periods.years_before(current, 1))


def compare(data: Dataset, force_name: str, to: date | None = None,
            baseline: date | None = None, population_year: int | None = None,
            measures: list[str] | None = None, indicators: IndicatorSet | None = None,
            options: IndicatorOptions | None = None, peers: PeerGroups | None = None) -> Result:
    """Rates and changes for a force beside England and Wales, and the indicators when given."""
    force = data.registry.get(force_name)
    chosen = choose_periods(data, to, baseline)
    if population_year is not None:
        data.denominators.check_year(population_year)
    police_uk = data.counts.source == "police_uk"
    rate_measures = measures or (POLICE_UK_RATES if police_uk else HMIC_RATES)
    change_specs = ([(m, k) for m in measures for k in ("baseline", "year")] if measures else
                    POLICE_UK_CHANGES if police_uk else HMIC_CHANGES)
    for m in rate_measures:
        data.classification.check(m)
    areas = [force.code, ENGLAND_AND_WALES_CODE]

    group = peers.group(force.code) if peers is not None else None
    rows: list[Row] = []
    rate_table: list[list[Cell]] = []
    for m in rate_measures:
        info = data.classification.describe(m)
        pair = [rate_row(data, m, a, chosen.current, population_year) for a in areas]
        rows += pair
        label = info.label + ("*" if info.denominator == "households" else "")
        line = [Cell(label)] + _cells(pair, "rate", info.label)
        if group is not None:
            members = [pair[0]] + [rate_row(data, m, c, chosen.current, population_year) for c in group[1:]]
            simple, pooled, why = peer_average(members)
            name = f"Peer group ({len(group)} forces)"
            rows.append(Row(PEER_GROUP, name, m, "rate_per_1000", chosen.current, value=simple, note=why))
            rows.append(Row(PEER_GROUP, name, m, "pooled_rate_per_1000", chosen.current, value=pooled, note=why,
                            numerator=None if why else sum(r.numerator for r in members),  # type: ignore[misc]
                            denominator=None if why else sum(r.denominator for r in members)))  # type: ignore[misc]
            line.append(Cell(simple, "rate", f"{info.label}, peer group: {why}" if why else ""))
        rate_table.append(line)

    change_table: list[list[Cell]] = []
    significant = False
    for m, which in change_specs:
        base = chosen.baseline if which == "baseline" else chosen.year_before
        pair = [change_row(data, m, a, chosen.current, base) for a in areas]
        rows += pair
        label = f"{data.classification.describe(m).label}, from the {periods.label(base)}"
        change_table.append([Cell(label)] + _cells(pair, "change", label))
        significant = significant or any(larger_than_chance(r) for r in pair)

    names = [force.name, ENGLAND_AND_WALES]
    peer_header = ["Peer group average"] if group is not None else []
    sections = [
        Section([f"{periods.label(chosen.current)}: rate per 1,000 population"] + names + peer_header, rate_table),
        Section(["Change in recorded crime"] + names, change_table),
    ]
    notes = _notes(data, force.code, force.name, chosen, population_year, rate_measures)
    if significant:
        notes.insert(0, CHANCE_NOTE)
    if group is not None:
        member_names = ", ".join(data.registry.by_code(c).name for c in group)
        notes.insert(0, f"Peer group: {member_names}. Average: the simple mean of their rates, HMIC's comparator "
                        "(the pooled rate, all crimes over all people, is in CSV and JSON).")
    if indicators is not None:
        part = indicator_part(data, indicators, force.code, chosen.current, options or IndicatorOptions())
        rows += part.rows
        if part.section is not None:
            sections.append(part.section)
        notes[-1:-1] = part.notes
    title = f"{force.name} compared with England and Wales, {periods.label(chosen.current)}"
    meta = {
        "command": "compare",
        "force": {"code": force.code, "name": force.name},
        "period_end": chosen.current,
        "baseline_period_end": chosen.baseline,
        "year_before_period_end": chosen.year_before,
        "sources": data.files,
    }
    return Result(title, rows, sections, notes, meta)


def _cells(pair: list[Row], kind: str, label: str) -> list[Cell]:
    """Cells for a force and England and Wales; a shared reason for a missing value is said once."""
    shared = len({r.note for r in pair}) == 1
    return [
        Cell(r.value, kind, "" if r.value is not None else
             f"{label}: {r.note}" if shared else f"{label}, {r.area}: {r.note}",
             CHANCE_MARK if larger_than_chance(r) else "")
        for r in pair
    ]


def _notes(data: Dataset, code: str, name: str, chosen: Periods, population_year: int | None,
           measures: list[str]) -> list[str]:
    notes = []
    kinds = {data.classification.describe(m).denominator for m in measures}
    if "households" in kinds:
        notes.append("* per 1,000 households, not population.")
    notes.append(
        f"Period: the 12 months to {chosen.current:%d %B %Y} (police recorded crime, rolling 12-month totals)."
    )
    for kind in ("population", "households"):
        if kind not in kinds:
            continue
        here = data.denominators.get(kind, code, chosen.current, population_year)
        whole = data.denominators.get(kind, ENGLAND_AND_WALES_CODE, chosen.current, population_year)
        if here.ok and whole.ok:
            notes.append(
                f"{kind.capitalize()}: {here.description}, {name} {here.value:,}; "
                f"England and Wales {whole.value:,} (the sum of the 43 forces)."
            )
    notes.append(
        "England and Wales: the 43 territorial police forces (not British Transport Police or the "
        "national fraud bodies)."
    )
    notes.append(
        "Sources: Office for National Statistics, police recorded crime by police force area; ONS mid-year "
        "population estimates; 2011 Census households. Contains public sector information licensed under "
        "the Open Government Licence v3.0."
    )
    return notes
