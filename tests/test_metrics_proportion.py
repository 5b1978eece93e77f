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
