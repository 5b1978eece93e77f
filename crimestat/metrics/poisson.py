"""Poisson uncertainty for counts of crime: exact intervals, a test for change, funnel-plot limits.

Recorded crime is not a sample, but the number of crimes in a year is noisy: these functions say which
differences are larger than chance variation in counts would give. They say nothing about recording
practice, which changes counts too.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy import stats


def poisson_confint(count: npt.ArrayLike, confidence: float = 0.95) -> tuple[np.ndarray | float, np.ndarray | float]:
    """Exact (Garwood) interval for the mean of a Poisson count.

    Returns (low, high) for the expected count; divide by the denominator for a rate. A count of 0 has a
    lower bound of exactly 0.

    References
    ----------
    Garwood, F. (1936). Fiducial limits for the Poisson distribution. Biometrika 28, 437-442.
    Ulm, K. (1990). A simple method to calculate the confidence interval of a standardized mortality ratio.
    """
    k = np.asarray(count, dtype=float)
    if np.any(k < 0):
        raise ValueError("a Poisson count cannot be negative")
    alpha = 1 - confidence
    with np.errstate(invalid="ignore"):
        low = np.where(k == 0, 0.0, stats.chi2.ppf(alpha / 2, 2 * k) / 2)
    high = stats.chi2.ppf(1 - alpha / 2, 2 * k + 2) / 2
    if low.ndim == 0:
        return float(low), float(high)
    return low, high


def change_test(current: int, base: int) -> float:
    """Two-sided p-value that two counts share one Poisson mean: an exact conditional (binomial) test.

    Given ``current + base`` crimes, under no real change each falls in either period with probability
    1/2, so ``current`` is Binomial(current + base, 1/2). Two counts of 0 give p = 1.

    Notes
    -----
    This compares counts, as the percentage change does; the population change between the periods is
    not taken into account (it is under 1% a year for every force).
    """
    if current < 0 or base < 0:
        raise ValueError("counts cannot be negative")
    total = current + base
    if total == 0:
        return 1.0
    return float(stats.binomtest(int(current), int(total), 0.5).pvalue)


def funnel_limit(target_rate: float, denominator: npt.ArrayLike, p: float) -> np.ndarray | float:
    """The ``p`` quantile funnel-plot limit for a rate (per unit of denominator) with Poisson counts.

    Uses Spiegelhalter's interpolated Poisson quantile: with ``r`` the ``p`` quantile of Poisson(target *
    denominator) and ``F`` its distribution function, the limit is ``(r - a) / denominator`` where
    ``a = (F(r) - p) / (F(r) - F(r - 1))``. So the limits are smooth in the denominator rather than steps.

    References
    ----------
    Spiegelhalter, D. J. (2005). Funnel plots for comparing institutional performance. Statistics in
    Medicine 24, 1185-1202 (appendix A.1.1).
    """
    n = np.asarray(denominator, dtype=float)
    mean = target_rate * n
    r = stats.poisson.ppf(p, mean)
    f_r = stats.poisson.cdf(r, mean)
    f_below = stats.poisson.cdf(r - 1, mean)
    with np.errstate(invalid="ignore", divide="ignore"):
        a = np.where(f_r > f_below, (f_r - p) / (f_r - f_below), 0.0)
    limit = np.maximum(r - a, 0.0) / n
    return float(limit) if limit.ndim == 0 else limit


FUNNEL_LEVELS = {"95%": (0.025, 0.975), "99.8%": (0.001, 0.999)}


def funnel_position(count: int, denominator: float, target_rate: float) -> str:
    """Where a rate lies against the funnel: 'within', 'above 95%', 'above 99.8%', 'below 95%', 'below 99.8%'."""
    rate = count / denominator
    for level in ("99.8%", "95%"):
        low_p, high_p = FUNNEL_LEVELS[level]
        if rate > funnel_limit(target_rate, denominator, high_p):
            return f"above {level}"
        if rate < funnel_limit(target_rate, denominator, low_p):
            return f"below {level}"
    return "within"
