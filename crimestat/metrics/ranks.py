"""Uncertainty in league-table ranks: 95% intervals for each unit's rank by simulation.

Ranks exaggerate differences: forces a hair apart get different places, and a place can move a long way
on sampling noise. Goldstein and Spiegelhalter (1996) and Marshall and Spiegelhalter (1998) attach an interval
to each rank by simulating the units' true values from the random-effects model and ranking every draw.

Only numpy; seeded, so the same data give the same intervals on every run and machine.

References
----------
Goldstein, H. and Spiegelhalter, D. J. (1996). League tables and their limitations: statistical issues in
comparisons of institutional performance. Journal of the Royal Statistical Society A 159, 385-443.
Marshall, E. C. and Spiegelhalter, D. J. (1998). Reliability of league tables of in vitro fertilisation
clinics: retrospective analysis of live birth rates. BMJ 316, 1701-1705.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

#: Simulations per ranking, and the seed that makes them reproducible.
DRAWS = 4000
SEED = 1996


def rank_intervals(y: npt.ArrayLike, variance: npt.ArrayLike, target: float, tau2: float, *,
                   confidence: float = 0.95, draws: int = DRAWS, seed: int = SEED) -> tuple[np.ndarray, np.ndarray]:
    """Each unit's rank interval (rank 1 = the highest value) by simulation from the random-effects model.

    Under the model each unit's true value is ``theta ~ N(target, tau2)`` and its estimate
    ``y ~ N(theta, s**2)``; given ``y`` (normal-normal conjugacy)::

        B = tau2 / (tau2 + s**2)
        theta | y ~ N(target + B (y - target), B s**2)

    ``draws`` sets of the units' thetas are drawn, ranked from the highest, and each unit's interval is the
    ``(1 - confidence) / 2`` and ``(1 + confidence) / 2`` quantiles of its ranks (inverted-CDF quantiles, so the
    ends are places).

    Parameters
    ----------
    y : array_like
        Each unit's estimate on the scale where the model is normal (a log rate, a logit proportion).
    variance : array_like
        Each estimate's sampling variance ``s**2`` (a log Poisson rate: ``1 / count``).
    target : float
        The centre the units are drawn towards (England and Wales, on the same scale).
    tau2 : float
        The between-unit variance (``metrics.overdispersion.additive_tau2``); 0 draws every unit at the
        target, so every rank is equally likely.
    confidence, draws, seed :
        The interval's coverage, the number of simulations and the random seed.

    Returns
    -------
    low, high : ndarray of int
        The ends of each unit's rank interval, in the order given.

    References
    ----------
    Goldstein, H. and Spiegelhalter, D. J. (1996). League tables and their limitations. JRSS A 159, 385-443.
    Marshall, E. C. and Spiegelhalter, D. J. (1998). BMJ 316, 1701-1705.
    """
    y_a = np.asarray(y, dtype=float).ravel()
    v_a = np.asarray(variance, dtype=float).ravel()
    if y_a.shape != v_a.shape:
        raise ValueError(f"{y_a.size} estimates but {v_a.size} variances")
    if y_a.size == 0:
        raise ValueError("nothing to rank")
    if np.any(~np.isfinite(y_a)) or np.any(~np.isfinite(v_a)) or np.any(v_a <= 0):
        raise ValueError("estimates must be finite and variances above 0")
    if not (tau2 >= 0 and np.isfinite(tau2)):
        raise ValueError(f"tau2 must be 0 or more, not {tau2}")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, not {confidence}")
    shrink = tau2 / (tau2 + v_a)
    mean = target + shrink * (y_a - target)
    spread = np.sqrt(shrink * v_a)
    rng = np.random.default_rng(seed)
    theta = mean + spread * rng.standard_normal((draws, y_a.size))
    # Rank 1 = the highest: a unit's rank is 1 + how many units are above it in that draw.
    order = np.argsort(-theta, axis=1, kind="stable")
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, np.arange(1, y_a.size + 1)[None, :].repeat(draws, axis=0), axis=1)
    # Inverted-CDF quantiles (the smallest rank with at least that share of draws at or below it), from the
    # sorted draws: the same as np.quantile(method="inverted_cdf") without its import of numpy.ma.
    ranks.sort(axis=0)
    tail = (1 - confidence) / 2
    low = ranks[max(int(np.ceil(tail * draws)) - 1, 0)]
    high = ranks[max(int(np.ceil((1 - tail) * draws)) - 1, 0)]
    return low.astype(int), high.astype(int)
