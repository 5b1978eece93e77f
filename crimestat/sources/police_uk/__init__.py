"""data.police.uk street-level files (or crimestat's own ``ingest police-uk`` CSV): monthly counts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from ..record import Loaded, Source, register


def _recognise(header: list[str]) -> bool:
    return header[:5] == ["area_code", "area", "month", "crime_type", "count"] or \
        all(c in header for c in ("Month", "Falls within", "Crime type"))


def _load(paths: Sequence[str], registry, classification=None) -> Loaded:
    from .parser import load_monthly_counts, use_classification

    if classification is not None:
        use_classification(classification)  # the user's --classification says which crime types exist
    from ...model.windows import coverage, rolling_windows

    monthly = load_monthly_counts(list(paths), registry)
    return Loaded(rolling_windows(monthly), coverage(monthly))


def _explain(have: dict[str, set[int]], registry, period: date | None) -> str:
    """Which months a 12-month period lacks, force by force."""
    from ...model.windows import missing_months, month_name

    spans = "; ".join(f"{registry.by_code(a).name} has {month_name(min(m))} to {month_name(max(m))}"
                      for a, m in sorted(have.items()))
    if period is None:
        return f"police.uk counts: {spans}"
    lacking = {registry.by_code(a).name: missing_months(m, period) for a, m in have.items()}
    named = "; ".join(f"{name} lacks {', '.join(ms)}" for name, ms in sorted(lacking.items()) if ms)
    return f"the 12 months to {period:%B %Y} need every month's police.uk counts: {named or spans}"


POLICE_UK = register(Source(
    key="police_uk",
    title="data.police.uk street-level crime and anti-social behaviour",
    cited_as="data.police.uk street-level crime and anti-social behaviour (monthly counts summed to 12 months)",
    short_citation="Source: data.police.uk street-level crime; ONS population estimates (OGL v3.0)",
    period_step="month",
    period_description="police.uk street-level crimes, monthly counts summed to 12 months",
    recognise=_recognise,
    load=_load,
    category_kind="crime type",
    # All crime, anti-social behaviour and the categories nearest HMIC's.
    rates=("police_uk_all_crime", "police_uk_anti_social_behaviour", "police_uk_violence_and_sexual_offences",
           "police_uk_burglary"),
    changes=(("police_uk_all_crime", "baseline"), ("police_uk_all_crime", "year"),
             ("police_uk_anti_social_behaviour", "year")),
    trend_measure="police_uk_all_crime",
    explain=_explain,
))
