"""The Home Office police recorded crime open data tables: quarterly counts by force and offence code."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from ..record import Loaded, Source, register


_COLUMNS = {"Financial Year", "Financial Quarter", "Force Name", "Offence Code"}


def _recognise(header: list[str]) -> bool:
    # Checked here rather than by the loader, whose import brings pandas: a cached run never needs it.
    columns = {c.strip() for c in header}
    return _COLUMNS <= columns and bool({"Number of Offences", "Offence Count"} & columns)


def _load(paths: Sequence[str], registry, classification=None) -> Loaded:
    from .parser import load_home_office_crime
    from ...model.windows import quarter_counts, quarter_coverage, quarterly_windows

    (path,) = paths
    quarterly = load_home_office_crime(path, registry)
    return Loaded(quarterly_windows(quarterly), quarter_coverage(quarterly), quarter_counts(quarterly))


def _explain(have: dict, registry, period: date | None) -> str:
    """Which quarters a 12-month period lacks, force by force."""
    from ...model.windows import missing_quarters

    if period is None or not have:
        return "the Home Office tables hold no complete 12-month period (four quarters) for any force"
    lacking = {registry.by_code(a).name: missing_quarters(q, period) for a, q in have.items()
               if registry.by_code(a).territorial}
    short = {name: qs for name, qs in sorted(lacking.items()) if qs}
    if len(short) > 3 and len({tuple(qs) for qs in short.values()}) == 1:
        # Every force lacks the same quarters: the data do not reach that far; say so once.
        (qs,) = {tuple(qs) for qs in short.values()}
        named = f"no force has {', '.join(qs)}"
    else:
        named = "; ".join(f"{name} lacks {', '.join(qs)}" for name, qs in list(short.items())[:3])
        if len(short) > 3:
            named += f"; and {len(short) - 3} more forces"
    first = min(min(q) for q in have.values() if q)
    last = max(max(q) for q in have.values() if q)
    return (f"the 12 months to {period:%B %Y} need four quarters of Home Office counts: "
            + (named or f"the tables have quarters ending {first:%B %Y} to {last:%B %Y}"))


HOME_OFFICE = register(Source(
    key="home_office",
    title="Home Office police recorded crime open data tables by police force area",
    cited_as="Home Office, police recorded crime open data tables by police force area",
    short_citation="Source: Home Office police recorded crime open data; ONS population estimates (OGL v3.0)",
    period_step="quarter",
    period_description="police recorded crime, four quarters summed",
    recognise=_recognise,
    load=_load,
    category_kind="offence code",
    workbooks=True,
    rates=("crime_excl_fraud", "victim_based_crime", "sexual_offences", "violence_with_injury", "domestic_burglary"),
    changes=(("crime_excl_fraud", "baseline"), ("victim_based_crime", "baseline"), ("crime_excl_fraud", "year")),
    trend_measure="crime_excl_fraud",
    explain=_explain,
    # Burglary in a dwelling is recorded as residential burglary from April 2017 (Home Office counting rules).
    break_level="measure",
    events=((date(2017, 3, 31), "from April 2017 burglary is recorded as residential and non-residential "
                                "(before: domestic and non-domestic)", ("domestic_burglary", "residential_burglary")),),
    successors={"domestic_burglary": (date(2017, 12, 31), "residential_burglary")},
))
