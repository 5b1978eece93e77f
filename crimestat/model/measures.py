"""From tidy counts to measure values: the count of a measure for an area and 12-month period.

A value is either a count or the reason there is none (a series break, a missing row, a published
negative adjustment); a reason is never turned into a zero.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import numpy as np

from .breaks import Lifetime, lifetime_from_totals, lifetimes, why_unusable
from .classification import Classification
from .forces import ENGLAND_AND_WALES_CODE, Registry
from .periods import as_period

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class Count:
    """A measure's count for one area and period, or the reason it has none."""

    value: int | None
    note: str = ""

    @property
    def ok(self) -> bool:
        return self.value is not None


MISSING = np.iinfo(np.int64).min


@dataclass
class CountTable:
    """Tidy 12-month counts as a cube (area x period x category), with each category's series breaks.

    Compact and picklable, so a validated and prepared file can be cached between runs; a cell with no
    row in the source holds ``MISSING``. It holds only numpy arrays and plain Python values, so reading
    it back needs no pandas.
    """

    periods: list[date]
    lifetimes: dict[str, Lifetime]
    areas: list[str]
    categories: list[str]
    cube: np.ndarray
    quarters: QuarterCounts | None = None  # the quarterly counts (model.windows.quarter_counts) where the source has them

    def get(self, area: str, period: date, category: str) -> int | None:
        try:
            value = self.cube[self._area[area], self._period[period], self._category[category]]
        except KeyError:
            return None
        return None if value == MISSING else int(value)

    def __getstate__(self):
        return {k: v for k, v in self.__dict__.items() if not k.startswith("_")}

    def __setstate__(self, state):
        self.__dict__.update(state)
        self.__post_init__()

    def __post_init__(self) -> None:
        self._area = {a: i for i, a in enumerate(self.areas)}
        self._period = {p: i for i, p in enumerate(self.periods)}
        self._category = {c: i for i, c in enumerate(self.categories)}


class AreaQuarterIndex:
    """Lookups by area code and quarter end for a dataclass with ``areas`` and ``quarters`` lists, rebuilt
    after unpickling (they are derived, so not stored)."""

    def __post_init__(self) -> None:
        self._area = {a: i for i, a in enumerate(self.areas)}
        self._quarter = {q: i for i, q in enumerate(self.quarters)}

    def __getstate__(self):
        return {k: v for k, v in self.__dict__.items() if not k.startswith("_")}

    def __setstate__(self, state):
        self.__dict__.update(state)
        self.__post_init__()

    def area_index(self, area: str) -> int | None:
        return self._area.get(area)

    def quarter_index(self, quarter_end: date) -> int | None:
        return self._quarter.get(quarter_end)


@dataclass
class QuarterCounts(AreaQuarterIndex):
    """Quarterly counts as an array, area x category x quarter, kept beside the 12-month windows so that
    checks between tables of one release can compare quarter with quarter. Picklable, pandas-free.

    ``present[a, q]`` says whether area ``a`` has any row in quarter ``q`` (a quarter not supplied is
    unknown, not zero); within a supplied quarter a category with no row counts zero.
    """

    areas: list[str]
    categories: list[str]
    quarters: list[date]
    counts: np.ndarray
    present: np.ndarray

    def totals(self, categories: Iterable[str]) -> np.ndarray | None:
        """The sum of ``categories`` for every area and quarter (area x quarter); None when none is here.
        Read it where ``present`` says the area has the quarter."""
        wanted = set(categories)
        columns = [i for i, c in enumerate(self.categories) if c in wanted]
        return self.counts[:, columns, :].sum(axis=1, dtype=np.int64) if columns else None


def prepare(counts: pd.DataFrame, territorial: list[str]) -> CountTable:
    """Index tidy counts by area, period and category, and find the categories' lifetimes."""
    import pandas as pd  # only when preparing: commands reading a cached table never import pandas

    if counts.empty:
        return CountTable([], {}, [], [], np.zeros((0, 0, 0), dtype=np.int64))
    area_codes, areas = pd.factorize(counts["area_code"], sort=True)
    period_codes, periods = pd.factorize(counts["period_end"], sort=True)
    category_codes, categories = pd.factorize(counts["category"], sort=True)
    cube = np.full((len(areas), len(periods), len(categories)), MISSING, dtype=np.int64)
    cube[area_codes, period_codes, category_codes] = counts["count"].to_numpy()
    names = [str(c) for c in categories]
    ends = [as_period(p) for p in periods]
    # Lifetimes are judged on the totals over the territorial forces, for the categories they have rows of.
    wanted = set(territorial)
    own = cube[[i for i, a in enumerate(areas) if a in wanted]]
    has = own != MISSING
    present = has.any(axis=0).T  # [category, period]
    totals = np.where(has, own, 0).sum(axis=0).T
    kept = np.flatnonzero(present.any(axis=1))
    return CountTable(
        ends,
        lifetimes([names[i] for i in kept], totals[kept], present[kept], ends),
        [str(a) for a in areas],
        names,
        cube,
    )


class MeasureCounts:
    """Measure counts for any area and period, from prepared counts and a classification."""

    def __init__(self, prepared: CountTable, classification: Classification, registry: Registry,
                 source: str = "ons", explain=None, break_level: str = "category"):
        self.explain = explain  # why a period is missing, for monthly and quarterly sources
        self.break_level = break_level  # see Source.break_level
        self.classification = classification
        self.registry = registry
        self.source = source
        self.territorial = [f.code for f in registry.territorial]
        self.periods = prepared.periods
        self.lifetimes = prepared.lifetimes
        self._areas = set(prepared.areas)
        self._table = prepared
        self._cache: dict[tuple[str, str, date], Count] = {}
        self._parts: dict[tuple[str, str, date], Count] = {}
        self._rows: dict[tuple[str, date], np.ndarray | Count] = {}
        self._measure_lives: dict[str, Lifetime | None] = {}
        self._columns: dict[str, np.ndarray] = {}
        # Per (measure, period), what summing needs whatever the area: ``_plan`` (categories) or ``_whole_plan``.
        self._plans: dict[tuple[str, date], Count | np.ndarray | tuple[np.ndarray, np.ndarray, list[str]] | None] = {}
        self._single: dict[str, bool] = {}

    def count(self, measure: str, area_code: str, period: date) -> Count:
        """The measure's count for an area (a force code or England and Wales) in a period."""
        key = (measure, area_code, as_period(period))
        if key not in self._cache:
            self._cache[key] = self._count(*key)
        return self._cache[key]

    def counts(self, measure: str, area_codes: list[str], period: date) -> list[Count]:
        """``count`` for several areas in one period; the forces not yet counted are summed in one array step
        (a change test needs all 43 forces)."""
        period = as_period(period)
        todo = [c for c in area_codes if c != ENGLAND_AND_WALES_CODE and (measure, c, period) not in self._cache]
        if len(todo) > 1:
            for code, found in zip(todo, self._sums(measure, todo, period)):
                self._cache[(measure, code, period)] = self._checked(measure, found)
        return [self.count(measure, c, period) for c in area_codes]

    def _sums(self, measure: str, codes: list[str], period: date) -> list[Count]:
        """``_sum`` for several areas: the cells of all of them read at once, and an area with no count (short of
        a row, no counts at all, a negative total) left to ``_sum`` to give its reason in its own words."""
        table = self._table
        rows = [table._area.get(c) for c in codes]
        p = table._period.get(period)
        if p is None or None in rows:
            return [self._sum(measure, c, period) for c in codes]
        if self.break_level == "measure":
            whole = self._whole_plan(measure, period)
            if isinstance(whole, Count):
                return [whole] * len(codes)
            block = table.cube[rows, p]  # area x category
            empty = (block == MISSING).all(axis=1)
            values = block[:, whole]
            totals = np.where(values == MISSING, 0, values).sum(axis=1)
            return [self._sum_whole(measure, c, period) if empty[i] or totals[i] < 0 else Count(int(totals[i]))
                    for i, c in enumerate(codes)]
        plan = self._plan(measure, period)
        if not isinstance(plan, tuple):
            return [self._sum(measure, c, period) for c in codes]
        columns, required, _ = plan
        block = table.cube[rows, p][:, columns]
        missing = block == MISSING
        short = (missing & required).any(axis=1)
        totals = np.where(missing, 0, block).sum(axis=1)
        return [self._sum(measure, c, period) if short[i] else Count(int(totals[i])) for i, c in enumerate(codes)]

    def _count(self, measure: str, area_code: str, period: date) -> Count:
        if area_code == ENGLAND_AND_WALES_CODE:
            result = self._england_and_wales(measure, period)
        else:
            result = self._sum(measure, area_code, period)
        return self._checked(measure, result)

    def _checked(self, measure: str, result: Count) -> Count:
        """A measure of one category cannot be negative: the source's net adjustment is no count."""
        single = self._single.get(measure)
        if single is None:
            single = self._single[measure] = len(self.classification.categories(measure, self.source)) == 1
        if result.ok and single and result.value < 0:  # type: ignore[operator]
            return Count(None, f"the source gives a negative total ({result.value}), a net adjustment, not a count")
        return result

    def _sum(self, measure: str, area_code: str, period: date) -> Count:
        if self.break_level == "measure":
            return self._sum_whole(measure, area_code, period)
        plan = self._plan(measure, period)
        if plan is None:
            return self._sum_each(measure, area_code, period)
        if isinstance(plan, Count):
            return plan
        columns, required, names = plan
        table = self._table
        a = table._area.get(area_code)
        if a is None:  # no row of any category: the first one the period needs is missing
            values, missing = None, np.ones(len(columns), dtype=bool)
        else:
            values = table.cube[a, table._period[period], columns]
            missing = values == MISSING
        needed = missing & required
        if bool(needed.any()):
            name = self.registry.by_code(area_code).name
            return Count(None, f"no '{names[int(needed.argmax())]}' row for {name} in the 12 months to {period:%B %Y}")
        return Count(0 if values is None else int(values[~missing].sum()))

    def _plan(self, measure: str, period: date) -> Count | tuple[np.ndarray, np.ndarray, list[str]] | None:
        """What summing ``measure`` at ``period`` needs, the same for every area (kept per measure and period):
        the reason there is no count (a Count), or the cube's columns of its categories in name order, whether
        each must have a row (it is neither ended nor not started) and their names; None when the lifetimes
        name a category or period the cube lacks (then ``_sum_each`` looks each cell up)."""
        key = (measure, period)
        if key not in self._plans:
            categories = sorted(self.classification.categories(measure, self.source))
            known = [self.lifetimes[c] for c in categories if c in self.lifetimes]
            plan: Count | tuple[np.ndarray, np.ndarray, list[str]] | None
            if not known:
                plan = Count(None, f"the data have none of the categories that make up '{measure}'")
            elif reason := why_unusable(known, period):
                plan = Count(None, reason)
            elif period not in self._table._period or any(life.category not in self._table._category for life in known):
                plan = None
            else:
                plan = (np.array([self._table._category[life.category] for life in known], dtype=np.intp),
                        np.array([life.status[period] not in ("ended", "not_started") for life in known], dtype=bool),
                        [life.category for life in known])
            self._plans[key] = plan
        return self._plans[key]

    def _sum_each(self, measure: str, area_code: str, period: date) -> Count:
        """``_sum`` cell by cell (for lifetimes the cube does not index)."""
        categories = sorted(self.classification.categories(measure, self.source))
        known = [self.lifetimes[c] for c in categories if c in self.lifetimes]
        reason = why_unusable(known, period)
        if reason:
            return Count(None, reason)
        total = 0
        for life in known:
            found = self._table.get(area_code, period, life.category)
            if found is not None:
                total += found
            elif life.status[period] != "ended" and life.status[period] != "not_started":
                name = self.registry.by_code(area_code).name
                return Count(None, f"no '{life.category}' row for {name} in the 12 months to {period:%B %Y}")
        return Count(total)

    def quarter_totals(self, measure: str) -> tuple[QuarterCounts, np.ndarray] | None:
        """Every force's count of ``measure`` in every quarter (area x quarter, with the quarters' index), for
        sources publishing quarters; None when the source has no quarters or no category of the measure."""
        quarters = self._table.quarters
        if quarters is None:
            return None
        totals = quarters.totals(self.classification.categories(measure, self.source))
        return None if totals is None else (quarters, totals)

    def part_count(self, measure: str, area_code: str, period: date) -> Count:
        """A part of a measure (a group, subgroup or offence code) counted so that the parts of a measure add
        up to it: where quarters are summed into complete windows (``break_level == "measure"``), the sum of
        the part's own columns whenever the area has counts for the period, a category with no row counting
        zero, even across the part's own start or end (the measure's count holds it there too); otherwise
        the part's count as any measure's."""
        if self.break_level != "measure":
            return self.count(measure, area_code, period)
        key = (measure, area_code, period)
        if key not in self._parts:
            self._parts[key] = self._part_count(measure, area_code, period)
        return self._parts[key]

    def _part_count(self, measure: str, area_code: str, period: date) -> Count:
        row = self._filled(area_code, period)
        if isinstance(row, Count):
            return row
        columns = self._measure_columns(measure, sorted(self.classification.categories(measure, self.source)))
        return Count(int(row[columns].sum()))

    def _filled(self, area_code: str, period: date) -> np.ndarray | Count:
        """An area's counts in a period, every category's column (no row: zero), summed over the territorial
        forces for England and Wales; or, as a Count, why there are none. Kept: a breakdown takes dozens of
        parts from the same row."""
        key = (area_code, period)
        if key not in self._rows:
            table = self._table
            p = table._period.get(period)
            codes = self.territorial if area_code == ENGLAND_AND_WALES_CODE else [area_code]
            rows = [table._area.get(code) for code in codes]
            if p is None:
                found: np.ndarray | Count = Count(None, f"the data have no 12 months to {period:%B %Y}")
            elif any(a is None for a in rows):
                found = self.count(self.classification.measures(self.source)[0], area_code, period)
            else:
                block = table.cube[rows, p, :]
                empty = (block == MISSING).all(axis=1)
                if bool(empty.any()):  # no counts at all for a force: its reason
                    found = self.count(self.classification.measures(self.source)[0], codes[int(empty.argmax())],
                                       period)
                else:
                    found = np.where(block == MISSING, 0, block).sum(axis=0)
            self._rows[key] = found
        return self._rows[key]

    def measure_lifetime(self, measure: str) -> Lifetime | None:
        """When the measure as a whole is recorded, judged on its England and Wales totals (None: no data)."""
        if measure not in self._measure_lives:
            table = self._table
            columns = [table._category[c] for c in self.classification.categories(measure, self.source)
                       if c in table._category]
            life = None
            if columns and self._territorial_totals is not None:
                totals = self._territorial_totals[:, columns].sum(axis=1)
                label = self.classification.describe(measure).label
                life = lifetime_from_totals(label, [int(t) for t in totals], list(table.periods))
            self._measure_lives[measure] = life
        return self._measure_lives[measure]

    @functools.cached_property
    def _territorial_totals(self) -> np.ndarray | None:
        """[period, category] totals over the territorial forces the data have (no row counts zero); None
        when the data have none of them. Summed once: every measure's lifetime is a sum of its columns."""
        table = self._table
        rows = [table._area[a] for a in self.territorial if a in table._area]
        if not rows:
            return None
        part = table.cube[rows]
        return np.where(part == MISSING, 0, part).sum(axis=0)

    def _sum_whole(self, measure: str, area_code: str, period: date) -> Count:
        """A measure's count where a category with no row is a true zero (quarters summed into complete
        windows): only the measure's own start or end is a series break."""
        plan = self._whole_plan(measure, period)
        if isinstance(plan, Count):
            return plan
        table = self._table
        a, p = table._area.get(area_code), table._period.get(period)
        cells = table.cube[a, p, :] if a is not None and p is not None else None
        if cells is None or bool((cells == MISSING).all()):
            name = self.registry.by_code(area_code).name
            why = f"no counts for {name} in the 12 months to {period:%B %Y}"
            if self.explain is not None:
                why += f" ({self.explain(period)})"
            return Count(None, why)
        values = cells[plan]
        total = int(np.where(values == MISSING, 0, values).sum())
        if total < 0:
            return Count(None, f"the source gives a negative total ({total}), a net recording adjustment, not a count")
        return Count(total)

    def _whole_plan(self, measure: str, period: date) -> Count | np.ndarray:
        """For ``_sum_whole``, the same for every area (kept per measure and period): why the measure has no
        count at ``period`` (a series break of the whole measure), or the cube's columns of its categories."""
        key = (measure, period)
        if key not in self._plans:
            categories = sorted(self.classification.categories(measure, self.source))
            life = self.measure_lifetime(measure)
            plan: Count | np.ndarray
            if life is None:
                plan = Count(None, f"the data have none of the categories that make up '{measure}'")
            elif reason := why_unusable([life], period):
                plan = Count(None, reason)
            else:
                plan = self._measure_columns(measure, categories)
            self._plans[key] = plan
        return self._plans[key]  # type: ignore[return-value]

    def _measure_columns(self, measure: str, categories: list[str]) -> np.ndarray:
        """The cube's columns of a measure's categories (those the data have)."""
        if measure not in self._columns:
            index = self._table._category
            self._columns[measure] = np.array([index[c] for c in categories if c in index], dtype=np.intp)
        return self._columns[measure]

    def _whole_totals(self, measure: str, period: date) -> list[int] | None:
        """Every territorial force's count of a whole-measure source in one step (England and Wales asks for
        all 43); None when some force has no counts or a negative total, whose reasons ``_sum`` words."""
        table = self._table
        p = table._period.get(period)
        rows = [table._area[a] for a in self.territorial]
        if p is None:
            return None
        block = table.cube[rows, p, :]
        if bool((block == MISSING).all(axis=1).any()):
            return None
        values = block[:, self._measure_columns(measure, sorted(self.classification.categories(measure, self.source)))]
        totals = np.where(values == MISSING, 0, values).sum(axis=1)
        if bool((totals < 0).any()):
            return None
        return [int(t) for t in totals]

    def _england_and_wales(self, measure: str, period: date) -> Count:
        missing = [c for c in self.territorial if c not in self._areas]
        if missing:
            return Count(
                None,
                f"England and Wales needs all {len(self.territorial)} territorial forces; the data lack {len(missing)} "
                f"({', '.join(self.registry.by_code(c).name for c in missing[:3])}"
                f"{', ...' if len(missing) > 3 else ''})",
            )
        if self.break_level == "measure":
            life = self.measure_lifetime(measure)
            whole = self._whole_totals(measure, period) if life is not None and not why_unusable([life], period) \
                else None
            if whole is not None:
                for code, value in zip(self.territorial, whole):
                    self._cache.setdefault((measure, code, period), Count(value))
                return Count(sum(whole))
        plan = self._plan(measure, period) if self.break_level != "measure" else None
        if isinstance(plan, tuple):  # every force's cells in one step, the first force short of a row named
            columns, required, names = plan
            table = self._table
            block = table.cube[[table._area[c] for c in self.territorial], table._period[period]][:, columns]
            missing = block == MISSING
            needed = missing & required
            if bool(needed.any()):
                f = int(needed.any(axis=1).argmax())
                name = self.registry.by_code(self.territorial[f]).name
                return Count(None, f"no '{names[int(needed[f].argmax())]}' row for {name} in the 12 months to "
                                   f"{period:%B %Y}")
            return Count(int(np.where(missing, 0, block).sum()))
        total = 0
        for code in self.territorial:
            part = self._sum(measure, code, period)
            if not part.ok:
                return Count(None, part.note)
            total += part.value  # type: ignore[operator]
        return Count(total)
