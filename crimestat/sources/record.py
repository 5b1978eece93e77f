"""A source record: everything crimestat needs to know about one kind of crime file, and the registry the
records join when their modules are imported (``crimestat.sources`` imports the built-in ones)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import pandas as pd

    from ..model.forces import Registry

OGL = "Contains public sector information licensed under the Open Government Licence v3.0."


PeriodStep = Literal["rolling_year", "quarter", "month"]


ChangeSpan = Literal["baseline", "year"]


@dataclass
class Loaded:
    """What a source's loader gives: 12-month tidy counts, and why a missing period is missing.

    ``counts`` has the columns ``area_code, period_end, months, category, count`` (DESIGN.md's tidy
    counts, 12-month windows only). ``coverage`` is picklable data from which ``Source.explain`` says
    which parts (months, quarters) a 12-month period lacks; None when the source publishes 12-month
    totals itself. ``quarters`` is the quarterly counts before they were summed into windows
    (``model.windows.QuarterCounts``), for sources that publish quarters; None otherwise.
    """

    counts: pd.DataFrame
    coverage: Any = None
    quarters: Any = None


@dataclass(frozen=True)
class Source:
    """One kind of crime file."""

    key: str  # the name in the classification's ``source`` column and in cache keys
    title: str  # "ONS police recorded crime by police force area"
    cited_as: str  # the crime data's name in a "Sources:" line
    short_citation: str  # a line short enough for a chart's footer
    period_step: PeriodStep
    period_description: str  # "police recorded crime, rolling 12-month totals"
    recognise: Callable[[list[str]], bool]  # from a file's header
    load: Callable[..., Loaded]  # (paths, registry, classification) -> 12-month tidy counts
    rates: tuple[str, ...]  # compare's rate rows
    changes: tuple[tuple[str, ChangeSpan], ...]  # compare's change rows: measure, against which period
    trend_measure: str  # trend's and rank's default measure
    explain: Callable[[Any, Registry, date | None], str] | None = None
    # The measure a report's HMIC burglary row uses after a series break, as (break, measure): periods
    # ending after ``break`` show ``measure`` instead (residential burglary after 2017/18).
    successors: dict[str, tuple[date, str]] = field(default_factory=dict)

    # "category": a category that starts or stops part-way makes periods around the change n/a (ONS offence
    # groups are renamed); "measure": only a measure whose own total starts or stops does (Home Office codes
    # come and go with counting rules while the totals they make up stay continuous).
    break_level: Literal["category", "measure"] = "category"
    # What one of its categories is called in messages ("offence group", "offence code", "crime type").
    category_kind: str = "category"
    # Its files may come as workbooks (.ods, .xlsx); a workbook given as the crime file is read by this source.
    workbooks: bool = False
    # The source a file with no header (or standard input) is given to, whose loader says what is wrong.
    default: bool = False
    # Changes in what is recorded, marked on charts of the measures they touch: (date, what changed,
    # measures whose categories it concerns).
    events: tuple[tuple[date, str, tuple[str, ...]], ...] = ()

    def cite(self, *others: str) -> str:
        """The attribution line: this source, the other data used (population, households), and the licence."""
        if others:
            return f"Sources: {self.cited_as}; {'; '.join(others)}. {OGL}"
        return f"Source: {self.cited_as}. {OGL}"

    def rate_measure(self, measure: str, period: date) -> str:
        """``measure``, or the measure that replaced it by ``period`` (see ``successors``)."""
        change = self.successors.get(measure)
        return change[1] if change is not None and period > change[0] else measure


_REGISTRY: dict[str, Source] = {}


def register(source: Source) -> Source:
    """Add a source (or replace one with the same key); returns it, so a module can keep a name for it."""
    _REGISTRY[source.key] = source
    return source


def unregister(key: str) -> None:
    """Remove a source (for tests that register a toy one)."""
    _REGISTRY.pop(key, None)
