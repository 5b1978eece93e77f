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


# -- funnel plots for proportions (outcome rates): Spiegelhalter (2005), the same three methods as for rates ----

#: How proportion funnel limits allow for the spread between forces, as ``--funnel`` says for rates:
#: additive random effects on the logit scale, the multiplicative factor phi on the binomial variance, or none
#: (plain binomial limits, the ``poisson`` choice for rates).
FUNNEL_METHODS = ("additive", "multiplicative", "poisson")
FUNNEL_LEVELS = {"95%": (0.025, 0.975), "99.8%": (0.001, 0.999)}


def logit(p: npt.ArrayLike) -> np.ndarray | float:
    """``ln(p / (1 - p))``; ``p`` strictly between 0 and 1."""
    p_a = np.asarray(p, dtype=float)
    out = np.log(p_a / (1 - p_a))
    return float(out) if out.ndim == 0 else out


def expit(x: npt.ArrayLike) -> np.ndarray | float:
    """The inverse of :func:`logit`, ``1 / (1 + exp(-x))``."""
    out = 1 / (1 + np.exp(-np.asarray(x, dtype=float)))
    return float(out) if out.ndim == 0 else out


def _check_target(target: float) -> None:
    if not 0 < target < 1:
        raise ValueError(f"the target proportion must be between 0 and 1, not {target}")


def proportion_tau2(counts: npt.ArrayLike, totals: npt.ArrayLike, target: float | None = None, *,
                    method: str = "robust-paule-mandel"):
    """Additive overdispersion of forces' proportions about England and Wales's, on the logit scale.

    ``y = logit(count / total)``, ``s**2 = 1 / (total * p0 * (1 - p0))`` (the variance of a logit proportion
    under the target ``p0``, the one the funnel limits use), target ``logit(p0)``; then
    ``metrics.overdispersion.additive_tau2`` with the same estimator as for rates and changes.

    Parameters
    ----------
    counts, totals : array_like
        Outcomes of the kind and offences recorded, one per force, all forces.
    target : float, optional
        England and Wales's proportion (0-1); by default ``sum(counts) / sum(totals)``.
    method : str
        The ``tau2`` estimator (``metrics.overdispersion.TAU2_METHODS``).

    Returns
    -------
    Tau2Estimate
        ``tau2`` on the logit scale.

    Notes
    -----
    A force with a proportion of exactly 0 or 1 has no logit and is left out of the estimate (it plots
    beyond the limits). Missing values, totals of 0 or less and counts outside ``[0, total]`` are errors.

    References
    ----------
    Spiegelhalter, D. J. (2005). Funnel plots for comparing institutional performance. Statistics in
    Medicine 24, 1185-1202 (section 6, and the logit scale for proportions in section 3).
    Spiegelhalter, D. J. (2005). Handling over-dispersion of performance indicators. Quality and Safety in
    Health Care 14, 347-351.
    """
    from .overdispersion import additive_tau2

    c = np.asarray(counts, dtype=float).ravel()
    n = np.asarray(totals, dtype=float).ravel()
    if c.shape != n.shape:
        raise ValueError(f"{c.size} counts but {n.size} totals")
    if np.any(np.isnan(c)) or np.any(np.isnan(n)):
        raise ValueError("a count or total is missing: tau2 is estimated from every force or not at all")
    if np.any(n <= 0) or np.any(c < 0) or np.any(c > n):
        raise ValueError("counts must be between 0 and their totals, and totals above 0")
    p0 = float(c.sum() / n.sum()) if target is None else float(target)
    _check_target(p0)
    usable = (c > 0) & (c < n)
    if usable.sum() < 2:
        raise ValueError("tau2 needs at least 2 forces with a proportion strictly between 0 and 1")
    y = np.log(c[usable] / (n[usable] - c[usable]))
    variance = 1.0 / (n[usable] * p0 * (1 - p0))
    return additive_tau2(y, variance, float(logit(p0)), method=method)


def proportion_phi(counts: npt.ArrayLike, totals: npt.ArrayLike, target: float, winsor: float = 0.1) -> float:
    """Spiegelhalter's multiplicative overdispersion factor for proportions: the mean squared
    ``z = (p - p0) / sqrt(p0 (1 - p0) / n)``, Winsorised at ``winsor`` in each tail (as
    ``metrics.poisson.overdispersion`` does for rates)."""
    from .distributions import linear_quantiles

    _check_target(target)
    c = np.asarray(counts, dtype=float)
    n = np.asarray(totals, dtype=float)
    z = (c / n - target) / np.sqrt(target * (1 - target) / n)
    low, high = linear_quantiles(z, (winsor, 1 - winsor))
    return float(np.mean(np.clip(z, low, high) ** 2))


def proportion_funnel_limit(target: float, total: npt.ArrayLike, p: float, method: str = "additive",
                            tau2: float = 0.0, phi: float = 1.0) -> np.ndarray | float:
    """The ``p`` funnel limit (0-1) for a proportion with ``total`` offences around the target ``p0``.

    - ``"additive"``: ``expit(logit(p0) + Phi^-1(p) * sqrt(1 / (total p0 (1 - p0)) + tau2))``, symmetric on the
      logit scale and inside (0, 1); ``tau2 = 0`` gives plain logit-binomial limits;
    - ``"multiplicative"``: ``p0 + Phi^-1(p) * sqrt(max(phi, 1) * p0 (1 - p0) / total)``;
    - ``"poisson"`` (no overdispersion): ``p0 + Phi^-1(p) * sqrt(p0 (1 - p0) / total)``, the normal
      approximation to the binomial.

    References
    ----------
    Spiegelhalter, D. J. (2005). Funnel plots for comparing institutional performance. Statistics in
    Medicine 24, 1185-1202.
    """
    if method not in FUNNEL_METHODS:
        raise ValueError(f"method must be one of {', '.join(FUNNEL_METHODS)}, not {method!r}")
    _check_target(target)
    if not 0 < p < 1:
        raise ValueError(f"p must be between 0 and 1, not {p}")
    n = np.asarray(total, dtype=float)
    if np.any(n <= 0):
        raise ValueError("totals must be above 0")
    quantile = _NORMAL.inv_cdf(p)
    binomial = target * (1 - target) / n
    if method == "additive":
        if not (tau2 >= 0 and math.isfinite(tau2)):
            raise ValueError(f"tau2 must be 0 or more, not {tau2}")
        limit = expit(logit(target) + quantile * np.sqrt(1 / (n * target * (1 - target)) + tau2))
    else:
        factor = max(phi, 1.0) if method == "multiplicative" else 1.0
        limit = target + quantile * np.sqrt(factor * binomial)
    limit = np.asarray(limit, dtype=float)
    return float(limit) if limit.ndim == 0 else limit


def proportion_funnel_position(count: float, total: float, target: float, method: str = "additive",
                               tau2: float = 0.0, phi: float = 1.0) -> str:
    """Where a proportion lies against its funnel limits: 'within', 'above 95%', 'above 99.8%', 'below 95%',
    'below 99.8%' (the words of ``metrics.poisson.funnel_position``)."""
    value = count / total
    for level in ("99.8%", "95%"):
        low_p, high_p = FUNNEL_LEVELS[level]
        if value > proportion_funnel_limit(target, total, high_p, method, tau2, phi):
            return f"above {level}"
        if value < proportion_funnel_limit(target, total, low_p, method, tau2, phi):
            return f"below {level}"
    return "within"


def proportion_funnel_z(count: float, total: float, target: float, tau2: float = 0.0) -> float | None:
    """A proportion's z-score on the additive funnel: ``(logit(count/total) - logit(p0)) / sqrt(1/(total p0 (1 - p0))
    + tau2)``; outside the ``Phi^-1(p)`` limits of :func:`proportion_funnel_limit` exactly when ``|z|`` exceeds
    it. None for a proportion of 0 or 1 (no logit)."""
    _check_target(target)
    if not 0 < count < total:
        return None
    return (math.log(count / (total - count)) - math.log(target / (1 - target))) / math.sqrt(
        1 / (total * target * (1 - target)) + tau2)
