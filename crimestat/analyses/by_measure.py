"""Which analysis a measure goes to: crime rates, the one-year outcome rates, or the outcomes series.

``trend`` and ``rank`` take any measure; the outcomes series' (``charge_rate_closed`` ...) are percentages of
outcomes over quarters, not rates per population, and have their own analyses in ``outcome_series``. The
choice is made here, once, for the command line and the Python API alike.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from ..errors import UsageError
from ..model.forces import Force
from ..model.outcome_series import is_series_measure

if TYPE_CHECKING:
    from ..dataset import Dataset


def trend(data: Dataset, force: Force | str, start: date | str | None = None, end: date | str | None = None,
          measure: str | None = None, population_year: int | None = None):
    """A crime rate's trend (``analyses.trend``), or an outcome rate's from the outcomes series."""
    if is_series_measure(measure):
        from .outcome_series import series_trend

        if population_year is not None:
            raise UsageError(f"{measure} is a percentage of outcomes, not a rate per population: leave out the "
                             "population year", parameter="population_year")
        return series_trend(data, force, start, end, measure)  # type: ignore[arg-type]
    from .trend import trend as crime_trend

    return crime_trend(data, force, start, end, measure, population_year)


def rank_outcomes(data: Dataset, measure: str, to: date | str | None = None, group: str | None = None,
                  force_codes: list[str] | None = None, funnel: str = "additive"):
    """Forces ranked by an outcome rate: the one-year outcomes file's (``charge_rate``) or the series'; ``funnel``
    as for crime rates (random effects on the logit scale, phi, or binomial limits)."""
    if is_series_measure(measure):
        from .outcome_series import rank_series

        if group is not None:
            raise UsageError(f"{measure} is for crimes excluding fraud; offence groups are in `crimestat outcomes`",
                             parameter="group")
        return rank_series(data, measure, to, force_codes, funnel)
    from .outcomes import rank_outcomes as one_year

    return one_year(data, measure, to, group, force_codes, funnel)
