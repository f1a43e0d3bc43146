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

Only the standard library is used: ``math.erfc`` for normal tail areas and
``statistics.NormalDist`` for quantiles; the chi-square tail has a closed form for
whole degrees of freedom. The tests cross-check every number against SciPy and
statsmodels.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist

CONFIDENCE = 0.95
SRM_THRESHOLD = 0.001


@dataclass(frozen=True)
class Arm:
    """Visitors and conversions of one variant."""

    visitors: int
    conversions: int

    def __post_init__(self):
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
    difference = variant.rate - control.rate
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
    p_c, p_v = control.rate, variant.rate
    se = math.sqrt(
        p_c * (1 - p_c) / control.visitors + p_v * (1 - p_v) / variant.visitors
    )
    z = NormalDist().inv_cdf(1 - (1 - confidence) / 2)
    difference = p_v - p_c
    return difference - z * se, difference + z * se


def _log_beta(a: float, b: float) -> float:
    return math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)


def _probability_b_beats_a(a_a: int, b_a: int, a_b: int, b_b: int) -> float:
    """P(X_B > X_A) for X_A ~ Beta(a_a, b_a), X_B ~ Beta(a_b, b_b), whole a_b.

    The closed form is a sum over i = 0 … a_b − 1 of

        B(a_a + i, b_a + b_b) / ((b_b + i) · B(1 + i, b_b) · B(a_a, b_a))

    (Evan Miller, "Formulas for Bayesian A/B testing"). Its terms rise to one
    peak and fall, so the sum starts at the peak and walks outwards until terms
    no longer change the total in double precision: exact, and quick even with
    millions of conversions.
    """

    def log_term(i: int) -> float:
        return (
            _log_beta(a_a + i, b_a + b_b)
            - math.log(b_b + i)
            - _log_beta(1 + i, b_b)
            - _log_beta(a_a, b_a)
        )

    def log_ratio(i: int) -> float:
        # log(term(i + 1) / term(i)), from the ratio of consecutive Beta functions.
        return math.log((a_a + i) * (b_b + i) / ((a_a + b_a + b_b + i) * (1 + i)))

    # The ratio falls below 1 after this index, which makes it the peak.
    peak = (a_a * b_b - a_a - b_a - b_b) / (b_a + 1)
    start = min(max(0, math.ceil(peak)), a_b - 1)
    top = log_term(start)
    terms = [1.0]
    negligible = math.log(1e-18)
    log_t, i = 0.0, start
    while i + 1 <= a_b - 1:
        log_t += log_ratio(i)
        i += 1
        terms.append(math.exp(log_t))
        if log_t < negligible:
            break
    log_t, i = 0.0, start
    while i - 1 >= 0:
        i -= 1
        log_t -= log_ratio(i)
        terms.append(math.exp(log_t))
        if log_t < negligible:
            break
    total = math.exp(top) * math.fsum(terms)
    return min(1.0, max(0.0, total))


def probability_to_beat(control: Arm, variant: Arm) -> float:
    """Probability that the variant's true rate is above the control's.

    Beta(1, 1) priors, so each posterior is Beta(1 + conversions, 1 + failures).
    """
    a_c, b_c = 1 + control.conversions, 1 + control.visitors - control.conversions
    a_v, b_v = 1 + variant.conversions, 1 + variant.visitors - variant.conversions
    # The sum runs over the variant's alpha; by symmetry the shorter one is used.
    if a_v <= a_c:
        return _probability_b_beats_a(a_c, b_c, a_v, b_v)
    return 1.0 - _probability_b_beats_a(a_v, b_v, a_c, b_c)


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
