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
    """An outcome rate: of the release's outcomes by type, or of the outcomes series (``charge_rate_closed`` ...)."""
    from ..model.outcome_series import is_series_measure

    return measure in OUTCOME_MEASURES or is_series_measure(measure)


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
               comparator=group or "", label=OUTCOME_MEASURES[measure][1])


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

#: Outcomes are "not yet assigned" for more than this share of a force's offences: its rates may still move.
IMMATURE_SHARE = 5.0


@dataclass
class ProportionFunnel:
    """How the outcome-rate funnel limits allow for the spread between forces (as ``analyses.rank.Funnel``)."""

    method: str = "poisson"
    tau: float | None = None  # additive: the spread between forces' logit proportions
    phi: float | None = None  # multiplicative: the factor on the binomial variance
    why: str = ""  # why the limits are plain binomial ones when overdispersion was asked for

    def describe(self) -> str:
        from ..analyses.changes import estimator_name
        from ..metrics.rounding import round_half_up

        if self.method == "additive":
            return (f"The limits allow for the spread between forces (additive overdispersion on the logit scale, "
                    f"tau = {round_half_up(self.tau or 0.0, 3)}, {estimator_name()} from all 43 forces; "
                    "Spiegelhalter 2005), so a force outside them stands out from the spread forces normally show; "
                    "by chance alone about 2 of the 43 would lie outside the 95% limits.")
        if self.method == "multiplicative":
            return (f"Limits widened for overdispersion: phi = {round_half_up(self.phi or 0.0, 1)} (Winsorised 10%, "
                    "all 43 forces), the binomial variance multiplied by it.")
        return ("Binomial limits (normal approximation), no allowance for the spread between forces" +
                (f" ({self.why})" if self.why else "") + ": forces vary far more than that, so most lie outside.")


def proportion_position(count: int, total: int, target: float) -> str:
    """Where a force's percentage sits against England and Wales's on a funnel for proportions (normal
    approximation to the binomial, no overdispersion; Spiegelhalter 2005): 'within', or above/below the 95% or
    99.8% limits. ``target`` is a percentage."""
    from ..metrics.proportion import proportion_funnel_position

    return proportion_funnel_position(count, total, target / 100, "poisson")


def _proportion_funnel(method: str, rows: list[Row], target: float | None) -> ProportionFunnel:
    """The spread between all 43 forces' proportions (target: England and Wales's, 0-1)."""
    from ..metrics.proportion import proportion_phi, proportion_tau2

    shape = ProportionFunnel()
    if method == "poisson":
        return shape
    if target is None or not 0 < target < 1:
        shape.why = "England and Wales has no rate, so the spread between forces was not estimated"
        return shape
    missing = [r.area for r in rows if r.value is None or not r.denominator]
    if missing:
        shape.why = (f"{len(missing)} of the 43 forces have no rate ({', '.join(missing[:3])}"
                     f"{' and more' if len(missing) > 3 else ''}), and the spread is estimated from all of them")
        return shape
    counts = [float(r.numerator) for r in rows]  # type: ignore[arg-type]
    totals = [float(r.denominator) for r in rows]  # type: ignore[arg-type]
    if method == "multiplicative":
        shape.method, shape.phi = "multiplicative", proportion_phi(counts, totals, target)
        return shape
    try:
        estimate = proportion_tau2(counts, totals, target)
    except ValueError as exc:
        shape.why = f"the spread between forces could not be estimated: {exc}"
        return shape
    if not estimate.overdispersed:
        shape.why = "the forces' proportions vary no more than binomial counts would (tau = 0)"
        return shape
    shape.method, shape.tau = "additive", estimate.tau
    return shape


@dataclass
class OutcomeRanking:
    """Every territorial force's outcome rate, ranked (rank 1 = highest), with funnel positions and how mature
    each force's outcomes are (the share of offences not yet assigned an outcome)."""

    measure: str
    period_end: date
    group: str | None
    entries: list[tuple[int | None, Row, Row]]  # rank, the rate row, the rank row
    england_and_wales: Row
    release: str | None = None
    funnel: ProportionFunnel = field(default_factory=ProportionFunnel)
    pending: dict[str, Row] = field(default_factory=dict)  # area code -> its not-yet-assigned row
    as_at: date | None = None  # the release date: outcomes assigned by then

    @property
    def rows(self) -> list[Row]:
        rows = [r for _, rate, position in self.entries for r in (rate, position)]
        if self.measure != "not_yet_assigned_rate":
            rows += [self.pending[rate.area_code] for _, rate, _ in self.entries if rate.area_code in self.pending]
        return rows + [self.england_and_wales]

    def to_frame(self):
        from ..results import rows_frame

        return rows_frame(self.rows)

    def immature(self) -> list[Row]:
        """Forces with more than ``IMMATURE_SHARE`` % of their offences not yet assigned an outcome."""
        return [r for r in self.pending.values() if r.area_code != ENGLAND_AND_WALES_CODE and r.value is not None
                and r.value > IMMATURE_SHARE]

    def view(self) -> Result:
        def pending(code: str) -> Cell:
            row = self.pending.get(code)
            return Cell(row.value if row is not None else None, "percent")

        table = [[Cell("" if rank is None else str(rank)), Cell(rate.area),
                  Cell(rate.value, "percent", "" if rate.value is not None else f"{rate.area}: {rate.note}"),
                  Cell(rate.numerator, "count"), Cell(rate.denominator, "count"), pending(rate.area_code),
                  Cell(rate.verdict)]
                 for rank, rate, _ in self.entries]
        whole = self.england_and_wales
        table.append([Cell(""), Cell(whole.area), Cell(whole.value, "percent", "" if whole.value is not None else
                                                      f"{whole.area}: {whole.note}"),
                      Cell(whole.numerator, "count"), Cell(whole.denominator, "count"),
                      pending(ENGLAND_AND_WALES_CODE), Cell("")])
        what = label(self.measure, self.group)
        as_at = f", outcomes as at {self.as_at.day} {self.as_at:%B %Y} (the release date)" if self.as_at else ""
        notes = [
            f"{periods.label(self.period_end)}{as_at}. Rank 1 is the highest rate; equal rates share a rank. Offences: "
            "every offence recorded in the period (each has one outcome row, 'not yet assigned' included).",
            "Funnel position: the force's percentage against 95% and 99.8% limits around England and Wales's for "
            "its number of offences (Spiegelhalter 2005). " + self.funnel.describe(),
        ]
        late = self.immature()
        if late:
            listed = ", ".join(f"{r.area} {r.value:.1f}%" for r in sorted(late, key=lambda r: -(r.value or 0)))
            notes.append(f"Not yet assigned: more than {IMMATURE_SHARE:.0f}% of the offences recorded have no outcome "
                         f"yet for {listed}; their rates may still rise as outcomes are assigned, and their ranks "
                         "move.")
        notes.append(CITATION)
        if self.release:
            notes.append(f"Release: {self.release}.")
        meta = {"command": "rank", "measure": self.measure, "period_end": self.period_end,
                "offence_group": self.group, "funnel": self.funnel.method, "tau": self.funnel.tau,
                "overdispersion": self.funnel.phi, "as_at": self.as_at}
        return Result(f"{what}: forces ranked, {periods.label(self.period_end)}", self.rows,
                      [Section(["Rank", "Force", "Rate", "Outcomes", "Offences", "Not yet assigned %",
                                "Funnel position"], table,
                               ["right", "left", "right", "right", "right", "right", "left"])], notes, meta)


def rank_outcomes(data: Dataset, measure: str, to: date | str | None = None, group: str | None = None,
                  force_codes: list[str] | None = None, funnel: str = "additive") -> OutcomeRanking:
    """Rank forces by an outcome measure (``charge_rate`` ...), highest first; equal rates share a rank.

    ``funnel`` means what it means for crime rates (``analyses.rank.rank``): ``"additive"`` (random effects on
    the logit scale, tau from all 43 forces), ``"multiplicative"`` (phi on the binomial variance) or
    ``"poisson"`` (no allowance: binomial limits).
    """
    found = require_outcomes(data)
    group = check_group(found, group)
    end = resolve_period(found, to)
    territorial = [f.code for f in data.registry.territorial]
    codes = force_codes or territorial
    rates = {c: outcome_row(data, measure, c, end, group) for c in set(codes) | set(territorial)}
    whole = outcome_row(data, measure, ENGLAND_AND_WALES_CODE, end, group)
    pending = {c: outcome_row(data, "not_yet_assigned_rate", c, end, group)
               for c in codes + [ENGLAND_AND_WALES_CODE]}
    entries, shape = rank_entries(measure, end, rates, whole, codes, territorial, funnel)
    release = data.release
    return OutcomeRanking(measure, end, group, entries, whole, release.name if release is not None else None,
                          shape, pending, release.published if release is not None else None)


def rank_entries(measure: str, end: date, rates: dict[str, Row], whole: Row, codes: list[str],
                 territorial: list[str], funnel: str = "additive") -> tuple[list[tuple[int | None, Row, Row]],
                                                                           ProportionFunnel]:
    """Forces' outcome rates ranked (highest first; equal rates share a rank; forces without a rate last), each
    with its position on the funnel for proportions around England and Wales's (the spread between forces
    estimated from all of ``territorial``), and a rank row; shared by every outcome rate (the one-year outcome
    file's and the outcomes series')."""
    from ..metrics.proportion import FUNNEL_METHODS, proportion_funnel_position, proportion_funnel_z
    from .rank import competition_ranks

    if funnel not in FUNNEL_METHODS:
        raise ValueError(f"funnel must be one of {', '.join(FUNNEL_METHODS)}, not {funnel!r}")
    ranks = competition_ranks({c: rates[c].value for c in codes if rates[c].value is not None},  # type: ignore[misc]
                              {c: rates[c].area for c in codes})
    order = sorted(ranks, key=lambda c: (ranks[c], rates[c].area)) + sorted(
        (c for c in codes if c not in ranks), key=lambda c: rates[c].area)
    target = whole.value / 100 if whole.value is not None else None
    shape = _proportion_funnel(funnel, [rates[c] for c in territorial], target)
    tau2 = (shape.tau or 0.0) ** 2
    entries = []
    for code in order:
        rate = rates[code]
        if target is not None and 0 < target < 1 and rate.value is not None and rate.denominator:
            rate.verdict = proportion_funnel_position(rate.numerator, rate.denominator, target, shape.method,  # type: ignore[arg-type]
                                                      tau2, shape.phi or 1.0)
            rate.comparator = ENGLAND_AND_WALES
            if shape.method == "additive":
                rate.z = proportion_funnel_z(rate.numerator, rate.denominator, target, tau2)  # type: ignore[arg-type]
                rate.tau = shape.tau
        position = Row(code, rate.area, measure, "rank", end, value=ranks.get(code), denominator=len(ranks),
                       note="" if code in ranks else rate.note, label=rate.label)
        entries.append((ranks.get(code), rate, position))
    return entries, shape
