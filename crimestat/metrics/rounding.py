"""Rounding as people and HMIC's tables do: half away from zero, from the value's shortest decimal form."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from decimal import Decimal


def round_half_up(value: float, places: int = 0) -> Decimal:
    """Round as people do (2.5 -> 3, -2.5 -> -3), from the value's shortest decimal form.

    Notes
    -----
    ``Decimal(repr(value))`` is the shortest decimal that reads back as the same float, so a value computed
    as an exact decimal half (``-342 * 100 / 1200 == -28.5``) rounds away from zero, where binary rounding
    of ``round(x, n)`` would go to even.
    """
    from decimal import ROUND_HALF_UP, Decimal  # here: `forces` and `--help` round nothing

    exponent = Decimal(1).scaleb(-places)
    result = Decimal(repr(float(value))).quantize(exponent, rounding=ROUND_HALF_UP)
    return result + 0 if result != 0 else abs(result)  # never '-0'
