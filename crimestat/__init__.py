"""crimestat: police recorded crime statistics for England and Wales, compared the way HMIC does.

The library behind the command line, for notebooks and other programs::

    import crimestat

    result = crimestat.compare("warwickshire")                      # newest release, latest 12 months
    old = crimestat.compare("warwickshire", "2014-06", release="ons-2019")
    frame = result.to_frame()                                       # the rows of `--format csv`

``compare``, ``trend`` and ``rank`` return typed results (``Comparison``, ``Trend``, ``Ranking``) with
``.to_frame()``; errors are :class:`crimestat.errors.CrimestatError` with the message the command line prints.
The heavy modules are imported on first use, so ``import crimestat`` stays light.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from .version import __version__

if TYPE_CHECKING:
    from .analyses.compare import Comparison
    from .analyses.rank import Ranking
    from .analyses.trend import Trend
    from .dataset import Dataset

__all__ = ["__version__", "compare", "trend", "rank", "load"]


def load(release: str | None = None, data_dir: str | Path | None = None, **files: str) -> Dataset:
    """The dataset of a release (default: the newest), files read when first needed.

    ``files`` may name single files that replace the release's: ``crime=``, ``population=``,
    ``households=``, ``indicators=``, ``classification=``, ``forces=``.
    """
    from .dataset import DataPaths, load_dataset

    return load_dataset(DataPaths(Path(data_dir) if data_dir is not None else None, release=release,
                                  **files))  # type: ignore[arg-type]


def compare(force: str, to: date | str | None = None, baseline: date | str | None = None, *,
            release: str | None = None, data: Dataset | None = None, population_year: int | None = None,
            measures: list[str] | None = None) -> Comparison:
    """A force beside England and Wales: rates, changes and (where the release has them) indicators.

    ``to`` and ``baseline`` are 12-month period ends (``date``, ``"2014-06"``, ``"2014-06-30"`` or a pandas
    Timestamp); the default is the latest period in the data and four years before it.
    """
    from .analyses.compare import compare as run
    from .analyses.indicators import IndicatorSet

    data = data if data is not None else load(release)
    indicators = IndicatorSet(data.indicators) if data.indicators is not None else None
    return run(data, force, _period(to), _period(baseline), population_year, measures, indicators)


def trend(force: str, start: date | str | None = None, end: date | str | None = None, *,
          measure: str | None = None, release: str | None = None, data: Dataset | None = None,
          population_year: int | None = None) -> Trend:
    """A measure's rate at every period end from ``start`` to ``end``, force beside England and Wales."""
    from .analyses.trend import trend as run

    data = data if data is not None else load(release)
    return run(data, force, _period(start), _period(end), measure, population_year)


def rank(measure: str | None = None, to: date | str | None = None, baseline: date | str | None = None, *,
         release: str | None = None, data: Dataset | None = None, population_year: int | None = None,
         overdispersion: bool = False) -> Ranking:
    """Every territorial force ranked by its rate for ``measure``, with changes and funnel positions."""
    from .analyses.outcomes import is_outcome_measure, rank_outcomes
    from .analyses.rank import rank as run

    data = data if data is not None else load(release)
    if measure is not None and is_outcome_measure(measure):
        return rank_outcomes(data, measure, _period(to))  # type: ignore[return-value]
    return run(data, measure, _period(to), _period(baseline), population_year, None, overdispersion)


def _period(value: date | str | None) -> date | str | None:
    """A month given as 'YYYY-MM' (or 'YYYY-M') becomes its last day; other forms pass through."""
    if isinstance(value, str):
        from .model.periods import parse_month

        return parse_month(value, "period")
    return value
