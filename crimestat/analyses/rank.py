"""``crimestat rank``: every force's rate for a measure, ranked, with changes and funnel-plot positions."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

import numpy as np

from .. import periods
from ..classification import MeasureInfo
from .base import Periods, choose_periods
from .figures import change_row, larger_than_chance, rate_row
from ..forces import ENGLAND_AND_WALES, ENGLAND_AND_WALES_CODE
from ..metrics.poisson import FUNNEL_LEVELS, funnel_limit, funnel_position, overdispersed_limit, overdispersion
from ..rows import Cell, Result, Row, Section

if TYPE_CHECKING:
    from ..dataset import Dataset
    from ..sources import Source


@dataclass
class Funnel:
    """What the funnel plot needs: points, limit curves and the England and Wales rate (per 1,000)."""

    points: list[dict]
    limits: dict[str, tuple]  # level -> (denominators, lower rates, upper rates)
    target: float


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

    @property
    def rows(self) -> list[Row]:
        rows: list[Row] = []
        for e in self.entries:
            rows += [e.rate, e.position, e.year, e.base]
        whole = self.england_and_wales
        return rows + [whole.rate, whole.year, whole.base]

    def to_frame(self):
        from ..rows import rows_frame

        return rows_frame(self.rows)

    def view(self) -> Result:
        info, chosen, phi = self.measure, self.periods, self.phi
        table = [_line(e.rank, e.rate, e.year, e.base) for e in self.entries]
        whole = self.england_and_wales
        table.append(_line(None, whole.rate, whole.year, whole.base))
        headers = ["Rank", "Force", f"Rate {info.unit}", f"Change on {periods.label(chosen.year_before)}",
                   f"Change on {periods.label(chosen.baseline)}", "Funnel position"]
        notes = [
            f"{periods.label(chosen.current)}. Rank 1 is the highest rate; equal rates share a rank.",
            "† change larger than chance variation in counts would give (exact Poisson test, p < 0.05).",
            "Funnel position: the force's rate against control limits around England and Wales's rate for its "
            "population (Spiegelhalter 2005, Poisson counts); 'within' means within the 95% limits." + (
                f" Limits widened for overdispersion: phi = {phi:.1f} (Winsorised 10%), so the spread between "
                "forces is that many times the Poisson variance." if phi is not None else
                " Recorded crime varies between forces far more than Poisson counts do: --overdispersion widens the "
                "limits for that."),
            self.source.cite("ONS mid-year population estimates"),
        ]
        title = f"{info.label}: forces ranked by rate {info.unit}, {periods.label(chosen.current)}"
        meta = {"command": "rank", "measure": info.measure, "overdispersion": phi, "period_end": chosen.current,
                "baseline_period_end": chosen.baseline, "year_before_period_end": chosen.year_before,
                "forces": self.forces, "sources": self.files}
        if self.release is not None:
            meta["release"] = self.release
        section = Section(headers, table, ["right", "left", "right", "right", "right", "left"])
        return Result(title, self.rows, [section], notes, meta)


def rank(data: Dataset, measure: str | None = None, to: date | str | None = None,
         baseline: date | str | None = None, population_year: int | None = None,
         force_codes: list[str] | None = None, adjust_overdispersion: bool = False,
         chosen: Periods | None = None) -> Ranking:
    """Rank forces (default: all 43) by their rate, highest first; equal rates share a rank.

    With ``adjust_overdispersion`` the funnel limits are widened by Spiegelhalter's overdispersion factor,
    estimated from the forces ranked.
    """
    measure = measure or data.source.trend_measure
    data.classification.check(measure)
    chosen = chosen or choose_periods(data, to, baseline)
    info = data.classification.describe(measure)
    codes = force_codes or [f.code for f in data.registry.territorial]
    rates = {c: rate_row(data, measure, c, chosen.current, population_year) for c in codes}
    whole = rate_row(data, measure, ENGLAND_AND_WALES_CODE, chosen.current, population_year)
    year = {c: change_row(data, measure, c, chosen.current, chosen.year_before) for c in codes + [ENGLAND_AND_WALES_CODE]}
    base = {c: change_row(data, measure, c, chosen.current, chosen.baseline) for c in codes + [ENGLAND_AND_WALES_CODE]}

    ranks = competition_ranks({c: r.value for c, r in rates.items() if r.value is not None},
                              {c: r.area for c, r in rates.items()})
    ranked = sorted(ranks, key=lambda c: (ranks[c], rates[c].area))
    unranked = sorted((c for c in codes if rates[c].value is None), key=lambda c: rates[c].area)

    target = whole.value / 1000 if whole.value is not None else None
    usable = [(r.value / 1000, r.denominator) for r in rates.values()
              if r.value is not None and r.denominator and (r.numerator or 0) >= 0]
    phi = None
    if adjust_overdispersion and target is not None and len(usable) >= 3:
        phi = overdispersion([v for v, _ in usable], [n for _, n in usable], target)
    entries: list[RankEntry] = []
    points: list[dict] = []
    for code in ranked + unranked:
        rate = rates[code]
        if target is not None and rate.value is not None and rate.numerator is not None and rate.numerator >= 0:
            rate.verdict = funnel_position(rate.numerator, rate.denominator, target, phi)  # type: ignore[arg-type]
            rate.comparator = ENGLAND_AND_WALES
            points.append({"name": rate.area, "denominator": rate.denominator, "rate": rate.value,
                           "position": rate.verdict})
        position = Row(code, rate.area, measure, "rank", chosen.current, value=ranks.get(code),
                       denominator=len(ranked), note="" if code in ranks else rate.note)
        entries.append(RankEntry(code, ranks.get(code), rate, position, year[code], base[code]))
    whole_entry = RankEntry(ENGLAND_AND_WALES_CODE, None, whole, Row(ENGLAND_AND_WALES_CODE, ENGLAND_AND_WALES,
                            measure, "rank", chosen.current), year[ENGLAND_AND_WALES_CODE], base[ENGLAND_AND_WALES_CODE])

    limits: dict[str, tuple] = {}
    if target is not None and points:
        denominators = [float(p["denominator"]) for p in points]
        xs = np.geomspace(min(denominators) / 1.5, max(denominators) * 1.5, 200)
        for level, (low_p, high_p) in FUNNEL_LEVELS.items():
            if phi is None:
                limits[level] = (xs, funnel_limit(target, xs, low_p) * 1000, funnel_limit(target, xs, high_p) * 1000)
            else:
                limits[level] = (xs, overdispersed_limit(target, xs, low_p, phi) * 1000,
                                 overdispersed_limit(target, xs, high_p, phi) * 1000)
    return Ranking(info, chosen, entries, whole_entry, Funnel(points, limits, whole.value or 0.0), phi, data.source,
                   len(codes), dict(data.files), data.release.name if data.release is not None else None)


def competition_ranks(values: dict[str, float], names: dict[str, str]) -> dict[str, int]:
    """Rank 1 for the highest value; equal values share the better rank and the next rank is skipped
    (1, 2, 2, 4), as league tables do. Ties are listed by name."""
    order = sorted(values, key=lambda k: (-values[k], names.get(k, k)))
    ranks: dict[str, int] = {}
    for i, key in enumerate(order):
        tied = i > 0 and values[key] == values[order[i - 1]]
        ranks[key] = ranks[order[i - 1]] if tied else i + 1
    return ranks


def _line(position: int | None, rate: Row, year: Row, base: Row) -> list[Cell]:
    def note(row: Row, what: str) -> str:
        return "" if row.value is not None else f"{row.area}, {what}: {row.note}"

    return [
        Cell("" if position is None else str(position)),
        Cell(rate.area),
        Cell(rate.value, "rate", note(rate, "rate")),
        Cell(year.value, "change", note(year, "change on the year"), "†" if larger_than_chance(year) else ""),
        Cell(base.value, "change", note(base, "change on the baseline"), "†" if larger_than_chance(base) else ""),
        Cell(rate.verdict, "text"),
    ]
