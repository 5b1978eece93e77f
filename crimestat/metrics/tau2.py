"""Between-unit variance estimators behind ``metrics.overdispersion.additive_tau2``, and Winsorising.

Why the default is Paule-Mandel with Huber-capped squares, and the simulation that chose it, is in
docs/statistics.md; ``additive_tau2`` documents each method and its references.
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
import numpy.typing as npt

from .distributions import linear_quantiles

def winsorise(z: npt.ArrayLike, fraction: float = 0.1) -> np.ndarray:
    """Pull the most extreme ``fraction`` of values at each end in to the ``fraction`` quantiles.

    Values below the ``fraction`` quantile are set to it, and values above the ``1 - fraction``
    quantile are set to that. ``fraction=0`` returns the values unchanged.

    Notes
    -----
    Quantiles are numpy's default (linear interpolation between order statistics, R's type 7), as in
    ``metrics.poisson.overdispersion``. Spiegelhalter (2005, QSHC) describes 10% Winsorising as setting
    the 10% most extreme z-scores at each end to the 10th and 90th percentiles. With 43 forces the
    alternative rank rule (set the 4 most extreme at each end to the 5th) gives a slightly different
    ``phi`` but, on the ONS 2019 crime-excluding-fraud counts, the same forces marked.

    References
    ----------
    Spiegelhalter, D. J. (2005). Handling over-dispersion of performance indicators. Quality and Safety
    in Health Care 14, 347-351.
    """
    values = np.asarray(z, dtype=float)
    if not 0 <= fraction < 0.5:
        raise ValueError(f"fraction must be in [0, 0.5), not {fraction}")
    if values.size == 0:
        raise ValueError("nothing to Winsorise")
    if np.any(~np.isfinite(values)):
        raise ValueError("values to Winsorise must be finite")
    if fraction == 0:
        return values.copy()
    # numpy's quantiles, bit for bit, without np.quantile's import of numpy.ma (metrics.distributions).
    low, high = linear_quantiles(values, (fraction, 1 - fraction))
    return np.clip(values, low, high)


#: Between-force variance estimators ``additive_tau2`` knows. The default, Paule-Mandel made robust in
#: Huber's way (each force's squared z-score capped at ``ROBUST_CLIP**2`` with the matching consistency
#: factor), marks 4.2-4.3% of 43 ordinary forces at |z| > 1.96 under the random-effects model whatever the
#: spread, and one or two wildly outlying forces (City of London's rate per resident) barely move it. Plain
#: Paule-Mandel holds the rate as well but one outlier can more than double tau; DerSimonian-Laird drifts to 6% as tau
#: grows; the 10%-Winsorised moment estimate marks 11-15% (its ``phi`` of z-scores with unequal variances is
#: no consistent estimate, with or without the normal consistency factor 0.679). See docs/statistics.md and
#: tests/test_metrics_overdispersion.py.
TAU2_METHODS = ("robust-paule-mandel", "paule-mandel", "dersimonian-laird", "winsorised")

#: How each estimator is named in notes.
TAU2_NAMES = {"robust-paule-mandel": "robust Paule-Mandel (z-scores capped at ±2)",
              "paule-mandel": "Paule-Mandel", "dersimonian-laird": "DerSimonian-Laird",
              "winsorised": "DerSimonian-Laird from 10%-Winsorised z-scores"}

#: Where the robust estimator caps each force's z-score (Huber's k).
ROBUST_CLIP = 2.0


def capped_square_mean(k: float) -> float:
    """``E[min(Z**2, k**2)]`` for a standard normal ``Z``: the consistency factor of z-scores capped at ``k``.

    ``(2 Phi(k) - 1) - 2 k phi(k) + 2 k**2 (1 - Phi(k))``; 0.920 at ``k = 2``.
    """
    normal = NormalDist()
    return (2 * normal.cdf(k) - 1) - 2 * k * normal.pdf(k) + 2 * k * k * (1 - normal.cdf(k))


def _paule_mandel(y: np.ndarray, v: np.ndarray, target: float, clip: float | None = None) -> float:
    """The root in ``t >= 0`` of ``sum(z(t)**2) = n - 1``, ``z(t) = (y - target) / sqrt(v + t)`` (0 when there is
    none); with ``clip``, each ``z(t)**2`` capped at ``clip**2`` and the right side ``(n - 1) * E[min(Z**2, clip**2)]``."""
    squares = (y - target) ** 2
    goal = (y.size - 1) * (capped_square_mean(clip) if clip else 1.0)
    cap = clip * clip if clip else math.inf

    def excess(t: float) -> float:
        return float(np.sum(np.minimum(squares / (v + t), cap))) - goal

    if excess(0.0) <= 0:
        return 0.0
    # Each z(t)**2 falls steadily as t grows; bracket the root, then bisect to machine precision.
    low, high = 0.0, max(float(np.mean(squares)), 1e-12)
    while excess(high) > 0:
        low, high = high, high * 2
    for _ in range(200):
        middle = (low + high) / 2
        if middle in (low, high):
            break
        if excess(middle) > 0:
            low = middle
        else:
            high = middle
    return (low + high) / 2


