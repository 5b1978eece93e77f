"""``crimestat releases`` and ``crimestat revisions``: what each data release holds, and how a figure changed
from one release to the next.

Police recorded crime is revised after first publication (late recording, reclassification, population
estimates rebased on a Census), so the same force and period can have different counts and rates in two
releases. Each release is read on its own; figures are set side by side, never mixed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ..model import periods
from ..dataset import DataPaths, Dataset, load_dataset
from ..errors import CrimestatError, DataFileError, PeriodNotCoveredError
from ..model.forces import ENGLAND_AND_WALES, ENGLAND_AND_WALES_CODE, Force
from ..releases import Release, discover, user_releases
from ..results import Cell, Result, Section
from .figures import rate_row

RELEASE_COLUMNS = ["release", "title", "publisher", "published", "source", "first_period_end", "last_period_end",
                   "periods", "default"]


@dataclass
class ReleaseCoverage:
    release: Release
    source: str
    first: date | None
    last: date | None
    periods: int
    default: bool


def coverage(data_dir=None, newest_only: bool = False) -> list[ReleaseCoverage]:
    """Every release found (or only the newest with crime counts: a job asking for it must not fail on an
    older release's damaged file), with the 12-month periods its crime data cover (newest last). A release
    holding only an outcomes series is listed with the periods the series covers; each kind's newest is a
    default."""
    from ..releases import newest

    found = discover(data_dir)
    defaults = {r.name for r in (newest(kind, found=found) for kind in ("crime", "outcome_series")) if r is not None}
    result = []
    for release in found:
        if newest_only and (not release.has("crime") or release.name not in defaults):
            continue
        data = load_dataset(DataPaths(data_dir, release=release))
        if release.has("crime"):
            ends, title = data.counts.periods, data.source.title
        else:
            series = data.outcome_series
            ends, title = (series.periods if series is not None else []), SERIES_TITLE
        result.append(ReleaseCoverage(release, title, min(ends) if ends else None,
                                      max(ends) if ends else None, len(ends), release.name in defaults))
    return result


SERIES_TITLE = "Home Office crime outcomes series by police force area and quarter"


def releases_result(found: list[ReleaseCoverage]) -> Result:
    records: list[dict[str, Any]] = [{"release": c.release.name, "title": c.release.title, "publisher": c.release.publisher,
                "published": c.release.published, "source": c.source, "first_period_end": c.first,
                "last_period_end": c.last, "periods": c.periods, "default": c.default} for c in found]
    table = [[Cell(r["release"] + (" (default)" if r["default"] else "")), Cell(r["publisher"]),
              Cell(f"{r['published']:%d %b %Y}" if r["published"] else ""),
              Cell(f"{r['first_period_end']:%b %Y} to {r['last_period_end']:%b %Y}" if r["last_period_end"] else "none")]
             for r in records]
    return Result("Data releases (the newest is the default; --release NAME picks another)", records,
                  [Section(["Release", "Publisher", "Published", "12-month periods ending"], table, ["left"] * 4)],
                  ["Add a release from the files as published with `crimestat releases add FILE_OR_URL... --name NAME` "
                   f"(written to {user_releases()})."], columns=RELEASE_COLUMNS)


REVISION_COLUMNS = ["release", "published", "area_code", "area", "measure", "period_end", "count", "denominator",
                    "rate_per_1000", "count_change", "rate_change", "note"]


@dataclass
class Revision:
    release: Release
    force_rows: list  # [count Row for force, for England and Wales]
    note: str = ""


@dataclass
class Revisions:
    force: Force
    measure: str
    measure_label: str
    period_end: date
    entries: list[Revision] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    @property
    def records(self) -> list[dict]:
        out = []
        previous: dict[str, tuple] = {}
        for entry in self.entries:
            for row in entry.force_rows:
                before = previous.get(row.area_code)
                count_change = (row.numerator - before[0] if before and before[0] is not None and row.numerator
                                is not None else None)
                rate_change = (row.value - before[1] if before and before[1] is not None and row.value is not None
                               else None)
                out.append({"release": entry.release.name, "published": entry.release.published,
                            "area_code": row.area_code, "area": row.area, "measure": self.measure,
                            "period_end": self.period_end, "count": row.numerator, "denominator": row.denominator,
                            "rate_per_1000": row.value, "count_change": count_change, "rate_change": rate_change,
                            "note": row.note})
                previous[row.area_code] = (row.numerator, row.value)
        return out

    def to_frame(self):
        """The rows of ``--format csv`` (counts as integers)."""
        return self.view().to_frame()

    def view(self) -> Result:
        records = self.records
        table = []
        for r in records:
            table.append([Cell(r["release"]), Cell(r["area"]), Cell(r["count"], "count", "" if r["count"] is not None
                                                                    else f"{r['release']}, {r['area']}: {r['note']}"),
                          Cell(r["count_change"], "signed_count") if r["count_change"] is not None else Cell(""),
                          Cell(r["rate_per_1000"], "rate", "" if r["rate_per_1000"] is not None else
                               f"{r['release']}, {r['area']}: {r['note']}"),
                          Cell(r["denominator"], "count")])
        notes = [f"{periods.label(self.period_end)}. Changes are against the previous release listed (oldest first); "
                 "rates use each release's own population estimates."]
        notes += self.skipped
        title = (f"{self.measure_label}: {self.force.name} and England and Wales, {periods.label(self.period_end)}, "
                 "in each release")
        return Result(title, records, [Section(["Release", "Area", "Count", "Change", "Rate per 1,000",
                                                "Denominator"], table, ["left", "left", "right", "right", "right",
                                                                         "right"])],
                      notes, {"command": "revisions", "force": {"code": self.force.code, "name": self.force.name},
                              "period_end": self.period_end, "measure": self.measure}, columns=REVISION_COLUMNS)


def revisions(force: Force | str, period_end: date, measure: str = "crime_excl_fraud", data_dir=None,
              base: Dataset | None = None) -> Revisions:
    """The measure's count and rate for the force and England and Wales in every release that covers the period."""
    found = discover(data_dir)
    first = base or load_dataset(DataPaths(data_dir, release=found[-1] if found else None))
    resolved = force if isinstance(force, Force) else first.registry.get(force)
    measure = first.classification.resolve(measure)
    result = Revisions(resolved, measure, first.classification.describe(measure).label, period_end)
    for release in found:
        data = load_dataset(DataPaths(data_dir, release=release))
        try:
            if period_end not in data.counts.periods:
                result.skipped.append(f"{release.name}: no 12 months to {period_end:%B %Y} "
                                      f"({periods.coverage(data.counts.periods)})")
                continue
            if measure not in data.classification.measures(data.source.key):
                result.skipped.append(f"{release.name}: its source has no '{measure}'")
                continue
            rows = [rate_row(data, measure, code, period_end) for code in (resolved.code, ENGLAND_AND_WALES_CODE)]
        except DataFileError:
            raise  # a damaged or changed file (one that differs from its manifest) is an error, never left out
        except CrimestatError as exc:
            result.skipped.append(f"{release.name}: {exc}")
            continue
        result.entries.append(Revision(release, rows))
    if not result.entries:
        raise PeriodNotCoveredError(f"no release covers the 12 months to {period_end:%B %Y}; "
                                    + "; ".join(result.skipped), parameter="to", value=f"{period_end:%Y-%m}")
    return result


__all__ = ["coverage", "releases_result", "revisions", "ENGLAND_AND_WALES"]
