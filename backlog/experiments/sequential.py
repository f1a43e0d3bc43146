"""Sequential testing: always-valid p-values and confidence sequences.

For an experiment chosen to be sequential before it starts, looking at the
results every day is safe: the interval holds at every look at once. The
normal-mixture boundary of Howard et al. ("Time-uniform, nonparametric,
nonasymptotic confidence sequences", 2021), in the asymptotic form of
Waudby-Smith et al. (arXiv:2103.06476v7), exactly as GrowthBook's gbstats
(``SequentialTwoSidedTTest``) computes it, with n the visitors of both arms and
se the standard error of the difference:

    ρ = √((−2 log α + log(−2 log α + 1)) / N)          (eq. 161)

with N the tuning parameter, here the planned sample of both arms so the
sequence is narrowest where the plan ends (gbstats defaults to 5000);

    s² = se² · n,
    half-width = √s² · √(2 (nρ² + 1) · log(√(nρ² + 1) / α) / (n²ρ²))   (eq. 9)

and the always-valid p-value is the reciprocal of the mixture e-value
(eq. 155), never above 1:

    e = exp(ρ² · n (estimate − null)² / se² / (2 (nρ² + 1))) / √(nρ² + 1).

The p-value is below α exactly when the sequence excludes the null. The page
keeps the smallest p-value seen so far, which is what "always valid" allows.
"""

import math
from dataclasses import dataclass

ALPHA = 0.05
GBSTATS_DEFAULT_TUNING = 5000


def sequential_rho(alpha: float, planned_sample: float) -> float:
    """The mixture's ρ for a two-sided sequence tuned to the planned sample."""
    if not 0 < alpha < 1 or planned_sample <= 0:
        raise ValueError("Give 0 < α < 1 and a positive planned sample.")
    log_term = -2 * math.log(alpha)
    return math.sqrt((log_term + math.log(log_term + 1)) / planned_sample)


@dataclass(frozen=True)
class SequentialResult:
    p_value: float
    ci_low: float
    ci_high: float

    def significant(self, alpha: float = ALPHA) -> bool:
        return self.p_value < alpha


def confidence_sequence_half_width(
    standard_error: float, visitors: int, rho: float, alpha: float = ALPHA
) -> float:
    """Half the width of the confidence sequence at this look."""
    n = visitors
    s2 = standard_error**2 * n
    spread = n * rho * rho + 1
    return math.sqrt(s2) * math.sqrt(
        2 * spread * math.log(math.sqrt(spread) / alpha) / (n * rho) ** 2
    )


def always_valid_p_value(
    estimate: float, standard_error: float, visitors: int, rho: float, null: float = 0
) -> float:
    """The mixture p-value of the estimate against the null value."""
    spread = visitors * rho * rho + 1
    statistic = (estimate - null) ** 2 * visitors / standard_error**2
    log_e_value = rho * rho * statistic / (2 * spread) - 0.5 * math.log(spread)
    return 1.0 if log_e_value <= 0 else math.exp(-log_e_value)


def sequential_test(
    estimate: float,
    standard_error: float,
    visitors: int,
    planned_sample: float,
    alpha: float = ALPHA,
) -> SequentialResult | None:
    """The always-valid p-value and interval; None without visitors or spread."""
    if visitors <= 0 or not standard_error > 0:
        return None
    rho = sequential_rho(alpha, planned_sample)
    half = confidence_sequence_half_width(standard_error, visitors, rho, alpha)
    return SequentialResult(
        p_value=always_valid_p_value(estimate, standard_error, visitors, rho),
        ci_low=estimate - half,
        ci_high=estimate + half,
    )
