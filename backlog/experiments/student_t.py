"""Student's t distribution on plain floats, without SciPy.

The upper tail of t with ν degrees of freedom is half a regularised incomplete
beta function (Abramowitz & Stegun 26.7.1):

    P(T > t) = ½ · I_x(ν/2, ½)   with x = ν / (ν + t²), for t ≥ 0,

and I_x(a, b) is evaluated by its continued fraction with the modified Lentz
algorithm (Numerical Recipes, 3rd ed., §6.4), on whichever side of
x = (a + 1) / (a + b + 2) it converges quickly, so the small tail is computed
directly and never as 1 minus something. The prefactor needs log B(ν/2, ½);
for large ν its two log-gamma values are near ν·log ν, so their difference is
taken from Stirling's series term by term instead of subtracting two large
numbers. The quantile solves P(T > t) = q by Newton's method on log P(T > t),
kept inside a bracket.

From ν = 10⁴ on the continued fraction needs ever more terms (about √ν), so the
tail comes from Hill's normal approximation of a transformed t (G. W. Hill,
"Algorithm 395: Student's t-distribution", CACM 13, 1970):

    z = (ν − ½) · log(1 + t²/ν),  b = 48 (ν − ½)²,
    y = √z · (1 + (z + 3 + (−0.4z³ − 3.3z² − 24z − 85.5) / (0.8z² + 100 + b)) / b),
    P(T > t) = P(Z > y),

whose relative error there is below 10⁻¹³ (the tests compare it with 40-digit
mpmath values). Absolute error below 10⁻¹³ and relative error below
10⁻¹⁰ in the tails the experiments use; the tests check against SciPy.
"""

import math
from statistics import NormalDist

# B₂, B₄, … B₁₆ for Stirling's series of log Γ.
_BERNOULLI = (1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6, -3617 / 510)
_STIRLING_FROM = 10.0
_EPSILON = 1e-16
_TINY = 1e-300
_MAX_TERMS = 100_000
HILL_FROM = 10_000.0


def _stirling_rest(x: float) -> float:
    """log Γ(x) − ((x − ½) log x − x + ½ log 2π) for x ≥ 10, below 10⁻¹⁷ off."""
    return math.fsum(
        b / (2 * k * (2 * k - 1) * x ** (2 * k - 1))
        for k, b in enumerate(_BERNOULLI, start=1)
    )


def log_gamma_ratio(a: float, b: float) -> float:
    """log Γ(a) − log Γ(a + b), accurate also when a is large and b small."""
    if a < _STIRLING_FROM:
        return math.lgamma(a) - math.lgamma(a + b)
    # (a + b − ½) log(a + b) = (a + b − ½) (log a + log1p(b / a)): the large
    # parts cancel exactly instead of in floating point.
    return (
        -b * math.log(a)
        - (a + b - 0.5) * math.log1p(b / a)
        + b
        + _stirling_rest(a)
        - _stirling_rest(a + b)
    )


def log_beta(a: float, b: float) -> float:
    """log B(a, b) = log Γ(a) + log Γ(b) − log Γ(a + b)."""
    large, small = max(a, b), min(a, b)
    return math.lgamma(small) + log_gamma_ratio(large, small)


def _continued_fraction(a: float, b: float, x: float) -> float:
    """The continued fraction of I_x(a, b) by the modified Lentz algorithm."""
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1)
    d = 1 / (d if abs(d) > _TINY else _TINY)
    h = d
    for m in range(1, _MAX_TERMS):
        even = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m))
        odd = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))
        for coefficient in (even, odd):
            d = 1 + coefficient * d
            d = 1 / (d if abs(d) > _TINY else _TINY)
            c = 1 + coefficient / c
            c = c if abs(c) > _TINY else _TINY
            h *= d * c
        if abs(d * c - 1) < _EPSILON:
            return h
    raise ArithmeticError("The incomplete beta continued fraction did not converge.")


def incomplete_beta(a: float, b: float, x: float, y: float | None = None) -> float:
    """The regularised incomplete beta function I_x(a, b).

    y = 1 − x may be given when it is known more precisely than 1 − x.
    """
    if y is None:
        y = 1 - x
    if not (a > 0 and b > 0 and 0 <= x <= 1):
        raise ValueError("I_x(a, b) needs a, b > 0 and 0 ≤ x ≤ 1.")
    if x == 0 or y == 0:
        return 0.0 if x == 0 else 1.0
    log_front = a * math.log(x) + b * math.log(y) - log_beta(a, b)
    if x < (a + 1) / (a + b + 2):
        return math.exp(log_front) * _continued_fraction(a, b, x) / a
    return 1 - math.exp(log_front) * _continued_fraction(b, a, y) / b


def t_sf(t: float, df: float) -> float:
    """P(T > t) for Student's t with df > 0 degrees of freedom."""
    if df <= 0:
        raise ValueError("Student's t needs positive degrees of freedom.")
    if math.isnan(t):
        raise ValueError("t must be a number.")
    if math.isinf(t):
        return 0.0 if t > 0 else 1.0
    if t == 0:
        return 0.5
    if df >= HILL_FROM:
        tail = _hill_tail(abs(t), df)
        return tail if t > 0 else 1 - tail
    t2 = t * t
    # x = ν / (ν + t²) and 1 − x = t² / (ν + t²), each without cancellation.
    x, y = df / (df + t2), t2 / (df + t2)
    tail = incomplete_beta(df / 2, 0.5, x, y) / 2
    return tail if t > 0 else 1 - tail


def _hill_tail(t: float, df: float) -> float:
    a = df - 0.5
    b = 48 * a * a
    z = a * math.log1p(t * t / df)
    y = math.sqrt(z) * (
        1
        + (z + 3 + (((-0.4 * z - 3.3) * z - 24) * z - 85.5) / (0.8 * z * z + 100 + b))
        / b
    )
    return math.erfc(y / math.sqrt(2)) / 2


def t_cdf(t: float, df: float) -> float:
    """P(T ≤ t)."""
    return t_sf(-t, df)


def t_two_sided_p(t: float, df: float) -> float:
    """P(|T| ≥ |t|)."""
    return min(1.0, 2 * t_sf(abs(t), df))


def t_log_pdf(t: float, df: float) -> float:
    """log of the density of Student's t at t."""
    return (
        -0.5 * math.log(df)
        - log_beta(df / 2, 0.5)
        - (df + 1) / 2 * math.log1p(t * t / df)
    )


def _cornish_fisher(z: float, df: float) -> float:
    """The t quantile from the normal one by its Cornish–Fisher expansion in
    1/ν (Abramowitz & Stegun 26.7.5): a starting point for Newton's method,
    close for moderate ν."""
    z2 = z * z
    g1 = (z2 + 1) * z / 4
    g2 = ((5 * z2 + 16) * z2 + 3) * z / 96
    g3 = (((3 * z2 + 19) * z2 + 17) * z2 - 15) * z / 384
    g4 = ((((79 * z2 + 776) * z2 + 1482) * z2 - 1920) * z2 - 945) * z / 92160
    return z + (g1 + (g2 + (g3 + g4 / df) / df) / df) / df


def t_isf(q: float, df: float) -> float:
    """The t with P(T > t) = q, for 0 < q < 1."""
    if not 0 < q < 1:
        raise ValueError("A tail probability lies strictly between 0 and 1.")
    if q > 0.5:
        return -t_isf(1 - q, df)
    if q == 0.5:
        return 0.0
    low, high = 0.0, math.inf
    z = NormalDist().inv_cdf(1 - q)
    t = max(_cornish_fisher(z, df) if df >= 5 else z, 1e-3)
    target = math.log(q)
    log_density_at_zero = -0.5 * math.log(df) - log_beta(df / 2, 0.5)
    for _ in range(200):
        tail = t_sf(t, df)
        if tail > q:
            low = t
        else:
            high = t
        # Newton on log P(T > t): its slope is −density / tail.
        log_density = log_density_at_zero - (df + 1) / 2 * math.log1p(t * t / df)
        step = (math.log(tail) - target) / math.exp(log_density - math.log(tail))
        # Newton's error is about the square of its last step: a step this
        # small leaves t exact to the precision of the tail itself.
        if abs(step) <= 1e-12 * max(1.0, t):
            return t + step
        candidate = t + step
        if not low < candidate < high:
            candidate = 2 * low + 1 if math.isinf(high) else (low + high) / 2
        t = candidate
    return t


def t_ppf(p: float, df: float) -> float:
    """The t with P(T ≤ t) = p, for 0 < p < 1."""
    return -t_isf(p, df)
