"""What every analysis starts from: the force and the periods, resolved once at the edge."""

from __future__ import annotations

from pathlib import Path
from datetime import date
from typing import TYPE_CHECKING

from ..model.forces import Force
from ..model.periods import Periods  # noqa: F401 (re-exported)

if TYPE_CHECKING:
    from ..dataset import Dataset


def choose_periods(data: Dataset, to: date | str | None = None, baseline: date | str | None = None) -> Periods:
    """The period compared and its two comparisons (:meth:`Dataset.periods`)."""
    return data.periods(to, baseline)


def resolve_force(data: Dataset, force: Force | str) -> Force:
    """A force given by name, alias or code (:meth:`Dataset.force`, national bodies refused); a resolved
    force is passed through."""
    return data.force(force)




def release_note(data: Dataset) -> str:
    """Which releases the figures come from (every one used, by kind of data), and the population series, for
    the notes ('' without one); a file named in place of the release's is labelled as what it is."""
    crime = data.used.get("crime", data.release if "outcome_series" not in data.used else None)
    series = data.used.get("outcome_series")
    text = ""
    if series is None or series is crime:
        release = crime
        if release is not None and release.published is not None:
            text = (f"Release: {release.name} ({release.publisher}, published {release.published:%d %B %Y})"
                    + (f"; population: {release.population}." if release.population else "."))
    else:
        parts = []
        if crime is not None:
            parts.append(f"crime: {crime.cited}")
        parts.append(f"outcomes: {series.cited}")
        population = f"; population: {crime.population}" if crime is not None and crime.population else ""
        text = f"Release{'s' if len(parts) > 1 else ''}: " + "; ".join(parts) + population + "."
    release = data.release
    for role, path, owner in data.named_files:
        what = f"a file of release {owner}" if owner else "not a file of any release"
        if release is not None and owner != release.name:
            what += f", not of {release.name}"
        text += f" {role.capitalize()}: {Path(path).name} ({what})."
    return text.strip()
