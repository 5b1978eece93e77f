"""What every analysis starts from: the force and the periods, resolved once at the edge."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from datetime import date
from typing import TYPE_CHECKING

from ..model import periods
from ..model.forces import Force

if TYPE_CHECKING:
    from ..dataset import Dataset


@dataclass
class Periods:
    """The period compared and the two it is compared with."""

    current: date
    baseline: date
    year_before: date


def choose_periods(data: Dataset, to: date | str | None = None, baseline: date | str | None = None) -> Periods:
    """The period compared and its two comparisons; an explicit period outside the data is an error."""
    current = periods.resolve(to, data.counts.periods, "to", data.counts.explain)
    if baseline is not None:
        base = periods.resolve(baseline, data.counts.periods, "baseline", data.counts.explain)
        if base >= current:  # a change runs forward in time: from the baseline to the period compared
            from ..errors import PeriodNotCoveredError

            raise PeriodNotCoveredError(f"is not before the period compared ({current:%Y-%m}); expected an earlier "
                                        "period to compare with", parameter="baseline", value=f"{base:%Y-%m}")
    else:
        base = periods.years_before(current, 4)
    return Periods(current, base, periods.years_before(current, 1))


def resolve_force(data: Dataset, force: Force | str) -> Force:
    """A force given by name, alias or code, resolved once; a resolved force is passed through."""
    return force if isinstance(force, Force) else data.registry.get(force)




def release_note(data: Dataset) -> str:
    """Which release the figures come from, and its population series, for the notes ('' without one)."""
    release = data.release
    text = ""
    if release is not None and release.published is not None:
        text = (f"Release: {release.name} ({release.publisher}, published {release.published:%d %B %Y})"
                + (f"; population: {release.population}." if release.population else "."))
    # A file named in place of the release's is labelled as what it is, never as the release's own.
    for role, path, owner in data.named_files:
        what = f"a file of release {owner}" if owner else "not a file of any release"
        if release is not None and owner != release.name:
            what += f", not of {release.name}"
        text += f" {role.capitalize()}: {Path(path).name} ({what})."
    return text.strip()
