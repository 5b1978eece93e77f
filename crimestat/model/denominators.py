"""Choosing the denominator for a rate: population or households, by force and year (DESIGN.md).

England and Wales is always the sum over the 43 territorial forces, so that its rate is the ratio of
summed counts to summed denominators.

Households: with both the 2011 and the 2021 Census counts, a 12-month period uses the count interpolated
linearly by date between Census day 2011 (27 March) and Census day 2021 (21 March), taken at the middle of
the period; from the 2021 Census day on, the 2021 count. Without interpolation, rates stepped at the Census:
England and Wales's households rose 6.1% between the periods to June and to September 2021 (Warwickshire's
9.6%), so residential burglary's rate fell 8.8% while its count fell 3.3%. With one Census only (the 2014
reproduction), that Census serves every period, as HMIC used the 2011 Census.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

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
    at: date | None = None  # households interpolated between two Censuses: the date taken (``year`` is None)
    edition: str = ""  # the ONS edition the estimate comes from, when the release's manifest names it

    @property
    def ok(self) -> bool:
        return self.value is not None

    @property
    def description(self) -> str:
        if self.kind == "households":
            if self.at is not None:
                return (f"interpolated linearly between the 2011 and 2021 Census counts by Census day (27 March 2011, "
                        f"21 March 2021), at {self.at.day} {self.at:%B %Y}, the middle of the period")
            if self.year == 2021 and self.note == AFTER_CENSUS:
                return "2021 Census (the 2021 count from Census day, 21 March 2021)"
            return f"{self.year} Census" if self.year in (2001, 2011, 2021) else f"{self.year} figures"
        said = [self.edition] if self.edition else []
        if self.wanted is not None:
            said.append(f"the latest in the data; the period would use mid-{self.wanted}")
        return f"ONS mid-{self.year} estimates" + (f" ({'; '.join(said)})" if said else "")


Values = dict[tuple[str, int], int]  # (force code, year) -> people or households

#: Census days: households are interpolated between them by date.
CENSUS_DAYS = {2011: date(2011, 3, 27), 2021: date(2021, 3, 21)}
AFTER_CENSUS = "after the 2021 Census day"


def period_middle(period_end: date) -> date:
    """The middle of the 12 months ending on ``period_end`` (182 days before its last day)."""
    return period_end - timedelta(days=182)


def interpolation_weight(when: date, first: date = CENSUS_DAYS[2011], second: date = CENSUS_DAYS[2021]) -> float:
    """How far ``when`` lies from ``first`` to ``second``, by days: 0 at ``first``, 1 at ``second``."""
    return (when - first).days / (second - first).days


class Denominators:
    """Population (by mid-year) and households (by year) for every force."""

    def __init__(self, population: Values, households: Values | None, registry: Registry, series: str = "",
                 editions: dict[str, dict[int, str]] | None = None):
        self.registry = registry
        self.series = series  # what the population series is ("ONS mid-year estimates revised after ..."), if known
        # kind -> year -> the ONS edition of that year's figures (from the release's manifest), where known
        self.editions = {"population": {}, "households": {}, **(editions or {})}
        self._values = {"population": dict(population), "households": dict(households or {})}
        self.years = {kind: sorted({y for _, y in values}) for kind, values in self._values.items()}
        self._found: dict[tuple[str, str, date, int | None], Denominator] = {}

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

    def _interpolated(self, area_code: str, period_end: date) -> Denominator:
        """Households between the 2011 and 2021 Censuses, by date at the middle of the period; 2021 after it."""
        middle = period_middle(period_end)
        values = self._values["households"]
        codes = [f.code for f in self.registry.territorial] if area_code == ENGLAND_AND_WALES_CODE else [area_code]
        missing = [c for c in codes if any((c, y) not in values for y in CENSUS_DAYS)]
        if missing == [area_code] and not (force := self.registry.by_code(area_code)).territorial:
            return Denominator(None, "households", None, f"{force.name} is not a territorial force: it has no "
                                                         "resident households of its own, so a rate per 1,000 does "
                                                         "not apply")
        if missing:
            names = ", ".join(self.registry.by_code(c).name for c in missing[:3])
            return Denominator(None, "households", None, f"no 2011 and 2021 Census households figures for {names}")
        if middle >= CENSUS_DAYS[2021]:
            return Denominator(sum(values[(c, 2021)] for c in codes), "households", 2021, AFTER_CENSUS)
        weight = interpolation_weight(middle)
        # Each force rounded to whole households, England and Wales their sum (its rate is summed counts over
        # summed denominators).
        total = sum(int(values[(c, 2011)] + weight * (values[(c, 2021)] - values[(c, 2011)]) + 0.5) for c in codes)
        return Denominator(total, "households", None, at=middle)

    def get(self, kind: str, area_code: str, period_end: date,
            population_year: int | None = None) -> Denominator:
        """The denominator of ``kind`` for an area (a force or England and Wales) and period. Kept per question: a
        command asks for England and Wales's population beside every force's."""
        key = (kind, area_code, period_end, population_year)
        found = self._found.get(key)
        if found is None:
            found = self._found[key] = self._get(kind, area_code, period_end, population_year)
        return found

    def _get(self, kind: str, area_code: str, period_end: date, population_year: int | None) -> Denominator:
        years = self.years[kind]
        if not years:
            return Denominator(None, kind, None, f"no {kind} data were given")
        year = self.year_for(kind, period_end, population_year)
        wanted = None
        if kind == "population" and population_year is None and year is not None and year > years[-1]:
            # The rule's estimate is not published yet: the latest available, said in the notes.
            wanted, year = year, years[-1]
        interpolate = (kind == "households" and population_year is None
                       and all(y in years for y in CENSUS_DAYS) and period_middle(period_end) > CENSUS_DAYS[2011])
        if interpolate:
            return self._interpolated(area_code, period_end)
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
        return Denominator(sum(values[(c, year)] for c in codes), kind, year, wanted=wanted,
                           edition=self.editions[kind].get(year, ""))

    def edition(self, kind: str, period_end: date, population_year: int | None = None) -> str:
        """The ONS edition of the denominator a period uses ("" where the release does not say)."""
        found = self.get(kind, ENGLAND_AND_WALES_CODE, period_end, population_year)
        return found.edition


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
