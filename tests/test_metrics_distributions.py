"""The pure-Python distribution functions against scipy.special, exact rationals and their derivation.

scipy is imported only here (``pytest.importorskip``): crimestat itself no longer imports it for the
Poisson metrics. Where scipy's own routines lose accuracy (the binomial distribution function for totals
above about 10**5, the far lower tail of the incomplete gamma function for a above about 10**6), the
comparison is with exact rational sums instead; mpmath agreed with crimestat there when this was written.
"""

from __future__ import annotations

import math
import subprocess
import sys
from fractions import Fraction

import numpy as np
import pytest

from crimestat.metrics import distributions as d


def temme_coefficients(terms: int, degree: int) -> list[list[Fraction]]:
    """Taylor coefficients of Temme's c_k(eta), k < terms, powers < degree, as exact rationals.

    With lambda = x / a, mu = lambda - 1 and eta**2 / 2 = mu - log(1 + mu) (DLMF 8.12.3):
    c_0 = 1 / mu - 1 / eta and c_k = c_{k-1}'(eta) / eta + (-1)**k g_k / mu (DLMF 8.12.8-8.12.9), g_k the
    coefficients of Gamma*(z) ~ sum g_k z**-k (DLMF 5.11.3).
    """
    size = degree + 2 * terms + 2
    b = [Fraction(0), Fraction(1)] + [Fraction(0)] * size  # mu = sum b_i eta**i, from mu' (mu / eta) = 1 + mu
    for n in range(1, size):
        b[n + 1] = (b[n] - sum((i + 1) * b[i + 1] * b[n - i + 1] for i in range(1, n))) / (n + 2)
    s = [b[i + 1] for i in range(size)]  # mu / eta
    e = [Fraction(1)] + [Fraction(0)] * (size - 1)  # eta / mu
    for n in range(1, size):
        e[n] = -sum(s[j] * e[n - j] for j in range(1, n + 1))
    bernoulli = [Fraction(1)] + [Fraction(0)] * (2 * terms + 2)
    for m in range(1, 2 * terms + 3):
        bernoulli[m] = -sum(math.comb(m + 1, j) * bernoulli[j] for j in range(m)) / (m + 1)
    log_gamma_star = [Fraction(0)] * (terms + 1)
    for j in range(1, terms + 2):
        if 2 * j - 1 <= terms:
            log_gamma_star[2 * j - 1] = bernoulli[2 * j] / (2 * j * (2 * j - 1))
    g = [Fraction(1)] + [Fraction(0)] * terms  # exp of log_gamma_star: g' = (log Gamma*)' g
    for n in range(1, terms + 1):
        g[n] = sum(j * log_gamma_star[j] * g[n - j] for j in range(1, n + 1)) / n
    c = e[1:]
    rows = [c[:degree]]
    for k in range(1, terms):
        gk = (-1) ** k * g[k]
        assert c[1] + gk == 0  # the 1/eta parts cancel, as they must
        c = [(n + 2) * c[n + 2] + gk * e[n + 1] for n in range(len(c) - 2)]
        rows.append(c[:degree])
    return rows


def test_temme_table_is_the_derived_one():
    rows = temme_coefficients(len(d._TEMME), len(d._TEMME[0]))
    assert [tuple(float(x) for x in row) for row in rows] == [tuple(row) for row in d._TEMME]
    # DLMF 8.12.10: c_0(0) = -1/3, c_0'(0) = 1/12, c_1(0) = -1/540.
    assert rows[0][:2] == [Fraction(-1, 3), Fraction(1, 12)] and rows[1][0] == Fraction(-1, 540)


def _gamma_points() -> list[tuple[float, float]]:
    rng = np.random.default_rng(7)
    shapes = np.concatenate([np.arange(1, 230, 3), np.round(10 ** rng.uniform(0.5, 7.5, 150)), [0.5, 2.5, 150.5]])
    points = []
    for a in shapes:
        for z in (-4, -3.1, -2, -1, -0.1, 0, 0.3, 1, 1.96, 3.1, 4, 6, 10):
            x = a + z * math.sqrt(a)
            if x > 0:
                points.append((float(a), float(x)))
    points += [(1.0, 0.01), (3.0, 0.5), (2.0, 1.1), (10.0, 40.0), (300.0, 100.0), (300.0, 700.0)]
    return points


def test_incomplete_gamma_matches_scipy():
    special = pytest.importorskip("scipy.special")
    for a, x in _gamma_points():
        p, q = d.gamma_pq(a, x)
        assert p + q == pytest.approx(1.0, abs=1e-15)
        # The smaller of the two keeps its relative precision.
        if p < 0.5:
            assert p == pytest.approx(float(special.gammainc(a, x)), rel=1e-11, abs=1e-300), (a, x)
        else:
            assert q == pytest.approx(float(special.gammaincc(a, x)), rel=1e-11, abs=1e-300), (a, x)


def test_inverse_matches_scipy_and_inverts():
    special = pytest.importorskip("scipy.special")
    rng = np.random.default_rng(11)
    shapes = np.concatenate([np.arange(1, 300), np.round(10 ** rng.uniform(0, 7.5, 300)), [0.3, 1.5]])
    for a in shapes:
        for p in (0.001, 0.025, 0.5, 0.975, 0.999):
            x = d.gamma_p_inverse(float(a), p)
            assert x == pytest.approx(float(special.gammaincinv(a, p)), rel=1e-12), (a, p)
        # Far in the tail, where scipy's series stops early for large a: check the inverse itself.
        x = d.gamma_p_inverse(float(a), 1e-6)
        assert d.gamma_pq(float(a), x)[0] == pytest.approx(1e-6, rel=1e-9)
    assert d.gamma_p_inverse(5.0, 0.0) == 0.0 and d.gamma_p_inverse(5.0, 1.0) == math.inf


def test_poisson_cdf_and_quantile_match_scipy():
    special = pytest.importorskip("scipy.special")
    for k in range(0, 260, 7):
        for mean in (0.2, 3.0, 10.0, 99.0, 150.0, 240.0):
            assert d.poisson_cdf(k, mean) == pytest.approx(float(special.pdtr(k, mean)), rel=1e-11, abs=1e-300)
    rng = np.random.default_rng(5)
    for mean in 10 ** rng.uniform(-1, 7, 300):
        for p in (0.001, 0.025, 0.975, 0.999):
            r, f_r, f_below = d.poisson_quantile_with_cdf(p, float(mean))
            assert f_below < p <= f_r
            assert f_r == pytest.approx(float(special.pdtr(r, mean)), rel=1e-11)


def _exact_binomial_half_cdf(k: int, n: int) -> float:
    return float(Fraction(sum(math.comb(n, j) for j in range(k + 1)), 2**n))


def test_binomial_half_cdf_is_exact():
    for n in list(range(0, 60)) + [101, 500, 999]:
        for k in {0, 1, n // 3, n // 2 - 1, n // 2, n // 2 + 1, n - 1, n}:
            if 0 <= k <= n:
                assert d.binomial_half_cdf(k, n) == pytest.approx(_exact_binomial_half_cdf(k, n), rel=1e-12)
    # Odd totals split exactly in half, however large.
    assert d.binomial_half_cdf(5_000_000, 10_000_001) == pytest.approx(0.5, rel=1e-13)


def test_binomial_half_cdf_matches_scipy():
    special = pytest.importorskip("scipy.special")
    rng = np.random.default_rng(3)
    for n in [int(v) for v in 10 ** rng.uniform(2, 5, 100)]:
        for z in (-8, -3, -2, -1, -0.2, 0.5, 2):
            k = int(n / 2 + z * math.sqrt(n) / 2)
            # scipy's bdtr is good to about 1e-9 at these totals; exact sums above pin ours tighter.
            assert d.binomial_half_cdf(k, n) == pytest.approx(float(special.bdtr(k, n, 0.5)), rel=1e-8)


def test_normal_quantile_matches_scipy():
    special = pytest.importorskip("scipy.special")
    for p in (1e-10, 0.001, 0.025, 0.3, 0.5, 0.975, 0.999):
        assert d.normal_quantile(p) == pytest.approx(float(special.ndtri(p)), rel=1e-14, abs=1e-16)


def test_poisson_metrics_import_no_scipy():
    code = "import sys, crimestat.metrics.poisson; print(sorted(m for m in sys.modules if m.startswith('scipy')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_linear_quantiles_are_numpys_bit_for_bit():
    rng = np.random.default_rng(0)
    for _ in range(500):
        values = rng.normal(size=int(rng.integers(1, 60))) * 10 ** rng.uniform(-3, 3)
        probabilities = (0.1, 0.9) if rng.random() < 0.5 else (0.0, float(rng.uniform()), 1.0)
        assert d.linear_quantiles(values, probabilities) == [float(v) for v in np.quantile(values, probabilities)]
