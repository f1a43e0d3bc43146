"""Statistics of A/B test results, on plain numbers.

For each variant against the control:

* conversion rate and relative uplift;
* two-sided p-value of the two-proportion z-test, with the pooled rate under the
  null hypothesis (the textbook test, as statsmodels' ``proportions_ztest``);
* 95 % confidence interval of the difference in rates (unpooled Wald interval);
* the Bayesian probability that the variant's true rate beats the control's, with
  uniform Beta(1, 1) priors, computed exactly (no random sampling, so the page
  shows the same number every time).

For the test as a whole, a sample-ratio-mismatch check: a chi-square
goodness-of-fit test of the visitors against the planned split; p < 0.001 means
the traffic split itself is broken and the results should not be trusted.

Plain floating point is used: ``math.erfc`` for normal tail areas,
``statistics.NormalDist`` for quantiles, NumPy's cumulative products for the
exact sum, and ``decimal`` only where a lopsided split needs more than double
precision; the chi-square tail has a closed form for
whole degrees of freedom. The tests cross-check every number against SciPy and
statsmodels.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, localcontext
from statistics import NormalDist

import numpy as np

CONFIDENCE = 0.95
SRM_THRESHOLD = 0.001
# The most visitors a variant may have: the chance to beat is proven quick and
# accurate to 10⁻⁹ up to here, and the results form accepts no more.
MAX_VISITORS = 1_000_000_000


@dataclass(frozen=True)
class Arm:
    """Visitors and conversions of one variant."""

    visitors: int
    conversions: int

    def __post_init__(self) -> None:
        if self.visitors < 0 or self.conversions < 0:
            raise ValueError("Visitors and conversions cannot be negative.")
        if self.conversions > self.visitors:
            raise ValueError("A variant cannot have more conversions than visitors.")

    @property
    def rate(self) -> float | None:
        return self.conversions / self.visitors if self.visitors else None


@dataclass(frozen=True)
class Comparison:
    """A variant compared with the control."""

    difference: float | None  # variant rate − control rate
    relative_uplift: float | None  # difference / control rate
    z: float | None
    p_value: float | None
    ci_low: float | None
    ci_high: float | None
    probability_to_beat: float | None

    @property
    def significant(self) -> bool:
        return self.p_value is not None and self.p_value < 1 - CONFIDENCE


def normal_two_sided_p(z: float) -> float:
    """Two-sided tail area of the standard normal beyond |z|."""
    return math.erfc(abs(z) / math.sqrt(2))


def z_test(control: Arm, variant: Arm) -> tuple[float, float] | None:
    """z statistic and two-sided p-value of the pooled two-proportion z-test."""
    if not control.visitors or not variant.visitors:
        return None
    pooled = (control.conversions + variant.conversions) / (
        control.visitors + variant.visitors
    )
    variance = pooled * (1 - pooled) * (1 / control.visitors + 1 / variant.visitors)
    difference = (
        variant.conversions / variant.visitors - control.conversions / control.visitors
    )
    if variance <= 0:
        # Both arms converted not at all or completely: the rates are equal and
        # nothing speaks against the null hypothesis.
        return 0.0, 1.0
    z = difference / math.sqrt(variance)
    return z, normal_two_sided_p(z)


def difference_interval(
    control: Arm, variant: Arm, confidence: float = CONFIDENCE
) -> tuple[float, float] | None:
    """Unpooled Wald confidence interval of variant rate − control rate."""
    if not control.visitors or not variant.visitors:
        return None
    p_c = control.conversions / control.visitors
    p_v = variant.conversions / variant.visitors
    se = math.sqrt(
        p_c * (1 - p_c) / control.visitors + p_v * (1 - p_v) / variant.visitors
    )
    z = NormalDist().inv_cdf(1 - (1 - confidence) / 2)
    difference = p_v - p_c
    return difference - z * se, difference + z * se


# The exact sum runs over the smallest of the four posterior parameters; beyond
# this many terms the four-term Edgeworth expansion below is used instead.
EXACT_TERMS_MAX = 100_000

# The peak term's logarithm is a sum of terms as large as a_a + peak (below). In
# floating point each is off by a unit in its last place, which up to this
# size keeps the chance to beat within 10⁻¹⁰; beyond it (a lopsided split: one
# arm hundreds of times larger than the other) the terms of that size are
# taken in 34-digit decimals.
FLOAT_PEAK_MAX = 300_000
_DIGITS = 34
_HALF_LOG_TWO_PI = 0.5 * math.log(2 * math.pi)
_STIRLING_FROM = 20
_BERNOULLI = (1 / 6, -1 / 30, 1 / 42)  # B₂, B₄, B₆ for the polygamma series


def _stirling_rest(n: int) -> float:
    """log Γ(n) − ((n − ½) log n − n + ½ log 2π), for whole n ≥ 1: from
    ``math.lgamma`` below 20, above by five terms of Stirling's series (the
    first omitted one is below 10⁻¹⁷)."""
    if n < _STIRLING_FROM:
        return math.lgamma(n) - ((n - 0.5) * math.log(n) - n + _HALF_LOG_TWO_PI)
    x = float(n)
    x2 = x * x
    return (
        1 / 12 - (1 / 360 - (1 / 1260 - (1 / 1680 - 1 / (1188 * x2)) / x2) / x2) / x2
    ) / x


def _control_part(a_a: int, b_a: int, x: int, h: int, b_b: int, s: int) -> float:
    """The three terms of the peak's logarithm whose size is a_a:
    (b_a − ½) log(1 + a_a/b_a) − (x − ½) log(1 + h/x) + a_a log((a_a + b_a)/(x + h))."""
    if h <= FLOAT_PEAK_MAX:
        return math.fsum(
            (
                (b_a - 0.5) * math.log1p(a_a / b_a),
                -(x - 0.5) * math.log1p(h / x),
                # Python divides whole numbers correctly rounded.
                a_a * math.log1p(-(b_b + s) / (x + h)),
            )
        )
    with localcontext() as context:
        context.prec = _DIGITS
        log_both, log_all = Decimal(a_a + b_a).ln(), Decimal(x + h).ln()
        return float(
            (b_a - Decimal("0.5")) * (log_both - Decimal(b_a).ln())
            - (x - Decimal("0.5")) * (log_all - Decimal(x).ln())
            + a_a * (log_both - log_all)
        )


def _log_peak(a_a: int, b_a: int, b_b: int, s: int) -> float:
    """log of Miller's term at i = s, without subtracting large numbers.

    The term is a ratio of nine Gamma values and one whole number; with 10⁹
    visitors their logarithms are near 10¹⁰, so a plain difference would keep
    few digits. Written with Stirling's formula log Γ(n) = (n − ½) log n − n +
    ½ log 2π + R(n), the −n parts cancel exactly; the (n − ½) log n parts pair
    up as (x − ½) log1p(h/x) + h log(x + h), and the h log(x + h) parts of all
    pairs combine into logarithms of ratios of whole numbers, each formed
    exactly and rounded once. What is left is a sum of terms no larger than
    a_a + s.
    """
    x, h = b_a + b_b, a_a + s
    variant_part = (a_a - 0.5) * math.log1p(s / a_a) + (b_b - 0.5) * math.log1p(
        (1 + s) / b_b
    )
    if s:
        variant_part += s * math.log(((a_a + s) * (b_b + 1 + s)) / ((x + h) * (1 + s)))
    variant_part += math.log1p(1 / (b_b + s)) - 0.5 * math.log1p(s)
    rest = math.fsum(
        (
            _stirling_rest(a_a + s),
            _stirling_rest(x),
            -_stirling_rest(x + h),
            -_stirling_rest(1 + s),
            -_stirling_rest(b_b),
            _stirling_rest(1 + s + b_b),
            -_stirling_rest(a_a),
            -_stirling_rest(b_a),
            _stirling_rest(a_a + b_a),
        )
    )
    return math.fsum(
        (
            _control_part(a_a, b_a, x, h, b_b, s),
            variant_part,
            rest,
            -_HALF_LOG_TWO_PI,
        )
    )


_NEGLIGIBLE = 1e-20
_FIRST_CHUNK = 128


def _side_sum(a_a: int, b_a: int, b_b: int, first: int, last: int, step: int) -> float:
    """Σ of the terms i = first, first + step … last (one side of the peak,
    away from it) divided by the peak term, which is next to ``first``; stops
    once a term is below 10⁻²⁰ of the peak."""
    total, term, i, chunk = 0.0, 1.0, first, _FIRST_CHUNK
    while term > _NEGLIGIBLE and (i - last) * step <= 0:
        stop = min(i + chunk, last + 1) if step > 0 else max(i - chunk, last - 1)
        index = np.arange(i, stop, step, dtype=np.float64)
        if step > 0:
            # term(i) / term(i − 1) = r(i − 1)
            j = index - 1
            ratios = ((a_a + j) * (b_b + j)) / ((a_a + b_a + b_b + j) * (1 + j))
        else:
            # term(i) / term(i + 1) = 1 / r(i)
            ratios = ((a_a + b_a + b_b + index) * (1 + index)) / (
                (a_a + index) * (b_b + index)
            )
        terms = term * np.cumprod(ratios)
        total += float(terms.sum())
        term = float(terms[-1])
        i, chunk = stop, chunk * 2
    return total


def _miller_sum(a_a: int, b_a: int, a_b: int, b_b: int) -> float:
    """P(X_B > X_A) for X_A ~ Beta(a_a, b_a), X_B ~ Beta(a_b, b_b), whole numbers.

    The closed form is a sum over i = 0 … a_b − 1 of

        B(a_a + i, b_a + b_b) / ((b_b + i) · B(1 + i, b_b) · B(a_a, b_a))

    (Evan Miller, "Formulas for Bayesian A/B testing"). Consecutive terms have
    the ratio r(i) = (a_a + i)(b_b + i) / ((a_a + b_a + b_b + i)(1 + i)), which
    falls through 1 exactly once, so the terms rise to one peak and fall. The
    peak term is computed on its own (its logarithm is a difference of numbers
    near 10¹⁰ with 10⁹ visitors, see ``_log_peak``), the others from it
    by cumulative products of the ratio; each side stops once a term is below
    10⁻²⁰ of the peak, which leaves out less than a_b · 10⁻²⁰.
    """
    # r(i) = 1 at this index, which makes its ceiling the peak.
    peak = (a_a * b_b - a_a - b_a - b_b) / (b_a + 1)
    start = min(max(0, math.ceil(peak)), a_b - 1)
    top = math.exp(_log_peak(a_a, b_a, b_b, start))
    above = _side_sum(a_a, b_a, b_b, start + 1, a_b - 1, 1) if start + 1 < a_b else 0.0
    below = _side_sum(a_a, b_a, b_b, start - 1, 0, -1) if start > 0 else 0.0
    return min(1.0, max(0.0, top * math.fsum((1.0, above, below))))


def _polygamma(order: int, n: int) -> float:
    """ψ⁽ᵒʳᵈᵉʳ⁾(n) for order ≥ 1 and n above EXACT_TERMS_MAX, by its asymptotic
    series; the first omitted term is below 10⁻³⁰ of the value."""
    sign = 1 if order % 2 else -1
    x = float(n)
    power = x**order
    total = math.factorial(order - 1) / power + math.factorial(order) / (2 * power * x)
    for k, bernoulli in enumerate(_BERNOULLI, start=1):
        power *= x * x
        total += (
            bernoulli
            * math.factorial(2 * k + order - 1)
            / (math.factorial(2 * k) * power)
        )
    return sign * total


def _hermite(n: int, x: float) -> float:
    """The probabilists' Hermite polynomial Heₙ(x)."""
    previous, current = 1.0, x
    if n == 0:
        return previous
    for k in range(1, n):
        previous, current = current, x * current - k * previous
    return current


def _edgeworth(a_a: int, b_a: int, a_b: int, b_b: int) -> float:
    """P(X_B > X_A) for four parameters above EXACT_TERMS_MAX.

    logit X = log G_a − log G_b for independent Gamma(a) and Gamma(b)
    variables, so X_B > X_A exactly when D = log G_{a_b} − log G_{b_b}
    − log G_{a_a} + log G_{b_a} > 0: a sum of four independent log-Gamma
    variables, whose cumulants are polygamma values (κᵣ of log G_a is ψ⁽ʳ⁻¹⁾(a)).
    The Edgeworth expansion of its distribution to the third order
    (Blinnikov & Moessner 1998, eq. 43) leaves out terms of order
    λ₆/720 ≈ 1/(30 n²) with n the smallest parameter: below 10⁻¹¹ here.
    """
    # κ₁ = ψ(a_b) − ψ(b_b) − ψ(a_a) + ψ(b_a): the logarithms from one correctly
    # rounded ratio of whole numbers, the rest from the series ψ(x) − log x.
    log_part = math.log((a_b * b_a) / (b_b * a_a))

    def digamma_rest(x: int) -> float:
        return -1 / (2 * x) - 1 / (12 * x**2) + 1 / (120 * x**4) - 1 / (252 * x**6)

    mean = log_part + (
        digamma_rest(a_b) - digamma_rest(b_b) - digamma_rest(a_a) + digamma_rest(b_a)
    )
    # The odd cumulants of −log G flip their sign.
    signs = ((a_b, 1), (b_b, -1), (a_a, -1), (b_a, 1))
    cumulants = {
        r: math.fsum((sign if r % 2 else 1) * _polygamma(r - 1, x) for x, sign in signs)
        for r in (2, 3, 4, 5)
    }
    sd = math.sqrt(cumulants[2])
    l3, l4, l5 = (cumulants[r] / sd**r for r in (3, 4, 5))
    x = -mean / sd
    correction = (
        l3 / 6 * _hermite(2, x)
        + l4 / 24 * _hermite(3, x)
        + l3**2 / 72 * _hermite(5, x)
        + l5 / 120 * _hermite(4, x)
        + l3 * l4 / 144 * _hermite(6, x)
        + l3**3 / 1296 * _hermite(8, x)
    )
    density = math.exp(-x * x / 2) / math.sqrt(2 * math.pi)
    # P(D > 0) = 1 − F(x) with F(x) = Φ(x) − φ(x) · correction.
    upper_tail = math.erfc(x / math.sqrt(2)) / 2
    return min(1.0, max(0.0, upper_tail + density * correction))


def _probability_b_beats_a(a_a: int, b_a: int, a_b: int, b_b: int) -> float:
    if min(a_a, b_a, a_b, b_b) > EXACT_TERMS_MAX:
        return _edgeworth(a_a, b_a, a_b, b_b)
    return _miller_sum(a_a, b_a, a_b, b_b)


def probability_to_beat(control: Arm, variant: Arm) -> float:
    """Probability that the variant's true rate is above the control's.

    Beta(1, 1) priors, so each posterior is Beta(1 + conversions, 1 + failures).
    The exact sum runs over the alpha of the second variable; with
    P(V > C) = 1 − P(C > V) and P(V > C) = P(1 − C > 1 − V) (1 − X is
    Beta(b, a)) it can run over whichever of the four parameters is smallest.
    Either way the error is below 10⁻⁹ and the time bounded: at most
    EXACT_TERMS_MAX terms, or a dozen polygamma values.
    """
    a_c, b_c = 1 + control.conversions, 1 + control.visitors - control.conversions
    a_v, b_v = 1 + variant.conversions, 1 + variant.visitors - variant.conversions
    smallest = min(a_c, b_c, a_v, b_v)
    if smallest == a_v:
        return _probability_b_beats_a(a_c, b_c, a_v, b_v)
    if smallest == a_c:
        return 1.0 - _probability_b_beats_a(a_v, b_v, a_c, b_c)
    if smallest == b_c:
        return _probability_b_beats_a(b_v, a_v, b_c, a_c)
    return 1.0 - _probability_b_beats_a(b_c, a_c, b_v, a_v)


def compare(control: Arm, variant: Arm) -> Comparison:
    """Everything the results table shows for a variant against the control."""
    p_c, p_v = control.rate, variant.rate
    difference = p_v - p_c if p_c is not None and p_v is not None else None
    uplift = difference / p_c if difference is not None and p_c else None
    test = z_test(control, variant)
    interval = difference_interval(control, variant)
    return Comparison(
        difference=difference,
        relative_uplift=uplift,
        z=test[0] if test else None,
        p_value=test[1] if test else None,
        ci_low=interval[0] if interval else None,
        ci_high=interval[1] if interval else None,
        probability_to_beat=probability_to_beat(control, variant)
        if control.visitors and variant.visitors
        else None,
    )


def chi_square_survival(statistic: float, degrees_of_freedom: int) -> float:
    """P(X ≥ statistic) for a chi-square variable with whole degrees of freedom.

    Closed forms of the regularised upper incomplete gamma function Q(k/2, x/2):
    a finite Poisson sum for even k, and erfc plus a finite sum for odd k.
    """
    if degrees_of_freedom < 1:
        raise ValueError("A chi-square test needs at least one degree of freedom.")
    if statistic <= 0:
        return 1.0
    half = statistic / 2
    if degrees_of_freedom % 2 == 0:
        terms = [
            math.exp(j * math.log(half) - half - math.lgamma(j + 1))
            for j in range(degrees_of_freedom // 2)
        ]
        return min(1.0, math.fsum(terms))
    terms = [math.erfc(math.sqrt(half))]
    terms += [
        math.exp((j - 0.5) * math.log(half) - half - math.lgamma(j + 0.5))
        for j in range(1, (degrees_of_freedom - 1) // 2 + 1)
    ]
    return min(1.0, math.fsum(terms))


@dataclass(frozen=True)
class SampleRatioCheck:
    statistic: float
    p_value: float
    expected: tuple[float, ...]

    @property
    def mismatch(self) -> bool:
        return self.p_value < SRM_THRESHOLD


def sample_ratio_check(
    visitors: Sequence[int], planned_weights: Sequence[float] | None = None
) -> SampleRatioCheck | None:
    """Chi-square test of the visitors per variant against the planned split.

    Without planned weights the split is equal. None when there is nothing to test.
    """
    if len(visitors) < 2 or sum(visitors) == 0:
        return None
    weights = list(planned_weights or [1] * len(visitors))
    if len(weights) != len(visitors) or any(w <= 0 for w in weights):
        raise ValueError("Give one positive planned weight per variant.")
    total, weight_sum = sum(visitors), math.fsum(weights)
    expected = tuple(total * w / weight_sum for w in weights)
    statistic = math.fsum(
        (observed - e) ** 2 / e for observed, e in zip(visitors, expected, strict=True)
    )
    return SampleRatioCheck(
        statistic=statistic,
        p_value=chi_square_survival(statistic, len(visitors) - 1),
        expected=expected,
    )
