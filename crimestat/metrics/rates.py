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


#: The rate bases crimestat offers: per 1,000 (HMIC's tables), per 100,000 and per million.
PER_CHOICES = (1_000, 100_000, 1_000_000)

#: Measures ONS states on another base than per 1,000, because per 1,000 would print 0.0: homicide is
#: published per million population (ONS, Homicide in England and Wales).
DEFAULT_PER = {"homicide": 1_000_000}


def default_per(measure: str) -> int:
    """The base a measure's rate is stated on unless the user asks for another: 1,000 except where ONS
    uses another (``DEFAULT_PER``)."""
    return DEFAULT_PER.get(measure, 1_000)


def per_label(per: int) -> str:
    """'1,000', '100,000' or 'million', as in 'per 1,000 population' and 'per million population'."""
    return "million" if per == 1_000_000 else f"{per:,}"


_SCALARS = (int, float)


def rate_per(count: ArrayLike, denominator: ArrayLike, per: int = 1_000) -> np.ndarray | float:
    """Count per ``per`` of the denominator: ``count * per / denominator``.

    The same one rounding as ``rate_per_1000`` (the multiplication is exact for counts below
    2**53 / ``per``, over 9,000 million per million), so exact decimal halves stay exact at any base.
    ``per`` must be one of ``PER_CHOICES``.
    """
    if per not in PER_CHOICES:
        raise ValueError(f"per must be one of {', '.join(str(p) for p in PER_CHOICES)}, not {per}")
    if type(count) in _SCALARS and type(denominator) in _SCALARS:  # one figure: the same float64 steps, no arrays
        if denominator <= 0:
            raise ValueError("denominator must be above 0")
        return float(count) * float(per) / float(denominator)
    count_a = np.asarray(count, dtype=float)
    denominator_a = np.asarray(denominator, dtype=float)
    if np.any(denominator_a <= 0):
        raise ValueError("denominator must be above 0")
    result = count_a * float(per) / denominator_a
    return float(result) if result.ndim == 0 else result
