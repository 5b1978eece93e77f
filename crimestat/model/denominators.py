"""Choosing the denominator for a rate: population or households, by force and year (DESIGN.md).

England and Wales is always the sum over the 43 territorial forces, so that its rate is the ratio of
summed counts to summed denominators.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from . import periods
from ..errors import PeriodNotCoveredError
from .forces import ENGLAND_AND_WALES_CODE, Registry


@dataclass(frozen=True)
class Denominator:
    value: int | None
    kind: str  # "population" or "households"
    year: int | None
    note: str = ""
    wanted: int | None = None  # the year the rule asks for, when the data stop earlier and ``year`` is the latest

    @property
    def ok(self) -> bool:
        return self.value is not None

    @property
    def description(self) -> str:
        if self.kind == "households":
            return f"{self.year} Census" if self.year in (2001, 2011, 2021) else f"{self.year} figures"
        text = f"ONS mid-{self.year} estimates"
        if self.wanted is not None:
            text += f" (the latest in the data; the period would use mid-{self.wanted})"
        return text


Values = dict[tuple[str, int], int]  # (force code, year) -> people or households


class Denominators:
    """Population (by mid-year) and households (by year) for every force."""

    def __init__(self, population: Values, households: Values | None, registry: Registry, series: str = ""):
        self.registry = registry
        self.series = series  # what the population series is ("ONS mid-year estimates revised after ..."), if known
        self._values = {"population": dict(population), "households": dict(households or {})}
        self.years = {kind: sorted({y for _, y in values}) for kind, values in self._values.items()}

    def year_for(self, kind: str, period_end: date, population_year: int | None = None) -> int | None:
        """The year of the denominator a period uses."""
        years = self.years[kind]
        if kind == "population":
            return population_year if population_year is not None else periods.population_year(period_end)
        if len(years) == 1:
            return years[0]  # a single Census serves every period, as HMIC uses the 2011 Census
        target = periods.population_year(period_end)
        earlier = [y for y in years if y <= target]
        return earlier[-1] if earlier else None

    def check_year(self, population_year: int) -> None:
        """Refuse a --population-year the population data do not have."""
        years = self.years["population"]
        if population_year not in years:
            raise PeriodNotCoveredError(
                f"the population data have no mid-{population_year} estimate; they cover mid-{years[0]} to "
                f"mid-{years[-1]}", parameter="population_year", value=population_year)

    def get(self, kind: str, area_code: str, period_end: date,
            population_year: int | None = None) -> Denominator:
        years = self.years[kind]
        if not years:
            return Denominator(None, kind, None, f"no {kind} data were given")
        year = self.year_for(kind, period_end, population_year)
        wanted = None
        if kind == "population" and population_year is None and year is not None and year > years[-1]:
            # The rule's estimate is not published yet: the latest available, said in the notes.
            wanted, year = year, years[-1]
        if year is None or year not in years:
            named = f"mid-{year}" if kind == "population" else str(year)
            return Denominator(
                None, kind, year,
                f"no {named} {kind} figures for the {periods.label(period_end)}; the {kind} data cover "
                f"{years[0]} to {years[-1]}",
            )
        values = self._values[kind]
        codes = [f.code for f in self.registry.territorial] if area_code == ENGLAND_AND_WALES_CODE else [area_code]
        missing = [c for c in codes if (c, year) not in values]
        if missing == [area_code] and not (force := self.registry.by_code(area_code)).territorial:
            return Denominator(None, kind, year, f"{force.name} is not a territorial force: it has no resident "
                                                 f"{kind} of its own, so a rate per 1,000 does not apply")
        if missing:
            names = ", ".join(self.registry.by_code(c).name for c in missing[:3])
            return Denominator(None, kind, year, f"no {year} {kind} figure for {names}")
        return Denominator(sum(values[(c, year)] for c in codes), kind, year, wanted=wanted)


def households_above_population(population: Values, households: Values) -> list[tuple[str, int, int, int]]:
    """(force, year, households, people) wherever a force has at least as many households as people (its
    population of the same year, or the nearest year given): households in the wrong unit, or a file of
    another kind. A household holds one person or more, so the count is always below the population."""
    by_area: dict[str, dict[int, int]] = {}
    for (area, year), people in population.items():
        by_area.setdefault(area, {})[year] = people
    found = []
    for (area, year), homes in sorted(households.items()):
        years = by_area.get(area)
        if not years:
            continue
        people = years.get(year) or years[min(years, key=lambda y: abs(y - year))]
        if people > 0 and homes >= people:
            found.append((area, year, homes, people))
    return found
