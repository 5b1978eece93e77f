"""What every analysis starts from: the force and the periods, resolved once at the edge."""

from __future__ import annotations

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
    """Which release the figures come from, and its population series, for the notes ('' without one)."""
    release = data.release
    if release is None or release.published is None:
        return ""
    return (f"Release: {release.name} ({release.publisher}, published {release.published:%d %B %Y})"
            + (f"; population: {release.population}." if release.population else "."))
