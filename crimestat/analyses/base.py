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
