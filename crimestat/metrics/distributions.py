"""The distribution functions the Poisson metrics need, in pure Python: no scipy.

``metrics.poisson`` needs the regularised incomplete gamma function and its inverse (exact Poisson
intervals, Poisson distribution functions for funnel limits), the binomial distribution function with
p = 1/2 (the exact test for a change) and the normal quantile. scipy.special has them all, but importing
it costs about 0.13 s (numpy.f2py through scipy's array-API layer), more than the rest of a warm
``compare``. These implementations agree with scipy's to about 1e-12 relative (``tests/
test_metrics_distributions.py`` checks thousands of values) and are fast for the counts of recorded crime,
from 0 to tens of millions.

Methods
-------
- P(a, x) and Q(a, x): Temme's uniform asymptotic expansion where ``a`` is large and ``x`` near it (as
  scipy's cephes ``igam`` and Boost do); elsewhere the power series for P or Legendre's continued
  fraction for Q, with the factor ``x**a e**-x / Gamma(a + 1)`` computed as Loader's
  ``exp(-a h(s) - stirlerr(a)) / sqrt(2 pi a)`` so that it keeps full precision for large ``a``.
- The inverse of P: Halley steps from the Wilson-Hilferty approximation, kept inside a bracket.
- The binomial distribution function: Loader's saddle-point probability of the end count times the sum
  of the tail's term ratios.

References
----------
Temme, N. M. (1979). The asymptotic expansion of the incomplete gamma functions. SIAM Journal on
Mathematical Analysis 10, 757-766; NIST DLMF 8.12.3-8.12.9 (the coefficients ``c_k(eta)``).
DiDonato, A. R. and Morris, A. H. (1986). Computation of the incomplete gamma function ratios and their
inverse. ACM Transactions on Mathematical Software 12, 377-393.
Loader, C. (2000). Fast and accurate computation of binomial probabilities.
Press, W. H. et al. (2007). Numerical Recipes, 3rd edition, sections 6.2 and 6.4 (series, continued
fraction, modified Lentz).
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np

_EPS = 2.220446049250313e-16
_TINY = 1e-300
_LN_SQRT_2PI = 0.9189385332046728
_NORMAL = NormalDist()

#: Taylor coefficients in eta of Temme's c_k(eta), k = 0..9, degree 0..19 (DLMF 8.12.8-8.12.9), exact
#: rationals rounded to doubles; ``tests/test_metrics_distributions.py`` derives them afresh.
_TEMME = (
    (-0.3333333333333333, 0.08333333333333333, -0.014814814814814815, 0.0011574074074074073,
     0.0003527336860670194, -0.0001787551440329218, 3.919263178522438e-05, -2.185448510679992e-06,
     -1.85406221071516e-06, 8.296711340953087e-07, -1.7665952736826078e-07, 6.707853543401498e-09,
     1.0261809784240309e-08, -4.382036018453353e-09, 9.14769958223679e-10, -2.5514193994946248e-11,
     -5.830772132550426e-11, 2.4361948020667415e-11, -5.0276692801141755e-12, 1.1004392031956135e-13),
    (-0.001851851851851852, -0.003472222222222222, 0.0026455026455026454, -0.0009902263374485596,
     0.00020576131687242798, -4.018775720164609e-07, -1.8098550334489977e-05, 7.64916091608111e-06,
     -1.6120900894563446e-06, 4.647127802807434e-09, 1.378633446915721e-07, -5.752545603517705e-08,
     1.1951628599778148e-08, -1.7543241719747647e-11, -1.0091543710600413e-09, 4.162792991842583e-10,
     -8.56390702649298e-11, 6.067215101604758e-14, 7.1624989648114856e-12, -2.933186643771437e-12),
    (0.004133597883597883, -0.0026813271604938273, 0.0007716049382716049, 2.0093878600823047e-06,
     -0.0001073665322636516, 5.2923448829120125e-05, -1.2760635188618728e-05, 3.423578734096138e-08,
     1.3721957309062934e-06, -6.298992138380055e-07, 1.4280614206064242e-07, -2.0477098421990866e-10,
     -1.409252991086752e-08, 6.228974084922022e-09, -1.3670488396617114e-09, 9.428356159014678e-13,
     1.2872252400089318e-10, -5.5645956134363323e-11, 1.197593554636698e-11, -4.1689782251838634e-15),
    (0.0006494341563786008, 0.00022947209362139917, -0.0004691894943952557, 0.00026772063206283885,
     -7.561801671883977e-05, -2.396505113867297e-07, 1.1082654115347302e-05, -5.6749528269915965e-06,
     1.4230900732435883e-06, -2.7861080291528143e-11, -1.6958404091930278e-07, 8.099464905388083e-08,
     -1.9111168485973655e-08, 2.3928620439808118e-12, 2.0620131815488797e-09, -9.460496661855133e-10,
     2.1541049775774907e-10, -1.388823336813903e-14, -2.1894761681963938e-11, 9.790998951171684e-12),
    (-0.0008618882909167117, 0.0007840392217200666, -0.0002990724803031902, -1.4638452578843418e-06,
     6.641498215465122e-05, -3.968365047179435e-05, 1.1375726970678419e-05, 2.507497226237533e-10,
     -1.6954149536558305e-06, 8.907507532205309e-07, -2.292934834000805e-07, 2.956794137544049e-11,
     2.8865829742708783e-08, -1.4189739437803219e-08, 3.4463580499464896e-09, -2.3024517174528067e-13,
     -3.9409233028046403e-10, 1.86023389685045e-10, -4.356323005056618e-11, 1.278600101629623e-15),
    (-0.00033679855336635813, -6.972813758365857e-05, 0.0002772753244959392, -0.00019932570516188847,
     6.797780477937208e-05, 1.419062920643967e-07, -1.3594048189768693e-05, 8.018470256334202e-06,
     -2.291481176508095e-06, -3.252473551298454e-10, 3.4652846491085265e-07, -1.8447187191171344e-07,
     4.8240967037894184e-08, -1.7989466721743514e-14, -6.306194500013523e-09, 3.162417628774568e-09,
     -7.840924253697429e-10, 5.192679165254041e-15, 9.358944242306784e-11, -4.513426216163278e-11),
    (0.0005313079364639922, -0.0005921664373536939, 0.0002708782096718045, 7.902353232660328e-07,
     -8.153969367561969e-05, 5.61168275310625e-05, -1.8329116582843375e-05, -3.0796134506033047e-09,
     3.465155368803609e-06, -2.0291327396058603e-06, 5.788792863149004e-07, 2.338630673826657e-13,
     -8.828600746330484e-08, 4.7435958880408125e-08, -1.2545415020710383e-08, 8.649648858010293e-14,
     1.6846058979264062e-09, -8.575492823577594e-10, 2.1598224929232125e-10, -7.613230520476153e-16),
    (0.00034436760689237765, 5.171790908260592e-05, -0.00033493161081142234, 0.0002812695154763237,
     -0.00010976582244684731, -1.2741009095484485e-07, 2.7744451511563645e-05, -1.8263488805711332e-05,
     5.7876949497350525e-06, 4.93875893393627e-10, -1.0595367014026043e-06, 6.166714376110408e-07,
     -1.7562973359060463e-07, -1.297447328701544e-12, 2.695423606288966e-08, -1.4578352908731272e-08,
     3.887645959386175e-09, -3.881002251019412e-17, -5.327994173877286e-10, 2.7437977643314844e-10),
    (-0.0006526239185953094, 0.0008394987206720873, -0.000438297098541721, -6.969091458420552e-07,
     0.00016644846642067547, -0.00012783517679769218, 4.629953263691304e-05, 4.557909867922708e-09,
     -1.0595271125805195e-05, 6.783342904865167e-06, -2.1075476666258803e-06, -1.7213731432817144e-11,
     3.773587741611098e-07, -2.1867506700122867e-07, 6.220228804018927e-08, 6.597703826733e-16,
     -9.590386497425686e-09, 5.213214492280807e-09, -1.3991589583935709e-09, 5.382058999060575e-16),
    (-0.0005967612901927463, -7.204895416020011e-05, 0.0006782308837667328, -0.0006401475260262758,
     0.00027750107634328704, 1.819700838046515e-07, -8.479507117068503e-05, 6.105192082501531e-05,
     -2.1073920183404862e-05, -8.858589014125599e-10, 4.5284535953805374e-06, -2.8427815022504407e-06,
     8.708234177864641e-07, 3.6886101871706966e-12, -1.534469519070206e-07, 8.862466778790695e-08,
     -2.5184812301826817e-08, -1.0225912098215092e-14, 3.896947075815478e-09, -2.1267304792235634e-09),
)

#: Temme's expansion is used for a >= _TEMME_MIN_A with |x - a| / a below min(0.3, 4.5 / sqrt(a)):
#: there the series and continued fraction need O(sqrt(a)) terms, and the expansion needs a handful.
_TEMME_MIN_A = 100.0


def normal_quantile(p: float) -> float:
    """The standard normal quantile (scipy's ``ndtri``), by Wichura's AS241 in ``statistics``."""
    if p <= 0.0:
        return -math.inf
    if p >= 1.0:
        return math.inf
    return _NORMAL.inv_cdf(p)


def _h(s: float) -> float:
    """``s - log(1 + s)`` for s > -1, without cancellation near 0 (it is about s**2 / 2 there)."""
    if abs(s) > 0.3:
        return s - math.log1p(s)
    # log(1 + s) = 2 atanh(v) with v = s / (2 + s), and s - 2v = s v.
    v = s / (2.0 + s)
    v2 = v * v
    term, total, j = 2.0 * v * v2, s * v, 3
    while True:
        step = term / j
        new = total - step
        if new == total:
            return total
        total, term, j = new, term * v2, j + 2


def stirlerr(a: float) -> float:
    """``log Gamma(a + 1) - (a + 1/2) log(a) + a - log(sqrt(2 pi))``, the error of Stirling's formula."""
    if a <= 15.0:
        return math.lgamma(a + 1.0) - (a + 0.5) * math.log(a) + a - _LN_SQRT_2PI
    a2 = a * a
    return (1 / 12 - (1 / 360 - (1 / 1260 - (1 / 1680 - 1 / 1188 / a2) / a2) / a2) / a2) / a


def _power_factor(a: float, x: float) -> float:
    """``x**a exp(-x) / Gamma(a + 1)`` to full relative precision, also for large ``a`` and ``x``."""
    ratio = x / a
    # For x far below a, (x - a) / a rounds to -1: take the logarithm of the ratio itself.
    h = ratio - 1.0 - math.log(ratio) if abs(ratio - 1.0) > 0.3 else _h((x - a) / a)
    return math.exp(-a * h - stirlerr(a)) / math.sqrt(2 * math.pi * a)


def _temme(a: float, x: float) -> tuple[float, float]:
    s = (x - a) / a
    half_eta2 = _h(s)
    eta = math.copysign(math.sqrt(2.0 * half_eta2), s)
    # Terms of eta's powers beyond `degree` are below 1e-17 (the coefficients are all below 0.34).
    degree = 20 if abs(eta) > 0.13 else min(20, int(-39.2 / math.log(max(abs(eta), 1e-300))) + 1)
    total, scale = 0.0, 1.0
    for row in _TEMME:
        ck = 0.0
        for coefficient in row[degree - 1::-1]:
            ck = ck * eta + coefficient
        term = ck * scale
        total += term
        if abs(term) <= _EPS * 0.25 * abs(total):
            break
        scale /= a
    rest = math.exp(-a * half_eta2) / math.sqrt(2 * math.pi * a) * total
    root = eta * math.sqrt(a / 2)
    return 0.5 * math.erfc(-root) - rest, 0.5 * math.erfc(root) + rest


def _lower_series(a: float, x: float) -> float:
    """P(a, x) by its power series: factor * sum x**n / ((a + 1) ... (a + n))."""
    term = total = 1.0
    n = a
    while True:
        n += 1.0
        term *= x / n
        total += term
        if term <= _EPS * 0.5 * total:
            return total * _power_factor(a, x)


def _upper_fraction(a: float, x: float) -> float:
    """Q(a, x) by Legendre's continued fraction (modified Lentz), for x > a."""
    b = x + 1.0 - a
    c = 1.0 / _TINY
    d = 1.0 / b
    h = d
    i = 0
    while True:
        i += 1
        an = -i * (i - a)
        b += 2.0
        d = an * d + b
        d = _TINY if abs(d) < _TINY else d
        c = b + an / c
        c = _TINY if abs(c) < _TINY else c
        d = 1.0 / d
        delta = d * c
        h *= delta
        if abs(delta - 1.0) <= _EPS:
            return h * a * _power_factor(a, x)


def gamma_pq(a: float, x: float) -> tuple[float, float]:
    """The regularised incomplete gamma functions (P(a, x), Q(a, x)) for a > 0, x >= 0.

    P is scipy's ``gammainc`` and Q its ``gammaincc``; both are computed so that the smaller keeps its
    relative precision.
    """
    if not a > 0 or not x >= 0:
        raise ValueError(f"gamma_pq needs a > 0 and x >= 0, got a={a!r}, x={x!r}")
    if x == 0:
        return 0.0, 1.0
    if math.isinf(x):
        return 1.0, 0.0
    if a >= _TEMME_MIN_A and abs(x - a) < min(0.3, 4.5 / math.sqrt(a)) * a:
        return _temme(a, x)
    if x <= a or x <= 1.1:
        p = _lower_series(a, x)
        return p, 1.0 - p
    q = _upper_fraction(a, x)
    return 1.0 - q, q


def gamma_p_inverse(a: float, p: float) -> float:
    """The x with P(a, x) = p (scipy's ``gammaincinv``), for a > 0 and 0 <= p <= 1."""
    if not a > 0 or not 0.0 <= p <= 1.0:
        raise ValueError(f"gamma_p_inverse needs a > 0 and 0 <= p <= 1, got a={a!r}, p={p!r}")
    if p == 0.0:
        return 0.0
    if p == 1.0:
        return math.inf
    lower = p <= 0.5
    target = p if lower else 1.0 - p
    # Wilson-Hilferty; for small a and p the series' first term, P ~ x**a / Gamma(a + 1).
    z = normal_quantile(p)
    x = a * (1.0 - 1.0 / (9.0 * a) + z / (3.0 * math.sqrt(a))) ** 3
    if not x > 0 or (lower and a < 10):
        x = max(x, math.exp((math.log(p) + math.lgamma(a + 1.0)) / a)) if x > 0 else \
            math.exp((math.log(p) + math.lgamma(a + 1.0)) / a)
    low, high = 0.0, math.inf
    for _ in range(200):
        pp, qq = gamma_pq(a, x)
        # The residual increases with x in either form.
        residual = pp - target if lower else target - qq
        if residual == 0.0:
            return x
        if residual > 0:
            high = x
        else:
            low = x
        density = a * _power_factor(a, x) / x
        if density > 0:
            step = residual / density
            curvature = (a - 1.0) / x - 1.0
            halley = 1.0 - 0.5 * step * curvature
            if halley > 0.5:
                step /= halley
            new = x - step
            if abs(step) <= 4 * _EPS * x:
                return x - step
            new = x - step
        else:
            new = math.nan
        if not low < new < high:
            new = (low + high) / 2 if math.isfinite(high) else 2.0 * x
            if new == low or new == high:
                return x
        x = new
    return x


def poisson_cdf(k: float, mean: float) -> float:
    """P(X <= k) for X ~ Poisson(mean) and a whole k >= 0 (scipy's ``pdtr``)."""
    if k < 0:
        return 0.0
    if mean == 0:
        return 1.0
    return gamma_pq(math.floor(k) + 1.0, mean)[1]


def poisson_quantile_with_cdf(p: float, mean: float) -> tuple[int, float, float]:
    """(r, F(r), F(r - 1)): the smallest count r with F(r) = P(X <= r) >= p, X ~ Poisson(mean).

    F(-1) is 0. The search starts from the Cornish-Fisher approximation, usually one step from r.
    """
    if mean == 0:
        return 0, 1.0, 0.0
    z = normal_quantile(p)
    r = max(int(math.floor(mean + z * math.sqrt(mean) + (z * z - 1.0) / 6.0)), 0)
    f_r = poisson_cdf(r, mean)
    if f_r >= p:
        while True:
            f_below = poisson_cdf(r - 1, mean) if r > 0 else 0.0
            if r == 0 or f_below < p:
                return r, f_r, f_below
            r, f_r = r - 1, f_below
    while True:
        f_below = f_r
        r += 1
        f_r = poisson_cdf(r, mean)
        if f_r >= p:
            return r, f_r, f_below


def _bd0(x: float, m: float) -> float:
    """``x log(x / m) + m - x`` without cancellation when x is near m (Loader's bd0)."""
    if abs(x - m) < 0.1 * (x + m):
        v = (x - m) / (x + m)
        total = (x - m) * v
        term = 2.0 * x * v
        v2 = v * v
        j = 1
        while True:
            term *= v2
            j += 2
            new = total + term / j
            if new == total:
                return new
            total = new
    return x * math.log(x / m) + m - x


def binomial_half_pmf(k: int, n: int) -> float:
    """P(X = k) for X ~ Binomial(n, 1/2), to full relative precision (Loader's saddle-point form)."""
    if k < 0 or k > n:
        return 0.0
    if k == 0 or k == n:
        return math.ldexp(1.0, -n) if n < 1075 else 0.0
    half = n / 2
    log_ratio = stirlerr(n) - stirlerr(k) - stirlerr(n - k) - _bd0(k, half) - _bd0(n - k, half)
    return math.exp(log_ratio) * math.sqrt(n / (2 * math.pi * k * (n - k)))


def binomial_half_cdf(k: int, n: int) -> float:
    """P(X <= k) for X ~ Binomial(n, 1/2) (scipy's ``bdtr(k, n, 0.5)``), k and n whole, 0 <= n.

    Computed as P(X = k) times 1 + r1 + r1 r2 + ..., with r_i = P(X = k - i) / P(X = k - i + 1), summed
    until the terms no longer change the sum; the upper half uses the symmetry P(X <= k) = 1 - P(X <= n - k - 1).
    """
    if k < 0:
        return 0.0
    if k >= n:
        return 1.0
    if 2 * k >= n:
        return 1.0 - binomial_half_cdf(n - k - 1, n)
    pmf = binomial_half_pmf(k, n)
    if pmf == 0.0:
        return 0.0
    total, carry, done = 1.0, 1.0, 0
    chunk = int(12 * math.sqrt(n)) + 64
    while done < k:
        i = np.arange(done + 1, min(done + chunk, k) + 1, dtype=float)
        terms = np.cumprod((k - i + 1) / (n - k + i)) * carry
        total += float(terms.sum())
        carry = float(terms[-1])
        done = int(i[-1])
        if carry <= _EPS * 0.125 * total:
            break
    return min(1.0, pmf * total)


def linear_quantiles(values: np.ndarray | list[float], probabilities: tuple[float, ...]) -> list[float]:
    """numpy's default (``linear``, R's type 7) quantiles of finite values, bit for bit.

    ``np.quantile`` with several probabilities calls ``np.unique``, which imports ``numpy.ma`` (some
    15-30 ms of a warm command's start-up); this does the same arithmetic on the sorted values.
    """
    ordered = sorted(float(v) for v in np.ravel(values))
    n = len(ordered)
    if n == 0:
        raise ValueError("quantiles of no values")
    out = []
    for q in probabilities:
        # numpy's "linear" method: virtual index (n - 1) q, interpolated as in its _lerp.
        index = (n - 1) * q
        below = min(max(math.floor(index), 0), n - 1)
        above = min(below + 1, n - 1)
        t = index - below if 0 <= index <= n - 1 else 0.0
        a, b = ordered[below], ordered[above]
        out.append(b - (b - a) * (1.0 - t) if t >= 0.5 else a + (b - a) * t)
    return out
