"""Rates per 1,000 and percentage changes, the arithmetic of DESIGN.md's statistical conventions."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

ArrayLike = npt.ArrayLike


def rate_per_1000(count: ArrayLike, denominator: ArrayLike) -> np.ndarray | float:
    """Count per 1,000 of the denominator (people or households): ``count / denominator * 1000``.

    Scalars or arrays. A denominator of 0 or less is a ValueError: a population is never empty, and a
    rate over nothing has no meaning.
    """
    count_a = np.asarray(count, dtype=float)
    denominator_a = np.asarray(denominator, dtype=float)
    if np.any(denominator_a <= 0):
        raise ValueError("denominator must be above 0")
    result = count_a / denominator_a * 1000.0
    return float(result) if result.ndim == 0 else result


def rate(count: float, denominator: float) -> float:
    """``rate_per_1000`` for one count: a plain float."""
    return float(rate_per_1000(count, denominator))


def percentage_change(current: float, base: float) -> tuple[float | None, str]:
    """``(current - base) / base * 100`` and an empty reason, or None and why there is no value.

    A zero base gives no value (never inf or NaN): the change from nothing is not a percentage.

    Notes
    -----
    A negative base cannot occur with counts; it is refused for the same reason as zero.
    """
    if base == 0:
        return None, "the base period count is 0, so a percentage change has no meaning"
    if base < 0:
        return None, f"the base period count is negative ({base:g})"
    return (current - base) / base * 100.0, ""
