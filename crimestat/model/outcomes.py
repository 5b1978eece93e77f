"""Outcome rates from Home Office outcomes data: what share of recorded crimes ended in a charge, and so on.

The outcomes data count outcomes "for offences recorded in the quarter": every recorded offence has exactly
one outcome row, type 0 ("not yet assigned an outcome") included. So the offences recorded in a 12-month
period are the sum of all outcome types over its four quarters, and an outcome rate is the outcomes of the
chosen types as a percentage of that sum (DESIGN.md, statistical conventions). Figures are for crime
excluding fraud unless one offence group is asked for; England and Wales is the 43 territorial forces
summed, never British Transport Police or the national fraud bodies.

A value is a number or the reason there is none (a missing quarter, no offences recorded); a reason is
never turned into a zero, and no NaN or infinity is ever produced.

Pure computation: no file is read here. :class:`OutcomeCube` is the prepared, picklable form of a loaded
table (numpy arrays and plain Python values only), so a command reading cached data needs no pandas.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Literal

import numpy as np

from ..errors import UnknownMeasureError
from .measures import AreaQuarterIndex
from .forces import ENGLAND_AND_WALES, ENGLAND_AND_WALES_CODE, Registry, normalise
from .periods import as_period, month_end

if TYPE_CHECKING:
    import pandas as pd


Category = Literal[
    "not_yet_assigned", "charge_summons", "out_of_court", "diversionary", "evidential_difficulties",
    "no_suspect", "other",
]
CATEGORIES: tuple[Category, ...] = (
    "not_yet_assigned", "charge_summons", "out_of_court", "diversionary", "evidential_difficulties",
    "no_suspect", "other",
)


@dataclass(frozen=True)
class OutcomeType:
    """One Home Office outcome type: its number, a short label, its published outcome group, our category."""

    number: int
    label: str
    outcome_group: str
    category: Category


@dataclass(frozen=True)
class OutcomeTypes:
    """Every known outcome type, by number. A type not listed here is an error in an outcomes file.

    Read from ``data/outcome_types.csv`` by ``loaders.outcomes.load_outcome_types`` (where the labels come
    from is said there).
    """

    types: tuple[OutcomeType, ...]

    def __contains__(self, number: object) -> bool:
        return any(t.number == number for t in self.types)

    def get(self, number: int) -> OutcomeType:
        for t in self.types:
            if t.number == number:
                return t
        raise KeyError(number)

    @property
    def numbers(self) -> list[int]:
        return sorted(t.number for t in self.types)

    def in_category(self, category: Category) -> list[int]:
        """The outcome type numbers that make up ``category``, in order."""
        return sorted(t.number for t in self.types if t.category == category)


COLUMNS = ("area_code", "period_end", "months", "offence_group", "outcome_type", "count")
"""The columns of a loaded outcomes table (``loaders.outcomes.load_outcomes``)."""


def is_fraud(offence_group: str) -> bool:
    """Whether an offence group is fraud, left out of "crime excluding fraud".

    Forces stopped recording fraud in 2013 (Action Fraud records it centrally), so the force outcomes data
    carry it as "Fraud offences to 2012/13" (zero in 2024/25); "Fraud offences" is the crime tables' name.
    Both start with "fraud".
    """
    return normalise(offence_group).startswith("fraud")


def quarter_label(quarter_end: date) -> str:
    """'the quarter to June 2024 (2024/25 quarter 1)': how a quarter is named in reasons."""
    number = {6: 1, 9: 2, 12: 3, 3: 4}.get(quarter_end.month)
    if number is None:
        return f"the period ending {quarter_end:%d %B %Y} (not a quarter end)"
    start = quarter_end.year if number < 4 else quarter_end.year - 1
    return f"the quarter to {quarter_end:%B %Y} ({start}/{(start + 1) % 100:02d} quarter {number})"


def quarters_of(period_end: date) -> list[date]:
    """The four quarter ends that make up the 12 months to ``period_end``, oldest first."""
    ends = []
    for back in (9, 6, 3, 0):
        months = period_end.year * 12 + period_end.month - 1 - back
        ends.append(month_end(months // 12, months % 12 + 1))
    return ends


@dataclass
class OutcomeCube(AreaQuarterIndex):
    """Quarterly outcome counts as an array: area x quarter x offence group x outcome type.

    ``present[a, q]`` says whether area ``a`` has any row for quarter ``q``: a quarter a force did not
    supply is missing, not zero. Within a supplied quarter, a combination with no row counts 0 (the
    published sheet leaves out some empty combinations). Picklable and pandas-free.
    """

    areas: list[str]
    quarters: list[date]
    groups: list[str]
    types: list[int]
    counts: np.ndarray
    present: np.ndarray
    _area: dict[str, int] = field(default_factory=dict, init=False, repr=False)
    _quarter: dict[date, int] = field(default_factory=dict, init=False, repr=False)


def prepare_outcomes(table: pd.DataFrame) -> OutcomeCube:
    """Index a loaded outcomes table (``loaders.outcomes.load_outcomes``) by area, quarter, group and type."""
    import pandas as pd  # only when preparing: commands reading a cached cube never import pandas

    missing = [c for c in COLUMNS if c not in table.columns]
    if missing:
        raise ValueError(f"not an outcomes table: no column {', '.join(missing)}")
    if (table["months"] != 3).any():
        raise ValueError("outcomes tables hold quarterly counts (months = 3)")
    area_codes, areas = pd.factorize(table["area_code"], sort=True)
    quarter_codes, quarters = pd.factorize(table["period_end"], sort=True)
    group_codes, groups = pd.factorize(table["offence_group"], sort=True)
    type_codes, types = pd.factorize(table["outcome_type"], sort=True)
    counts = np.zeros((len(areas), len(quarters), len(groups), len(types)), dtype=np.int64)
    np.add.at(counts, (area_codes, quarter_codes, group_codes, type_codes), table["count"].to_numpy(np.int64))
    present = np.zeros((len(areas), len(quarters)), dtype=bool)
    present[area_codes, quarter_codes] = True
    return OutcomeCube([str(a) for a in areas], [as_period(q) for q in quarters], [str(g) for g in groups],
                       [int(t) for t in types], counts, present)


@dataclass(frozen=True)
class OutcomeRate:
    """Outcomes of one category as a percentage of offences recorded, or the reason there is none.

    ``numerator`` and ``denominator`` are given whenever they could be counted (also when the percentage
    cannot be, as with no offences recorded); ``value_percent`` is unrounded.
    """

    numerator: int | None
    denominator: int | None
    value_percent: float | None
    note: str = ""

    @property
    def ok(self) -> bool:
        return self.value_percent is not None


@dataclass(frozen=True)
class OutcomeShare:
    """One outcome type's count and percentage of offences recorded (``percent`` None when no offences)."""

    outcome_type: int
    label: str
    outcome_group: str
    category: Category
    count: int
    percent: float | None


@dataclass(frozen=True)
class OutcomeMix:
    """Every outcome type's share of the offences recorded in an area and 12-month period."""

    area_code: str
    period_end: date
    offence_group: str | None
    total: int | None
    shares: tuple[OutcomeShare, ...]
    note: str = ""

    @property
    def ok(self) -> bool:
        return self.total is not None and bool(self.shares)


class OutcomeCounts:
    """Outcome rates and mixes for any area and 12-month period, from a loaded or prepared outcomes table."""

    def __init__(self, table: pd.DataFrame | OutcomeCube, registry: Registry, outcome_types: OutcomeTypes):
        self.cube = table if isinstance(table, OutcomeCube) else prepare_outcomes(table)
        self.registry = registry
        self.outcome_types = outcome_types
        unknown = [t for t in self.cube.types if t not in outcome_types]
        if unknown:  # the loader refuses these; a table built another way may not
            raise ValueError(f"outcome types {unknown} are not in the outcome types table")
        self.territorial = [f.code for f in registry.territorial]
        self._type_column = {t: i for i, t in enumerate(self.cube.types)}
        self._cache: dict[tuple[str, date, str | None], tuple[np.ndarray | None, str]] = {}

    @property
    def offence_groups(self) -> list[str]:
        """The offence groups in the data, as published."""
        return list(self.cube.groups)

    @property
    def periods(self) -> list[date]:
        """12-month period ends for which at least one area has all four quarters, oldest first."""
        ends = []
        for end in self.cube.quarters:
            found = [self.cube.quarter_index(q) for q in quarters_of(end)]
            indexes = [i for i in found if i is not None]
            if len(indexes) == 4 and self.cube.present[:, indexes].all(axis=1).any():
                ends.append(end)
        return ends

    def rate(self, category: Category, area_code: str, period_end: date,
             offence_group: str | None = None) -> OutcomeRate:
        """Outcomes of ``category`` as a percentage of offences recorded in the 12 months to ``period_end``.

        ``area_code`` is a force code or ``K04000001`` (England and Wales: the 43 territorial forces).
        ``offence_group`` None means crime excluding fraud. The percentage is ``count * 100 / total``,
        rounded once; no offences recorded gives no value and says so.
        """
        if category not in CATEGORIES:
            raise UnknownMeasureError(
                f"unknown outcome category '{category}'; expected one of {', '.join(CATEGORIES)}")
        period_end = as_period(period_end)
        by_type, why = self._by_type(area_code, period_end, offence_group)
        if by_type is None:
            return OutcomeRate(None, None, None, why)
        wanted = [self._type_column[t] for t in self.outcome_types.in_category(category) if t in self._type_column]
        numerator = int(by_type[wanted].sum())
        denominator = int(by_type.sum())
        where = self._describe(area_code, period_end, offence_group)
        if denominator <= 0:
            return OutcomeRate(numerator, denominator, None, f"no offences recorded for {where}, so no percentage"
                               if denominator == 0 else f"the outcome counts for {where} sum to {denominator}, "
                               "not a number of offences")
        if numerator < 0:
            return OutcomeRate(numerator, denominator, None,
                               f"the data give a negative count of '{category}' outcomes ({numerator}) for {where}, "
                               "a net correction, not a count")
        return OutcomeRate(numerator, denominator, numerator * 100 / denominator)

    def mix(self, area_code: str, period_end: date, offence_group: str | None = None) -> OutcomeMix:
        """Every outcome type's count and percentage of offences recorded, types in number order."""
        period_end = as_period(period_end)
        by_type, why = self._by_type(area_code, period_end, offence_group)
        if by_type is None:
            return OutcomeMix(area_code, period_end, offence_group, None, (), why)
        total = int(by_type.sum())
        note = "" if total > 0 else \
            f"no offences recorded for {self._describe(area_code, period_end, offence_group)}, so no percentages"
        shares = []
        for kind in self.outcome_types.types:
            column = self._type_column.get(kind.number)
            count = int(by_type[column]) if column is not None else 0
            shares.append(OutcomeShare(kind.number, kind.label, kind.outcome_group, kind.category, count,
                                       count * 100 / total if total > 0 else None))
        return OutcomeMix(area_code, period_end, offence_group, total, tuple(shares), note)

    # --- internals -----------------------------------------------------------------------------------

    def _by_type(self, area_code: str, period_end: date, offence_group: str | None) -> tuple[np.ndarray | None, str]:
        """Counts per outcome type (the cube's type order) summed over the period, or (None, reason)."""
        key = (area_code, period_end, offence_group)
        if key not in self._cache:
            self._cache[key] = self._sum(area_code, period_end, offence_group)
        return self._cache[key]

    def _groups(self, offence_group: str | None) -> list[int]:
        if offence_group is None:
            return [i for i, g in enumerate(self.cube.groups) if not is_fraud(g)]
        for i, g in enumerate(self.cube.groups):
            if g == offence_group or normalise(g) == normalise(offence_group):
                return [i]
        raise UnknownMeasureError(
            f"'{offence_group}' is not an offence group in the outcomes data; expected one of "
            + ", ".join(f"'{g}'" for g in self.cube.groups))

    def _sum(self, area_code: str, period_end: date, offence_group: str | None) -> tuple[np.ndarray | None, str]:
        groups = self._groups(offence_group)
        if area_code == ENGLAND_AND_WALES_CODE:
            codes = self.territorial
            lacking = [c for c in codes if self.cube.area_index(c) is None]
            if lacking:
                names = ", ".join(self.registry.by_code(c).name for c in lacking[:3])
                return None, (f"{ENGLAND_AND_WALES} needs all {len(codes)} territorial forces; the outcomes data lack "
                              f"{len(lacking)} ({names}{', ...' if len(lacking) > 3 else ''})")
        else:
            name = self.registry.by_code(area_code).name  # an unknown code is a usage error
            if self.cube.area_index(area_code) is None:
                return None, f"the outcomes data have no rows for {name}"
            codes = [area_code]
        quarters = []
        for quarter in quarters_of(period_end):
            index = self.cube.quarter_index(quarter)
            if index is None:
                return None, (f"the outcomes data have no rows for {quarter_label(quarter)}; the 12 months to "
                              f"{period_end:%B %Y} need all four quarters")
            quarters.append(index)
        areas = [self.cube.area_index(c) for c in codes]
        for code, area in zip(codes, areas):
            for quarter, index in zip(quarters_of(period_end), quarters):
                if not self.cube.present[area, index]:
                    force = self.registry.by_code(code).name
                    if area_code == ENGLAND_AND_WALES_CODE:
                        return None, (f"{ENGLAND_AND_WALES} needs all four quarters of every territorial force; "
                                      f"the outcomes data have none for {force} in {quarter_label(quarter)}")
                    return None, (f"no outcomes for {force} in {quarter_label(quarter)}; the 12 months to "
                                  f"{period_end:%B %Y} need all four quarters")
        block = self.cube.counts[np.ix_(areas, quarters, groups)]  # type: ignore[arg-type]
        return block.sum(axis=(0, 1, 2)), ""

    def _describe(self, area_code: str, period_end: date, offence_group: str | None) -> str:
        name = ENGLAND_AND_WALES if area_code == ENGLAND_AND_WALES_CODE else self.registry.by_code(area_code).name
        what = "crime excluding fraud" if offence_group is None else f"'{offence_group}'"
        return f"{name}, {what}, in the 12 months to {period_end:%B %Y}"


def check_against_crime(outcomes, counts, classification, registry, path: str) -> None:
    """Two tables of one release agree: every offence recorded has one outcome row, so a force's outcomes
    for an offence group in a quarter never exceed the offences the crime tables record for that force,
    quarter and group (the Home Office crime tables' own quarterly counts)."""
    known = set(classification.measures("home_office"))
    cube = outcomes.cube
    problems = []
    places = None  # the forces and quarters both tables have, as index arrays into each (the same for every group)
    for g, group in enumerate(cube.groups):
        measure = "_".join(group.lower().split())
        if measure not in known or is_fraud(group):
            continue
        found = counts.quarter_totals(measure)  # every force and quarter at once: this runs on every command
        if found is None:
            continue
        crime, recorded_totals = found
        if places is None:
            forces = [(force, a, ca) for force in registry.territorial
                      if (a := cube.area_index(force.code)) is not None
                      and (ca := crime.area_index(force.code)) is not None]
            spots = [(q, cq) for q, quarter in enumerate(cube.quarters)
                     if (cq := crime.quarter_index(quarter)) is not None]
            if not forces or not spots:
                return  # no force or quarter in both tables: nothing to compare
            rows = np.ix_([a for _, a, _ in forces], [q for q, _ in spots])
            crime_rows = np.ix_([ca for _, _, ca in forces], [cq for _, cq in spots])
            places = forces, spots, rows, crime_rows, cube.present[rows] & crime.present[crime_rows]
        forces, spots, rows, crime_rows, both = places
        totals = cube.counts[:, :, g].sum(axis=-1)[rows]  # each force's outcomes in each quarter, every type
        recorded = recorded_totals[crime_rows]
        # Force by force in the registry's order, quarter by quarter: the order the messages are given in.
        for i, j in zip(*np.nonzero(both & (totals > recorded))):
            quarter = cube.quarters[spots[j][0]]
            problems.append(f"{forces[i][0].name}: {int(totals[i, j]):,} outcomes for {group.lower()} in "
                            f"{quarter_label(quarter)}, more than the {int(recorded[i, j]):,} offences the crime "
                            "tables record for that force, quarter and group; expected at most one "
                            "outcome per offence recorded")
    if problems:
        from ..errors import DataFileError, Problem

        raise DataFileError([Problem(path, p) for p in problems])
