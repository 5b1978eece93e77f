"""``crimestat compare``: one force beside England and Wales, as in HMIC's crime inspection reports.

The result is data (:class:`Comparison`): the force, its comparator, the periods, each rate and change as
tidy rows, the indicators and the notes as typed items. Tables, CSV, JSON and the report are all made from
it by ``render``; nothing downstream searches rows or note text for meaning.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import TYPE_CHECKING, Literal

from ..model.classification import MeasureInfo
from ..model.forces import ENGLAND_AND_WALES, ENGLAND_AND_WALES_CODE, Force
from ..model.peers import PeerGroups, peer_average
from ..model.recording_changes import RecordingChange
from ..results import Row
from .base import Periods, choose_periods, release_note, resolve_force
from .changes import change_tests
from ..metrics.rates import default_per, per_label
from .changes import SMALL_NUMBERS, by_chance, estimator_name
from .figures import change_row, differs_from_england_and_wales, rate_row, small_denominator, small_population_note
from .indicators import IndicatorOptions, IndicatorPart, IndicatorSet, indicator_part

if TYPE_CHECKING:
    import pandas as pd

    from ..dataset import Dataset
    from ..sources import ChangeSpan, Source

PEER_GROUP = "peer_group"

NoteKind = Literal["peer_group", "chance", "small_population", "households_unit", "period", "population", "households", "scope",
                   "series_change", "recording_change", "indicators", "satisfaction_method", "source", "release"]


@dataclass(frozen=True)
class Note:
    """One note under a table: what it is about (``kind``) and its text."""

    kind: NoteKind
    text: str


@dataclass
class RateLine:
    """A measure's rate for the force and England and Wales (and the peer group's average)."""

    measure: MeasureInfo
    force: Row
    england_and_wales: Row
    peer_average: Row | None = None  # HMIC's comparator: the simple mean of the group's rates
    peer_pooled: Row | None = None  # all the group's crimes over all its people


@dataclass
class ChangeLine:
    """A measure's percentage change from a base period, for the force and England and Wales."""

    measure: MeasureInfo
    span: ChangeSpan
    base: date
    force: Row
    england_and_wales: Row
    recording_changes: list[RecordingChange] = field(default_factory=list)  # registered changes it straddles


@dataclass
class Comparison:
    """What ``compare`` computed, as data."""

    force: Force
    periods: Periods
    source: Source
    rates: list[RateLine]
    changes: list[ChangeLine]
    notes: list[Note]
    indicators: IndicatorPart | None = None
    peer_group: list[Force] | None = None
    files: dict[str, str] = field(default_factory=dict)
    release: str | None = None
    comparator: str = ENGLAND_AND_WALES

    def rate(self, measure: str) -> RateLine | None:
        return next((line for line in self.rates if line.measure.measure == measure), None)

    def change(self, measure: str, span: ChangeSpan) -> ChangeLine | None:
        return next((c for c in self.changes if c.measure.measure == measure and c.span == span), None)

    @property
    def rows(self) -> list[Row]:
        """Every figure as a tidy row, in the order of ``--format csv``."""
        rows: list[Row] = []
        for line in self.rates:
            rows += [line.force, line.england_and_wales]
            rows += [r for r in (line.peer_average, line.peer_pooled) if r is not None]
        for change in self.changes:
            rows += [change.force, change.england_and_wales]
        if self.indicators is not None:
            rows += self.indicators.rows
        return rows

    def to_frame(self) -> pd.DataFrame:
        """The tidy rows as a pandas DataFrame (the columns of ``--format csv``)."""
        from ..results import rows_frame

        return rows_frame(self.rows)

    @property
    def any_differs(self) -> bool:
        """Whether any force change differs from England and Wales's (the † in tables)."""
        return any(differs_from_england_and_wales(c.force) for c in self.changes)


def compare(data: Dataset, force: Force | str, to: date | str | None = None,
            baseline: date | str | None = None, population_year: int | None = None,
            measures: list[str] | None = None, indicators: IndicatorSet | None = None,
            options: IndicatorOptions | None = None, peers: PeerGroups | None = None,
            chosen: Periods | None = None, per: int | None = None) -> Comparison:
    """Rates and changes for a force beside England and Wales, and the indicators when given.

    ``chosen`` passes periods already resolved (by :func:`choose_periods`); otherwise ``to`` and
    ``baseline`` are resolved here. ``per``: every rate per 1,000, 100,000 or 1,000,000 (default: per
    1,000, or the measure's ONS base: homicide per million).
    """
    force = resolve_force(data, force)
    chosen = chosen or choose_periods(data, to, baseline)
    if population_year is not None:
        data.denominators.check_year(population_year)
    source = data.source
    measures = list(dict.fromkeys(data.measure(m) for m in measures)) if measures else None
    rate_measures = measures or [source.rate_measure(m, chosen.current) for m in source.rates]
    change_specs: list[tuple[str, ChangeSpan]] = (
        [(m, k) for m in measures for k in ("baseline", "year")] if measures else list(source.changes))
    for m in rate_measures:
        data.classification.check(m)
    areas = [force.code, ENGLAND_AND_WALES_CODE]

    group = peers.group(force.code) if peers is not None else None
    rates: list[RateLine] = []
    for m in rate_measures:
        info = data.classification.describe(m)
        base_of = per or default_per(m)
        pair = [rate_row(data, m, a, chosen.current, population_year, base_of) for a in areas]
        line = RateLine(info, pair[0], pair[1])
        if group is not None:
            members = [pair[0]] + [rate_row(data, m, c, chosen.current, population_year, base_of) for c in group[1:]]
            simple, pooled, why = peer_average(members)
            name = f"Peer group ({len(group)} forces)"
            line.peer_average = Row(PEER_GROUP, name, m, f"rate_per_{base_of}", chosen.current, value=simple,
                                    note=why, per=base_of)
            line.peer_pooled = Row(
                PEER_GROUP, name, m, f"pooled_rate_per_{base_of}", chosen.current, value=pooled, note=why, per=base_of,
                numerator=None if why else sum(r.numerator for r in members),  # type: ignore[misc]
                denominator=None if why else sum(r.denominator for r in members))  # type: ignore[misc]
        rates.append(line)

    changes: list[ChangeLine] = []
    for m, span in change_specs:
        base = chosen.baseline if span == "baseline" else chosen.year_before
        pair = [change_row(data, m, a, chosen.current, base) for a in areas]
        changes.append(ChangeLine(data.classification.describe(m), span, base, pair[0], pair[1],
                                  data.straddled(m, base, chosen.current)))

    part = indicator_part(data, indicators, force.code, chosen.current,
                          replace(options or IndicatorOptions(), population_year=population_year))
    result = Comparison(force, chosen, source, rates, changes, [], part,
                        [data.registry.by_code(c) for c in group] if group is not None else None,
                        dict(data.files), data.release.name if data.release is not None else None)
    result.notes = _notes(data, result, population_year)
    return result


def data_used(data: Dataset, period_end: date, population_year: int | None = None,
              households: bool = True) -> list[str]:
    """The denominators' part of a "Sources:" line: population, and the Census the households come from."""
    used = ["ONS mid-year population estimates"]
    if households and data.denominators.years["households"]:
        homes = data.denominators.get("households", ENGLAND_AND_WALES_CODE, period_end, population_year)
        if homes.at is not None:
            used.append("2011 and 2021 Census households")
        elif homes.year is not None:
            used.append(f"{homes.year} Census households")
    return used


def _notes(data: Dataset, result: Comparison, population_year: int | None) -> list[Note]:
    notes: list[Note] = []
    force, chosen = result.force, result.periods
    if result.peer_group is not None:
        member_names = ", ".join(f.name for f in result.peer_group)
        notes.append(Note("peer_group", f"Peer group: {member_names}. Average: the simple mean of their rates, "
                                        "HMIC's comparator (the pooled rate, all crimes over all people, is in CSV "
                                        "and JSON)."))
    notes += _change_notes(data, result)
    notes += [Note("recording_change", text) for text in recording_change_notes(data, result.changes)]
    kinds = {line.measure.denominator for line in result.rates}
    if "households" in kinds:
        bases = sorted({line.force.per or 1000 for line in result.rates if line.measure.denominator == "households"})
        notes.append(Note("households_unit", f"* per {' or '.join(per_label(b) for b in bases)} households, not "
                                             "population."))
    small = [line for line in result.rates if small_denominator(line.force)]
    if small:
        first = next((line for line in small if line.measure.denominator == "population"), small[0])
        notes.append(Note("small_population", small_population_note([first.force], first.measure.denominator)))
    notes.append(Note("period", f"Period: the 12 months to {chosen.current:%d %B %Y} "
                                f"({result.source.period_description})."))
    for kind in ("population", "households"):
        if kind not in kinds:
            continue
        here = data.denominators.get(kind, force.code, chosen.current, population_year)
        whole = data.denominators.get(kind, ENGLAND_AND_WALES_CODE, chosen.current, population_year)
        if here.ok and whole.ok:
            notes.append(Note(kind, f"{kind.capitalize()}: {here.description}, {force.name} {here.value:,}; "  # type: ignore[arg-type]
                                    f"England and Wales {whole.value:,} (the sum of the {len(data.registry.territorial)} forces)."))
    notes.append(Note("scope", f"England and Wales: the {len(data.registry.territorial)} territorial police forces (not British Transport Police "
                               "or the national fraud bodies)."))
    source = result.source
    for measure, (when, successor) in source.successors.items():
        if result.rate(successor) is not None and result.rate(measure) is None and chosen.current > when:
            old, new = data.classification.describe(measure), data.classification.describe(successor)
            changed = next((text for day, text, touched in source.events if measure in touched), "")
            notes.append(Note("series_change", f"{new.label} is shown where HMIC's 2014 table had {old.label.lower()}: "
                                               f"{changed or 'the category was replaced'}, so the two are not "
                                               "comparable."))
    part = result.indicators
    if part is not None:
        notes += [Note("indicators" if n.startswith("Indicators") else "satisfaction_method", n) for n in part.notes]
        if part.unavailable:
            names = part.unavailable
            listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
            notes.append(Note("indicators", f"Not available for {force.name}: {listed} ({part.unavailable_why})."))
    notes.append(Note("source", result.source.cite(*data_used(data, chosen.current, population_year))))
    if release_note(data):
        notes.append(Note("release", release_note(data)))
    return notes


RECORDING_MARK = "§"


def recording_change_notes(data: Dataset | None, lines: list[ChangeLine]) -> list[str]:
    """One note per registered recording change that a change shown straddles, naming the changes marked §."""
    found: dict[str, tuple[RecordingChange, list[str]]] = {}
    for line in lines:
        for change in line.recording_changes:
            what = f"{line.measure.label.lower()} from {line.base:%B %Y}"
            found.setdefault(change.id, (change, []))[1].append(what)
    notes = []
    for change, whats in found.values():
        listed = ", ".join(dict.fromkeys(whats))
        notes.append(f"{RECORDING_MARK} {listed[0].upper()}{listed[1:]}: the two periods straddle a registered "
                     f"recording change, so part of the change is a change in recording. {change.describe()}")
    return notes


def _change_notes(data: Dataset, result: Comparison) -> list[Note]:
    """What the † on changes means, with the spread between forces (tau) each test allowed for, and why a
    change is not tested."""
    from ..metrics.rounding import round_half_up

    tested: list = []
    untested: dict = {}
    for line in result.changes:
        if line.force.value is None:
            continue
        tests = change_tests(data, line.measure.measure, result.periods.current, line.base)
        what = f"{line.measure.label.lower()} from {line.base:%B %Y}"
        if tests.tau is not None:
            tested.append(f"{what} {round_half_up(tests.tau, 3)}")
        else:
            untested.setdefault(tests.reason, []).append(what)
    notes = []
    spread = (f"the spread between the {len(data.registry.territorial)} forces' changes allowed for (tau, on the log "
              "scale, by " + estimator_name() + ": " + "; ".join(tested) + "); " + by_chance(len(data.registry.territorial)))
    if tested and result.any_differs:
        notes.append(Note("chance", "† the force's change differs from England and Wales's by more than forces' "
                                    f"changes usually do: |z| > 1.96, z comparing the two changes with {spread}. "
                                    "England and Wales is the reference and is not marked; see docs/statistics.md on what "
                                    "this test does and does not show."))
    elif tested:
        notes.append(Note("chance", "No change differs from England and Wales's by more than forces' changes usually "
                                    f"do: |z| > 1.96 would be marked †, z comparing the two changes with {spread}. "
                                    "See docs/statistics.md on what this test does and does not show."))
    small_rates = [f"{line.measure.label.lower()} rate ({line.force.numerator:,.0f} crimes)" for line in result.rates
                   if line.force.value is not None and line.force.note.startswith("small numbers")]
    small = [f"{line.measure.label.lower()} from {line.base:%B %Y} ({line.force.numerator:,.0f} and "
             f"{line.force.denominator:,.0f} crimes)" for line in result.changes
             if line.force.value is not None and line.force.note.startswith("small numbers")]
    if small or small_rates:
        notes.append(Note("small_numbers", f"Small numbers: {result.force.name}'s {'; '.join(small_rates + small)}: "
                                           f"fewer than {SMALL_NUMBERS} crimes in a period, so chance moves these "
                                           "figures a long way; changes on them are not judged (never marked †)."))
    for reason, whats in untested.items():
        listed = ", ".join(whats)
        notes.append(Note("chance", f"{listed[0].upper()}{listed[1:]}: change {reason}."))
    return notes
