"""How many visitors and how long an A/B test needs, on plain numbers.

Visitors per variant for a two-sided two-proportion z-test (pooled variance under
the null hypothesis, unpooled under the alternative; Fleiss, *Statistical Methods
for Rates and Proportions*, without continuity correction):

    n = (z₁₋α/₂ · √(2·p̄·(1 − p̄)) + z₁₋β · √(p₁(1 − p₁) + p₂(1 − p₂)))² / (p₂ − p₁)²

with p₁ the baseline rate, p₂ = p₁ · (1 + relative MDE) and p̄ = (p₁ + p₂) / 2.
With more than one challenger, each is compared with the control, so the
significance level is split between the comparisons (Bonferroni) unless that is
switched off. The test needs n visitors in every variant, control included; days
= ⌈n · variants / daily visitors⌉, run in whole weeks so every weekday is
represented equally. With an uneven planned split, the variant with the smallest
share is the last to reach n: days = ⌈n · Σ shares / (smallest share · daily
visitors)⌉, which is the formula above when the shares are equal.
"""

import math
from dataclasses import dataclass
from statistics import NormalDist

DAYS_PER_WEEK = 7
MAX_WEEKS = 8


@dataclass(frozen=True)
class Plan:
    baseline_rate: float
    target_rate: float
    variants: int  # including the control
    alpha_per_comparison: float
    visitors_per_variant: int
    total_visitors: int
    days: int | None  # None without daily visitors
    weeks: int | None

    @property
    def too_long(self) -> bool:
        """Whether the test would need more than :data:`MAX_WEEKS` weeks."""
        return self.weeks is not None and self.weeks > MAX_WEEKS


class PlanError(ValueError):
    """Inputs that cannot describe a test; the message is for people."""


def visitors_per_variant(
    baseline_rate: float, relative_mde: float, alpha: float, power: float
) -> int:
    """Visitors each variant needs, rounded up to a whole visitor."""
    if not 0 < baseline_rate < 1:
        raise PlanError("The baseline conversion rate must be between 0 and 100 %.")
    if relative_mde <= 0:
        raise PlanError("The minimum detectable effect must be above 0 %.")
    target = baseline_rate * (1 + relative_mde)
    if target >= 1:
        raise PlanError(
            "Baseline and effect together would exceed a 100 % conversion rate."
        )
    if not 0 < alpha < 1:
        raise PlanError("The significance level must be between 0 and 100 %.")
    if not 0 < power < 1:
        raise PlanError("The power must be between 0 and 100 %.")
    normal = NormalDist()
    z_alpha = normal.inv_cdf(1 - alpha / 2)
    z_beta = normal.inv_cdf(power)
    mean = (baseline_rate + target) / 2
    numerator = (
        z_alpha * math.sqrt(2 * mean * (1 - mean))
        + z_beta
        * math.sqrt(baseline_rate * (1 - baseline_rate) + target * (1 - target))
    ) ** 2
    # The tiny tolerance keeps an exact whole result from rounding up by one
    # because of floating-point noise.
    return math.ceil(numerator / (target - baseline_rate) ** 2 - 1e-9)


def plan_test(
    *,
    baseline_rate: float,
    relative_mde: float,
    alpha: float = 0.05,
    power: float = 0.8,
    variants: int = 2,
    daily_visitors: int | None = None,
    correct_for_comparisons: bool = True,
) -> Plan:
    """Sample size and duration of a test with `variants` arms, control included."""
    if variants < 2:
        raise PlanError("A test needs at least two variants: the control and one more.")
    comparisons = variants - 1
    alpha_each = alpha / comparisons if correct_for_comparisons else alpha
    per_variant = visitors_per_variant(baseline_rate, relative_mde, alpha_each, power)
    total = per_variant * variants
    days = weeks = None
    if daily_visitors is not None:
        if daily_visitors <= 0:
            raise PlanError("Daily visitors must be at least 1.")
        days = math.ceil(total / daily_visitors)
        weeks = math.ceil(days / DAYS_PER_WEEK)
    return Plan(
        baseline_rate=baseline_rate,
        target_rate=baseline_rate * (1 + relative_mde),
        variants=variants,
        alpha_per_comparison=alpha_each,
        visitors_per_variant=per_variant,
        total_visitors=total,
        days=days,
        weeks=weeks,
    )


def days_to_reach(
    visitors_per_variant: int, shares: list[int], daily_visitors: int
) -> int:
    """Days until every variant, split by `shares`, has `visitors_per_variant`."""
    if not shares or min(shares) < 1:
        raise PlanError("Every variant's planned share must be at least 1.")
    if daily_visitors <= 0:
        raise PlanError("Daily visitors must be at least 1.")
    return math.ceil(
        visitors_per_variant * sum(shares) / (min(shares) * daily_visitors)
    )


def weeks_of(days: int) -> int:
    """Whole weeks that hold `days`, so every weekday is represented equally."""
    return math.ceil(days / DAYS_PER_WEEK)
