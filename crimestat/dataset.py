"""Finding the input files (a data folder or single files) and loading them together."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from .classification import Classification
from .denominators import Denominators
from .errors import UsageError
from .forces import Registry
from .measures import MeasureCounts, prepare
from .loaders.cache import cached, digest
from .loaders.classification import load_classification
from .loaders.forces import load_forces
from .loaders.indicators import Indicator, load_indicators

# File names inside a data folder; --data-dir points at another folder laid out the same way.
CRIME = "ons-recorded-crime/rec-crime-pfa.csv"
POPULATION = "population/pfa-population-mid2001-mid2019.csv"
HOUSEHOLDS = "households/pfa-households-census-2011.csv"
INDICATORS = "indicators/hmic-2014-published.csv"
STANDARD_FILES = (CRIME, POPULATION, HOUSEHOLDS, INDICATORS)


def default_data_dir() -> Path:
    """The shipped ``sample_data`` folder: $CRIMESTAT_DATA_DIR, the checkout's, or the current folder's."""
    env = os.environ.get("CRIMESTAT_DATA_DIR")
    if env:
        return Path(env)
    beside_package = Path(__file__).resolve().parents[1] / "sample_data"
    if beside_package.is_dir():
        return beside_package
    return Path("sample_data")


@dataclass
class DataPaths:
    """Which files to read; single-file options override the data folder's."""

    data_dir: Path | None = None
    crime: str | None = None
    population: str | None = None
    households: str | None = None
    la_lookups: list[str] = field(default_factory=list)
    classification: str | None = None
    forces: str | None = None
    indicators: str | None = None
    police_uk: list[str] = field(default_factory=list)

    def resolve(self, name: str, relative: str) -> str:
        given = getattr(self, name)
        if given:
            return str(given)
        folder = self.data_dir if self.data_dir is not None else default_data_dir()
        if not Path(folder).is_dir():
            raise UsageError(f"data folder '{folder}' not found; pass --data-dir DIR or --{name} FILE")
        return str(Path(folder) / relative)


class Dataset:
    """The inputs of a command, each loaded when first used (so a bad --force fails before any big file
    is read, and a command reads only the files it needs)."""

    def __init__(self, paths: DataPaths):
        self.paths = paths
        self.files: dict[str, str] = {}

    def _file(self, name: str, relative: str) -> str:
        path = self.paths.resolve(name, relative)
        # Output names the shipped files by their place in the project, not this machine's folders.
        shipped = getattr(self.paths, name) is None and self.paths.data_dir is None
        self.files[name] = f"sample_data/{relative}" if shipped else path
        return path

    @cached_property
    def registry(self) -> Registry:
        return load_forces(self.paths.forces)

    @cached_property
    def _registry_key(self) -> str:
        """A short digest of the forces registry, part of each cache key: a load depends on it."""
        return digest(repr(self.registry.forces))[:16]

    @cached_property
    def classification(self) -> Classification:
        return load_classification(self.paths.classification)

    @cached_property
    def counts(self) -> MeasureCounts:
        if self.paths.police_uk:
            return self._police_uk_counts()
        path = self._file("crime", CRIME)
        territorial = [f.code for f in self.registry.territorial]
        kind = f"ons_crime-{self._registry_key}"  # names become codes, and lifetimes use the territorial forces

        def load():
            # Parsing needs pandas; a cached table does not, so pandas is imported only here.
            from .loaders.ons_crime import load_ons_crime

            return prepare(load_ons_crime(path, self.registry), territorial)

        prepared = cached(kind, path, load)
        return MeasureCounts(prepared, self.classification, self.registry)

    def _police_uk_counts(self) -> MeasureCounts:
        from .windows import coverage, missing_months, month_name, rolling_windows
        from .loaders.police_uk import load_monthly_counts

        monthly = load_monthly_counts(self.paths.police_uk, self.registry)
        self.files["crime"] = ", ".join(self.paths.police_uk)
        have = coverage(monthly)

        def explain(period) -> str:
            spans = "; ".join(
                f"{self.registry.by_code(a).name} has {month_name(min(m))} to {month_name(max(m))}"
                for a, m in sorted(have.items()))
            if period is None:
                return f"police.uk counts: {spans}"
            lacking = {self.registry.by_code(a).name: missing_months(m, period) for a, m in have.items()}
            named = "; ".join(f"{name} lacks {', '.join(ms)}" for name, ms in sorted(lacking.items()) if ms)
            return f"the 12 months to {period:%B %Y} need every month's police.uk counts: {named or spans}"

        territorial = [f.code for f in self.registry.territorial]
        prepared = prepare(rolling_windows(monthly), territorial)
        return MeasureCounts(prepared, self.classification, self.registry, "police_uk", explain)

    @cached_property
    def indicators(self) -> list[Indicator] | None:
        """The indicators file given, or the data folder's if it has one; None when there is none."""
        if self.paths.indicators is None:
            folder = self.paths.data_dir if self.paths.data_dir is not None else default_data_dir()
            if not (Path(folder) / INDICATORS).is_file():
                return None
        return load_indicators(self._file("indicators", INDICATORS), self.registry)

    @cached_property
    def denominators(self) -> Denominators:
        population_file = self._file("population", POPULATION)
        households_file = self._file("households", HOUSEHOLDS)
        lookups = self.paths.la_lookups

        def population():
            from .loaders.denominators import by_area_and_year, load_population

            return by_area_and_year(load_population(population_file, self.registry, lookups), "population")

        def households():
            from .loaders.denominators import by_area_and_year, load_households

            return by_area_and_year(load_households(households_file, self.registry), "households")

        # The lookups are other files, so a population read through them is not cached on one file's key.
        key = self._registry_key  # names in the files become codes through the registry
        return Denominators(population() if lookups else cached(f"population-{key}", population_file, population),
                            cached(f"households-{key}", households_file, households), self.registry)


def load_dataset(paths: DataPaths) -> Dataset:
    """The dataset the paths describe; files are read when first needed."""
    return Dataset(paths)
