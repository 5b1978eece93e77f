"""A cell as people read it: HMIC's rounding, "n/a" for what is missing, markers after the value."""

from __future__ import annotations

import math

from ..metrics.rounding import round_half_up
from ..results import Cell, Result

MISSING = "n/a"


def format_cell(cell: Cell) -> str:
    """A cell as people read it."""
    value = cell.value
    if cell.kind == "text":
        text = "" if value is None else str(value)
    elif value is None or (isinstance(value, float) and math.isnan(value)):
        text = MISSING
    elif cell.kind == "rate":
        text = f"{round_half_up(value, 1)}"
    elif cell.kind == "change":
        text = f"{round_half_up(value, 0)}%"
    elif cell.kind == "percent":
        text = f"{round_half_up(value, 1)}%"
    elif cell.kind == "percent0":
        text = f"{round_half_up(value, 0)}%"
    elif cell.kind == "percent_ci":
        text = _percent_ci(*value)
    elif cell.kind == "verdict":
        text = str(value)
    elif cell.kind == "points":
        points = round_half_up(value, 1)
        text = f"{points:+}" if points else f"{points}"
    elif cell.kind == "signed_count":
        text = f"{int(value):+,}"
    elif cell.kind == "count":
        text = f"{int(value):,}"
    else:
        raise ValueError(f"unknown cell kind {cell.kind!r}")
    return text + cell.marker


def _percent_ci(value: float, low: float | None, high: float | None) -> str:
    """'83.8% (±1.7)' for a symmetric interval, '83.8% (81.4 to 86.0)' otherwise, as HMIC writes them."""
    text = f"{round_half_up(value, 1)}%"
    if low is None or high is None:
        return text
    below, above = value - low, high - value
    if abs(below - above) < 0.05:
        return f"{text} (±{round_half_up((below + above) / 2, 1)})"
    return f"{text} ({round_half_up(low, 1)} to {round_half_up(high, 1)})"


def _missing_notes(result: Result) -> list[str]:
    notes = []
    for section in result.sections:
        for row in section.rows:
            for cell in row:
                if cell.note and cell.note not in notes:
                    notes.append(cell.note)
    return notes
