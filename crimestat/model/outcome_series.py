"""The outcomes series: charge, out-of-court and positive outcome rates for every force and quarter, on two bases.

The Home Office outcomes data count each outcome on two bases:

- **closed**: outcomes assigned in the period, whenever the crime was recorded ("of investigations closed in
  the 12 months"). Complete when published; the basis for trends.
- **recorded**: outcomes so far of the offences recorded in the period. Crimes recorded recently are still
  being investigated, so the latest quarters fill in with each release (immature).

A rate here is outcomes of a kind (charge/summons, out-of-court, positive = the two together) as a
percentage of all outcomes assigned on the same basis, for crimes excluding fraud, over the four quarters of a
12-month period. England and Wales is the 43 territorial forces summed (never British Transport Police).

**Gaps are missing, never zero.** The series writes 0 where a force supplied no data, and some quarters hold
only part of a force's outcomes. A quarter whose outcomes assigned (on that basis) are below a quarter of the
force's median quarter is taken as not supplied (``metrics.plausibility.below_usual``): every 12-month
figure of that force needing it is unavailable, with the reason. England and Wales for such a period is
computed over the forces that have all four quarters, the others named in the note, as the Home Office did
when it left Greater Manchester out of national totals for 2019/20; such a figure is not comparable with
periods that have all 43 forces, and says so.

Pure computation: no file is read here (``sources.outcome_series`` reads the files).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np

from ..errors import UnknownMeasureError
from .forces import ENGLAND_AND_WALES, ENGLAND_AND_WALES_CODE, Registry
from ..metrics.plausibility import FRACTION, below_usual, row_median
from .outcomes import quarter_label, quarters_of

BASES = ("closed", "recorded")
SCOPES = ("all", "ex_fraud")
OUTCOME_TYPES = (1, 2, 3, 6, 7, 8, 22)
COUNTS = ("t1", "t2", "t3", "t6", "t7", "t8", "t22", "oocd", "positive", "assigned")
_COUNT = {c: i for i, c in enumerate(COUNTS)}
_EX_FRAUD = SCOPES.index("ex_fraud")


@dataclass
class SeriesTable:
    """The quarter file as arrays: counts[area, quarter, basis, scope, count] (``BASES``, ``SCOPES``, ``COUNTS``)."""

    areas: list[str]
    quarters: list[date]
    counts: np.ndarray


@dataclass
class GroupTable:
    """The year file: counts[area, year, offence group, basis, kind (charge, oocd)]; present[area, year]."""

    areas: list[str]
    years: list[int]  # the calendar year each financial year starts in
    groups: list[str]
    counts: np.ndarray
    present: np.ndarray


@dataclass(frozen=True)
class SeriesMeasure:
    """An outcome rate of the series: which count over outcomes assigned, on which basis."""

    name: str
    basis: str
    count: str
    what: str  # "Charge/summons rate"

    @property
    def label(self) -> str:
        return f"{self.what}, {BASIS_WORDS[self.basis]} (crimes excluding fraud)"


BASIS_WORDS = {
    "closed": "of investigations closed in the 12 months",
    "recorded": "of outcomes so far for crimes recorded in the 12 months",
}
MEASURES = {m.name: m for m in (
    SeriesMeasure("charge_rate_closed", "closed", "t1", "Charge/summons rate"),
    SeriesMeasure("out_of_court_rate_closed", "closed", "oocd", "Out-of-court outcome rate"),
    SeriesMeasure("positive_outcome_rate_closed", "closed", "positive", "Positive outcome rate"),
    SeriesMeasure("charge_rate_recorded", "recorded", "t1", "Charge/summons rate"),
    SeriesMeasure("out_of_court_rate_recorded", "recorded", "oocd", "Out-of-court outcome rate"),
    SeriesMeasure("positive_outcome_rate_recorded", "recorded", "positive", "Positive outcome rate"),
)}


def is_series_measure(name: str | None) -> bool:
    return name in MEASURES


def series_measure(name: str) -> SeriesMeasure:
    try:
        return MEASURES[name]
    except KeyError:
        raise UnknownMeasureError(f"unknown outcomes series measure '{name}'; expected one of "
                                  f"{', '.join(MEASURES)}") from None


def financial_year(quarter_end: date) -> int:
    """The calendar year a quarter's financial year starts in (the quarter to March 2020 is in 2019/20)."""
    return quarter_end.year - 1 if quarter_end.month <= 3 else quarter_end.year


def year_label(start: int) -> str:
    return f"{start}/{(start + 1) % 100:02d}"


@dataclass(frozen=True)
class SeriesValue:
    """A rate (percent, unrounded) with its outcomes and outcomes assigned, or the reason there is none.

    ``left_out`` names the forces an England and Wales figure is computed without; ``immature`` says a
    recorded-basis figure includes quarters whose outcomes are still being assigned.
    """

    numerator: int | None
    denominator: int | None
    value_percent: float | None
    note: str = ""
    left_out: tuple[str, ...] = ()
    immature: bool = False

    @property
    def ok(self) -> bool:
        return self.value_percent is not None


@dataclass
class OutcomeSeries:
    """Rates of the outcomes series for any force (or England and Wales) and 12-month period ending in a quarter."""

    table: SeriesTable
    registry: Registry
    groups: GroupTable | None = None
    _area: dict[str, int] = field(default_factory=dict, init=False, repr=False)
    _quarter: dict[date, int] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        self._area = {a: i for i, a in enumerate(self.table.areas)}
        self._quarter = {q: i for i, q in enumerate(self.table.quarters)}
        assigned = self.table.counts[:, :, :, _EX_FRAUD, _COUNT["assigned"]]
        # gaps[area, quarter, basis]: the plausibility rule, basis by basis, on outcomes assigned.
        self.gaps = np.stack([below_usual(assigned[:, :, b]) for b in range(len(BASES))], axis=-1)
        self.usual = np.stack([row_median(assigned[:, :, b]) for b in range(len(BASES))], axis=-1)  # [area, basis]
        self.territorial = [f.code for f in self.registry.territorial]

    # -- what the series covers ------------------------------------------------------------------------

    @property
    def quarters(self) -> list[date]:
        return list(self.table.quarters)

    @property
    def periods(self) -> list[date]:
        """Every 12-month period end the series has four quarters for, oldest first."""
        quarters = self.table.quarters
        return [q for q in quarters if all(p in self._quarter for p in quarters_of(q))]

    @property
    def latest_quarters(self) -> list[date]:
        """The series' latest four quarters: on the recorded basis, still filling in."""
        return self.table.quarters[-4:]

    def gap_list(self, basis: str) -> list[tuple[str, date]]:
        """Every (force code, quarter end) the plausibility rule takes as not supplied on ``basis``."""
        b = BASES.index(basis)
        return [(self.table.areas[a], self.table.quarters[q]) for a, q in zip(*np.nonzero(self.gaps[:, :, b]))]

    # -- values -----------------------------------------------------------------------------------------

    def value(self, measure: str, area_code: str, period_end: date) -> SeriesValue:
        """``measure``'s rate for a force (or England and Wales) in the 12 months to ``period_end``."""
        info = series_measure(measure)
        b = BASES.index(info.basis)
        indexes = []
        for quarter in quarters_of(period_end):
            index = self._quarter.get(quarter)
            if index is None:
                first, last = self.table.quarters[0], self.table.quarters[-1]
                return SeriesValue(None, None, None, f"the outcomes series has no figures for {quarter_label(quarter)}; "
                                   f"it runs from the quarter to {first:%B %Y} to the quarter to {last:%B %Y}")
            indexes.append(index)
        immature = info.basis == "recorded" and any(self.table.quarters[i] in self.latest_quarters for i in indexes)
        if area_code == ENGLAND_AND_WALES_CODE:
            return self._england_and_wales(info, b, indexes, immature)
        name = self.registry.by_code(area_code).name
        a = self._area.get(area_code)
        if a is None:
            return SeriesValue(None, None, None, f"the outcomes series has no rows for {name}")
        missing = [i for i in indexes if self.gaps[a, i, b]]
        if missing:
            return SeriesValue(None, None, None, self.gap_reason(a, missing, b))
        numerator, denominator = self._sum([a], indexes, b, info.count)
        return self._rate(numerator, denominator, name, period_end, immature=immature)

    def gap_reason(self, a: int, quarters: list[int], b: int) -> str:
        """Why a force's quarters are missing: what the series holds against the force's usual quarter."""
        name = self.registry.by_code(self.table.areas[a]).name
        held = "; ".join(f"{quarter_label(self.table.quarters[q])} {self._assigned(a, q, b):,}" for q in quarters)
        return (f"{name} has no plausible {BASES[b]}-basis outcomes for {len(quarters)} of the four quarters "
                f"(outcomes assigned: {held}; its usual quarter: {int(self.usual[a, b]):,}); a quarter below "
                f"{FRACTION:.0%} of the usual one is taken as not supplied, never as zero")

    def _assigned(self, a: int, q: int, b: int) -> int:
        return int(self.table.counts[a, q, b, _EX_FRAUD, _COUNT["assigned"]])

    def _sum(self, areas: list[int], quarters: list[int], b: int, count: str) -> tuple[int, int]:
        block = self.table.counts[np.ix_(areas, quarters)][:, :, b, _EX_FRAUD]
        return int(block[..., _COUNT[count]].sum()), int(block[..., _COUNT["assigned"]].sum())

    def _england_and_wales(self, info: SeriesMeasure, b: int, quarters: list[int], immature: bool) -> SeriesValue:
        areas, left_out = [], []
        for code in self.territorial:
            a = self._area.get(code)
            if a is None or self.gaps[a, quarters, b].any():
                left_out.append(self.registry.by_code(code).name)
            else:
                areas.append(a)
        if not areas:
            return SeriesValue(None, None, None, f"no territorial force has four plausible quarters on the "
                                                 f"{info.basis} basis")
        numerator, denominator = self._sum(areas, quarters, b, info.count)
        note = ""
        if left_out:
            shown = ", ".join(left_out)
            note = (f"{ENGLAND_AND_WALES} is the {len(areas)} forces with figures for all four quarters; left out "
                    f"(no plausible {info.basis}-basis outcomes for part of the period): {shown}. Not comparable "
                    "with periods that have all 43 forces")
        found = self._rate(numerator, denominator, ENGLAND_AND_WALES, self.table.quarters[quarters[-1]],
                           immature=immature)
        if found.ok and note:
            return SeriesValue(found.numerator, found.denominator, found.value_percent,
                               "; ".join(x for x in (note, found.note) if x), tuple(left_out), immature)
        return found

    def _rate(self, numerator: int, denominator: int, name: str, period_end: date, *, immature: bool) -> SeriesValue:
        if denominator <= 0:
            return SeriesValue(numerator, denominator, None,
                               f"{name} has no outcomes assigned in the 12 months to {period_end:%B %Y}, so no percentage")
        note = IMMATURE if immature else ""
        return SeriesValue(numerator, denominator, numerator * 100 / denominator, note, (), immature)

    # -- by financial year ------------------------------------------------------------------------------

    @property
    def years(self) -> list[int]:
        """Financial years (by their starting calendar year) the series has all four quarters of."""
        return [financial_year(p) for p in self.periods if p.month == 3]

    def year_counts(self, area_code: str, year: int, basis: str, without: tuple[str, ...] = ()
                    ) -> tuple[dict[str, int] | None, SeriesValue]:
        """The counts (``COUNTS``) of a financial year, excluding fraud, and the year's charge rate (whose
        ``note``, ``left_out`` and ``immature`` apply to every count); None for the counts when a quarter is
        missing. England and Wales: the forces with all four quarters, also leaving out the forces named in
        ``without`` (to compare two years over the same forces)."""
        end = date(year + 1, 3, 31)
        found = self.value(f"charge_rate_{basis}", area_code, end)
        if not found.ok:
            return None, found
        b = BASES.index(basis)
        quarters = [self._quarter[q] for q in quarters_of(end)]
        if area_code == ENGLAND_AND_WALES_CODE:
            names = set(found.left_out) | set(without)
            areas = [self._area[c] for c in self.territorial if self.registry.by_code(c).name not in names]
        else:
            areas = [self._area[area_code]]
        block = self.table.counts[np.ix_(areas, quarters)][:, :, b, _EX_FRAUD].sum(axis=(0, 1))
        return {c: int(block[i]) for i, c in enumerate(COUNTS)}, found

    def group_mismatches(self) -> list[str]:
        """Where the year file's offence groups (fraud left out) do not add up to the quarter file's year: the
        two files of a release must agree, or a breakdown would not explain the rate it breaks down."""
        table = self.groups
        if table is None:
            return []
        kept = [i for i, g in enumerate(table.groups) if not g.lower().startswith("fraud")]
        # The quarter file summed to financial years: [area, year, basis, (t1, oocd)], for the year file's areas
        # and years; a year without its four quarters, or an area missing from either file, is not compared.
        quarter_years = np.array([financial_year(q) for q in self.table.quarters])
        whole = np.array([(quarter_years == y).sum() == 4 for y in table.years])
        areas = [self._area.get(a) for a in table.areas]
        known = np.array([a is not None for a in areas])
        picked = self.table.counts[[a or 0 for a in areas]][..., _EX_FRAUD, :][..., [_COUNT["t1"], _COUNT["oocd"]]]
        by_year = np.stack([picked[:, quarter_years == y].sum(axis=1) for y in table.years], axis=1)
        groups = table.counts[:, :, kept].sum(axis=2)
        compared = known[:, None] & whole[None, :] & table.present
        differ = (groups != by_year).any(axis=(2, 3)) & compared
        found = []
        for a, y in zip(*np.nonzero(differ)):
            for b, basis in enumerate(BASES):
                for k, kind in enumerate(("charges", "out-of-court outcomes")):
                    if groups[a, y, b, k] != by_year[a, y, b, k]:
                        found.append(f"{self.registry.by_code(table.areas[a]).name}, {year_label(table.years[y])}: the "
                                     f"offence groups' {basis}-basis {kind} sum to {int(groups[a, y, b, k]):,} but the "
                                     f"quarter file's four quarters to {int(by_year[a, y, b, k]):,}; expected the two "
                                     "files of one release to agree")
        return found

    def group_counts(self, area_code: str, year: int, basis: str, areas: list[str] | None = None
                     ) -> dict[str, tuple[int, int]] | None:
        """Charges and out-of-court outcomes by offence group (fraud left out) in a financial year, for a
        force or a list of forces summed; None without the year file or the year."""
        table = self.groups
        if table is None or year not in table.years:
            return None
        codes = areas if areas is not None else [area_code]
        index = {a: i for i, a in enumerate(table.areas)}
        if any(c not in index or not table.present[index[c], table.years.index(year)] for c in codes):
            return None
        b = BASES.index(basis)
        block = table.counts[[index[c] for c in codes], table.years.index(year)][:, :, b].sum(axis=0)
        return {g: (int(block[i, 0]), int(block[i, 1])) for i, g in enumerate(table.groups)
                if not g.lower().startswith("fraud")}


IMMATURE = ("recorded basis: the period includes the series' latest quarters, whose crimes are still being "
            "investigated, so outcomes will be added by later releases")
