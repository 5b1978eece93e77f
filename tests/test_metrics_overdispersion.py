"""Additive overdispersion (Spiegelhalter 2005, random effects) on real ONS counts, against independent routes.

Counts: tests/data/overdispersion/ (43 territorial forces, crime excluding fraud, derived from the ONS 2019
PFA table; its README says how).

Independent routes for the reference values:

- ``_by_hand`` below recomputes tau2, z and p in plain Python (math and statistics only: no numpy, no
  crimestat), step by step as Spiegelhalter (2005, QSHC) writes them. The values pinned in
  ``PINNED`` were printed by it and agree with crimestat to 1e-12.
- statsmodels 0.15 (``statsmodels.stats.meta_analysis.combine_effects(y, v, method_re="dl").tau2``,
  run outside this project; statsmodels is not a dependency) for the classical DerSimonian-Laird
  estimate of the June 2013 -> June 2014 log changes: 0.0018715912009586385. ``additive_tau2`` with no
  Winsorising and the weighted mean as target must give exactly that.
- p-values against scipy's normal distribution (``2 * norm.sf(|z|)``; ``scipy_normal`` in conftest.py).
- Paule-Mandel (the default estimator) against scipy's root finder (``scipy.optimize.brentq`` on
  ``sum((y - target)**2 / (v + t)) - (n - 1)``), written out in ``_paule_mandel_by_scipy``; with the weighted
  mean as target this is the classical estimate statsmodels' ``combine_effects(method_re="pm")`` iterates to.
- Calibration by seeded simulation under the random-effects model itself (``test_simulated_*``).

The pinned Winsorised figures below (``PINNED``, ``FLAGGED``) are the estimator crimestat used before
(``method="winsorised"``), kept to show it is reproducible and why it was replaced.
"""

import csv
import math
import statistics
from pathlib import Path

import numpy as np
import pytest

from conftest import scipy_normal

from crimestat.metrics.overdispersion import (
    Z_CRITICAL,
    additive_funnel_limit,
    additive_funnel_position,
    additive_tau2,
    change_vs_reference,
    rate_tau2,
    relative_change_tau2,
    two_sided_p,
    winsorise,
)

DATA = Path(__file__).parent / "data" / "overdispersion"
JUNE_2010, JUNE_2013, JUNE_2014 = "2010-06-30", "2013-06-30", "2014-06-30"


def _counts() -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = {}
    with open(DATA / "crime-excl-fraud-43-forces.csv", newline="") as f:
        for row in csv.DictReader(f):
            counts.setdefault(row["force"], {})[row["period_end"]] = int(row["crime_excl_fraud"])
    return counts


COUNTS = _counts()
FORCES = sorted(COUNTS)


def _pair(base: str, current: str) -> tuple[list[int], list[int]]:
    return [COUNTS[f][base] for f in FORCES], [COUNTS[f][current] for f in FORCES]


def _by_hand(base_counts, current_counts):
    """Spiegelhalter's random-effects z-scores, written out without numpy."""
    n = len(base_counts)
    # England and Wales: the sum of the 43 forces.
    C_b, C_t = sum(base_counts), sum(current_counts)
    target = math.log(C_t / C_b)
    # Each force: y = ln(c_t / c_b), s^2 = 1/c_t + 1/c_b, z = (y - target) / s.
    y = [math.log(t / b) for b, t in zip(base_counts, current_counts)]
    s2 = [1 / t + 1 / b for b, t in zip(base_counts, current_counts)]
    z = [(yi - target) / math.sqrt(v) for yi, v in zip(y, s2)]
    # 10% Winsorising: z below the 10th percentile set to it, above the 90th likewise. statistics'
    # 'inclusive' deciles are the same linear-interpolation percentiles as R's default (type 7).
    deciles = statistics.quantiles(z, n=10, method="inclusive")
    low, high = deciles[0], deciles[-1]
    z_w = [min(max(zi, low), high) for zi in z]
    phi = sum(zi * zi for zi in z_w) / n
    # tau^2 = (n phi - (n - 1)) / (sum w - sum w^2 / sum w), w = 1 / s^2, and 0 if that is negative.
    w = [1 / v for v in s2]
    tau2 = max(0.0, (n * phi - (n - 1)) / (sum(w) - sum(wi * wi for wi in w) / sum(w)))
    z_re = [(yi - target) / math.sqrt(v + tau2) for yi, v in zip(y, s2)]
    p = [math.erfc(abs(zi) / math.sqrt(2)) for zi in z_re]
    return tau2, phi, z_re, p


# (base, current) -> tau, and (z, p) for a few forces, from _by_hand.
PINNED = {
    (JUNE_2013, JUNE_2014): (0.031828661925015544, {
        "Warwickshire": (-1.1811992489127954, 0.23752357959138004),
        "Kent": (3.4225812367507014, 0.0006202955923154677),
        "Durham": (3.749910527271057, 0.00017689767638350755),
        "Bedfordshire": (2.049648616902624, 0.040398732544826566),
        "Essex": (0.6145770859440829, 0.5388340507801133),
    }),
    (JUNE_2010, JUNE_2014): (0.05893099931478366, {
        "Warwickshire": (0.3459819275003423, 0.7293562967349685),
        "Kent": (4.092967589219429, 4.2588726854108944e-05),
        "Durham": (0.9507700178686859, 0.3417211357010287),
        "Essex": (2.6275738065279635, 0.008599618401301513),
    }),
}

# The issue: "about 7 forces for June 2013 -> June 2014 and about 6 for June 2010 -> June 2014;
# Warwickshire is not flagged".
FLAGGED = {
    (JUNE_2013, JUNE_2014): {"Bedfordshire", "Dorset", "Durham", "Kent", "Northamptonshire", "Suffolk", "Surrey"},
    (JUNE_2010, JUNE_2014): {"Devon and Cornwall", "Essex", "Gwent", "Kent", "Nottinghamshire", "Thames Valley"},
}


def test_fixture_is_the_43_forces():
    assert len(FORCES) == 43
    assert COUNTS["Warwickshire"] == {JUNE_2010: 32373, JUNE_2013: 28887, JUNE_2014: 27651}
    assert sum(COUNTS[f][JUNE_2014] for f in FORCES) == 3460860


@pytest.mark.parametrize("periods", list(PINNED))
def test_agrees_with_the_hand_calculation(periods):
    base, current = _pair(*periods)
    tau2, phi, z, p = _by_hand(base, current)
    result = relative_change_tau2(base, current, names=FORCES, method="winsorised")
    assert result.tau2 == pytest.approx(tau2, rel=1e-12)
    assert result.estimate.phi == pytest.approx(phi, rel=1e-12)
    assert result.estimate.n == 43
    np.testing.assert_allclose(result.z, z, rtol=1e-12)
    np.testing.assert_allclose(result.p, p, rtol=1e-10)


@pytest.mark.parametrize("periods", list(PINNED))
def test_pinned_tau_z_p(periods):
    stats = scipy_normal()
    tau, forces = PINNED[periods]
    result = relative_change_tau2(*_pair(*periods), names=FORCES, method="winsorised")
    assert result.tau == pytest.approx(tau, rel=1e-9)
    for force, (z, p) in forces.items():
        i = FORCES.index(force)
        assert result.z[i] == pytest.approx(z, rel=1e-9)
        assert result.p[i] == pytest.approx(p, rel=1e-9)
        assert result.p[i] == pytest.approx(2 * stats.norm.sf(abs(z)), rel=1e-9)


@pytest.mark.parametrize("periods", list(FLAGGED))
def test_flagged_forces(periods):
    result = relative_change_tau2(*_pair(*periods), names=FORCES, method="winsorised")
    flagged = {f for f, flag in zip(FORCES, result.flagged) if flag}
    assert flagged == FLAGGED[periods]
    assert "Warwickshire" not in flagged
    assert result.estimate.overdispersed
    assert set(result.reasons) == {""}


def test_without_overdispersion_nearly_every_force_differs():
    # Why tau matters: with Poisson variance alone, most forces' changes are "significant".
    base, current = _pair(JUNE_2013, JUNE_2014)
    z, _ = change_vs_reference(base, current, sum(base), sum(current), tau2=0.0)
    assert np.sum(np.abs(z) > Z_CRITICAL) > 30


def test_core_is_dersimonian_laird():
    # statsmodels 0.15 combine_effects(y, v, method_re="dl").tau2 for these log changes (see module docstring).
    base, current = (np.array(c, dtype=float) for c in _pair(JUNE_2013, JUNE_2014))
    y, v = np.log(current / base), 1 / current + 1 / base
    weighted_mean = float(np.sum(y / v) / np.sum(1 / v))
    assert additive_tau2(y, v, weighted_mean, method="dersimonian-laird").tau2 == pytest.approx(0.0018715912009586385, rel=1e-12)


def test_core_is_dersimonian_laird_on_random_data():
    # DerSimonian and Laird (1986) written out here: Q = sum w (y - ybar_w)^2 with w = 1/v, and
    # tau^2 = max(0, (Q - (k - 1)) / (sum w - sum w^2 / sum w)); equal to statsmodels' combine_effects
    # (method_re="dl") when it was installed (the pinned value above).
    rng = np.random.default_rng(2005)
    y, v = rng.normal(0, 0.1, 20), rng.uniform(0.001, 0.02, 20)
    w = 1 / v
    weighted_mean = float(np.sum(w * y) / np.sum(w))
    q = float(np.sum(w * (y - weighted_mean) ** 2))
    expected = max(0.0, (q - (len(y) - 1)) / (w.sum() - (w**2).sum() / w.sum()))
    assert additive_tau2(y, v, weighted_mean, method="dersimonian-laird").tau2 == pytest.approx(expected, rel=1e-10)


def test_rank_winsorising_flags_the_same_forces():
    # Robustness of the reading of "10% Winsorised": setting the floor(0.1 * 43) = 4 most extreme z-scores
    # at each end to the 5th gives a slightly different tau but the same forces marked.
    for periods, expected in FLAGGED.items():
        base, current = (np.array(c, dtype=float) for c in _pair(*periods))
        y, s2 = np.log(current / base), 1 / current + 1 / base
        target = math.log(current.sum() / base.sum())
        z = np.sort((y - target) / np.sqrt(s2))
        z_w = np.clip((y - target) / np.sqrt(s2), z[4], z[-5])
        w = 1 / s2
        tau2 = max(0.0, (43 * np.mean(z_w**2) - 42) / (w.sum() - (w**2).sum() / w.sum()))
        z_re = (y - target) / np.sqrt(s2 + tau2)
        assert {f for f, zi in zip(FORCES, z_re) if abs(zi) > Z_CRITICAL} == expected


def test_missing_force_refuses_tau():
    base, current = _pair(JUNE_2013, JUNE_2014)
    current[FORCES.index("Gwent")] = float("nan")
    with pytest.raises(ValueError, match="current period count missing for Gwent"):
        relative_change_tau2(base, current, names=FORCES)
    base[0] = None
    with pytest.raises(ValueError, match="base period count missing for Avon and Somerset"):
        relative_change_tau2(base, current, names=FORCES)


def test_zero_count_gets_no_z_and_a_reason():
    base, current = _pair(JUNE_2013, JUNE_2014)
    i = FORCES.index("City of London")
    base[i] = 0
    result = relative_change_tau2(base, current, names=FORCES)
    assert math.isnan(result.z[i]) and math.isnan(result.p[i]) and not result.flagged[i]
    assert result.reasons[i].startswith("the base period count is 0")
    assert result.estimate.n == 42
    assert result.reference_base == sum(base)
    assert [r for j, r in enumerate(result.reasons) if j != i] == [""] * 42


def test_negative_count():
    base, current = _pair(JUNE_2013, JUNE_2014)
    current[3] = -1
    with pytest.raises(ValueError, match="negative count"):
        relative_change_tau2(base, current, names=FORCES)
    # With England and Wales given, the force just gets no z.
    result = relative_change_tau2(base, current, 3477660, 3460860, names=FORCES)
    assert math.isnan(result.z[3]) and "current period count is -1" in result.reasons[3]


def test_change_vs_reference_scalar_and_edge_cases():
    stats = scipy_normal()
    # By hand: ln(110/100) - ln(1000/1000) = 0.0953102; sqrt(1/110 + 1/100 + 0.01) = sqrt(0.0290909)
    # = 0.170561; z = 0.0953102 / 0.170561 = 0.558805.
    z, p = change_vs_reference(100, 110, 1000, 1000, tau2=0.01)
    assert z == pytest.approx(0.558805, abs=1e-6)
    assert p == pytest.approx(2 * stats.norm.sf(z), rel=1e-12)
    z, p = change_vs_reference([0, 5], [10, 5], 100, 100, tau2=0)
    assert math.isnan(z[0]) and math.isnan(p[0]) and z[1] == 0 and p[1] == 1
    with pytest.raises(ValueError):
        change_vs_reference(1, 1, 0, 10, 0)
    with pytest.raises(ValueError):
        change_vs_reference(1, 1, 10, 10, -0.1)


def test_poisson_spread_gives_tau_zero():
    # z-scores smaller than Poisson noise would give: n * phi < n - 1, so tau2 = 0 (not negative).
    y = np.array([0.01, -0.01, 0.02, -0.02, 0.0])
    estimate = additive_tau2(y, np.full(5, 0.01), target=0.0)
    assert estimate.tau2 == 0 and not estimate.overdispersed


def test_additive_tau2_refuses():
    with pytest.raises(ValueError, match="missing"):
        additive_tau2([0.1, float("nan"), 0.2], [0.01, 0.01, 0.01], 0.0)
    with pytest.raises(ValueError, match="at least 2"):
        additive_tau2([0.1], [0.01], 0.0)
    with pytest.raises(ValueError, match="variances above 0"):
        additive_tau2([0.1, 0.2], [0.01, 0], 0.0)


def test_winsorise():
    # numpy/R type 7: 10th percentile of 1..11 is 2, 90th is 10.
    np.testing.assert_array_equal(winsorise(np.arange(1.0, 12.0)), [2, 2, 3, 4, 5, 6, 7, 8, 9, 10, 10])
    np.testing.assert_array_equal(winsorise([3.0, -100.0, 7.0], fraction=0), [3.0, -100.0, 7.0])
    with pytest.raises(ValueError):
        winsorise([1.0, 2.0], fraction=0.5)


def test_two_sided_p():
    assert two_sided_p(1.959963984540054) == pytest.approx(0.05, abs=1e-15)
    assert two_sided_p(0) == 1.0
    assert math.isnan(two_sided_p(float("nan")))


# Funnel plots: crime excluding fraud, 12 months to June 2014, per mid-2013 population.

def _populations() -> dict[str, int]:
    with open(DATA / "population-mid2013-43-forces.csv", newline="") as f:
        return {row["force"]: int(row["population_mid2013"]) for row in csv.DictReader(f)}


def _rate_by_hand(counts, people):
    """tau2 for log rates against England and Wales, plain Python: y = ln(c/n), s^2 = 1/(target n)."""
    k = len(counts)
    target = sum(counts) / sum(people)
    y = [math.log(c / n) for c, n in zip(counts, people)]
    s2 = [1 / (target * n) for n in people]
    z = [(yi - math.log(target)) / math.sqrt(v) for yi, v in zip(y, s2)]
    deciles = statistics.quantiles(z, n=10, method="inclusive")
    phi = sum(min(max(zi, deciles[0]), deciles[-1]) ** 2 for zi in z) / k
    w = [1 / v for v in s2]
    return target, max(0.0, (k * phi - (k - 1)) / (sum(w) - sum(wi * wi for wi in w) / sum(w)))


def test_rate_tau2_against_hand_calculation():
    people = _populations()
    counts = [COUNTS[f][JUNE_2014] for f in FORCES]
    denominators = [people[f] for f in FORCES]
    target, tau2 = _rate_by_hand(counts, denominators)
    estimate = rate_tau2(counts, denominators, method="winsorised")
    assert estimate.tau2 == pytest.approx(tau2, rel=1e-12)
    assert estimate.tau == pytest.approx(0.15215051357235687, rel=1e-9)  # printed by _rate_by_hand
    assert target * 1000 == pytest.approx(60.772, abs=1e-3)  # England and Wales per 1,000


def test_funnel_on_real_rates():
    people = _populations()
    counts = [COUNTS[f][JUNE_2014] for f in FORCES]
    denominators = [people[f] for f in FORCES]
    target = sum(counts) / sum(denominators)
    tau2 = rate_tau2(counts, denominators, method="winsorised").tau2
    positions = {f: additive_funnel_position(c, n, target, tau2) for f, c, n in zip(FORCES, counts, denominators)}
    assert {f: p for f, p in positions.items() if p != "within"} == {
        "City of London": "above 99.8%", "Metropolitan Police": "above 95%", "Dyfed-Powys": "below 99.8%",
        "North Yorkshire": "below 95%", "Surrey": "below 95%"}
    # Warwickshire, 50.3 per 1,000: 95% limits by hand, 60.772 * exp(-+1.959964 * sqrt(1/33395.3 + 0.0231498)).
    low = additive_funnel_limit(target, people["Warwickshire"], 0.025, tau2) * 1000
    high = additive_funnel_limit(target, people["Warwickshire"], 0.975, tau2) * 1000
    assert (low, high) == (pytest.approx(45.093, abs=1e-3), pytest.approx(81.903, abs=1e-3))
    assert positions["Warwickshire"] == "within"


def test_funnel_position_agrees_with_z():
    stats = scipy_normal()
    # Outside the 95% funnel exactly when |ln(rate / target)| / sqrt(1/(target n) + tau2) > 1.959964.
    target, tau2 = 0.06, 0.02
    for count, n in [(20_000, 500_000), (42_000, 500_000), (41_000, 500_000), (23_000, 500_000), (25_000, 500_000)]:
        z = math.log(count / n / target) / math.sqrt(1 / (target * n) + tau2)
        outside = additive_funnel_position(count, n, target, tau2) != "within"
        assert outside == (abs(z) > stats.norm.ppf(0.975))


def test_funnel_limits_tend_to_the_spread_of_forces():
    stats = scipy_normal()
    target, tau2 = 0.06, 0.0225  # tau = 0.15
    big = additive_funnel_limit(target, 1e12, 0.975, tau2)
    assert big == pytest.approx(target * math.exp(stats.norm.ppf(0.975) * 0.15), rel=1e-6)
    # With tau2 = 0, the log-normal Poisson limit: by hand 0.06 * exp(1.959964 / sqrt(60))
    # = 0.06 * exp(0.253028) = 0.06 * 1.287919 = 0.077275.
    assert additive_funnel_limit(target, 1000, 0.975, 0.0) == pytest.approx(0.077275, abs=1e-6)
    np.testing.assert_allclose(additive_funnel_limit(target, [1000, 1e12], 0.975, 0.0)[1], target, rtol=1e-4)


def test_rate_tau2_refuses():
    with pytest.raises(ValueError, match="missing for b"):
        rate_tau2([10, float("nan"), 30], [100, 100, 100], names=["a", "b", "c"])
    with pytest.raises(ValueError, match="denominator of 0"):
        rate_tau2([10, 20, 30], [100, 0, 100])


# Paule-Mandel, the default estimator, against scipy, and its calibration by simulation.

def _paule_mandel_by_scipy(y, v, target, clip=None):
    """Paule and Mandel (1982): the t >= 0 with sum((y - target)^2 / (v + t)) = n - 1, by scipy's brentq.
    With ``clip`` (Huber 1964, Proposal 2): each square capped at clip^2 and n - 1 times E[min(Z^2, clip^2)],
    the expectation integrated numerically by scipy (not by the closed form crimestat uses)."""
    stats = scipy_normal()
    from scipy.integrate import quad
    from scipy.optimize import brentq

    y, v = np.asarray(y, dtype=float), np.asarray(v, dtype=float)
    cap = clip * clip if clip else math.inf
    factor = quad(lambda x: min(x * x, cap) * stats.norm.pdf(x), -np.inf, np.inf, epsabs=1e-13)[0] if clip else 1.0

    def excess(t):
        return float(np.sum(np.minimum((y - target) ** 2 / (v + t), cap))) - (len(y) - 1) * factor

    if excess(0.0) <= 0:
        return 0.0
    return brentq(excess, 0.0, 10.0, xtol=1e-15, rtol=1e-14, maxiter=500)


@pytest.mark.parametrize("periods", list(PINNED))
def test_paule_mandel_against_scipy(periods):
    base, current = (np.array(c, dtype=float) for c in _pair(*periods))
    y, v = np.log(current / base), 1 / current + 1 / base
    target = math.log(current.sum() / base.sum())
    expected = _paule_mandel_by_scipy(y, v, target, clip=2.0)
    result = relative_change_tau2(base, current, names=FORCES)
    assert result.estimate.method == "robust-paule-mandel"
    assert result.tau2 == pytest.approx(expected, rel=1e-9)
    plain = relative_change_tau2(base, current, names=FORCES, method="paule-mandel")
    assert plain.tau2 == pytest.approx(_paule_mandel_by_scipy(y, v, target), rel=1e-10)
    z_by_hand = (y - target) / np.sqrt(v + expected)
    np.testing.assert_allclose(result.z, z_by_hand, rtol=1e-9)
    # The Winsorised estimate without its consistency correction runs low (the audit: about a quarter on tau).
    assert relative_change_tau2(base, current, names=FORCES, method="winsorised").tau < result.tau


def test_paule_mandel_classical_on_random_data():
    # With the weighted mean as target: the classical Paule-Mandel fixed point, where the generalised Q with
    # weights 1 / (v + tau2) about their own weighted mean equals k - 1 (checked here in plain numpy).
    rng = np.random.default_rng(1982)
    y, v = rng.normal(0, 0.2, 25), rng.uniform(0.001, 0.05, 25)
    target = float(np.sum(y / v) / np.sum(1 / v))
    tau2 = additive_tau2(y, v, target, method="paule-mandel").tau2
    assert tau2 == pytest.approx(_paule_mandel_by_scipy(y, v, target), rel=1e-10)
    assert float(np.sum((y - target) ** 2 / (v + tau2))) == pytest.approx(len(y) - 1, rel=1e-9)


def test_rate_tau2_paule_mandel_against_scipy():
    people = _populations()
    counts = np.array([COUNTS[f][JUNE_2014] for f in FORCES], dtype=float)
    denominators = np.array([people[f] for f in FORCES], dtype=float)
    target = counts.sum() / denominators.sum()
    y, v = np.log(counts / denominators), 1 / (target * denominators)
    expected = _paule_mandel_by_scipy(y, v, math.log(target), clip=2.0)
    estimate = rate_tau2(counts, denominators)
    assert estimate.tau2 == pytest.approx(expected, rel=1e-9)
    # City of London's rate per resident (about 10 times England and Wales's) does not set the spread:
    # the plain estimate, where its squared z counts in full, is much larger.
    plain = rate_tau2(counts, denominators, method="paule-mandel")
    assert plain.tau2 == pytest.approx(_paule_mandel_by_scipy(y, v, math.log(target)), rel=1e-10)
    assert plain.tau > 2 * estimate.tau


def test_capped_square_mean():
    stats = scipy_normal()
    from crimestat.metrics.overdispersion import capped_square_mean

    # E[min(Z^2, 4)] by scipy's numerical integration; and no cap gives 1.
    expected = 2 * stats.norm.cdf(2) - 1 - 4 * stats.norm.pdf(2) + 8 * stats.norm.sf(2)
    assert capped_square_mean(2.0) == pytest.approx(expected, rel=1e-12)
    assert capped_square_mean(2.0) == pytest.approx(0.9205, abs=1e-4)
    assert capped_square_mean(40.0) == pytest.approx(1.0, rel=1e-12)


def test_unknown_method_refused():
    with pytest.raises(ValueError, match="method must be one of robust-paule-mandel"):
        additive_tau2([0.1, 0.2], [0.01, 0.01], 0.0, method="reml")


def _simulate(tau, shift=0.0, shifted=None, replicates=400, seed=2026):
    """Counts for 43 forces under crimestat's own random-effects model: each force's true log change is
    ln(E&W change) + u, u ~ N(0, tau^2), its counts Poisson. Base sizes are the 43 forces' real counts of
    crime excluding fraud to June 2013 (tests/data/overdispersion) scaled by 1/20, so 140 to 44,000 a year:
    the range of a single offence group's counts."""
    rng = np.random.default_rng(seed)
    expected_base = np.array([COUNTS[f][JUNE_2013] for f in FORCES], dtype=float) / 20
    marked = np.zeros((replicates, len(FORCES)), dtype=bool)
    for r in range(replicates):
        u = rng.normal(0.0, tau, len(FORCES))
        if shifted is not None:
            u[shifted] = shift
        base = rng.poisson(expected_base)
        current = rng.poisson(expected_base * np.exp(-0.05 + u))
        marked[r] = relative_change_tau2(base, current).flagged
    return marked


@pytest.mark.parametrize("tau", [0.03, 0.1, 0.25])
def test_simulated_marked_share_is_nominal(tau):
    # With no force different (every force drawn from the model), |z| > 1.96 should mark 5% of forces;
    # the issue asks for 5% +- 1.5 points. 400 replicates x 43 forces: the share's own Monte Carlo standard
    # error is about 0.2 points (forces within a replicate are correlated through tau, so a little more).
    share = _simulate(tau).mean() * 100
    assert 3.5 <= share <= 6.5, share


def test_simulated_winsorised_estimate_marks_too_many():
    # Why the estimator changed: the 10%-Winsorised estimate marks well over 5% under the same model.
    rng = np.random.default_rng(7)
    expected_base = np.array([COUNTS[f][JUNE_2013] for f in FORCES], dtype=float) / 20
    marked = []
    for _ in range(200):
        base = rng.poisson(expected_base)
        current = rng.poisson(expected_base * np.exp(rng.normal(0.0, 0.1, len(FORCES))))
        marked.append(relative_change_tau2(base, current, method="winsorised").flagged.mean())
    assert np.mean(marked) * 100 > 9


def test_simulated_shifted_force_is_found():
    # One mid-sized force (Warwickshire, about 1,400 crimes a year here) whose change is 0.5 on the log scale
    # (about 65% up, five times the spread tau = 0.1 between the others) is marked in nearly every replicate.
    # The capped squares keep it from inflating tau much, so the other forces stay near 5% (plain
    # Paule-Mandel would fall to about 1%: the outlier would set the spread for everyone).
    i = FORCES.index("Warwickshire")
    marked = _simulate(0.1, shift=0.5, shifted=i, replicates=200, seed=11)
    assert marked[:, i].mean() > 0.95
    others = np.delete(marked, i, axis=1).mean() * 100
    assert 2.5 <= others <= 6.5, others
