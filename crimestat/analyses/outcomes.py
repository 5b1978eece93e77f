"""Outcome rates (charge/summons and the rest of the outcome mix) for a force beside England and Wales.

Outcomes are the Home Office outcomes open data of a release: for offences recorded in each quarter, how
many have been charged, cautioned, closed with evidential difficulties and so on. A rate is the outcomes of
a kind as a percentage of all offences recorded in the 12 months (DESIGN.md), for crimes excluding fraud or
for one offence group.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from ..model import periods
from ..errors import PeriodNotCoveredError, UsageError
from ..model.forces import ENGLAND_AND_WALES, ENGLAND_AND_WALES_CODE, Force
from ..results import Cell, Result, Row, Section
from .base import resolve_force
from .figures import area_name

if TYPE_CHECKING:
    from ..dataset import Dataset
    from ..model.outcomes import OutcomeCounts, OutcomeMix

# Outcome measures: name -> (outcome category, label). They rank and compare like crime measures.
OUTCOME_MEASURES = {
    "charge_rate": ("charge_summons", "Charge/summons rate"),
    "out_of_court_rate": ("out_of_court", "Out-of-court outcomes (cautions, penalty notices, community resolutions)"),
    "diversionary_rate": ("diversionary", "Diversionary, educational or intervention activity"),
    "evidential_difficulties_rate": ("evidential_difficulties", "Evidential difficulties"),
    "no_suspect_rate": ("no_suspect", "Investigation complete, no suspect identified"),
    "not_yet_assigned_rate": ("not_yet_assigned", "Not yet assigned an outcome"),
    "other_outcomes_rate": ("other", "Other outcomes"),
}
SUMMARY = ["charge_rate", "out_of_court_rate", "diversionary_rate", "evidential_difficulties_rate", "no_suspect_rate",
           "not_yet_assigned_rate", "other_outcomes_rate"]
CRIMES = "crimes excluding fraud"
CITATION = ("Source: Home Office, crime outcomes open data (outcomes for offences recorded in each quarter). Contains "
            "public sector information licensed under the Open Government Licence v3.0.")


def is_outcome_measure(measure: str) -> bool:
    return measure in OUTCOME_MEASURES


def label(measure: str, group: str | None = None) -> str:
    return f"{OUTCOME_MEASURES[measure][1]} ({group or CRIMES})"


def require_outcomes(data: Dataset) -> OutcomeCounts:
    """The release's outcomes, or an error saying the release has none."""
    found = data.outcomes
    if found is None:
        name = data.release.name if data.release is not None else "the data given"
        raise UsageError(f"{name} has no outcomes data; use a release that has (`crimestat releases`) or "
                         "give --outcomes FILE")
    return found


def check_group(outcomes: OutcomeCounts, group: str | None) -> str | None:
    """An offence group as the data spell it (any case), or an error naming the groups there are."""
    if group is None:
        return None
    for known in outcomes.offence_groups:
        if known.lower() == group.strip().lower():
            return known
    import difflib

    near = difflib.get_close_matches(group, outcomes.offence_groups, n=2, cutoff=0.5)
    hint = f"; did you mean {' or '.join(repr(n) for n in near)}?" if near else ""
    raise UsageError(f"'{group}' is not an offence group in the outcomes data{hint} (groups: "
                     f"{', '.join(outcomes.offence_groups)})", parameter="group")


def resolve_period(outcomes: OutcomeCounts, to: date | str | None, parameter: str = "to") -> date:
    """The outcomes period asked for (default: the latest with four quarters)."""
    quarters = outcomes.cube.quarters

    def explain(period: date | None) -> str:
        from ..model.outcomes import quarter_label

        if not quarters:
            return "the outcomes data hold no quarters"
        return (f"a 12-month period needs four quarters of outcomes for a force; the data have quarters from "
                f"{quarter_label(min(quarters))} to {quarter_label(max(quarters))}, not all four for any force"
                if not outcomes.periods else periods.coverage(outcomes.periods))

    return periods.resolve(to, outcomes.periods, parameter, explain, "outcomes data")


def outcome_row(data: Dataset, measure: str, area_code: str, period_end: date, group: str | None = None) -> Row:
    """An outcome measure as a tidy row: the percentage, with outcomes and offences recorded beside it."""
    outcomes = require_outcomes(data)
    category = OUTCOME_MEASURES[measure][0]
    found = outcomes.rate(category, area_code, period_end, group)  # type: ignore[arg-type]
    return Row(area_code, area_name(data, area_code), measure, "percent", period_end, value=found.value_percent,
               numerator=found.numerator, denominator=found.denominator, note=found.note,
               comparator=group or "")


@dataclass
class OutcomeComparison:
    """Every outcome type's share for a force beside England and Wales, and the outcome measures."""

    force: Force
    period_end: date
    group: str | None
    force_mix: OutcomeMix
    england_and_wales_mix: OutcomeMix
    measures: list[tuple[Row, Row]]
    release: str | None = None
    files: dict[str, str] = field(default_factory=dict)
    forces: int = 43  # the territorial forces England and Wales adds up: counted from the registry

    @property
    def rows(self) -> list[Row]:
        rows = [r for pair in self.measures for r in pair]
        for mix in (self.force_mix, self.england_and_wales_mix):
            name = ENGLAND_AND_WALES if mix.area_code == ENGLAND_AND_WALES_CODE else self.force.name
            for share in mix.shares:
                # The type's label (free text, with commas) is not put in a coded column: the measure names
                # the type, and data/outcome_types.csv (or the table) gives its label.
                rows.append(Row(mix.area_code, name, f"outcome_type_{share.outcome_type}", "percent", self.period_end,
                                value=share.percent, numerator=share.count, denominator=mix.total,
                                comparator=self.group or "", note=mix.note))
        return rows

    def to_frame(self):
        from ..results import rows_frame

        return rows_frame(self.rows)

    def view(self) -> Result:
        what = self.group or CRIMES
        summary = [[Cell(OUTCOME_MEASURES[mine.measure][1])] + [
            Cell(r.value, "percent", "" if r.value is not None else f"{OUTCOME_MEASURES[r.measure][1]}, {r.area}: "
                                                                   f"{r.note}") for r in (mine, whole)]
            for mine, whole in self.measures]
        shares = {s.outcome_type: s for s in self.england_and_wales_mix.shares}
        detail = []
        for share in self.force_mix.shares:
            other = shares.get(share.outcome_type)
            detail.append([Cell(str(share.outcome_type)), Cell(share.label), Cell(share.count, "count"),
                           Cell(share.percent, "percent"), Cell(other.percent if other else None, "percent")])
        sections = [
            Section([f"Outcomes, {periods.label(self.period_end)} ({what})", self.force.name, ENGLAND_AND_WALES],
                    summary),
            Section(["Type", "Outcome", f"{self.force.name} count", f"{self.force.name} %", "England and Wales %"],
                    detail, ["right", "left", "right", "right", "right"]),
        ]
        notes = [
            f"Percentages of the offences recorded in the {periods.label(self.period_end)} ({what}): "
            f"{self.force.name} {self.force_mix.total:,}; England and Wales {self.england_and_wales_mix.total:,} "
            f"(the {self.forces} territorial forces)." if self.force_mix.total is not None and
            self.england_and_wales_mix.total is not None else
            f"Offences recorded: {self.force_mix.note or self.england_and_wales_mix.note}",
            "Every offence recorded has one outcome row, 'not yet assigned' included, so the shares sum to 100%; "
            "outcomes are counted for offences recorded in the period, whenever the outcome was assigned.",
            CITATION,
        ]
        if self.release:
            notes.append(f"Release: {self.release}.")
        title = f"{self.force.name}: crime outcomes beside England and Wales, {periods.label(self.period_end)}"
        meta = {"command": "outcomes", "force": {"code": self.force.code, "name": self.force.name},
                "period_end": self.period_end, "offence_group": self.group, "sources": self.files}
        return Result(title, self.rows, sections, notes, meta)


def outcomes(data: Dataset, force: Force | str, to: date | None = None, group: str | None = None) -> OutcomeComparison:
    """The outcome mix of a force and England and Wales in a 12-month period (default: the latest)."""
    force = resolve_force(data, force)
    found = require_outcomes(data)
    group = check_group(found, group)
    end = resolve_period(found, to)
    mine, whole = found.mix(force.code, end, group), found.mix(ENGLAND_AND_WALES_CODE, end, group)
    if not mine.ok and not mine.shares:
        raise PeriodNotCoveredError(f"no outcomes for {force.name}: {mine.note}", parameter="to", value=f"{end:%Y-%m}")
    measures = [(outcome_row(data, m, force.code, end, group), outcome_row(data, m, ENGLAND_AND_WALES_CODE, end, group))
                for m in SUMMARY]
    return OutcomeComparison(force, end, group, mine, whole, measures,
                             data.release.name if data.release is not None else None, dict(data.files),
                             len(data.registry.territorial))


# -- ranking forces by an outcome rate -----------------------------------------------------------------------

FUNNEL_Z = {"95%": 1.959963984540054, "99.8%": 3.090232306167813}


def proportion_position(count: int, total: int, target: float) -> str:
    """Where a force's percentage sits against England and Wales's on a funnel for proportions (normal
    approximation to the binomial, Spiegelhalter 2005): 'within', or above/below the 95% or 99.8% limits."""
    p = target / 100
    spread = (p * (1 - p) / total) ** 0.5 * 100
    value = count * 100 / total
    for level in ("99.8%", "95%"):
        if value > target + FUNNEL_Z[level] * spread:
            return f"above {level}"
        if value < target - FUNNEL_Z[level] * spread:
            return f"below {level}"
    return "within"


@dataclass
class OutcomeRanking:
    """Every territorial force's outcome rate, ranked (rank 1 = highest), with funnel positions."""

    measure: str
    period_end: date
    group: str | None
    entries: list[tuple[int | None, Row, Row]]  # rank, the rate row, the rank row
    england_and_wales: Row
    release: str | None = None

    @property
    def rows(self) -> list[Row]:
        rows = [r for _, rate, position in self.entries for r in (rate, position)]
        return rows + [self.england_and_wales]

    def to_frame(self):
        from ..results import rows_frame

        return rows_frame(self.rows)

    def view(self) -> Result:
        table = [[Cell("" if rank is None else str(rank)), Cell(rate.area),
                  Cell(rate.value, "percent", "" if rate.value is not None else f"{rate.area}: {rate.note}"),
                  Cell(rate.numerator, "count"), Cell(rate.denominator, "count"), Cell(rate.verdict)]
                 for rank, rate, _ in self.entries]
        whole = self.england_and_wales
        table.append([Cell(""), Cell(whole.area), Cell(whole.value, "percent", "" if whole.value is not None else
                                                      f"{whole.area}: {whole.note}"),
                      Cell(whole.numerator, "count"), Cell(whole.denominator, "count"), Cell("")])
        what = label(self.measure, self.group)
        notes = [
            f"{periods.label(self.period_end)}. Rank 1 is the highest rate; equal rates share a rank. Offences: "
            "every offence recorded in the period (each has one outcome row, 'not yet assigned' included).",
            "Funnel position: the force's percentage against 95% and 99.8% limits around England and Wales's for "
            "its number of offences (normal approximation to the binomial; forces vary more than that, so treat "
            "positions outside the limits as a prompt to look, not a finding).",
            CITATION,
        ]
        if self.release:
            notes.append(f"Release: {self.release}.")
        return Result(f"{what}: forces ranked, {periods.label(self.period_end)}", self.rows,
                      [Section(["Rank", "Force", "Percent", "Outcomes", "Offences", "Funnel position"], table,
                               ["right", "left", "right", "right", "right", "left"])], notes,
                      {"command": "rank", "measure": self.measure, "period_end": self.period_end,
                       "offence_group": self.group})


def rank_outcomes(data: Dataset, measure: str, to: date | str | None = None, group: str | None = None,
                  force_codes: list[str] | None = None) -> OutcomeRanking:
    """Rank forces by an outcome measure (``charge_rate`` ...), highest first; equal rates share a rank."""
    from .rank import competition_ranks

    found = require_outcomes(data)
    group = check_group(found, group)
    end = resolve_period(found, to)
    codes = force_codes or [f.code for f in data.registry.territorial]
    rates = {c: outcome_row(data, measure, c, end, group) for c in codes}
    whole = outcome_row(data, measure, ENGLAND_AND_WALES_CODE, end, group)
    ranks = competition_ranks({c: r.value for c, r in rates.items() if r.value is not None},
                              {c: r.area for c, r in rates.items()})
    order = sorted(ranks, key=lambda c: (ranks[c], rates[c].area)) + sorted(
        (c for c in codes if c not in ranks), key=lambda c: rates[c].area)
    entries = []
    for code in order:
        rate = rates[code]
        if whole.value is not None and rate.value is not None and rate.denominator:
            rate.verdict = proportion_position(rate.numerator, rate.denominator, whole.value)  # type: ignore[arg-type]
            rate.comparator = ENGLAND_AND_WALES
        position = Row(code, rate.area, measure, "rank", end, value=ranks.get(code), denominator=len(ranks),
                       note="" if code in ranks else rate.note)
        entries.append((ranks.get(code), rate, position))
    return OutcomeRanking(measure, end, group, entries, whole, data.release.name if data.release is not None else None)
