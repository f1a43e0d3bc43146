"""Mean metrics (revenue or items per visitor) of A/B tests, on plain numbers.

Each variant reports its visitors n, the sum S and the sum of squares Q of the
metric over its visitors. Then

* mean x̄ = S / n and sample variance s² = (Q − S²/n) / (n − 1), the latter
  computed in exact fractions of the given numbers, because with 10⁹ visitors
  Q and S²/n agree in more digits than a float holds;
* Welch's t-test of the variant against the control: t = (x̄_v − x̄_c) / se with
  se² = s_v²/n_v + s_c²/n_c, and the Welch–Satterthwaite degrees of freedom

      ν = se⁴ / ((s_v²/n_v)² / (n_v − 1) + (s_c²/n_c)² / (n_c − 1)),

  as SciPy's ``ttest_ind_from_stats(equal_var=False)``; p-values two-sided and
  one-sided (variant above the control);
* the confidence interval of the difference, x̄_v − x̄_c ± t₁₋α/₂,ν · se;
* the relative uplift (x̄_v − x̄_c) / |x̄_c| with its interval by the delta
  method, as GrowthBook's gbstats (``frequentist_variance`` with
  ``variance_of_ratios``, the arms independent):

      var = s_v² / (n_v · x̄_c²) + s_c² · x̄_v² / (n_c · x̄_c⁴),

  drawn with the same t quantile and ν. gbstats reports the p-value of the
  relative effect; here the p-value is the one of the difference, so it is the
  number SciPy gives for the same inputs.

An arm without visitors has no mean; an arm with one visitor or two arms
without spread leave the test undefined, so those numbers are None.
"""

import math
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property

from backlog.experiments.student_t import t_isf, t_sf

CONFIDENCE = 0.95
# Inputs rounded by the testing tool may put Q a hair below S²/n.
_ROUNDING = 1e-9


@dataclass(frozen=True)
class MeanArm:
    """Visitors, sum and sum of squares of a mean metric in one variant."""

    visitors: int
    sum: float
    sum_squares: float

    def __post_init__(self) -> None:
        if self.visitors < 0 or self.sum_squares < 0:
            raise ValueError("Visitors and the sum of squares cannot be negative.")
        if not (math.isfinite(self.sum) and math.isfinite(self.sum_squares)):
            raise ValueError("The sum and the sum of squares must be numbers.")
        if self.visitors == 0 and (self.sum or self.sum_squares):
            raise ValueError("A variant without visitors has nothing to sum.")
        if self.visitors and self._spread() < -_ROUNDING * max(self.sum_squares, 1):
            raise ValueError(
                "The sum of squares is too small for the sum: check the export."
            )

    def _spread(self) -> Fraction:
        """Q − S²/n exactly."""
        return self._exact_spread

    # Exact fractions of 10⁹-visitor sums cost tens of microseconds; an
    # analysis reads the variance of each arm a dozen times.
    @cached_property
    def _exact_spread(self) -> Fraction:
        return Fraction(self.sum_squares) - Fraction(self.sum) ** 2 / self.visitors

    @property
    def mean(self) -> float | None:
        return self.sum / self.visitors if self.visitors else None

    @cached_property
    def variance(self) -> float | None:
        """The sample variance, None below two visitors."""
        if self.visitors < 2:
            return None
        return max(0.0, float(self._spread() / (self.visitors - 1)))


@dataclass(frozen=True)
class WelchTest:
    difference: float
    standard_error: float
    t: float
    degrees_of_freedom: float
    p_value: float  # two-sided
    p_value_greater: float  # one-sided: the variant's mean is above the control's


@dataclass(frozen=True)
class MeanComparison:
    """A variant's mean metric compared with the control."""

    control_mean: float | None
    variant_mean: float | None
    difference: float | None
    relative_uplift: float | None
    t: float | None
    degrees_of_freedom: float | None
    p_value: float | None
    p_value_greater: float | None
    ci_low: float | None
    ci_high: float | None
    relative_ci_low: float | None
    relative_ci_high: float | None

    @property
    def significant(self) -> bool:
        return self.p_value is not None and self.p_value < 1 - CONFIDENCE


def _error_parts(control: MeanArm, variant: MeanArm) -> tuple[float, float] | None:
    if control.variance is None or variant.variance is None:
        return None
    return variant.variance / variant.visitors, control.variance / control.visitors


def welch_degrees_of_freedom(control: MeanArm, variant: MeanArm) -> float | None:
    """The Welch–Satterthwaite degrees of freedom; None without spread."""
    parts = _error_parts(control, variant)
    if parts is None or sum(parts) <= 0:
        return None
    v, c = parts
    return (v + c) ** 2 / (
        v * v / (variant.visitors - 1) + c * c / (control.visitors - 1)
    )


def welch_test(control: MeanArm, variant: MeanArm) -> WelchTest | None:
    """Welch's t-test of variant − control; None when it is undefined."""
    parts = _error_parts(control, variant)
    df = welch_degrees_of_freedom(control, variant)
    if parts is None or df is None or control.mean is None or variant.mean is None:
        return None
    difference = variant.mean - control.mean
    se = math.sqrt(sum(parts))
    t = difference / se
    return WelchTest(
        difference=difference,
        standard_error=se,
        t=t,
        degrees_of_freedom=df,
        p_value=min(1.0, 2 * t_sf(abs(t), df)),
        p_value_greater=t_sf(t, df),
    )


def _half_width(
    test: WelchTest, standard_error: float, confidence: float, quantile: float | None
) -> float:
    if quantile is None:
        quantile = t_isf((1 - confidence) / 2, test.degrees_of_freedom)
    return quantile * standard_error


def difference_interval(
    control: MeanArm,
    variant: MeanArm,
    confidence: float = CONFIDENCE,
    *,
    test: WelchTest | None = None,
    quantile: float | None = None,
) -> tuple[float, float] | None:
    """Welch confidence interval of variant mean − control mean. The test and
    the t quantile may be given when the caller has them already."""
    test = test or welch_test(control, variant)
    if test is None:
        return None
    half = _half_width(test, test.standard_error, confidence, quantile)
    return test.difference - half, test.difference + half


def relative_standard_error(control: MeanArm, variant: MeanArm) -> float | None:
    """The delta-method standard error of (x̄_v − x̄_c) / |x̄_c|."""
    parts = _error_parts(control, variant)
    if parts is None or not control.mean or variant.mean is None:
        return None
    v, c = parts
    ratio = variant.mean / control.mean
    se = math.sqrt(v + c * ratio * ratio) / abs(control.mean)
    # A control mean near zero has no meaningful relative uplift.
    return se if math.isfinite(se) else None


def relative_interval(
    control: MeanArm,
    variant: MeanArm,
    confidence: float = CONFIDENCE,
    *,
    test: WelchTest | None = None,
    quantile: float | None = None,
) -> tuple[float, float] | None:
    """Delta-method confidence interval of the relative uplift, drawn with the
    Welch test's t quantile and degrees of freedom."""
    se = relative_standard_error(control, variant)
    test = test or welch_test(control, variant)
    if se is None or test is None or not control.mean or variant.mean is None:
        return None
    uplift = (variant.mean - control.mean) / abs(control.mean)
    if not math.isfinite(uplift):
        return None
    half = _half_width(test, se, confidence, quantile)
    return uplift - half, uplift + half


def compare_means(
    control: MeanArm, variant: MeanArm, confidence: float = CONFIDENCE
) -> MeanComparison:
    """Everything the results table shows for a mean metric's variant."""
    m_c, m_v = control.mean, variant.mean
    difference = m_v - m_c if m_c is not None and m_v is not None else None
    uplift = difference / abs(m_c) if difference is not None and m_c else None
    if uplift is not None and not math.isfinite(uplift):
        uplift = None
    test = welch_test(control, variant)
    interval = relative = None
    if test is not None:
        quantile = t_isf((1 - confidence) / 2, test.degrees_of_freedom)
        interval = difference_interval(
            control, variant, confidence, test=test, quantile=quantile
        )
        relative = relative_interval(
            control, variant, confidence, test=test, quantile=quantile
        )
    return MeanComparison(
        control_mean=m_c,
        variant_mean=m_v,
        difference=difference,
        relative_uplift=uplift,
        t=test.t if test else None,
        degrees_of_freedom=test.degrees_of_freedom if test else None,
        p_value=test.p_value if test else None,
        p_value_greater=test.p_value_greater if test else None,
        ci_low=interval[0] if interval else None,
        ci_high=interval[1] if interval else None,
        relative_ci_low=relative[0] if relative else None,
        relative_ci_high=relative[1] if relative else None,
    )
