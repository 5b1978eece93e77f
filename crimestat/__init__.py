"""crimestat: police recorded crime statistics for England and Wales, compared the way HMIC does.

The library is the product; the command line is a thin face over the same calls. Each command is a
function here, with the same parameters in the library's terms::

    import crimestat

    result = crimestat.compare("warwickshire")                      # newest release, latest 12 months
    old = crimestat.compare("warwickshire", "2014-06", release="ons-2019")
    frame = result.to_frame()                                       # the rows of `--format csv`
    every = crimestat.compare("all", data=crimestat.load())         # one result per force

``load`` gives a :class:`Dataset` (files read when first needed); pass it as ``data=`` to several calls so
files are read once. Every function resolves its force, periods and peers through the dataset, the same way
as the command line (``Dataset.force``, ``.forces``, ``.periods``, ``.peers``), and returns a typed result
with ``.to_frame()`` (counts as integers, ``Int64`` where a count can be missing). Errors are
:class:`CrimestatError` and its children, with the message the command line prints (naming the parameter).
The heavy modules are imported on first use, so ``import crimestat`` stays light.
"""

from __future__ import annotations

from .version import __version__

# Nothing heavier than the version is imported here: the command's entry point (crimestat.__main__.run) installs
# its signal handlers as its first instruction, and `import crimestat` (which comes first) must stay that light.
# Errors and result types are imported when first named (``crimestat.CrimestatError``).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import date
    from pathlib import Path

    from .errors import (BadValueError, CrimestatError, DataFileError, MissingColumnError, MissingFileError,
                         NoCompletePeriodError, OutputError, PeriodNotCoveredError, UnknownForceError,
                         UnknownMeasureError, UsageError)

    from .analyses.breakdown import Breakdown
    from .analyses.compare import Comparison
    from .analyses.outcome_series import OutcomesByYear, SeriesRanking, SeriesTrend
    from .analyses.outcomes import OutcomeComparison, OutcomeRanking
    from .analyses.rank import Ranking
    from .analyses.report import Report
    from .analyses.revisions import Revisions
    from .analyses.trend import Trend
    from .analyses.validate import Validation
    from .dataset import Dataset
    from .model.forces import Force
    from .results import ForceResults

__all__ = [
    "__version__", "load", "compare", "trend", "rank", "breakdown", "outcomes", "report", "revisions", "validate",
    "Dataset", "Comparison", "Trend", "Ranking", "Breakdown", "OutcomeComparison", "OutcomeRanking", "SeriesTrend",
    "SeriesRanking", "OutcomesByYear", "OutcomeBreakdown", "Report", "Revisions",
    "Validation", "ForceResults", "Force",
    "CrimestatError", "UsageError", "UnknownForceError", "UnknownMeasureError", "PeriodNotCoveredError",
    "NoCompletePeriodError", "DataFileError", "MissingFileError", "MissingColumnError", "BadValueError",
    "OutputError",
]

# Result types are imported when first named (``crimestat.Comparison``), not with ``import crimestat``.
_TYPES = {
    "Dataset": ".dataset", "Comparison": ".analyses.compare", "Trend": ".analyses.trend",
    "Ranking": ".analyses.rank", "Breakdown": ".analyses.breakdown", "OutcomeComparison": ".analyses.outcomes",
    "OutcomeRanking": ".analyses.outcomes", "SeriesTrend": ".analyses.outcome_series",
    "OutcomesByYear": ".analyses.outcome_series", "SeriesRanking": ".analyses.outcome_series",
    "OutcomeBreakdown": ".analyses.outcome_breakdown",
    "Report": ".analyses.report", "Revisions": ".analyses.revisions", "Validation": ".analyses.validate",
    "ForceResults": ".results", "Force": ".model.forces",
    **{name: ".errors" for name in ("CrimestatError", "UsageError", "UnknownForceError", "UnknownMeasureError",
                                    "PeriodNotCoveredError", "NoCompletePeriodError", "DataFileError",
                                    "MissingFileError", "MissingColumnError", "BadValueError", "OutputError")},
}


def __getattr__(name: str):
    if name in _TYPES:
        import importlib

        return getattr(importlib.import_module(_TYPES[name], __name__), name)
    raise AttributeError(f"module 'crimestat' has no attribute {name!r}")


Forces = "str | Force | Sequence[str | Force]"


def load(release: str | None = None, data_dir: str | Path | None = None, **files: str) -> Dataset:
    """The dataset of a release (default: the newest), files read when first needed.

    ``files`` may name single files that replace the release's: ``crime=``, ``population=``,
    ``households=``, ``indicators=``, ``classification=``, ``forces=``, ``outcomes=``.
    """
    from pathlib import Path

    from .dataset import DataPaths, load_dataset

    return load_dataset(DataPaths(Path(data_dir) if data_dir is not None else None, release=release,
                                  **files))  # type: ignore[arg-type]


def _data(data: Dataset | None, release: str | None) -> Dataset:
    return data if data is not None else load(release)


def _one_or_many(data: Dataset, force, run, command: str, period_of):
    """``run(force)`` for one force; a ForceResults (rendered as one) for ``"all"`` or several names."""
    from .results import ForceResults

    forces = data.forces(force)  # resolved once, before any large file is read
    from collections.abc import Sequence

    names = [force] if isinstance(force, str) else list(force) if isinstance(force, Sequence) else []
    several = len(forces) > 1 or any(isinstance(n, str) and n.strip().lower() == "all" for n in names)
    results = [run(one) for one in forces]
    if not several:
        return results[0]
    return ForceResults(results, command, period_of(results[0]))


def compare(force: Forces, to: date | str | None = None, baseline: date | str | None = None, *,
            measures: Sequence[str] | None = None, per: int | None = None, peers: str | Sequence[str] | None = None,
            peer_groups: str | None = None, population_year: int | None = None, confidence: float = 0.95,
            interval: str = "wilson", verdict: str = "overlap", data: Dataset | None = None,
            release: str | None = None) -> Comparison | ForceResults:
    """A force beside England and Wales: rates, changes and (where the release has them) indicators.

    ``force``: a name, alias or ONS code; ``"all"`` or a list gives a :class:`ForceResults` (one per force).
    ``to`` and ``baseline``: 12-month period ends (``date`` or ``"YYYY-MM"``); default the latest period and
    four years before it. ``measures``: rate and change rows for these measures instead of the source's set.
    ``per``: rates per 1,000, 100,000 or 1,000,000. ``peers`` (names) or ``peer_groups`` (a CSV file): the
    force's most similar group, with its average beside each rate. ``confidence``, ``interval`` ("wilson" or
    "normal") and ``verdict`` ("overlap" or "z-test") for victim satisfaction.
    """
    from .analyses.compare import compare as run
    from .analyses.indicators import IndicatorOptions, IndicatorSet

    data = _data(data, release)
    forces = data.forces(force)
    if (peers or peer_groups) and len(forces) > 1:
        from .errors import UsageError

        raise UsageError("peers go with one force", parameter="peers")
    groups = data.peers(forces[0], peers, peer_groups)
    chosen = data.periods(to, baseline)
    indicators = IndicatorSet(data.indicators) if data.indicators is not None else None
    options = IndicatorOptions(confidence, interval, verdict)
    wanted = list(dict.fromkeys(measures)) if measures else None
    return _one_or_many(data, force, lambda one: run(
        data, one, population_year=population_year, measures=wanted, indicators=indicators, options=options,
        peers=groups, chosen=chosen, per=int(per) if per else None), "compare", lambda r: r.periods.current)


def trend(force: Forces, start: date | str | None = None, end: date | str | None = None, *,
          measure: str | None = None, population_year: int | None = None, data: Dataset | None = None,
          release: str | None = None) -> Trend | ForceResults:
    """A measure's rate at every period end from ``start`` to ``end`` (default: the four years to the
    latest), force beside England and Wales. An outcome rate of the outcomes series (``charge_rate_closed``
    ...) gives its value at every quarter end (a ``SeriesTrend``)."""
    from .analyses.by_measure import trend as run

    data = _data(data, release)
    return _one_or_many(data, force, lambda one: run(data, one, start, end, measure, population_year), "trend",
                        lambda r: r.period_ends[-1])


def rank(measure: str | None = None, to: date | str | None = None, baseline: date | str | None = None, *,
         force: str | Force | None = None, peers: str | Sequence[str] | None = None, peer_groups: str | None = None,
         funnel: str = "additive", per: int | None = None, population_year: int | None = None,
         overdispersion: bool = False, by: str = "rate", data: Dataset | None = None,
         release: str | None = None) -> Ranking | OutcomeRanking | SeriesRanking:
    """Every territorial force (or ``force``'s peer group) ranked by its rate for ``measure``, with changes and
    funnel positions; an outcome measure (``charge_rate`` ...) ranks from the release's outcomes data and gives
    an :class:`OutcomeRanking`. ``funnel``: "additive" (random effects), "multiplicative" or "poisson";
    ``overdispersion`` is the older name for "multiplicative". ``force`` is marked in the table and plot.
    ``by``: "rate" (rank 1 the highest rate), or "change": the percentage change from ``baseline`` (default
    the year before ``to``), rank 1 the largest rise. ``measure`` is an identifier or a label, any case."""
    from .analyses.by_measure import rank_outcomes
    from .analyses.outcomes import is_outcome_measure
    from .analyses.rank import rank as run
    from .errors import UsageError

    data = _data(data, release)
    marked = data.force(force) if force is not None else None
    codes = None
    if peers or peer_groups:
        if marked is None:
            raise UsageError("peers need a force: whose group to rank", parameter="peers")
        codes = data.peers(marked, peers, peer_groups).group(marked.code)  # type: ignore[union-attr]
    if measure is not None and is_outcome_measure(measure):
        given = [name for name, value in (("baseline", baseline), ("population_year", population_year),
                                          ("per", per)) if value]
        if given:
            raise UsageError(f"{measure} is an outcome rate (a percentage of offences): {', '.join(given)} "
                             "apply to crime rates", parameter="measure", value=measure)
        # --funnel means the same for proportions: random effects on the logit scale, phi, or binomial limits.
        return rank_outcomes(data, measure, to, None, codes, funnel="multiplicative" if overdispersion else funnel)
    return run(data, measure, to, baseline, population_year, codes, overdispersion, funnel=funnel,
               force=marked.code if marked is not None else None, per=int(per) if per else None, by=by)


def breakdown(force: Forces, to: date | str | None = None, baseline: date | str | None = None, *,
              level: str | None = None, measure: str | None = None, population_year: int | None = None,
              data: Dataset | None = None, release: str | None = None) -> Breakdown | ForceResults:
    """What drove a force's change: the change in ``measure`` (default crime excluding fraud) from the 12 months
    to ``baseline`` (default four years before ``to``) taken apart by offence ``level`` ("group", "subgroup"
    or "offence"; default subgroups where the data have them). Each part has its counts, change,
    contribution (percentage points of the base total; they add up to the total's change), rate, England and
    Wales's change and the change test; rows straddling a registered counting-rule change name it.
    ``force``: ``"all"`` or a list gives a :class:`ForceResults` (one per force). An outcomes-series rate
    (``charge_rate_closed`` ...) is taken apart by offence group between two financial years (``to`` and
    ``baseline`` in March): an :class:`OutcomeBreakdown`."""
    from datetime import date

    from .errors import UsageError

    from .analyses.breakdown import breakdown as run
    from .model.outcome_series import is_series_measure

    data = _data(data, release)
    if is_series_measure(measure):
        # An outcome rate of the outcomes series: by offence group between two financial years.
        from .analyses.outcome_breakdown import series_breakdown

        if population_year is not None:
            raise UsageError(f"{measure} is a percentage of outcomes, not a rate per population: leave out the "
                             "population year", parameter="population_year")
        return _one_or_many(data, force, lambda one: series_breakdown(data, one, to, baseline, level=level,
                                                                      measure=measure),  # type: ignore[arg-type]
                            "breakdown", lambda r: date(r.year + 1, 3, 31))
    chosen = data.periods(to, baseline)
    return _one_or_many(data, force, lambda one: run(data, one, level=level, measure=measure, chosen=chosen,
                                                     population_year=population_year),
                        "breakdown", lambda r: r.periods.current)


def outcomes(force: str | Force, to: date | str | None = None, group: str | None = None, *, by_year: bool = False,
             basis: str = "closed", data: Dataset | None = None,
             release: str | None = None) -> OutcomeComparison | OutcomesByYear:
    """A force's crime outcomes (charge/summons and the rest of the mix) beside England and Wales, for the
    12 months to ``to`` (default: the latest with outcomes), all offences or one offence ``group``.

    ``by_year``: every financial year of the outcomes series instead, on ``basis`` ("closed": outcomes assigned
    in the year; "recorded": so far, for the crimes recorded in it). Outcome rates over time are
    ``trend(force, measure="charge_rate_closed")``, forces ranked ``rank("charge_rate_closed", "2025-03")`` (also
    ``out_of_court_rate_closed``, ``positive_outcome_rate_closed`` and the ``_recorded`` twins)."""
    from .errors import UsageError

    data = _data(data, release)
    if by_year:
        from .analyses.outcome_series import outcomes_by_year

        given = [name for name, value in (("to", to), ("group", group)) if value is not None]
        if given:
            raise UsageError(f"by_year shows every financial year of crimes excluding fraud; leave out "
                             f"{' and '.join(given)}", parameter=given[0])
        return outcomes_by_year(data, data.force(force), basis)
    if basis != "closed":
        raise UsageError("basis goes with by_year (the one-year outcomes are on the recorded basis)",
                         parameter="basis")
    from .analyses.outcomes import outcomes as run

    return run(data, data.force(force), to, group)


def report(force: str | Force, to: date | str | None = None, *, peers: str | Sequence[str] | None = None,
           peer_groups: str | None = None, confidence: float = 0.95, interval: str = "wilson",
           verdict: str = "overlap", data: Dataset | None = None, release: str | None = None) -> Report:
    """HMIC's "Crime" section for a force: sentences, the rates table, the trend it is drawn from, method.
    Render it with ``crimestat.render.report_markdown`` or ``report_html``."""
    from .analyses.indicators import IndicatorOptions, IndicatorSet
    from .analyses.report import build_report

    data = _data(data, release)
    indicators = IndicatorSet(data.indicators) if data.indicators is not None else None
    resolved = data.force(force)
    return build_report(data, resolved, to, indicators, IndicatorOptions(confidence, interval, verdict),
                        peers=data.peers(resolved, peers, peer_groups))


def revisions(force: str | Force, to: date | str, measure: str = "crime_excl_fraud", *,
              data_dir: str | Path | None = None) -> Revisions:
    """The measure's count and rate for the force and England and Wales in every release that covers the
    12 months to ``to``, oldest release first, with each release's change on the one before."""
    from pathlib import Path

    from .analyses.revisions import revisions as run
    from .model.periods import as_period

    data = load(data_dir=data_dir)
    return run(data.force(force), as_period(to, "to"), measure, Path(data_dir) if data_dir else None, base=data)


def validate(files: Sequence[str] = (), *, data_dir: str | Path | None = None, release: str | None = None,
             la_lookups: Sequence[str] = ()) -> Validation:
    """Check files (default: every file of a release) with the loader of their kind; every problem of every
    file is collected (``.ok`` is False when there is any)."""
    from pathlib import Path

    from . import releases
    from .analyses.validate import Validation, manifest_digests, validate as run

    folder = Path(data_dir) if data_dir else None
    if not files:
        chosen = [releases.choose(release, folder)]
        if release is None:  # the releases a command uses by default: each kind's newest
            series = releases.newest("outcome_series", folder)
            chosen += [series] if series is not None and series.name != chosen[0].name else []
        files = [str(f.path) for one in chosen for f in one.files if f.role != "geography"]
        known = chosen
    else:
        try:
            known = releases.discover(folder)
        except CrimestatError:
            known = []  # a damaged manifest elsewhere does not stop the files named from being checked
    # Every file a release's manifest lists is checked against its SHA-256, as every command checks it.
    return Validation(run(list(files), la_lookups=la_lookups, expected=manifest_digests(known)))
