"""Every category in a crime file is classified, or it is an error naming it.

A crime file's categories (ONS offence groups, Home Office offence codes, police.uk crime types) are
summed into measures through the classification (``data/classification.csv``). A category the
classification does not know, a new group or a misspelt one, would otherwise simply be left out of every
total: "crime excluding fraud" 5,000 crimes short, with nothing said. So an unknown category stops the
run. A category left out on purpose is declared in a user's ``--classification`` file as a row with the
measure ``excluded`` (``ons,Action Fraud transfers,excluded``).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from .classification import Classification
from ..errors import DataFileError, Problem

EXCLUDED = "excluded"


def known_categories(classification: Classification, source: str) -> set[str]:
    """The categories the classification places (in a measure, or as deliberately excluded) for ``source``."""
    return {c for (s, _), members in classification.members.items() if s == source for c in members}


def check_classified(categories: Iterable[str], classification: Classification, source: str, file: str,
                     lines: dict[str, int] | None = None, kind: str = "category") -> None:
    """Raise a :class:`DataFileError` naming each category of ``file`` the classification does not place.

    ``lines``: where each category first appears, when the caller knows it; ``kind``: what the source calls
    a category (its record's ``category_kind``: "offence group", "offence code", "crime type").
    """
    known = known_categories(classification, source)
    unknown = sorted({str(c) for c in categories} - known)
    if not unknown:
        return
    problems = []
    for category in unknown:
        near = difflib.get_close_matches(category, sorted(known), n=1, cutoff=0.8)
        hint = f" (did you mean '{near[0]}'?)" if near else ""
        problems.append(Problem(
            file, f"{kind} '{category}' is not in the classification{hint}, so no measure would count it; "
                  f"expected a known {kind}, or declare it left out with the row '{source},{category},{EXCLUDED}' in "
                  "a --classification file", (lines or {}).get(category)))
    raise DataFileError(problems)
