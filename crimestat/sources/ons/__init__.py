"""The ONS police force area file of rolling 12-month recorded crime totals (the series behind HMIC 2014)."""

from __future__ import annotations

from collections.abc import Sequence

from ..record import Loaded, Source, register


# The loader's REQUIRED columns, named here so that recognising a file does not import the loader (and pandas).
_COLUMNS = ("12 months ending", "PFA", "Offence", "Rolling year total number of offences")


def _recognise(header: list[str]) -> bool:
    # Any of its columns: a file missing one is still reported by this loader, with the column it lacks.
    return any(column in header for column in _COLUMNS)


def _load(paths: Sequence[str], registry, classification=None) -> Loaded:
    from .parser import load_ons_crime

    (path,) = paths
    return Loaded(load_ons_crime(path, registry))


ONS = register(Source(
    key="ons",
    title="ONS police recorded crime by police force area",
    cited_as="Office for National Statistics, police recorded crime by police force area",
    short_citation="Source: ONS police recorded crime by police force area; ONS population estimates (OGL v3.0)",
    period_step="rolling_year",
    period_description="police recorded crime, rolling 12-month totals",
    recognise=_recognise,
    load=_load,
    category_kind="offence group",
    default=True,
    # The rates and changes in the "Crime" section of HMIC's 2014 reports.
    rates=("crime_excl_fraud", "victim_based_crime", "sexual_offences", "violence_with_injury", "domestic_burglary"),
    changes=(("crime_excl_fraud", "baseline"), ("victim_based_crime", "baseline"), ("crime_excl_fraud", "year")),
    trend_measure="crime_excl_fraud",
))
