"""``crimestat rank``: every force's rate for a measure, ranked, with changes and funnel-plot positions."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

import numpy as np

from ..errors import UsageError
from ..model import periods
from ..model.classification import MeasureInfo
from ..model.recording_changes import RecordingChange, straddles
from .base import Periods, choose_periods
from .changes import SMALL_NUMBERS, ChangeTests, by_chance, change_tests, estimator_name
from .figures import (SMALL_MARK, change_row, differs_from_england_and_wales, rate_row, small_denominator,
                      small_population_note)
from ..model.forces import ENGLAND_AND_WALES, ENGLAND_AND_WALES_CODE
from ..metrics.overdispersion import additive_funnel_limit, additive_funnel_position, rate_tau2
from ..metrics.poisson import FUNNEL_LEVELS, funnel_limit, funnel_position, overdispersed_limit, overdispersion
from ..metrics.ranks import DRAWS, rank_intervals
from ..metrics.rates import default_per, per_label
from ..metrics.rounding import round_half_up
from ..results import Cell, Result, Row, Section

#: How funnel limits allow for the spread between forces: Spiegelhalter's additive (random-effects)
#: overdispersion (the default), his multiplicative factor phi, or none (plain Poisson limits).
FUNNEL_METHODS = ("additive", "multiplicative", "poisson")
FORCE_MARK = "◀"
RANK_BY = ("rate", "change")

if TYPE_CHECKING:
    from ..dataset import Dataset
    from ..sources import Source


@dataclass
class Funnel:
    """What the funnel plot needs: points, limit curves and the England and Wales rate (per 1,000)."""

    points: list[dict]
    limits: dict[str, tuple]  # level -> (denominators, lower rates, upper rates)
    target: float
    method: str = "poisson"  # the limits drawn: "additive", "multiplicative" or "poisson"
    tau: float | None = None  # additive: the spread between forces' log rates
    phi: float | None = None  # multiplicative: the factor on the Poisson variance
    why: str = ""  # why the limits are Poisson ones when overdispersion was asked for
    forces: int = 43  # how many territorial forces the spread was estimated from: counted, never assumed

    def describe(self) -> str:
        """One sentence for the chart and the notes: how the limits allow for the spread between forces."""
        if self.method == "additive":
            return (f"limits widened for overdispersion between forces (additive, tau = {round_half_up(self.tau or 0.0, 3)}, "
                    f"all {self.forces} forces)")
        if self.method == "multiplicative":
            return f"limits widened for overdispersion (multiplicative, phi = {round_half_up(self.phi or 0.0, 1)})"
        return "Poisson limits" + (f" ({self.why})" if self.why else "")


@dataclass
class RankEntry:
    """One force's place: its rank (None when it has no rate), rate, changes and funnel position."""

    code: str
    rank: int | None
    rate: Row
    position: Row  # the rank as a tidy row
    year: Row
    base: Row


@dataclass
class Ranking:
    """Every force's rate for a measure, ranked, with England and Wales and the funnel plot's inputs."""

    measure: MeasureInfo
    periods: Periods
    entries: list[RankEntry]
    england_and_wales: RankEntry
    funnel: Funnel
    phi: float | None
    source: Source
    forces: int
    files: dict[str, str] = field(default_factory=dict)
    release: str | None = None
    per: int = 1000
    force: str | None = None  # the code of the force asked about, marked in the table and the plot
    change_tests: list[ChangeTests] = field(default_factory=list)  # on the year, on the baseline
    interval_note: str = ""  # how the rank intervals were simulated, or why there are none
    by: str = "rate"  # what the forces are ranked by: "rate", or "change" (the % change from ``ranked_base``)
    ranked_base: date | None = None  # by change: the period the ranked change is from
    recording_changes: list[RecordingChange] = field(default_factory=list)  # straddled by the changes shown

    @property
    def unit(self) -> str:
        return f"per {per_label(self.per)} {self.measure.denominator}"

    def funnel_title(self) -> str:
        """The funnel plot's title, saying how its limits allow for the spread between forces."""
        return (f"{self.measure.label}, rate {self.unit}: funnel plot, {periods.label(self.periods.current)}\n"
                + self.funnel.describe())

    @property
    def rows(self) -> list[Row]:
        rows: list[Row] = []
        for e in self.entries:
            rows += [e.rate, e.position, e.year, e.base]
        whole = self.england_and_wales
        return rows + [whole.rate, whole.year, whole.base]

    def to_frame(self):
        from ..results import rows_frame

        return rows_frame(self.rows)

    def view(self) -> Result:
        info, chosen, funnel = self.measure, self.periods, self.funnel
        table = [_line(e.rank, e.rate, e.year, e.base, e.code == self.force, e.position) for e in self.entries]
        whole = self.england_and_wales
        table.append(_line(None, whole.rate, whole.year, whole.base, False))
        headers = ["Rank (95% interval)" if any(e.position.ci_low is not None for e in self.entries) else "Rank", "Force", f"Rate {self.unit}", f"Change on {periods.label(chosen.year_before)}",
                   f"Change on {periods.label(chosen.baseline)}", "Funnel position"]
        if self.by == "change":
            notes = [f"{periods.label(chosen.current)}. Ranked by the change in {info.label.lower()} on the "
                     f"{periods.label(self.ranked_base)}: rank 1 is the largest rise (or the smallest fall); equal "  # type: ignore[arg-type]
                     "changes share a rank."]
        else:
            notes = [f"{periods.label(chosen.current)}. Rank 1 is the highest rate; equal rates share a rank."]
        if self.interval_note:
            notes.append(self.interval_note)
        if self.force is not None:
            name = next((e.rate.area for e in self.entries if e.code == self.force), self.force)
            notes.append(f"{FORCE_MARK} {name}, the force asked about.")
        notes += self._change_notes()
        notes += [f"§ The changes from the {periods.label(base)} straddle a registered recording change, so part of "
                  f"each is a change in recording. {change.describe()}" for base, change in self._straddled()]
        notes.append(
            "Funnel position: the force's rate against 95% and 99.8% control limits around England and Wales's rate "
            "for its population (Spiegelhalter 2005); 'within' means within the 95% limits. " + {
                "additive": f"The limits allow for the spread between forces (additive overdispersion, tau = "
                            f"{round_half_up(funnel.tau or 0.0, 3)} on the log rate, {estimator_name()} from all "
                            f"{funnel.forces} forces), so a force outside them stands out from the spread forces "
                            f"normally show; by chance alone about {round(funnel.forces * 0.05)} of the {funnel.forces} "
                            "would lie outside the 95% limits. CSV carries each force's z and tau.",
                "multiplicative": f"Limits widened for overdispersion: phi = {round_half_up(funnel.phi or 0.0, 1)} "
                                  f"(Winsorised 10%, all {funnel.forces} forces), so the spread between forces is that many times "
                                  "the Poisson variance.",
                "poisson": "Poisson limits" + (f" ({funnel.why})" if funnel.why else "") +
                           ": against these, recorded crime usually puts most forces outside, since forces differ "
                           "far more than Poisson counts do.",
            }[funnel.method])
        small = [e.rate for e in self.entries if small_denominator(e.rate)]
        if small:
            notes.append(small_population_note(small, self.measure.denominator))
        notes.append(self.source.cite("ONS mid-year population estimates"))
        title = f"{info.label}: forces ranked by rate {self.unit}, {periods.label(chosen.current)}"
        if self.by == "change":
            title = (f"{info.label}: forces ranked by change from the {periods.label(self.ranked_base)} to the "  # type: ignore[arg-type]
                     f"{periods.label(chosen.current)}")
        meta = {"command": "rank", "by": self.by, "measure": info.measure, "per": self.per, "funnel": funnel.method,
                "tau": funnel.tau, "overdispersion": self.phi, "period_end": chosen.current,
                "baseline_period_end": chosen.baseline, "year_before_period_end": chosen.year_before,
                "forces": self.forces, "sources": self.files}
        if self.release is not None:
            meta["release"] = self.release
        section = Section(headers, table, ["right", "left", "right", "right", "right", "left"])
        return Result(title, self.rows, [section], notes, meta)

    def _straddled(self) -> list[tuple[date, RecordingChange]]:
        """(base, change) for each registered recording change a change column straddles."""
        found = []
        for base in (self.periods.year_before, self.periods.baseline):
            for change in self.recording_changes:
                if straddles(change, base, self.periods.current) and (base, change) not in found:
                    found.append((base, change))
        return found

    def _change_notes(self) -> list[str]:
        taus, reasons = [], []
        for tests in self.change_tests:
            if tests.tau is not None:
                taus.append(f"from {tests.base:%B %Y} {round_half_up(tests.tau, 3)}")
            else:
                reasons.append(f"Change on the {periods.label(tests.base)}: {tests.reason}.")
        notes = []
        if taus:
            notes.append("† the force's change differs from England and Wales's by more than forces' changes "
                         "usually do: |z| > 1.96, z comparing the two changes with the spread between the "
                         f"{self.funnel.forces} forces' "
                         f"changes allowed for (tau, on the log scale, by {estimator_name()}: {'; '.join(taus)}); "
                         f"{by_chance(self.funnel.forces)}. CSV and JSON say differs in verdict and carry z, p_value and tau, and the "
                         "exact Poisson test of each change as p_value_poisson.")
        small = [e for e in self.entries for row in (e.year, e.base)
                 if row.value is not None and row.note.startswith("small")]
        if small:
            names = ", ".join(dict.fromkeys(e.rate.area for e in small))
            notes.append(f"Small numbers: {names} had fewer than {SMALL_NUMBERS} crimes in a period compared, so "
                         "those changes are not judged (never marked †).")
        return notes + reasons


def rank(data: Dataset, measure: str | None = None, to: date | str | None = None,
         baseline: date | str | None = None, population_year: int | None = None,
         force_codes: list[str] | None = None, adjust_overdispersion: bool = False,
         chosen: Periods | None = None, funnel: str = "additive", force: str | None = None,
         per: int | None = None, by: str = "rate") -> Ranking:
    """Rank forces (default: all 43) by their rate, highest first; equal rates share a rank.

    ``funnel`` says how the funnel limits allow for the spread between forces: ``"additive"`` (the
    default: Spiegelhalter's random-effects overdispersion, tau estimated from all 43 forces; Poisson limits
    when the rates are not overdispersed), ``"multiplicative"`` (his factor phi, also from all 43) or
    ``"poisson"``. ``adjust_overdispersion`` is the older name for ``funnel="multiplicative"``. Estimates
    always come from all 43 forces, never from the ``force_codes`` shown. ``force`` (a code) is marked in the
    table and the plot. ``per``: the rate's base (default: 1,000, or the measure's ONS base, homicide per
    million). ``by``: ``"rate"`` (the default), or ``"change"``: ranked by the percentage change from
    ``baseline`` when it is given, else from the year before (rank 1 the largest rise), with the change test
    against England and Wales beside it.
    """
    if by not in RANK_BY:
        raise UsageError(f"is not a way to rank; expected one of {', '.join(RANK_BY)}", parameter="by", value=by)
    measure = data.measure(measure) if measure else data.source.trend_measure
    if adjust_overdispersion:
        funnel = "multiplicative"
    if funnel not in FUNNEL_METHODS:
        raise ValueError(f"funnel must be one of {', '.join(FUNNEL_METHODS)}, not {funnel!r}")
    chosen = chosen or choose_periods(data, to, baseline)
    per = per or default_per(measure)
    info = data.classification.describe(measure)
    territorial = [f.code for f in data.registry.territorial]
    codes = force_codes or territorial
    rates = {c: rate_row(data, measure, c, chosen.current, population_year, per) for c in set(codes) | set(territorial)}
    whole = rate_row(data, measure, ENGLAND_AND_WALES_CODE, chosen.current, population_year, per)
    year = {c: change_row(data, measure, c, chosen.current, chosen.year_before) for c in codes + [ENGLAND_AND_WALES_CODE]}
    base = {c: change_row(data, measure, c, chosen.current, chosen.baseline) for c in codes + [ENGLAND_AND_WALES_CODE]}

    ranked_base = None
    ranked_on = rates
    if by == "change":
        ranked_base = chosen.baseline if baseline is not None else chosen.year_before
        ranked_on = base if ranked_base == chosen.baseline else year
    ranks = competition_ranks({c: ranked_on[c].value for c in codes if ranked_on[c].value is not None},  # type: ignore[misc]
                              {c: rates[c].area for c in codes})
    ranked = sorted(ranks, key=lambda c: (ranks[c], rates[c].area))
    unranked = sorted((c for c in codes if ranked_on[c].value is None), key=lambda c: rates[c].area)

    target = whole.value / per if whole.value is not None else None
    shape = _funnel_shape(funnel, [rates[c] for c in territorial], target, per)
    entries: list[RankEntry] = []
    points: list[dict] = []
    for code in ranked + unranked:
        rate = rates[code]
        if target is not None and rate.value is not None and rate.numerator is not None and rate.numerator >= 0:
            n, people = rate.numerator, rate.denominator
            if shape.method == "additive":
                rate.verdict = additive_funnel_position(n, people, target, shape.tau ** 2)  # type: ignore[arg-type, operator]
                if n > 0:
                    rate.z = math.log(n / people / target) / math.sqrt(1 / (target * people) + shape.tau ** 2)  # type: ignore[operator]
                rate.tau = shape.tau
            else:
                rate.verdict = funnel_position(n, people, target, shape.phi)  # type: ignore[arg-type]
            rate.comparator = ENGLAND_AND_WALES
            points.append({"name": rate.area, "denominator": rate.denominator, "rate": rate.value,
                           "position": rate.verdict, "small": small_denominator(rate), "highlight": code == force})
        position = Row(code, rate.area, measure, "rank", chosen.current, ranked_base, value=ranks.get(code),
                       denominator=len(ranked), note="" if code in ranks else ranked_on[code].note)
        entries.append(RankEntry(code, ranks.get(code), rate, position, year[code], base[code]))
    whole_entry = RankEntry(ENGLAND_AND_WALES_CODE, None, whole, Row(ENGLAND_AND_WALES_CODE, ENGLAND_AND_WALES,
                            measure, "rank", chosen.current), year[ENGLAND_AND_WALES_CODE], base[ENGLAND_AND_WALES_CODE])

    if target is not None and points:
        # A small resident population (City of London) does not stretch the plot: drawn at its edge.
        denominators = [float(p["denominator"]) for p in points if not p["small"]] or \
            [float(p["denominator"]) for p in points]
        xs = np.geomspace(min(denominators) / 1.5, max(denominators) * 1.5, 200)
        for level, (low_p, high_p) in FUNNEL_LEVELS.items():
            if shape.method == "additive":
                tau2 = shape.tau ** 2  # type: ignore[operator]
                bounds = additive_funnel_limit(target, xs, low_p, tau2), additive_funnel_limit(target, xs, high_p, tau2)
            elif shape.method == "multiplicative":
                bounds = (overdispersed_limit(target, xs, low_p, shape.phi),  # type: ignore[arg-type]
                          overdispersed_limit(target, xs, high_p, shape.phi))  # type: ignore[arg-type]
            else:
                bounds = funnel_limit(target, xs, low_p), funnel_limit(target, xs, high_p)
            shape.limits[level] = (xs, np.asarray(bounds[0]) * per, np.asarray(bounds[1]) * per)
    shape.points, shape.target = points, whole.value or 0.0
    # The simulated intervals are for places by rate; a place by change has none (its test is beside it).
    interval_note = _rank_intervals(entries, [rates[c] for c in territorial], target) if by == "rate" else ""
    tests = [change_tests(data, measure, chosen.current, b) for b in (chosen.year_before, chosen.baseline)]
    straddled = {c.id: c for b in (chosen.year_before, chosen.baseline)
                 for c in data.straddled(measure, b, chosen.current)}
    return Ranking(info, chosen, entries, whole_entry, shape, shape.phi, data.source, len(codes), dict(data.files),
                   data.release.name if data.release is not None else None, per, force, tests, interval_note,
                   by=by, ranked_base=ranked_base, recording_changes=list(straddled.values()))


def _rank_intervals(entries: list[RankEntry], rates: list[Row], target: float | None) -> str:
    """Put a 95% interval on each ranked force's place (``ci_low``/``ci_high`` of its rank row), simulated from
    the random-effects model of all 43 forces' log rates; returns the note saying how, or why there are none.

    The forces ranked may be a peer group: each draw ranks the group's forces among themselves, as the table
    does, with tau from all 43."""
    ranked = [e for e in entries if e.rank is not None]
    if not ranked:
        return ""
    if target is None or target <= 0:
        return "Rank intervals: none, as England and Wales has no rate."
    if any(r.value is None or r.numerator is None or not r.denominator or r.numerator < 0 for r in rates):
        return "Rank intervals: none, as not every force has a rate to estimate the spread between forces from."
    try:
        estimate = rate_tau2([float(r.numerator) for r in rates], [float(r.denominator) for r in rates],  # type: ignore[arg-type]
                             target)
    except ValueError as exc:
        return f"Rank intervals: none ({exc})."
    # A force with no crimes has no log rate: half a crime stands in for it (the usual continuity correction).
    counts = [max(float(e.rate.numerator), 0.5) for e in ranked]  # type: ignore[arg-type]
    y = [math.log(c / float(e.rate.denominator)) for c, e in zip(counts, ranked)]  # type: ignore[arg-type]
    low, high = rank_intervals(y, [1 / c for c in counts], math.log(target), estimate.tau2)
    for e, lo, hi in zip(ranked, low, high):
        e.position.ci_low, e.position.ci_high = float(lo), float(hi)
    return ("Rank (95% interval): each force's place with the range of places it takes in 95% of "
            f"{DRAWS:,} simulations of the forces' true rates from the random-effects model (each force's rate "
            f"drawn given its count, tau = {round_half_up(estimate.tau, 3)} between forces; Goldstein and "
            "Spiegelhalter 1996). Places a few apart are not reliably different.")


def _funnel_shape(method: str, rates: list[Row], target: float | None, per: int) -> Funnel:
    """How the limits allow for the spread between forces, estimated from all 43 forces' rates."""
    shape = Funnel([], {}, 0.0, "poisson", forces=len(rates))
    if method == "poisson":
        return shape
    if target is None or target <= 0:
        shape.why = "England and Wales has no rate, so the spread between forces was not estimated"
        return shape
    missing = [r.area for r in rates if r.value is None or r.numerator is None or not r.denominator]
    if missing:
        shape.why = (f"{len(missing)} of the {len(rates)} forces have no rate ({', '.join(missing[:3])}"
                     f"{' and more' if len(missing) > 3 else ''}), and the spread between forces is estimated "
                     "from all of them")
        return shape
    counts = [float(r.numerator) for r in rates]  # type: ignore[arg-type]
    people = [float(r.denominator) for r in rates]  # type: ignore[arg-type]
    if method == "multiplicative":
        shape.method, shape.phi = "multiplicative", overdispersion([c / n for c, n in zip(counts, people)], people,
                                                                   target)
        return shape
    try:
        estimate = rate_tau2(counts, people, target, names=[r.area for r in rates])
    except ValueError as exc:
        shape.why = f"the spread between forces could not be estimated: {exc}"
        return shape
    if not estimate.overdispersed:
        shape.why = "the forces' rates vary no more than Poisson counts would (tau = 0)"
        return shape
    shape.method, shape.tau = "additive", estimate.tau
    return shape


def competition_ranks(values: dict[str, float], names: dict[str, str]) -> dict[str, int]:
    """Rank 1 for the highest value; equal values share the better rank and the next rank is skipped
    (1, 2, 2, 4), as league tables do. Ties are listed by name."""
    order = sorted(values, key=lambda k: (-values[k], names.get(k, k)))
    ranks: dict[str, int] = {}
    for i, key in enumerate(order):
        tied = i > 0 and values[key] == values[order[i - 1]]
        ranks[key] = ranks[order[i - 1]] if tied else i + 1
    return ranks


def place(position: int | None, row: Row | None = None) -> str:
    """A rank as shown: "12 (8-17)" with its interval, "12" without one, "" for none."""
    if position is None:
        return ""
    if row is None or row.ci_low is None or row.ci_high is None:
        return str(position)
    low, high = int(row.ci_low), int(row.ci_high)
    return f"{position} ({low}-{high})" if low != high else f"{position} ({low})"


def _line(position: int | None, rate: Row, year: Row, base: Row, asked: bool, rank_row: Row | None = None) -> list[Cell]:
    def note(row: Row, what: str) -> str:
        return "" if row.value is not None else f"{row.area}, {what}: {row.note}"

    def mark(row: Row) -> str:
        return "†" if differs_from_england_and_wales(row) else ""

    return [
        Cell(place(position, rank_row)),
        Cell(rate.area, marker=f" {FORCE_MARK}" if asked else ""),
        Cell(rate.value, "rate", note(rate, "rate"), SMALL_MARK if small_denominator(rate) else ""),
        Cell(year.value, "change", note(year, "change on the year"), mark(year)),
        Cell(base.value, "change", note(base, "change on the baseline"), mark(base)),
        Cell(rate.verdict, "text"),
    ]
