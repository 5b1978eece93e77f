"""Poisson intervals, the change test and funnel limits against independent values.

Reference values from R 4.x (stats package), computed outside this project:
    poisson.test(10)$conf.int          -> 4.795389 18.390356
    poisson.test(0)$conf.int           -> 0.000000  3.688879
    binom.test(10, 12, 0.5)$p.value    -> 0.03857422
    binom.test(5, 10, 0.5)$p.value     -> 1
"""

import pytest

from crimestat.metrics.poisson import change_test, funnel_limit, funnel_position, poisson_confint


@pytest.mark.parametrize("count, low, high", [(10, 4.795389, 18.390356), (0, 0.0, 3.688879)])
def test_exact_interval_matches_r(count, low, high):
    got = poisson_confint(count)
    assert got[0] == pytest.approx(low, abs=1e-6)
    assert got[1] == pytest.approx(high, abs=1e-6)


def test_interval_contains_count_and_narrows_relatively():
    for k in (1, 50, 5000):
        low, high = poisson_confint(k)
        assert low < k < high
    assert (poisson_confint(10000)[1] - poisson_confint(10000)[0]) / 10000 < (
        poisson_confint(100)[1] - poisson_confint(100)[0]) / 100


def test_negative_count_refused():
    with pytest.raises(ValueError):
        poisson_confint(-1)


@pytest.mark.parametrize("current, base, p", [(10, 2, 0.03857422), (5, 5, 1.0), (0, 0, 1.0)])
def test_change_test_matches_r(current, base, p):
    assert change_test(current, base) == pytest.approx(p, abs=1e-7)


def test_funnel_limit_by_hand():
    from scipy import special  # stats.poisson.cdf(k, mu) is special.pdtr(k, mu) (scipy/stats/_discrete_distns.py)
    # Target 0.01 per person, population 1,000: expected count 10.
    # Poisson(10): F(16) = 0.97295, F(17) = 0.98572 (tables); the 0.975 quantile r = 17.
    # a = (F(17) - 0.975) / (F(17) - F(16)) = (0.98572 - 0.975) / (0.98572 - 0.97295) = 0.8394
    # limit = (17 - 0.8394) / 1000 = 0.016161
    assert funnel_limit(0.01, 1000, 0.975) == pytest.approx(0.016161, abs=2e-6)
    # Lower: 0.025 quantile r = 4: F(3) = 0.010336, F(4) = 0.029253; a = (0.029253 - 0.025) / 0.018917 = 0.2248
    assert funnel_limit(0.01, 1000, 0.025) == pytest.approx((4 - 0.2248) / 1000, abs=2e-6)
    assert special.pdtr(17, 10) == pytest.approx(0.98572, abs=1e-5)


def test_funnel_limits_narrow_with_population():
    wide = funnel_limit(0.06, 10_000, 0.999) - funnel_limit(0.06, 10_000, 0.001)
    narrow = funnel_limit(0.06, 1_000_000, 0.999) - funnel_limit(0.06, 1_000_000, 0.001)
    assert narrow < wide


@pytest.mark.parametrize("count, position", [(600, "within"), (650, "above 95%"), (700, "above 99.8%"),
                                             (550, "below 95%"), (500, "below 99.8%")])
def test_funnel_positions(count, position):
    # Target 0.06 per person, 10,000 people: expected 600, sd about 24.5.
    assert funnel_position(count, 10_000, 0.06) == position


def test_overdispersion_by_hand():
    # Five units of 10,000 people around a target of 0.01: sd = sqrt(0.01 / 10000) = 0.001, so these
    # rates have z = -3, -1, 0, 1, 3. Winsorised at the 10% and 90% quantiles (numpy's linear rule:
    # -2.2 and 2.2): z**2 = 4.84, 1, 0, 1, 4.84, mean 2.336.
    from crimestat.metrics.poisson import overdispersed_limit, overdispersion

    rates = [0.01 + z * 0.001 for z in (-3, -1, 0, 1, 3)]
    phi = overdispersion(rates, [10_000] * 5, 0.01)
    assert phi == pytest.approx(2.336, abs=1e-9)
    assert overdispersed_limit(0.01, 10_000, 0.975, phi) == pytest.approx(0.01 + 1.959964 * (2.336 * 1e-6) ** 0.5,
                                                                          rel=1e-6)
    # 135 in 10,000: z = 3.5 before, 3.5 / sqrt(2.336) = 2.29 after widening: beyond 1.96, within 3.09.
    assert funnel_position(135, 10_000, 0.01) == "above 99.8%"
    assert funnel_position(135, 10_000, 0.01, phi) == "above 95%"
