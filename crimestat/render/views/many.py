"""Several forces' results (``force="all"``) laid out as one: each force's tables in turn, England and Wales's
rows once, each note once."""

from __future__ import annotations

from ...model import periods
from ...results import ForceResults, Result, merge
from . import view


def many_view(results: ForceResults) -> Result:
    if len(results) == 1:
        return view(results[0])
    title = f"{len(results)} forces compared with England and Wales, {periods.label(results.period_end)}"
    if results.command == "breakdown":
        first = results[0]
        title = (f"{len(results)} forces: {first.measure.label.lower()} by {first.level}, "
                 f"{periods.label(first.periods.baseline)} to {first.periods.current:%B %Y}")
    return merge([view(r) for r in results], title,
                 {"command": results.command, "forces": [r.force.code for r in results],
                  "period_end": results.period_end})
