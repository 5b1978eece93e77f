"""Rates and percentage changes, checked by hand."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from crimestat.metrics.rates import percentage_change, rate_per_1000


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
