"""Additive (random-effects) overdispersion: judging forces against England and Wales honestly.

Recorded crime is a census, and forces differ from one another far more than Poisson noise in their
counts would make them: against Poisson limits alone nearly every force is "significantly" different
from England and Wales. Spiegelhalter's random-effects remedy adds a between-force variance ``tau2`` to
each force's own sampling variance, estimated from all forces by Paule and Mandel's method (the variance
that makes the forces' squared standardised deviations from England and Wales equal their degrees of freedom)
made robust in Huber's way, each square capped at 4, so that one or two extreme forces do not set it.
A force is then marked only when it stands out from the spread that forces normally show, and under the
model 5% of ordinary forces are marked at |z| > 1.96, as the threshold says.

Two uses, one machinery (``additive_tau2``):

- a force's change between two periods against England and Wales's change (``change_vs_reference``,
  ``relative_change_tau2``): ``y = ln(c_t / c_b)``, ``s**2 = 1/c_t + 1/c_b``, target ``ln(C_t / C_b)``;
- a force's rate against England and Wales's rate, for funnel plots (``rate_tau2``,
  ``additive_funnel_limit``, ``additive_funnel_position``): ``y = ln(rate)``, ``s**2 = 1/(target * n)``,
  target ``ln(E&W rate)``.

The multiplicative alternative (scale every variance by ``phi``) stays in ``metrics.poisson``
(``overdispersion``, ``overdispersed_limit``).

Only numpy, math and the standard library: scipy is slow to import and not needed here.

References
----------
Spiegelhalter, D. J. (2005). Handling over-dispersion of performance indicators. Quality and Safety in
Health Care 14, 347-351.
Spiegelhalter, D. J. (2005). Funnel plots for comparing institutional performance. Statistics in
Medicine 24, 1185-1202 (section 6, "Overdispersion").
DerSimonian, R. and Laird, N. (1986). Meta-analysis in clinical trials. Controlled Clinical Trials 7,
177-188.
Paule, R. C. and Mandel, J. (1982). Consensus values and weighting factors. Journal of Research of the
National Bureau of Standards 87, 377-385.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
import numpy.typing as npt

from .tau2 import ROBUST_CLIP, TAU2_METHODS, TAU2_NAMES, _paule_mandel, capped_square_mean, winsorise

__all__ = ["FUNNEL_LEVELS", "ROBUST_CLIP", "TAU2_METHODS", "TAU2_NAMES", "Z_CRITICAL", "RelativeChange",
           "Tau2Estimate", "additive_funnel_limit", "additive_funnel_position", "additive_tau2",
           "capped_square_mean", "change_vs_reference", "rate_tau2", "relative_change_tau2", "two_sided_p",
           "winsorise"]

#: The two-sided 5% critical value that marks a force (the issue and DESIGN.md say 1.96).
Z_CRITICAL = 1.96

#: Funnel-plot levels and their lower and upper tail probabilities, as in ``metrics.poisson``.
FUNNEL_LEVELS = {"95%": (0.025, 0.975), "99.8%": (0.001, 0.999)}


@dataclass(frozen=True)
class Tau2Estimate:
    """An additive overdispersion estimate: ``tau2`` with what it was estimated from.

    ``phi`` is the mean squared z-score against the target with no allowance for overdispersion (the
    multiplicative overdispersion factor; Winsorised for ``method="winsorised"``), ``n`` the number of units
    used, ``method`` the estimator. ``overdispersed`` is ``tau2 > 0``: ``n * phi`` exceeds ``n - 1``, what it
    would be with sampling variation alone.
    """

    tau2: float
    phi: float
    n: int
    method: str = "robust-paule-mandel"

    @property
    def tau(self) -> float:
        return math.sqrt(self.tau2)

    @property
    def overdispersed(self) -> bool:
        return self.tau2 > 0


def additive_tau2(y: npt.ArrayLike, variance: npt.ArrayLike, target: float, *,
                  method: str = "robust-paule-mandel") -> Tau2Estimate:
    """The random-effects (between-unit) variance ``tau2`` of estimates ``y`` about a fixed ``target``.

    With ``s**2 = variance``, ``w = 1 / s**2`` and ``z = (y - target) / s`` for each of the ``n`` units, and
    ``z(t) = (y - target) / sqrt(s**2 + t)``:

    - ``"robust-paule-mandel"`` (default): the ``tau2 >= 0`` solving
      ``sum(min(z(tau2)**2, 4)) = (n - 1) * E[min(Z**2, 4)]`` (``ROBUST_CLIP = 2``; the factor is 0.920), 0 when
      even ``tau2 = 0`` leaves the sum below; Paule-Mandel's equation with Huber's capped squares;
    - ``"paule-mandel"``: the ``tau2 >= 0`` solving ``sum(z(tau2)**2) = n - 1``, 0 when there is none;
    - ``"dersimonian-laird"``: ``max(0, (sum(z**2) - (n - 1)) / (sum(w) - sum(w**2) / sum(w)))``;
    - ``"winsorised"``: as DerSimonian-Laird with the z-scores 10%-Winsorised first (Spiegelhalter 2005,
      QSHC), with no consistency correction. Kept to reproduce earlier figures: it underestimates ``tau2``
      by about a quarter and marks about three times too many forces.

    Parameters
    ----------
    y : array_like
        One estimate per unit (force), on the scale where it is roughly normal (a log ratio, a log rate).
    variance : array_like
        Each estimate's own sampling variance ``s**2`` (Poisson: ``1 / count`` on the log scale).
    target : float
        The value every unit is compared with (England and Wales, on the same scale as ``y``).
    method : str
        One of ``TAU2_METHODS``.

    Returns
    -------
    Tau2Estimate
        ``tau2``, ``phi`` (``mean(z**2)``), ``n`` and the method.

    Notes
    -----
    Under the model each ``z(tau2)`` at the true ``tau2`` is standard normal whatever its force's size, so
    capping its square at ``k**2`` and dividing by ``E[min(Z**2, k**2)]`` keeps the estimate consistent (Huber's
    "Proposal 2" for scale) while a force 10 standard deviations out adds 4, not 100, to the sum: a
    few outlying forces cannot set the spread for all. Capping the raw ``z`` instead (the Winsorised
    estimate) is not consistent: those z-scores have variances ``1 + tau2 / s**2`` that differ by force.

    The moment estimators take the heterogeneity statistic about the given target (England and Wales,
    which is itself the forces' total) rather than about the weighted mean of the units, and keep the
    classical ``n - 1``. With the inverse-variance weighted mean as ``target``, ``"dersimonian-laird"`` is
    exactly the classical DerSimonian-Laird estimate and ``"paule-mandel"`` the classical Paule-Mandel
    estimate with its mean held fixed. Paule-Mandel weights each unit by ``1 / (s**2 + tau2)`` rather
    than ``1 / s**2``, so the largest forces (tiny ``s**2``) do not dominate the estimate; Veroniki et
    al. (2016) and Langan et al. (2019) recommend it over DerSimonian-Laird for that reason.

    Every unit must be present: a missing estimate would change ``n`` silently, so NaN is a ValueError,
    as are non-positive variances, fewer than 2 units and an unknown method.

    References
    ----------
    Paule, R. C. and Mandel, J. (1982). Consensus values and weighting factors. Journal of Research of the
    National Bureau of Standards 87, 377-385.
    Huber, P. J. (1964). Robust estimation of a location parameter. Annals of Mathematical Statistics 35,
    73-101 (Proposal 2: a scale estimate from capped squared residuals with its consistency factor).
    DerSimonian, R. and Laird, N. (1986). Meta-analysis in clinical trials. Controlled Clinical Trials
    7, 177-188.
    Spiegelhalter, D. J. (2005). Handling over-dispersion of performance indicators. Quality and Safety in
    Health Care 14, 347-351.
    Veroniki, A. A. et al. (2016). Methods to estimate the between-study variance and its uncertainty in
    meta-analysis. Research Synthesis Methods 7, 55-79.
    Langan, D. et al. (2019). A comparison of heterogeneity variance estimators in simulated random-effects
    meta-analyses. Research Synthesis Methods 10, 83-98.
    """
    if method not in TAU2_METHODS:
        raise ValueError(f"method must be one of {', '.join(TAU2_METHODS)}, not {method!r}")
    y_a = np.asarray(y, dtype=float).ravel()
    v_a = np.asarray(variance, dtype=float).ravel()
    if y_a.shape != v_a.shape:
        raise ValueError(f"{y_a.size} estimates but {v_a.size} variances")
    if y_a.size < 2:
        raise ValueError(f"tau2 needs at least 2 units, got {y_a.size}")
    if np.any(np.isnan(y_a)) or np.any(np.isnan(v_a)):
        raise ValueError("an estimate or variance is missing (NaN): tau2 is estimated from all units or none")
    if np.any(~np.isfinite(y_a)) or np.any(~np.isfinite(v_a)) or np.any(v_a <= 0):
        raise ValueError("estimates must be finite and variances above 0")
    if not math.isfinite(target):
        raise ValueError(f"target must be finite, not {target}")
    n = y_a.size
    z = (y_a - target) / np.sqrt(v_a)
    if method == "winsorised":
        z = winsorise(z, 0.1)
    phi = float(np.mean(z**2))
    if method in ("paule-mandel", "robust-paule-mandel"):
        clip = ROBUST_CLIP if method == "robust-paule-mandel" else None
        return Tau2Estimate(tau2=_paule_mandel(y_a, v_a, target, clip), phi=phi, n=n, method=method)
    w = 1.0 / v_a
    denominator = float(w.sum() - (w**2).sum() / w.sum())
    tau2 = max(0.0, (n * phi - (n - 1)) / denominator)
    return Tau2Estimate(tau2=tau2, phi=phi, n=n, method=method)


def two_sided_p(z: npt.ArrayLike) -> np.ndarray | float:
    """Two-sided normal p-value ``P(|Z| >= |z|) = erfc(|z| / sqrt(2))``; NaN stays NaN."""
    z_a = np.asarray(z, dtype=float)
    p = np.vectorize(lambda v: math.erfc(abs(v) / math.sqrt(2)) if not math.isnan(v) else math.nan,
                     otypes=[float])(z_a)
    return float(p) if p.ndim == 0 else p


def change_vs_reference(c_b: npt.ArrayLike, c_t: npt.ArrayLike, C_b: float, C_t: float,
                        tau2: float) -> tuple[np.ndarray | float, np.ndarray | float]:
    """z and two-sided p for each force's change against England and Wales's, with additive overdispersion.

    ::

        z = [ln(c_t / c_b) - ln(C_t / C_b)] / sqrt(1/c_t + 1/c_b + tau2)
        p = erfc(|z| / sqrt(2))

    Parameters
    ----------
    c_b, c_t : array_like
        Each force's count in the base and the current period (scalars or arrays of one shape).
    C_b, C_t : float
        England and Wales's counts for the same periods and measure.
    tau2 : float
        Between-force variance of the log change, from ``additive_tau2`` (0 gives the plain Poisson
        test of the log rate ratio).

    Returns
    -------
    z, p : ndarray or float
        NaN where a force's count is 0 or negative (no log change exists); ``relative_change_tau2`` says
        why. Floats for scalar input.

    Notes
    -----
    The variance of ``ln(c_t / c_b)`` for Poisson counts is ``1/c_t + 1/c_b`` (delta method). England
    and Wales's own sampling variance is ignored: the reference is treated as the fixed target, as in
    Spiegelhalter's funnel plots. Population change between the periods is not taken into account: it
    is the change in counts that is compared, as the percentage change is.

    References
    ----------
    Spiegelhalter, D. J. (2005). Handling over-dispersion of performance indicators. Quality and Safety
    in Health Care 14, 347-351.
    """
    b = np.asarray(c_b, dtype=float)
    t = np.asarray(c_t, dtype=float)
    if not (C_b > 0 and C_t > 0):
        raise ValueError(f"England and Wales counts must be above 0, got {C_b} and {C_t}")
    if not (tau2 >= 0 and math.isfinite(tau2)):
        raise ValueError(f"tau2 must be 0 or more, not {tau2}")
    usable = (b > 0) & (t > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        y = np.where(usable, np.log(np.where(usable, t, 1.0) / np.where(usable, b, 1.0)), np.nan)
        variance = np.where(usable, 1.0 / np.where(usable, t, 1.0) + 1.0 / np.where(usable, b, 1.0), np.nan)
    z = (y - math.log(C_t / C_b)) / np.sqrt(variance + tau2)
    p = two_sided_p(z)
    if z.ndim == 0:
        return float(z), float(p)
    return z, p


@dataclass(frozen=True)
class RelativeChange:
    """Each force's change against England and Wales's, judged with additive overdispersion.

    Arrays are in the order the forces were given. ``z`` and ``p`` are NaN, ``flagged`` False and
    ``reasons`` non-empty where a force has no value.
    """

    z: np.ndarray
    p: np.ndarray
    flagged: np.ndarray
    reasons: tuple[str, ...]
    estimate: Tau2Estimate
    reference_base: float
    reference_current: float

    @property
    def tau2(self) -> float:
        return self.estimate.tau2

    @property
    def tau(self) -> float:
        return self.estimate.tau


def _labels(names: Sequence[str] | None, size: int) -> list[str]:
    if names is None:
        return [f"unit {i}" for i in range(size)]
    if len(names) != size:
        raise ValueError(f"{len(names)} names for {size} units")
    return [str(n) for n in names]


def _refuse_missing(label: str, values: np.ndarray, names: list[str]) -> None:
    missing = [names[i] for i in np.flatnonzero(np.isnan(values))]
    if missing:
        raise ValueError(f"{label} count missing for {', '.join(missing)}: tau2 is estimated from every "
                         "force or not at all")


def relative_change_tau2(force_counts_base: npt.ArrayLike, force_counts_current: npt.ArrayLike,
                         ref_base: float | None = None, ref_current: float | None = None, *,
                         method: str = "robust-paule-mandel", threshold: float = Z_CRITICAL,
                         names: Sequence[str] | None = None) -> RelativeChange:
    """Estimate ``tau2`` from all forces and judge each force's change against England and Wales's.

    Parameters
    ----------
    force_counts_base, force_counts_current : array_like
        One count per force (all 43 territorial forces, in any order) for the base and current periods,
        same measure.
    ref_base, ref_current : float, optional
        England and Wales's counts; by default the sums of the forces' counts (DESIGN.md: England and
        Wales is the sum of the 43 territorial forces).
    method : str
        The ``tau2`` estimator, one of ``TAU2_METHODS`` (``additive_tau2``).
    threshold : float
        A force is flagged when ``|z| > threshold`` (1.96).
    names : sequence of str, optional
        Force names, used in error messages and reasons.

    Returns
    -------
    RelativeChange
        ``z``, ``p``, ``flagged``, ``reasons`` per force, the ``Tau2Estimate`` and the reference counts.

    Raises
    ------
    ValueError
        A missing count (NaN or None) for any force: ``tau2`` describes the spread of all forces, and
        estimating it from the ones that happen to be present would change its meaning silently. Also a
        negative count when the reference is the forces' sum, and fewer than 2 usable forces.

    Notes
    -----
    A force with a count of 0 or less in either period has no log change: it gets no z (NaN, with the
    reason in ``reasons``), is not flagged, and is left out of the ``tau2`` estimate; its counts still
    count towards England and Wales. ``tau2`` comes from the forces' z-scores
    ``(ln(c_t/c_b) - ln(C_t/C_b)) / sqrt(1/c_t + 1/c_b)`` by ``additive_tau2``; each force's z is then
    ``change_vs_reference``.

    References
    ----------
    Spiegelhalter, D. J. (2005). Handling over-dispersion of performance indicators. Quality and Safety
    in Health Care 14, 347-351.
    """
    b = np.asarray(force_counts_base, dtype=float).ravel()
    t = np.asarray(force_counts_current, dtype=float).ravel()
    if b.shape != t.shape:
        raise ValueError(f"{b.size} base counts but {t.size} current counts")
    labels = _labels(names, b.size)
    _refuse_missing("base period", b, labels)
    _refuse_missing("current period", t, labels)
    if ref_base is None or ref_current is None:
        negative = [labels[i] for i in np.flatnonzero((b < 0) | (t < 0))]
        if negative:
            raise ValueError(f"negative count for {', '.join(negative)}: England and Wales cannot be their sum")
    C_b = float(b.sum()) if ref_base is None else float(ref_base)
    C_t = float(t.sum()) if ref_current is None else float(ref_current)
    reasons = []
    for base, current in zip(b, t):
        if base <= 0 or current <= 0:
            which = "base" if base <= 0 else "current"
            value = base if base <= 0 else current
            reasons.append(f"the {which} period count is {value:g}, so the change has no log ratio; "
                           "no z, and not used for tau")
        else:
            reasons.append("")
    usable = np.array([r == "" for r in reasons])
    if usable.sum() < 2:
        raise ValueError("tau2 needs at least 2 forces with counts above 0 in both periods")
    y = np.log(t[usable] / b[usable])
    variance = 1.0 / t[usable] + 1.0 / b[usable]
    estimate = additive_tau2(y, variance, math.log(C_t / C_b), method=method)
    z, p = change_vs_reference(b, t, C_b, C_t, estimate.tau2)
    z_a, p_a = np.atleast_1d(z), np.atleast_1d(p)
    flagged = np.where(np.isnan(z_a), False, np.abs(np.nan_to_num(z_a)) > threshold)
    return RelativeChange(z=z_a, p=p_a, flagged=flagged, reasons=tuple(reasons), estimate=estimate,
                          reference_base=C_b, reference_current=C_t)


def rate_tau2(counts: npt.ArrayLike, denominators: npt.ArrayLike, target_rate: float | None = None, *,
              method: str = "robust-paule-mandel", names: Sequence[str] | None = None) -> Tau2Estimate:
    """Additive overdispersion of forces' rates about England and Wales's rate, for funnel plots.

    On the log scale: ``y = ln(count / n)``, ``s**2 = 1 / (target_rate * n)`` (the variance of a log
    Poisson rate under the target, the one the funnel limits use), target ``ln(target_rate)``; then
    ``additive_tau2``.

    Parameters
    ----------
    counts, denominators : array_like
        One count and one denominator (population, households) per force, all forces.
    target_rate : float, optional
        England and Wales's rate per unit of denominator; by default ``sum(counts) / sum(denominators)``.
    method : str
        The ``tau2`` estimator, one of ``TAU2_METHODS`` (``additive_tau2``).
    names : sequence of str, optional
        Force names for error messages.

    Returns
    -------
    Tau2Estimate
        ``tau2`` on the log-rate scale, with ``phi`` and the number of forces used.

    Raises
    ------
    ValueError
        A missing count or denominator for any force, a denominator of 0 or less, a negative count,
        or fewer than 2 forces with counts above 0.

    Notes
    -----
    The z-scores use the variance under the target, ``1 / expected count``, rather than ``1 / count``:
    then a force is outside ``additive_funnel_limit``'s limits exactly when its z-score, with ``tau2``
    added to its variance, is beyond the normal quantile, so the funnel plot and the z-scores agree
    (Spiegelhalter 2005, Stat Med, section 6: z-scores are standardised under the null). For police
    counts in the thousands the two variances differ by a few per cent. A force with 0 crimes has no
    log rate and is left out of the estimate (it plots below any lower limit).

    References
    ----------
    Spiegelhalter, D. J. (2005). Funnel plots for comparing institutional performance. Statistics in
    Medicine 24, 1185-1202 (section 6: overdispersion, multiplicative and additive).
    Spiegelhalter, D. J. (2005). Handling over-dispersion of performance indicators. Quality and Safety
    in Health Care 14, 347-351.
    """
    c = np.asarray(counts, dtype=float).ravel()
    n = np.asarray(denominators, dtype=float).ravel()
    if c.shape != n.shape:
        raise ValueError(f"{c.size} counts but {n.size} denominators")
    labels = _labels(names, c.size)
    _refuse_missing("crime", c, labels)
    _refuse_missing("denominator", n, labels)
    bad = [labels[i] for i in np.flatnonzero((n <= 0) | (c < 0))]
    if bad:
        raise ValueError(f"negative count or denominator of 0 or less for {', '.join(bad)}")
    target = float(c.sum() / n.sum()) if target_rate is None else float(target_rate)
    if not target > 0:
        raise ValueError(f"the target rate must be above 0, not {target}")
    usable = c > 0
    if usable.sum() < 2:
        raise ValueError("tau2 needs at least 2 forces with counts above 0")
    y = np.log(c[usable] / n[usable])
    variance = 1.0 / (target * n[usable])
    return additive_tau2(y, variance, math.log(target), method=method)


def additive_funnel_limit(target_rate: float, denominator: npt.ArrayLike, p: float,
                          tau2: float) -> np.ndarray | float:
    """The ``p`` funnel limit for a rate with additive overdispersion ``tau2`` on the log scale.

    ``target_rate * exp(Phi^-1(p) * sqrt(1 / (target_rate * n) + tau2))``, in the units of
    ``target_rate`` (per unit of denominator, as ``metrics.poisson.funnel_limit``).

    Parameters
    ----------
    target_rate : float
        England and Wales's rate per unit of denominator.
    denominator : array_like
        Population (or households) at which to draw the limit.
    p : float
        Tail probability: 0.025 and 0.975 for 95% limits, 0.001 and 0.999 for 99.8%.
    tau2 : float
        From ``rate_tau2``; 0 gives plain log-normal Poisson limits.

    Notes
    -----
    As the population grows the Poisson term vanishes and the limits tend to
    ``target * exp(+-z * tau)``, not to the target: large forces are judged against the spread of
    forces, not against their own tiny sampling error. The limits are asymmetric on the rate scale
    because they are symmetric on the log scale.

    References
    ----------
    Spiegelhalter, D. J. (2005). Funnel plots for comparing institutional performance. Statistics in
    Medicine 24, 1185-1202 (section 6).
    """
    if not target_rate > 0:
        raise ValueError(f"the target rate must be above 0, not {target_rate}")
    if not (tau2 >= 0 and math.isfinite(tau2)):
        raise ValueError(f"tau2 must be 0 or more, not {tau2}")
    if not 0 < p < 1:
        raise ValueError(f"p must be between 0 and 1, not {p}")
    n = np.asarray(denominator, dtype=float)
    if np.any(n <= 0):
        raise ValueError("denominator must be above 0")
    limit = target_rate * np.exp(NormalDist().inv_cdf(p) * np.sqrt(1.0 / (target_rate * n) + tau2))
    return float(limit) if limit.ndim == 0 else limit


def additive_funnel_position(count: float, denominator: float, target_rate: float, tau2: float) -> str:
    """Where a rate lies against additive-overdispersion funnel limits.

    The same words as ``metrics.poisson.funnel_position``: 'within', 'above 95%', 'above 99.8%',
    'below 95%', 'below 99.8%'.
    """
    rate = count / denominator
    for level in ("99.8%", "95%"):
        low_p, high_p = FUNNEL_LEVELS[level]
        if rate > additive_funnel_limit(target_rate, denominator, high_p, tau2):
            return f"above {level}"
        if rate < additive_funnel_limit(target_rate, denominator, low_p, tau2):
            return f"below {level}"
    return "within"
