"""Rates per 1,000 and percentage changes, the arithmetic of DESIGN.md's statistical conventions."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

ArrayLike = npt.ArrayLike


def rate_per_1000(count: ArrayLike, denominator: ArrayLike) -> np.ndarray | float:
    """Count per 1,000 of the denominator (people or households): ``count * 1000 / denominator``.

    Scalars or arrays. A denominator of 0 or less is a ValueError: a population is never empty, and a
    rate over nothing has no meaning.

    Notes
    -----
    The multiplication comes first so that there is one rounding: ``count * 1000`` is exact for any
    count below 2**53 / 1000, and the division is then correctly rounded. A rate whose exact value is a
    decimal half at the printed precision (50.25 per 1,000, say) therefore arrives at the renderer as the
    float nearest that decimal, whose shortest form is the decimal itself, and rounds half up as it
    should. ``count / denominator * 1000`` rounds twice and can land one unit in the last place below
    the half, which then rounds down.

    References
    ----------
    Goldberg, D. (1991). What every computer scientist should know about floating-point arithmetic.
    ACM Computing Surveys 23, 5-48 (correctly rounded basic operations).
    """
    count_a = np.asarray(count, dtype=float)
    denominator_a = np.asarray(denominator, dtype=float)
    if np.any(denominator_a <= 0):
        raise ValueError("denominator must be above 0")
    result = count_a * 1000.0 / denominator_a
    return float(result) if result.ndim == 0 else result


def rate(count: float, denominator: float) -> float:
    """``rate_per_1000`` for one count: a plain float."""
    return float(rate_per_1000(count, denominator))


def percentage_change(current: float, base: float) -> tuple[float | None, str]:
    """``(current - base) * 100 / base`` and an empty reason, or None and why there is no value.

    A zero base gives no value (never inf or NaN): the change from nothing is not a percentage.

    Notes
    -----
    A negative base cannot occur with counts; it is refused for the same reason as zero.

    The subtraction and multiplication are exact for counts (integers below 2**53 / 100), so the one
    division is the only rounding and an exact decimal half stays exact: 1,200 to 858 is exactly
    -28.5%, and prints -29% rounded half up. ``(current - base) / base * 100`` rounds twice and gives
    -28.499999999999996, which prints -28%.

    References
    ----------
    Goldberg, D. (1991). What every computer scientist should know about floating-point arithmetic.
    ACM Computing Surveys 23, 5-48 (correctly rounded basic operations).
    """
    if base == 0:
        return None, "the base period count is 0, so a percentage change has no meaning"
    if base < 0:
        return None, f"the base period count is negative ({base:g})"
    return (current - base) * 100 / base, ""
