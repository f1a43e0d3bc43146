"""Guardrails: a metric that must not get worse than its margin allows.

A guardrail has a direction (up is good, e.g. add to cart; down is good, e.g.
support contacts) and a non-inferiority margin δ relative to the control
(0.05: at most 5 % worse). With r the relative change (x̄_v − x̄_c) / |x̄_c|
and its delta-method standard error se (as in ``means``), the change in the
good direction is g = r when up is good and g = −r when down is good, and

* *passed*: the one-sided test of H₀: g ≤ −δ rejects, P(T > (g + δ) / se) < α —
  the variant is shown to be no worse than the margin;
* *failed*: the one-sided test of H₀: g ≥ −δ rejects, P(T < (g + δ) / se) < α —
  the variant is shown to be worse than the margin allows;
* *not decided*: neither yet, or nothing to test.

T is standard normal for conversions (se from p(1 − p)/n) and Student's t with
the Welch degrees of freedom for mean metrics. Guardrails are not part of the
corrected family: a correction would make a harm harder to see.
"""

import enum
import math
from dataclasses import dataclass

from backlog.experiments.means import (
    MeanArm,
    relative_standard_error,
    welch_degrees_of_freedom,
)
from backlog.experiments.statistics import Arm
from backlog.experiments.student_t import t_sf

ALPHA = 0.05


class Direction(enum.StrEnum):
    UP_IS_GOOD = "up"
    DOWN_IS_GOOD = "down"


class Verdict(enum.StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    NOT_DECIDED = "not_decided"


@dataclass(frozen=True)
class GuardrailResult:
    verdict: Verdict
    relative_change: float | None  # r, as measured
    p_non_inferior: float | None  # small: shown no worse than the margin
    p_inferior: float | None  # small: shown worse than the margin


_UNDECIDED = GuardrailResult(Verdict.NOT_DECIDED, None, None, None)


def _normal_sf(z: float) -> float:
    return math.erfc(z / math.sqrt(2)) / 2


def _judge(
    relative_change: float,
    standard_error: float,
    direction: Direction,
    margin: float,
    alpha: float,
    degrees_of_freedom: float | None,
) -> GuardrailResult:
    if not 0 <= margin < 1 or not 0 < alpha < 0.5:
        raise ValueError("Give a margin from 0 to 1 and 0 < α < 0.5.")
    if not standard_error > 0 or not math.isfinite(standard_error):
        return GuardrailResult(Verdict.NOT_DECIDED, relative_change, None, None)
    good = relative_change if direction == Direction.UP_IS_GOOD else -relative_change
    statistic = (good + margin) / standard_error
    if degrees_of_freedom is None:
        p_non_inferior, p_inferior = _normal_sf(statistic), _normal_sf(-statistic)
    else:
        p_non_inferior = t_sf(statistic, degrees_of_freedom)
        p_inferior = t_sf(-statistic, degrees_of_freedom)
    verdict = Verdict.NOT_DECIDED
    if p_non_inferior < alpha:
        verdict = Verdict.PASSED
    elif p_inferior < alpha:
        verdict = Verdict.FAILED
    return GuardrailResult(verdict, relative_change, p_non_inferior, p_inferior)


def conversion_guardrail(
    control: Arm,
    variant: Arm,
    direction: Direction,
    margin: float,
    alpha: float = ALPHA,
) -> GuardrailResult:
    """The verdict on a conversion guardrail."""
    if not control.visitors or not variant.visitors or not control.conversions:
        return _UNDECIDED
    p_c = control.conversions / control.visitors
    p_v = variant.conversions / variant.visitors
    ratio = p_v / p_c
    se = (
        math.sqrt(
            p_v * (1 - p_v) / variant.visitors
            + ratio * ratio * p_c * (1 - p_c) / control.visitors
        )
        / p_c
    )
    return _judge(ratio - 1, se, direction, margin, alpha, None)


def mean_guardrail(
    control: MeanArm,
    variant: MeanArm,
    direction: Direction,
    margin: float,
    alpha: float = ALPHA,
) -> GuardrailResult:
    """The verdict on a mean guardrail (e.g. refunds per visitor)."""
    se = relative_standard_error(control, variant)
    df = welch_degrees_of_freedom(control, variant)
    if se is None or df is None or not control.mean or variant.mean is None:
        return _UNDECIDED
    change = (variant.mean - control.mean) / abs(control.mean)
    return _judge(change, se, direction, margin, alpha, df)
