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

Only the standard library is used: ``math.erfc`` for normal tail areas,
``statistics.NormalDist`` for quantiles and ``decimal`` for the one logarithm that
needs more than double precision; the chi-square tail has a closed form for
whole degrees of freedom. The tests cross-check every number against SciPy and
statsmodels.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, localcontext
from fractions import Fraction
from statistics import NormalDist

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

_DIGITS = 50
_BERNOULLI = [  # B₂, B₄, … B₂₀ for Stirling's series
    Fraction(1, 6),
    Fraction(-1, 30),
    Fraction(1, 42),
    Fraction(-1, 30),
    Fraction(5, 66),
    Fraction(-691, 2730),
    Fraction(7, 6),
    Fraction(-3617, 510),
    Fraction(43867, 798),
    Fraction(-174611, 330),
]


def _decimal_pi() -> Decimal:
    """π to the working precision (the recipe of the decimal module's docs)."""
    with localcontext() as context:
        context.prec = _DIGITS + 5
        three = Decimal(3)
        last, t, s, n, na, d, da = Decimal(0), three, Decimal(3), 1, 0, 0, 24
        while s != last:
            last = s
            n, na = n + na, na + 8
            d, da = d + da, da + 32
            t = (t * n) / d
            s += t
        return +s


with localcontext() as _context:
    _context.prec = _DIGITS
    _HALF_LOG_TWO_PI = (2 * _decimal_pi()).ln() / 2


def _log_factorial(n: int) -> Decimal:
    """log n! to about 45 significant digits, for whole n ≥ 0."""
    with localcontext() as context:
        context.prec = _DIGITS
        if n < 40:
            return Decimal(math.factorial(n)).ln()
        # Stirling's series for log Γ(x), x = n + 1 ≥ 41; the first omitted
        # term is below 10⁻³⁵.
        x = Decimal(n + 1)
        total = (x - Decimal("0.5")) * x.ln() - x + _HALF_LOG_TWO_PI
        power = x
        for k, bernoulli in enumerate(_BERNOULLI, start=1):
            coefficient = bernoulli / (2 * k * (2 * k - 1))
            total += (
                Decimal(coefficient.numerator) / Decimal(coefficient.denominator)
            ) / power
            power *= x * x
        return total


def _log_beta(a: int, b: int) -> Decimal:
    return _log_factorial(a - 1) + _log_factorial(b - 1) - _log_factorial(a + b - 1)


def _miller_sum(a_a: int, b_a: int, a_b: int, b_b: int) -> float:
    """P(X_B > X_A) for X_A ~ Beta(a_a, b_a), X_B ~ Beta(a_b, b_b), whole numbers.

    The closed form is a sum over i = 0 … a_b − 1 of

        B(a_a + i, b_a + b_b) / ((b_b + i) · B(1 + i, b_b) · B(a_a, b_a))

    (Evan Miller, "Formulas for Bayesian A/B testing"). Consecutive terms have
    the ratio r(i) below, which falls through 1 exactly once, so the terms rise
    to one peak and fall. The peak term is computed with 50 significant digits
    (its logarithm is a difference of numbers near 10¹⁰ with 10⁹ visitors), the
    others from it by the ratio; each side stops once a term is below 10⁻²⁰ of
    the peak, which leaves out less than a_b · 10⁻²⁰.
    """
    # r(i) = 1 at this index, which makes its ceiling the peak.
    peak = (a_a * b_b - a_a - b_a - b_b) / (b_a + 1)
    start = min(max(0, math.ceil(peak)), a_b - 1)
    with localcontext() as context:
        context.prec = _DIGITS
        log_top = (
            _log_beta(a_a + start, b_a + b_b)
            - Decimal(b_b + start).ln()
            - _log_beta(1 + start, b_b)
            - _log_beta(a_a, b_a)
        )
    top = math.exp(float(log_top))
    negligible = 1e-20
    terms = [1.0]
    term, i = 1.0, start
    while i + 1 < a_b and term > negligible:
        term *= ((a_a + i) * (b_b + i)) / ((a_a + b_a + b_b + i) * (1 + i))
        terms.append(term)
        i += 1
    term, i = 1.0, start
    while i > 0 and term > negligible:
        i -= 1
        term *= ((a_a + b_a + b_b + i) * (1 + i)) / ((a_a + i) * (b_b + i))
        terms.append(term)
    return min(1.0, max(0.0, top * math.fsum(terms)))


def _polygamma(order: int, x: int) -> float:
    """ψ⁽ᵒʳᵈᵉʳ⁾(x) for order ≥ 1 and x above EXACT_TERMS_MAX, by its asymptotic
    series; the first omitted term is below 10⁻³⁰ of the value."""
    sign = 1 if order % 2 else -1
    total: float = math.factorial(order - 1) / x**order + math.factorial(order) / (
        2 * x ** (order + 1)
    )
    for k, bernoulli in enumerate(_BERNOULLI[:3], start=1):
        total += (
            float(bernoulli)
            * math.factorial(2 * k + order - 1)
            / (math.factorial(2 * k) * x ** (2 * k + order))
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
