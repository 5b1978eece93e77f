"""Rates and percentage changes, checked by hand."""

import math
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from crimestat.metrics.rates import percentage_change, rate, rate_per_1000
from crimestat.render import round_half_up


def test_rate_by_hand():
    # Warwickshire, crime excluding fraud, 12 months to June 2014: 27,651 / 549,517 * 1,000.
    assert rate_per_1000(27651, 549517) == pytest.approx(50.3187, abs=1e-4)
    assert rate_per_1000(0, 10) == 0


def test_rate_arrays():
    np.testing.assert_allclose(rate_per_1000([1, 2], [1000, 4000]), [1.0, 0.5])


@pytest.mark.parametrize("denominator", [0, -5])
def test_rate_refuses_empty_denominator(denominator):
    with pytest.raises(ValueError):
        rate_per_1000(1, denominator)


def test_change_by_hand():
    # Warwickshire, crime excluding fraud, June 2010 (32,373) to June 2014 (27,651).
    value, why = percentage_change(27651, 32373)
    assert value == pytest.approx(-14.586, abs=1e-3) and why == ""
    assert percentage_change(5, 5) == (0.0, "")


def test_change_from_zero_has_a_reason_not_infinity():
    assert percentage_change(5, 0) == (None, "the base period count is 0, so a percentage change has no meaning")


@given(st.integers(0, 10**7), st.integers(1, 10**8), st.integers(1, 1000))
def test_rate_scales_with_count(count, denominator, factor):
    assert rate_per_1000(count * factor, denominator) == pytest.approx(factor * rate_per_1000(count, denominator))


@given(st.integers(0, 10**7), st.integers(1, 10**7))
def test_change_identity(current, base):
    value, _ = percentage_change(current, base)
    assert base * (1 + value / 100) == pytest.approx(current, rel=1e-9, abs=1e-6)


def test_hertfordshire_exact_half_prints_half_up():
    # ONS 2019 PFA table (sample_data/releases/ons-2019/rec-crime-pfa.csv), Hertfordshire, miscellaneous
    # crimes against society: 1,200 in the 12 months to March 2010, 858 to March 2011.
    # By hand: (858 - 1200) * 100 / 1200 = -34200 / 1200 = -28.5 exactly; half up (away from 0) is -29.
    # Dividing before multiplying gives -28.499999999999996, which printed -28%.
    value, why = percentage_change(858, 1200)
    assert value == -28.5 and why == ""
    assert round_half_up(value, 0) == Decimal("-29")


def test_rate_is_one_division():
    # 49 per 20,000 people is exactly 2.45 per 1,000 (by hand: 49 / 20 = 2.45), which rounds to 2.5.
    # count / denominator * 1000 rounds twice and gives 2.4499999999999997, which rounded to 2.4.
    assert rate_per_1000(49, 20000) == 2.45
    assert rate(49, 20000) == 2.45
    assert round_half_up(rate(49, 20000), 1) == Decimal("2.5")


def _half_up(twice: int) -> int:
    """The integer that ``twice / 2`` (an odd multiple of a half) rounds to, half away from zero."""
    return (twice + (1 if twice > 0 else -1)) // 2


@given(st.integers(-199, 2001).filter(lambda k: k % 2), st.integers(1, 5000))
def test_exact_half_changes_round_half_up(twice, multiple):
    # Every pair of counts whose change is an exact decimal half k/2 (k odd, k/2 >= -100): the change is
    # (c - b) * 100 / b = k / 2, so c - b = k * b / 200 must be whole, i.e. b a multiple of
    # 200 / gcd(k, 200).
    base = 200 // math.gcd(twice, 200) * multiple
    current = base + twice * base // 200
    value, _ = percentage_change(current, base)
    assert value == twice / 2
    assert round_half_up(value, 0) == _half_up(twice)


@given(st.integers(1, 20001).filter(lambda k: k % 2), st.integers(1, 10**5))
def test_exact_half_rates_round_half_up(twice_tenths, multiple):
    # A rate per 1,000 of k/20 (k odd: a half at one decimal place) from count c over n people:
    # c * 1000 / n = k / 20, so n = 20000 * c / k; take c a multiple of k.
    count = twice_tenths * multiple
    people = 20000 * multiple
    assert round_half_up(rate(count, people), 1) == Decimal(_half_up(twice_tenths)) / 10
