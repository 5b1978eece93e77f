"""The dataset a command works on: crime counts, denominators, classification, forces and indicators, joined.

A dataset comes from data releases: crime counts (with their population and households, indicators and the
outcomes of one year) from one release (the newest that has crime counts, or ``release=NAME``), the outcomes
series from the newest release that has one (or the same ``release=NAME``); single files override a
release's (``crime=``, ``population=`` ...); or from in-memory tables (:meth:`Dataset.from_frames`)
so the library can be used, and tested, without files. Files are read when first needed, so a bad force
name fails before any large file is read and a command reads only what it uses.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import releases, sources
from .runtime import signals
from .model.classification import Classification
from .model.classified import check_classified
from .model.denominators import Denominators
from .errors import DataFileError, UsageError
from .model.forces import Force, Registry
from .model.periods import Periods
from .loaders._csv import header_of, stdin_bytes
from .cache import cached, digest
from .loaders.classification import load_classification
from .loaders.recording_changes import load_recording_changes
from .loaders.forces import load_forces
from .loaders.frames import check_households, no_repeats, whole_numbers
from .loaders.indicators import Indicator, load_indicators
from .model.measures import MeasureCounts, prepare
from .model.recording_changes import RecordingChange, Register

if TYPE_CHECKING:
    import pandas as pd

    from .model.outcomes import OutcomeCounts
    from .model.outcome_series import OutcomeSeries
    from .model.peers import PeerGroups
    from .releases import Release
    from .sources import Source

default_data_dir = releases.default_data_dir  # kept here for callers of earlier versions


@dataclass
class DataPaths:
    """Which data to read: a release (by name, default the newest) and single files overriding its own."""

    data_dir: Path | None = None
    crime: str | None = None
    population: str | None = None
    households: str | None = None
    la_lookups: list[str] = field(default_factory=list)
    classification: str | None = None
    forces: str | None = None
    indicators: str | None = None
    police_uk: list[str] = field(default_factory=list)
    release: str | Release | None = None  # a name, or a release already found
    outcomes: str | None = None
    outcome_series: str | None = None
    outcome_groups: str | None = None


# Which kind of data (``loaders.manifest.KINDS``) each file role belongs to. Indicators and the one-year
# outcomes file stay with the crime release: they describe its periods.
_KIND_OF_ROLE = {"outcome_series": "outcome_series", "outcome_groups": "outcome_series"}


class Dataset:
    """The inputs of a command, each loaded when first used."""

    def __init__(self, paths: DataPaths | None = None):
        self.paths = paths or DataPaths()
        self.files: dict[str, str] = {}  # role -> the file read, as shown in output
        self._newest: dict[str, Release | None] = {}
        self.used: dict[str, Release] = {}  # kind of data -> the release its files were read from

    # -- building without files ------------------------------------------------------------------------

    @classmethod
    def from_frames(cls, counts: pd.DataFrame, population: pd.DataFrame, households: pd.DataFrame | None = None,
                    *, source: str | Source = "ons", registry: Registry | None = None,
                    classification: Classification | None = None, indicators: list[Indicator] | None = None,
                    explain_coverage: Any = None) -> Dataset:
        """A dataset from tables in memory.

        ``counts``: 12-month tidy counts (``area_code, period_end, category, count``; area codes or any name
        the forces registry knows). ``population`` and ``households``: ``area_code, year, population`` /
        ``households``. ``source``: the source record (or its key) that says how categories map to measures.

        The tables are checked as a file would be: a count or denominator that is not a whole number is an
        error (never truncated), and two rows for one key are an error (never the last kept): keys are
        compared as the loaders compare them, a force under any of its names, a category in any case or
        spacing.
        """
        import pandas as pd

        data = cls(DataPaths())
        data.__dict__["registry"] = registry or load_forces()
        data.__dict__["classification"] = classification or load_classification(known_sources=sources.keys())
        record = source if not isinstance(source, str) else sources.get(source)
        data.__dict__["source"] = record
        data.__dict__["release"] = None
        frame = counts.copy()
        frame["area_code"] = [data._code(a) for a in frame["area_code"]]
        frame["period_end"] = pd.to_datetime(frame["period_end"])
        frame["count"] = whole_numbers(frame["count"], "counts", "count")
        category_key = frame["category"].map(lambda v: " ".join(str(v).split()).casefold())
        no_repeats(pd.DataFrame({"area": frame["area_code"], "period_end": frame["period_end"],
                                  "category": category_key}), "counts", "area_code, period_end and category")
        territorial = [f.code for f in data.registry.territorial]
        explain = None
        if record.explain is not None and explain_coverage is not None:
            def explain(period, _have=explain_coverage, _explain=record.explain):
                return _explain(_have, data.registry, period)
        data.__dict__["counts"] = MeasureCounts(prepare(frame, territorial), data.classification, data.registry,
                                                record.key, explain, record.break_level)

        def values(table: pd.DataFrame | None, column: str) -> dict[tuple[str, int], int]:
            if table is None:
                return {}
            amounts = whole_numbers(table[column], column, column)
            years = whole_numbers(table["year"], column, "year")
            areas = [data._code(a) for a in table["area_code"]]
            no_repeats(pd.DataFrame({"area": areas, "year": years}), column, "area_code and year")
            return {(a, int(y)): int(v) for a, y, v in zip(areas, years, amounts)}

        people, homes = values(population, "population"), values(households, "households")
        check_households(people, homes, "<households table>", data.registry)
        data.__dict__["denominators"] = Denominators(people, homes, data.registry)
        data.__dict__["indicators"] = indicators
        data.__dict__["outcomes"] = None
        data.__dict__["outcome_series"] = None
        data.files = {"crime": "<in memory>"}
        return data

    def _code(self, name: str) -> str:
        return self.registry.get(str(name), partial=False).code  # a name in data is matched whole

    # -- resolution: every command resolves its force, periods and peers here, once, the same way ------------

    def force(self, name: Force | str, territorial: bool = True, parameter: str = "force") -> Force:
        """The force called ``name`` (any alias or ONS code, any case). With ``territorial`` (every command
        that computes rates), a national body (British Transport Police, the fraud bodies) is refused: it has
        no resident population and is not part of England and Wales."""
        force = name if isinstance(name, Force) else self.registry.get(str(name))  # unknown: names the nearest
        if territorial and not force.territorial:
            raise UsageError(f"{force.name} is a national body, not a police force area: it has no resident "
                             "population and is not part of England and Wales, so there are no rates to compare "
                             "(`crimestat forces` lists the 43 forces)", parameter=parameter, value=name)
        return force

    def forces(self, names: Force | str | Sequence[Force | str], territorial: bool = True,
               parameter: str = "force") -> list[Force]:
        """The forces named, each once, in the order given; ``all`` is every territorial force in the order
        ``crimestat forces`` lists them (by name)."""
        given = [names] if isinstance(names, (str, Force)) else list(names)
        if not given:
            raise UsageError("no force given; expected a force name, alias or code, or 'all'", parameter=parameter)
        found: list[Force] = []
        for name in given:
            if isinstance(name, str) and name.strip().lower() == "all":
                found += sorted(self.registry.territorial, key=lambda f: f.name)
            else:
                found.append(self.force(name, territorial, parameter))
        return list(dict.fromkeys(found))

    def period(self, value: date | str | None, parameter: str = "to") -> date:
        """A 12-month period end the crime data have (default: the latest); text is parsed by the one period
        parser (``YYYY-MM``); a period outside the data is an error naming ``parameter``."""
        from .model import periods

        return periods.resolve(value, self.counts.periods, parameter, self.counts.explain)

    def periods(self, to: date | str | None = None, baseline: date | str | None = None) -> Periods:
        """The period compared (default: the latest), its baseline (default: four years before) and the year
        before it."""
        from .model import periods

        current = self.period(to, "to")
        base = self.period(baseline, "baseline") if baseline is not None else periods.years_before(current, 4)
        if base >= current:
            raise UsageError(f"the baseline must end before the period compared ({current:%Y-%m}); a change runs "
                             "from the baseline to the later period", parameter="baseline", value=f"{base:%Y-%m}")
        return Periods(current, base, periods.years_before(current, 1))

    def peers(self, force: Force, names: str | Sequence[str] | None = None, file: str | None = None) -> PeerGroups | None:
        """The peer group of ``force``: forces named (comma-separated text or a list, up to seven), or a
        ``force,peer`` CSV; None when neither is given."""
        if names and file:
            raise UsageError("give peers or a peer groups file, not both", parameter="peers")
        if names:
            from .model.peers import peers_from_names

            text = names if isinstance(names, str) else ",".join(names)
            return peers_from_names(self.registry, force.code, text)
        if file:
            from .loaders.peers import load_peer_groups

            return load_peer_groups(file, self.registry)
        return None

    # -- what is read ----------------------------------------------------------------------------------

    @cached_property
    def release(self) -> Release | None:
        """The release the files come from; None when single files replace all of its files."""
        paths = self.paths
        if paths.crime and paths.population and paths.households and paths.release is None:
            return None
        if isinstance(paths.release, releases.Release):
            return paths.release  # already found (revisions walks every release without reading them again)
        return releases.choose(paths.release, paths.data_dir, found=self._releases)

    @cached_property
    def _releases(self) -> list[Release]:
        """The releases in the data folders, their manifests read once per dataset."""
        return releases.discover(self.paths.data_dir)

    def release_for(self, kind: str) -> Release | None:
        """The release a kind of data comes from: the pinned release, else the newest that has the kind (also
        when single files replace the crime release's: the outcomes series does not depend on them)."""
        if kind == "crime" or self.paths.release is not None:
            return self.release
        if kind not in self._newest:  # each kind's release found once per dataset (manifests read once)
            self._newest[kind] = releases.newest(kind, self.paths.data_dir, found=self._releases)
        return self._newest[kind]

    @cached_property
    def named_files(self) -> list[tuple[str, str, str | None]]:
        """The files the user named in place of the release's, as (role, path, the release whose manifest lists
        the same bytes, or None): a crime file copied from another release is labelled as that release's."""
        named = [(role, str(getattr(self.paths, role))) for role in ("crime", "population", "households",
                                                                      "outcomes", "indicators")
                 if getattr(self.paths, role) and str(getattr(self.paths, role)) != "-"]
        chosen = self.release.name if self.release is not None else None
        return releases.owners(named, self.paths.data_dir, chosen) if named else []

    def _release_files(self, role: str) -> list[releases.ReleaseFile]:
        kind = _KIND_OF_ROLE.get(role, "crime")
        release = self.release_for(kind)
        if release is None:
            return []
        found = release.paths(role)
        if found:
            self.used.setdefault(kind, release)
        return found

    def _given(self, role: str) -> list[tuple[str, str | None]]:
        """The files for a role: the one the user named, or the release's, as (path, expected SHA-256)."""
        given = getattr(self.paths, role)
        if given:
            return [(str(given), None)]
        found = self._release_files(role)
        if not found and role in ("crime", "population"):
            name = self.release.name if self.release is not None else "the data"
            if self.release is not None and not self.release.has("crime"):
                raise UsageError(f"the release '{name}' has no crime counts (it holds "
                                 f"{', '.join(sorted({f.role for f in self.release.files}))}); use a release that "
                                 "has (`crimestat releases`), or leave out --release")
            raise UsageError(f"the release '{name}' has no {role} file; pass --{role} FILE")
        return [(str(f.path), f.sha256) for f in found]

    def _show(self, role: str, files: list[tuple[str, str | None]]) -> None:
        shown = []
        for path, _ in files:
            try:
                shown.append(str(Path(path).resolve().relative_to(releases.default_data_dir().resolve().parent)))
            except (ValueError, OSError, RuntimeError):  # outside the data folder, or a link that loops
                shown.append(path)
        self.files[role] = ", ".join(shown)

    @cached_property
    def registry(self) -> Registry:
        return load_forces(self.paths.forces)

    @cached_property
    def _registry_key(self) -> str:
        """A short digest of the forces registry, part of each cache key: a load depends on it."""
        return digest(repr(self.registry.forces))[:16]

    @cached_property
    def classification(self) -> Classification:
        return load_classification(self.paths.classification, known_sources=sources.keys())

    @cached_property
    def recording_changes(self) -> Register:
        """The register of counting-rule and classification changes (the packaged one)."""
        return load_recording_changes()

    def measure(self, name: str) -> str:
        """A measure named as people write it (identifier or label, any case, a unique prefix or word),
        resolved once for every command; the data's own source decides between several candidates."""
        return self.classification.resolve(name, self.source.key)

    def straddled(self, measure: str, base: date, current: date) -> list[RecordingChange]:
        """The registered recording changes that a change in ``measure`` from the 12 months to ``base`` to
        those to ``current`` straddles."""
        found = self._straddled.get((measure, base, current))
        if found is None:
            key = self.source.key
            found = self.recording_changes.straddled(
                self.classification.categories(measure, key),
                lambda m: self.classification.members.get((key, m), set()), base, current)
            self._straddled[(measure, base, current)] = found
        return list(found)

    @cached_property
    def _straddled(self) -> dict[tuple[str, date, date], list[RecordingChange]]:
        return {}

    @cached_property
    def source(self) -> Source:
        if self.paths.police_uk:
            return sources.get("police_uk")
        ((path, _),) = self._given("crime")
        if path == "-":
            return self._stdin_source
        return sources.of_file(path)

    @cached_property
    def _stdin(self) -> io.BytesIO:
        """Standard input, read once, so that its header can be looked at before a loader reads it."""
        data = io.BytesIO(stdin_bytes())
        data.name = "<stdin>"  # type: ignore[attr-defined]
        return data

    @cached_property
    def _stdin_source(self) -> Source:
        header = header_of(self._stdin.getvalue()[:65536])  # recognised as a file would be
        found = sources.recognise(header) if header else None
        return found or sources.fallback()  # its loader says what the columns should be

    @cached_property
    def counts(self) -> MeasureCounts:
        source = self.source
        registry = self.registry
        territorial = [f.code for f in registry.territorial]
        if self.paths.police_uk:
            self.files["crime"] = ", ".join(self.paths.police_uk)
            loaded = source.load(self.paths.police_uk, registry, self.classification)
            prepared, coverage = prepare(loaded.counts, territorial), loaded.coverage
        else:
            files = self._given("crime")
            ((path, expected),) = files
            self._show("crime", files)

            def load():
                # Parsing needs pandas; a cached table does not, so pandas is imported only here.
                loaded = source.load([self._stdin if path == "-" else path], registry, self.classification)
                table = prepare(loaded.counts, territorial)
                table.quarters = loaded.quarters  # for checks quarter by quarter against other tables
                return table, loaded.coverage

            # Names become codes through the registry, and lifetimes use the territorial forces.
            prepared, coverage = cached(f"{source.key}-{self._registry_key}", path, load, expected)
        check_classified(prepared.categories, self.classification, source.key, self.files.get("crime", ""),
                         kind=source.category_kind)
        explain = None
        if source.explain is not None:
            def explain(period, _have=coverage, _explain=source.explain):
                return _explain(_have, registry, period)
        return MeasureCounts(prepared, self.classification, registry, source.key, explain, source.break_level)

    @cached_property
    def indicators(self) -> list[Indicator] | None:
        """The indicators file given, or the release's if it has one; None when there is none."""
        files = self._given("indicators")
        if not files:
            return None
        ((path, expected),) = files
        self._show("indicators", files)
        if expected is not None:
            cached("indicators-check", path, lambda: None, expected)  # the manifest's checksum, nothing more
        return load_indicators(path, self.registry)

    @cached_property
    def outcomes(self) -> OutcomeCounts | None:
        """The outcomes data given, or the release's; None when there are none."""
        files = self._given("outcomes")
        if not files:
            return None
        ((path, expected),) = files
        self._show("outcomes", files)
        registry = self.registry

        def load():
            from .sources.outcomes import load_outcomes  # pandas, on a cache miss only
            from .model.outcomes import prepare_outcomes

            return prepare_outcomes(load_outcomes(path, registry))

        from .loaders.outcome_types import load_outcome_types
        from .model.outcomes import OutcomeCounts

        cube = cached(f"outcomes-{self._registry_key}", path, load, expected)
        outcomes = OutcomeCounts(cube, registry, load_outcome_types())
        self._check_outcomes_against_crime(outcomes, path)
        return outcomes

    def _check_outcomes_against_crime(self, outcomes: OutcomeCounts, path: str) -> None:
        """Two tables of one release agree (:func:`crimestat.model.outcomes.check_against_crime`)."""
        if self.paths.police_uk or self.source.key != "home_office":
            return  # other crime sources count other things (rolling totals, street-level records)
        from .model.outcomes import check_against_crime

        check_against_crime(outcomes, self.counts, self.classification, self.registry, path)

    @cached_property
    def outcome_series(self) -> OutcomeSeries | None:
        """The outcomes series (force x quarter, both bases) given, or the newest release's; None when none."""
        files = self._given("outcome_series")
        if not files:
            return None
        ((path, expected),) = files
        self._show("outcome_series", files)
        registry = self.registry

        from .sources.outcome_series import load_outcome_groups, load_outcome_series
        from .model.outcome_series import OutcomeSeries

        table = cached(f"outcome-series-{self._registry_key}", path, lambda: load_outcome_series(path, registry),
                       expected)
        groups = None
        group_files = self._given("outcome_groups")
        if group_files:
            ((group_path, group_expected),) = group_files
            self._show("outcome_groups", group_files)
            groups = cached(f"outcome-groups-{self._registry_key}", group_path,
                            lambda: load_outcome_groups(group_path, registry), group_expected)
        series = OutcomeSeries(table, registry, groups)
        mismatches = series.group_mismatches()
        if mismatches:
            (group_path, _), = group_files
            raise DataFileError([DataFileError.single(group_path, m).problems[0] for m in mismatches[:20]])
        return series

    @cached_property
    def denominators(self) -> Denominators:
        population_files = self._given("population")
        household_files = self._given("households")
        self._show("population", population_files)
        if household_files:
            self._show("households", household_files)
        lookups = self.paths.la_lookups
        key = self._registry_key  # names in the files become codes through the registry

        def population(path):
            def load():
                from .loaders.denominators import by_area_and_year, load_population  # pandas, on a cache miss only

                return by_area_and_year(load_population(path, self.registry, lookups), "population")
            return load

        def households(path):
            def load():
                from .loaders.denominators import by_area_and_year, load_households

                return by_area_and_year(load_households(path, self.registry), "households")
            return load

        people: dict[tuple[str, int], int] = {}
        for path, expected in population_files:
            # The lookups are other files, so a population read through them is not cached on one file's key.
            if lookups and expected is not None:  # read through other files, not cached, but checked all the same
                cached("population-check", path, lambda: None, expected)
            people.update(population(path)() if lookups else
                          cached(f"population-{key}", path, population(path), expected))
        homes: dict[tuple[str, int], int] = {}
        for path, expected in household_files:
            part = cached(f"households-{key}", path, households(path), expected)
            overlap = sorted({y for (_, y) in part} & {y for (_, y) in homes})
            if overlap:
                raise DataFileError.single(path, f"a second households figure for {overlap[0]}: another households "
                                                 "file of this release already gives that year")
            homes.update(part)
        check_households(people, homes, ", ".join(path for path, _ in household_files) or "households",
                          self.registry)
        description = self.release.population if self.release is not None and not self.paths.population else ""
        editions: dict[str, dict[int, str]] = {"population": {}, "households": {}}
        for kind in editions:
            if getattr(self.paths, kind):
                continue  # the user's own file: its edition is not known
            for file in self._release_files(kind):
                for first, last, text in file.editions:
                    editions[kind].update({year: text for year in range(first, last + 1)})
        return Denominators(people, homes, self.registry, description, editions)


def load_dataset(paths: DataPaths | None = None) -> Dataset:
    """The dataset the paths describe; files are read when first needed."""
    signals.ready("loading")
    return Dataset(paths)
