"""Proportions with confidence intervals, and tests of whether two proportions differ.

Shaped like statsmodels' ``stats/proportion.py``: scalars or arrays in, explicit method names checked
against a list, proportions on the 0-1 scale (callers show percentages).
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
import numpy.typing as npt

# statistics.NormalDist and math.erfc rather than scipy.special (ndtri, ndtr): the same values to a few ulp, and
# importing scipy.special costs about 0.13 s on every command that shows indicators.
_NORMAL = NormalDist()

CONFINT_METHODS = ("wilson", "normal")
VERDICT_RULES = ("overlap", "z-test")
IN_LINE, HIGHER, LOWER = "broadly in line", "higher", "lower"


def z_value(confidence: float) -> float:
    """The two-sided standard normal quantile for a confidence level (0.95 -> 1.95996...)."""
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, not {confidence}")
    return _NORMAL.inv_cdf(0.5 + confidence / 2)


def proportion_confint(count: npt.ArrayLike, nobs: npt.ArrayLike, confidence: float = 0.95,
                       method: str = "wilson") -> tuple[np.ndarray | float, np.ndarray | float]:
    """Confidence interval for a binomial proportion ``count / nobs``.

    Parameters
    ----------
    count, nobs : successes and trials (scalars or arrays); ``0 <= count <= nobs``.
    confidence : the interval's coverage, such as 0.95.
    method : ``"wilson"`` (default) or ``"normal"``.

    Returns
    -------
    (low, high) on the 0-1 scale. Where ``nobs`` is 0 there is no estimate and both are NaN.

    Notes
    -----
    The Wilson score interval stays inside [0, 1] and keeps its coverage near 0 and 1, where the normal
    (Wald) interval collapses to a point; the normal interval is clipped to [0, 1].

    References
    ----------
    Wilson, E. B. (1927). Probable inference, the law of succession, and statistical inference. JASA 22.
    Brown, Cai and DasGupta (2001). Interval estimation for a binomial proportion. Statistical Science 16.
    """
    if method not in CONFINT_METHODS:
        raise ValueError(f"method must be one of {', '.join(CONFINT_METHODS)}, not {method!r}")
    count_a = np.asarray(count, dtype=float)
    nobs_a = np.asarray(nobs, dtype=float)
    if np.any(count_a < 0) or np.any(count_a > nobs_a):
        raise ValueError("count must be between 0 and nobs")
    z = z_value(confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = count_a / nobs_a
        if method == "wilson":
            denominator = 1 + z**2 / nobs_a
            centre = (p + z**2 / (2 * nobs_a)) / denominator
            half = z / denominator * np.sqrt(p * (1 - p) / nobs_a + z**2 / (4 * nobs_a**2))
        else:
            centre = p
            half = z * np.sqrt(p * (1 - p) / nobs_a)
        # At p = 0 and p = 1 the bound is exactly 0 or 1; rounding must not move it off.
        low = np.where(count_a == 0, 0.0, np.clip(centre - half, 0, 1))
        high = np.where(count_a == nobs_a, 1.0, np.clip(centre + half, 0, 1))
    low = np.where(nobs_a == 0, np.nan, low)
    high = np.where(nobs_a == 0, np.nan, high)
    if low.ndim == 0:
        return float(low), float(high)
    return low, high


def standard_error(p: npt.ArrayLike, nobs: npt.ArrayLike) -> np.ndarray | float:
    """The standard error of a proportion, ``sqrt(p (1 - p) / n)``."""
    p_a, n_a = np.asarray(p, dtype=float), np.asarray(nobs, dtype=float)
    result = np.sqrt(p_a * (1 - p_a) / n_a)
    return float(result) if result.ndim == 0 else result


def two_proportion_ztest(count1: int, nobs1: int, count2: int, nobs2: int) -> tuple[float, float]:
    """z statistic and two-sided p-value for ``p1 - p2`` with the pooled standard error.

    Matches statsmodels' ``proportions_ztest`` for two samples. When both proportions are 0 or both 1
    the difference is 0 and there is nothing to test: returns (0.0, 1.0).
    """
    if min(nobs1, nobs2) <= 0:
        raise ValueError("both samples need at least one observation")
    p1, p2 = count1 / nobs1, count2 / nobs2
    pooled = (count1 + count2) / (nobs1 + nobs2)
    se = np.sqrt(pooled * (1 - pooled) * (1 / nobs1 + 1 / nobs2))
    if se == 0:
        return 0.0, 1.0
    z = (p1 - p2) / se
    return float(z), math.erfc(abs(float(z)) / math.sqrt(2))


def subgroup_ztest(count: int, nobs: int, total_count: int, total_nobs: int) -> tuple[float, float]:
    """z and two-sided p-value for a part (a force) against the rest of the whole it belongs to (England and
    Wales).

    The force's respondents are also England and Wales's, so the two proportions are not independent samples
    and ``two_proportion_ztest(force, England and Wales)`` understates the difference's standard error's
    share from the force and tests a difference that is diluted by the force itself. The independent
    comparison is the force against England and Wales minus the force: ``two_proportion_ztest(count, nobs,
    total_count - count, total_nobs - nobs)``. Its z has the sign of ``p_force - p_whole`` too, since
    ``p_whole`` lies between the force's and the rest's proportions.

    Raises ValueError when the part is not inside the whole (more respondents or successes than the whole,
    or no respondents left outside it).
    """
    if not (0 <= count <= total_count and 0 < nobs < total_nobs and total_count - count <= total_nobs - nobs):
        raise ValueError(f"{count} of {nobs} is not a part of {total_count} of {total_nobs} with respondents "
                         "outside it")
    return two_proportion_ztest(count, nobs, total_count - count, total_nobs - nobs)


def difference_ztest(p1: float, se1: float, p2: float, se2: float) -> tuple[float, float]:
    """z and two-sided p-value for the difference of two independent estimates with standard errors.

    Used when only a published value and its 95% half-width are known: ``se = half_width / 1.96``.
    Both standard errors 0 with equal values gives (0.0, 1.0); with different values, a certain difference.
    """
    se = np.hypot(se1, se2)
    if se == 0:
        return (0.0, 1.0) if p1 == p2 else (float(np.sign(p1 - p2) * np.inf), 0.0)
    z = (p1 - p2) / se
    return float(z), math.erfc(abs(float(z)) / math.sqrt(2))


def verdict_overlap(low1: float, high1: float, low2: float, high2: float) -> str:
    """HMIC's words for one interval against another: overlapping is "broadly in line"."""
    if high1 < low2:
        return LOWER
    if low1 > high2:
        return HIGHER
    return IN_LINE


def verdict_z(z: float, p_value: float, alpha: float = 0.05) -> str:
    """HMIC's words from a z-test: not significant at ``alpha`` is "broadly in line"."""
    if p_value >= alpha:
        return IN_LINE
    return HIGHER if z > 0 else LOWER
