"""From typed results to what people read: titles, tables (sections of cells) and notes.

Each analysis returns data (``Comparison``, ``Trend``, ``Ranking`` ...); a view lays it out once for every
format, and ``render`` turns the laid-out :class:`~crimestat.results.Result` into a table, CSV, JSON,
Markdown or a workbook. Views are found by the result's type, each in its own module imported when first
needed; a result type that lays itself out has a ``view()`` method.
"""

from __future__ import annotations

import importlib
from typing import Any

from ...results import Result

#: Result type name -> "module:function" (relative to this package) that lays it out.
VIEWS = {
    "Comparison": ".compare:compare_view",
    "ForceResults": ".many:many_view",
    "Breakdown": ".breakdown:breakdown_view",
}


def view(result: Any) -> Result:
    """The laid-out form of any analysis result (a Result is already laid out)."""
    if isinstance(result, Result):
        return result
    for kind in type(result).__mro__:
        if kind.__name__ in VIEWS:
            module, function = VIEWS[kind.__name__].split(":")
            return getattr(importlib.import_module(module, __package__), function)(result)
    to_view = getattr(result, "view", None)
    if to_view is not None:
        return to_view()
    raise TypeError(f"cannot render a {type(result).__name__}")
