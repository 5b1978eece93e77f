"""Proportion intervals and tests against independent reference values.

Reference values were computed with statsmodels 0.14 (``statsmodels.stats.proportion``), which is not
a dependency of crimestat:

    proportion_confint(838, 1000, 0.05, 'wilson')   -> (0.8138772231, 0.8595358882)
    proportion_confint(838, 1000, 0.05, 'normal')   -> (0.8151636, 0.8608364)
    proportion_confint(0, 50, 0.05, 'wilson')       -> (0.0, 0.0713475991)
    proportion_confint(50, 50, 0.05, 'wilson')      -> (0.9286524009, 1.0)
    proportion_confint(1, 3, 0.05, 'wilson')        -> (0.06149194, 0.7923404)
    proportion_confint(420, 500, 0.05, 'wilson')    -> (0.80529182, 0.86952363)
    proportion_confint(838, 1000, 0.10, 'wilson')   -> (0.8179272405, 0.8562487470)
    proportions_ztest([838, 850], [1000, 1000])      -> (-0.7394907156, 0.4596090754)
"""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import scipy_normal

from crimestat.metrics import proportion as prop

PP = 1e-4  # 0.01 percentage points on the 0-1 scale


@pytest.mark.parametrize(
    "count, nobs, confidence, method, low, high",
    [
        (838, 1000, 0.95, "wilson", 0.8138772231, 0.8595358882),
        (838, 1000, 0.95, "normal", 0.8151636, 0.8608364),
        (0, 50, 0.95, "wilson", 0.0, 0.0713475991),
        (50, 50, 0.95, "wilson", 0.9286524009, 1.0),
        (1, 3, 0.95, "wilson", 0.06149194, 0.7923404),
        (420, 500, 0.95, "wilson", 0.80529182, 0.86952363),
        (838, 1000, 0.90, "wilson", 0.8179272405, 0.8562487470),
    ],
)
def test_intervals_match_statsmodels(count, nobs, confidence, method, low, high):
    got = prop.proportion_confint(count, nobs, confidence, method)
    assert got[0] == pytest.approx(low, abs=PP)
    assert got[1] == pytest.approx(high, abs=PP)


def test_normal_interval_collapses_at_the_edges_wilson_does_not():
    assert prop.proportion_confint(0, 50, method="normal") == (0.0, 0.0)
    low, high = prop.proportion_confint(0, 50)
    assert low == 0.0 and high > 0.05


def test_no_observations_gives_no_interval():
    low, high = prop.proportion_confint(0, 0)
    assert math.isnan(low) and math.isnan(high)


def test_arrays():
    low, high = prop.proportion_confint(np.array([838, 0]), np.array([1000, 50]))
    assert low == pytest.approx([0.8138772231, 0.0], abs=PP)


@pytest.mark.parametrize("kwargs", [{"method": "exact"}, {"confidence": 1.5}])
def test_bad_arguments(kwargs):
    with pytest.raises(ValueError):
        prop.proportion_confint(1, 2, **kwargs)


def test_count_above_nobs():
    with pytest.raises(ValueError):
        prop.proportion_confint(3, 2)


def test_two_proportion_ztest_matches_statsmodels():
    z, p = prop.two_proportion_ztest(838, 1000, 850, 1000)
    assert z == pytest.approx(-0.7394907156, abs=1e-8)
    assert p == pytest.approx(0.4596090754, abs=1e-8)
    assert prop.two_proportion_ztest(0, 10, 0, 20) == (0.0, 1.0)


def test_difference_ztest_by_hand():
    # Warwickshire 83.8 (±1.7) against England and Wales 85.0 (±0.2): se = hw / 1.959964.
    z, p = prop.difference_ztest(83.8, 1.7 / 1.959964, 85.0, 0.2 / 1.959964)
    assert z == pytest.approx(-1.2 / math.hypot(1.7, 0.2) * 1.959964, rel=1e-6)
    assert p == pytest.approx(0.16943, abs=1e-4)
    assert prop.difference_ztest(50, 0, 50, 0) == (0.0, 1.0)
    assert prop.difference_ztest(51, 0, 50, 0)[1] == 0.0


@pytest.mark.parametrize(
    "a, b, verdict",
    [((82.1, 85.5), (84.8, 85.2), "broadly in line"), ((80, 82), (84.8, 85.2), "lower"),
     ((86, 88), (84.8, 85.2), "higher"), ((85.0, 85.0), (85.0, 85.0), "broadly in line")],
)
def test_overlap_verdicts(a, b, verdict):
    assert prop.verdict_overlap(*a, *b) == verdict


def test_z_verdicts():
    assert prop.verdict_z(-2.5, 0.01) == "lower"
    assert prop.verdict_z(2.5, 0.01) == "higher"
    assert prop.verdict_z(1.0, 0.3) == "broadly in line"


@given(st.integers(1, 5000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_wilson_contains_estimate_and_stays_in_bounds(pair):
    count, nobs = pair
    low, high = prop.proportion_confint(count, nobs)
    assert 0 <= low <= count / nobs <= high <= 1


@given(st.floats(0.05, 0.95), st.integers(10, 1000))
def test_intervals_narrow_as_counts_grow(p, n):
    small = prop.proportion_confint(round(p * n), n)
    large = prop.proportion_confint(round(p * n) * 4, n * 4)
    assert large[1] - large[0] < small[1] - small[0]


# -- funnel plots for proportions (Spiegelhalter 2005): the logit scale, phi, plain binomial ----------------

def test_proportion_tau2_against_scipy():
    # Independent route: scipy's brentq on the robust Paule-Mandel equation for logit proportions,
    # sum(min((logit p_i - logit p0)^2 / (1/(n_i p0 (1-p0)) + t), 4)) = (k - 1) E[min(Z^2, 4)].
    import math

    import numpy as np
    from scipy.optimize import brentq

    from crimestat.metrics.proportion import proportion_tau2

    # Charge/summons counts and offences of six forces, 12 months to March 2025 (the shipped outcomes file,
    # as tests/test_outcomes_cli.py's raw-file check reads it): Warwickshire 3,237 of 39,544 and five others.
    counts = np.array([3237, 14625, 8593, 49661, 1328, 7885], dtype=float)
    totals = np.array([39544, 162059, 84553, 943924, 9179, 59533], dtype=float)
    p0 = counts.sum() / totals.sum()
    y = np.log(counts / (totals - counts)) - math.log(p0 / (1 - p0))
    v = 1 / (totals * p0 * (1 - p0))
    stats = scipy_normal()
    factor = 2 * stats.norm.cdf(2) - 1 - 4 * stats.norm.pdf(2) + 8 * stats.norm.sf(2)
    expected = brentq(lambda t: np.minimum(y**2 / (v + t), 4).sum() - 5 * factor, 0, 10, xtol=1e-15, rtol=1e-14)
    assert proportion_tau2(counts, totals).tau2 == pytest.approx(expected, rel=1e-9)


def test_proportion_funnel_limits_by_hand():
    from crimestat.metrics.proportion import proportion_funnel_limit, proportion_funnel_position

    # p0 = 0.087, n = 40,000, tau2 = 0.0625 (tau 0.25): logit(0.087) = ln(0.087 / 0.913) = -2.350828;
    # sqrt(1/(40000*0.087*0.913) + 0.0625) = sqrt(0.00031474 + 0.0625) = 0.250629; upper 95%:
    # expit(-2.350828 + 1.959964 * 0.250629) = expit(-1.859605) = 0.134749.
    assert proportion_funnel_limit(0.087, 40000, 0.975, "additive", 0.0625) == pytest.approx(0.134749, abs=2e-6)
    # Plain binomial: 0.087 + 1.959964 * sqrt(0.087 * 0.913 / 40000) = 0.087 + 0.002762 = 0.089762.
    assert proportion_funnel_limit(0.087, 40000, 0.975, "poisson") == pytest.approx(0.089762, abs=2e-6)
    # Multiplicative, phi = 100: 0.087 + 10 * 0.002762 = 0.114616.
    assert proportion_funnel_limit(0.087, 40000, 0.975, "multiplicative", phi=100) == pytest.approx(0.11462, abs=2e-5)
    # Warwickshire's 8.2% is within the additive limits and far outside the binomial ones (below 99.8%:
    # 0.087 - 3.090232 * sqrt(0.087 * 0.913 / 39544) = 0.087 - 3.090232 * 0.0014173 = 0.082620 > 3237 / 39544 = 0.081858).
    assert proportion_funnel_position(3237, 39544, 0.087, "additive", 0.0625) == "within"
    assert proportion_funnel_position(3237, 39544, 0.087, "poisson") == "below 99.8%"
    with pytest.raises(ValueError, match="method must be one of"):
        proportion_funnel_limit(0.087, 40000, 0.975, "logit")


def test_proportion_funnel_z_agrees_with_the_limits():
    from crimestat.metrics.proportion import proportion_funnel_position, proportion_funnel_z

    # By hand: logit(3237/39544) = ln(3237/36307) = -2.417364; logit(0.087) = -2.350828; the difference
    # -0.066536 over sqrt(1/(39544*0.087*0.913) + 0.0625) = sqrt(0.00031837 + 0.0625) = 0.250636 gives
    # z = -0.265468.
    assert proportion_funnel_z(3237, 39544, 0.087, 0.0625) == pytest.approx(-0.265468, abs=2e-6)
    assert proportion_funnel_z(0, 100, 0.087) is None
    for count in (3000, 3237, 3700, 5600, 6200, 2000, 1700):
        z = proportion_funnel_z(count, 39544, 0.087, 0.0625)
        outside = proportion_funnel_position(count, 39544, 0.087, "additive", 0.0625) != "within"
        assert outside == (abs(z) > scipy_normal().norm.ppf(0.975))
