"""Poisson uncertainty for counts of crime: exact intervals, a test for change, funnel-plot limits.

Recorded crime is not a sample, but the number of crimes in a year is noisy: these functions say which
differences are larger than chance variation in counts would give. They say nothing about recording
practice, which changes counts too.
"""

from __future__ import annotations

import functools

import numpy as np
import numpy.typing as npt

from .distributions import (
    binomial_half_cdf,
    gamma_p_inverse,
    linear_quantiles,
    normal_quantile,
    poisson_quantile_with_cdf,
)


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
    # chi2.ppf(q, 2k) / 2 is the inverse regularised incomplete gamma function of order k.
    if k.ndim == 0:
        return _bounds(float(k), alpha)
    pairs = [_bounds(float(n), alpha) for n in k.ravel()]
    low = np.array([p[0] for p in pairs], dtype=float).reshape(k.shape)
    high = np.array([p[1] for p in pairs], dtype=float).reshape(k.shape)
    return low, high


@functools.lru_cache(maxsize=1 << 16)
def _bounds(k: float, alpha: float) -> tuple[float, float]:
    # Kept per (count, level): a command asks for the same few thousand counts' intervals again and again
    # (every force's rate in every period), and each takes two inversions of the incomplete gamma function.
    low = 0.0 if k == 0 else gamma_p_inverse(k, alpha / 2)
    return low, gamma_p_inverse(k + 1, 1 - alpha / 2)


def poisson_bounds(count: int, confidence: float = 0.95) -> tuple[float, float]:
    """``poisson_confint`` for one count: plain floats."""
    if type(count) is int and count >= 0:  # the common case, without the array round trip
        return _bounds(float(count), 1 - confidence)
    low, high = poisson_confint(count, confidence)
    return float(low), float(high)


@functools.lru_cache(maxsize=1 << 12, typed=True)  # England and Wales's pair comes beside every force's
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
    # With p = 1/2 the distribution is symmetric, so the two-sided exact p-value (as R's binom.test and
    # scipy's binomtest compute it) is twice the smaller tail: P(X <= current) or P(X >= current), which
    # is P(X <= base).
    return min(1.0, 2 * binomial_half_cdf(min(current, base), total))


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
    limit = np.array([_funnel_count(p, m) for m in mean.ravel()], dtype=float).reshape(n.shape) / n
    return float(limit) if limit.ndim == 0 else limit


def _funnel_count(p: float, mean: float) -> float:
    """``r - a`` of ``funnel_limit``: the interpolated ``p`` quantile of Poisson(mean), at least 0."""
    r, f_r, f_below = poisson_quantile_with_cdf(p, float(mean))
    a = (f_r - p) / (f_r - f_below) if f_r > f_below else 0.0
    return max(r - a, 0.0)


def poisson_quantile(p: float, mean: npt.ArrayLike) -> np.ndarray:
    """The smallest count r with P(X <= r) >= p for X ~ Poisson(mean) (scipy's poisson.ppf)."""
    m = np.asarray(mean, dtype=float)
    return np.array([poisson_quantile_with_cdf(p, float(v))[0] for v in m.ravel()], dtype=float).reshape(m.shape)


FUNNEL_LEVELS = {"95%": (0.025, 0.975), "99.8%": (0.001, 0.999)}


def funnel_position(count: int, denominator: float, target_rate: float, phi: float | None = None) -> str:
    """Where a rate lies against the funnel: 'within', 'above 95%', 'above 99.8%', 'below 95%', 'below 99.8%'.

    With ``phi`` the limits are widened for overdispersion (``overdispersed_limit``).
    """
    rate = count / denominator
    for level in ("99.8%", "95%"):
        low_p, high_p = FUNNEL_LEVELS[level]
        if phi is None:
            low, high = funnel_limit(target_rate, denominator, low_p), funnel_limit(target_rate, denominator, high_p)
        else:
            low = overdispersed_limit(target_rate, denominator, low_p, phi)
            high = overdispersed_limit(target_rate, denominator, high_p, phi)
        if rate > high:
            return f"above {level}"
        if rate < low:
            return f"below {level}"
    return "within"


def overdispersion(rates: npt.ArrayLike, denominators: npt.ArrayLike, target_rate: float,
                   winsor: float = 0.1) -> float:
    """Spiegelhalter's multiplicative overdispersion factor for rates against a target.

    ``phi = mean(z**2)`` over the units, with each ``z = (rate - target) / sqrt(target / n)`` Winsorised
    at the ``winsor`` and ``1 - winsor`` quantiles so that a few extreme units do not set it. ``phi``
    near 1 means Poisson variation explains the spread; recorded crime gives far larger values.

    References
    ----------
    Spiegelhalter, D. J. (2005). Funnel plots for comparing institutional performance. Statistics in
    Medicine 24, 1185-1202 (section 6).
    """
    y = np.asarray(rates, dtype=float)
    n = np.asarray(denominators, dtype=float)
    z = (y - target_rate) / np.sqrt(target_rate / n)
    low, high = linear_quantiles(z, (winsor, 1 - winsor))
    return float(np.mean(np.clip(z, low, high) ** 2))


def overdispersed_limit(target_rate: float, denominator: npt.ArrayLike, p: float, phi: float) -> np.ndarray | float:
    """The ``p`` funnel limit widened by an overdispersion factor ``phi`` (normal approximation)."""
    n = np.asarray(denominator, dtype=float)
    limit = target_rate + normal_quantile(p) * np.sqrt(max(phi, 1.0) * target_rate / n)
    return float(limit) if limit.ndim == 0 else limit
