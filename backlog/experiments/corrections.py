"""Corrections for multiple comparisons, on plain numbers.

An experiment's family is every primary and secondary metric against every
challenger (guardrails stay out: they answer "did it get worse", not "did it
win", as in GrowthBook). Adjusted p-values, as statsmodels' ``multipletests``
and GrowthBook's ``adjustPValuesHolmBonferroni`` / ``…BenjaminiHochberg``:

* Holm–Bonferroni (the default; controls the family-wise error rate): with the
  m p-values sorted ascending, p̃₍ᵢ₎ = maxⱼ≤ᵢ min(1, (m − j + 1) · p₍ⱼ₎);
* Benjamini–Hochberg (controls the false discovery rate): sorted ascending,
  p̃₍ᵢ₎ = minⱼ≥ᵢ min(1, m · p₍ⱼ₎ / j);
* none: the raw p-values.

Intervals are widened to match by GrowthBook's rule (``adjustedCI`` in its
shared package): the adjusted p-value is turned back into the standard error it
implies, se′ = |estimate| / q(1 − p̃/2), and the interval is drawn with it,
estimate ± q(1 − α/2) · se′, where q is the normal quantile (or Student's t
with the test's degrees of freedom, so a Welch interval keeps its duality). So
the widened interval excludes zero exactly when the adjusted p-value is below
α. The widened interval is used only when it is wider than the raw one, and an
adjusted p-value of 1 leaves it unbounded. This was chosen over drawing every
interval at a Bonferroni level α/m because it stays consistent with the
adjusted p-value shown beside it, for Benjamini–Hochberg as well.
"""

import enum
import math
from collections.abc import Sequence
from statistics import NormalDist

from backlog.experiments.student_t import t_isf

ALPHA = 0.05
_CERTAINLY_NULL = 0.999999


class Correction(enum.StrEnum):
    HOLM = "holm"
    BENJAMINI_HOCHBERG = "benjamini_hochberg"
    NONE = "none"


DEFAULT_CORRECTION = Correction.HOLM


def _checked(p_values: Sequence[float]) -> list[float]:
    values = [float(p) for p in p_values]
    if any(not 0 <= p <= 1 for p in values):
        raise ValueError("p-values lie between 0 and 1.")
    return values


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm–Bonferroni adjusted p-values, in the order given."""
    values = _checked(p_values)
    m = len(values)
    adjusted = [0.0] * m
    running = 0.0
    for rank, index in enumerate(sorted(range(m), key=values.__getitem__)):
        running = max(running, min(1.0, (m - rank) * values[index]))
        adjusted[index] = running
    return adjusted


def benjamini_hochberg(p_values: Sequence[float]) -> list[float]:
    """Benjamini–Hochberg adjusted p-values, in the order given."""
    values = _checked(p_values)
    m = len(values)
    adjusted = [0.0] * m
    running = 1.0
    order = sorted(range(m), key=values.__getitem__, reverse=True)
    for rank_from_top, index in enumerate(order):
        rank = m - rank_from_top
        running = min(running, min(1.0, m * values[index] / rank))
        adjusted[index] = running
    return adjusted


def adjust(
    p_values: Sequence[float], correction: Correction = DEFAULT_CORRECTION
) -> list[float]:
    """The family's adjusted p-values by the organisation's correction."""
    if correction == Correction.HOLM:
        return holm(p_values)
    if correction == Correction.BENJAMINI_HOCHBERG:
        return benjamini_hochberg(p_values)
    return _checked(p_values)


def _upper_quantile(tail: float, degrees_of_freedom: float | None) -> float:
    if degrees_of_freedom is None:
        # From the lower tail: 1 − tail rounds to 1 below 10⁻¹⁶, which has no
        # quantile, and a strongly significant result is adjusted to such p.
        return -NormalDist().inv_cdf(tail)
    return t_isf(tail, degrees_of_freedom)


def widened_interval(
    estimate: float,
    interval: tuple[float, float],
    adjusted_p_value: float,
    alpha: float = ALPHA,
    degrees_of_freedom: float | None = None,
) -> tuple[float, float]:
    """The interval matching the adjusted p-value (never narrower than given)."""
    if adjusted_p_value > _CERTAINLY_NULL:
        return -math.inf, math.inf
    if not estimate or adjusted_p_value <= 0:
        return interval
    implied_error = abs(estimate) / _upper_quantile(
        adjusted_p_value / 2, degrees_of_freedom
    )
    half = _upper_quantile(alpha / 2, degrees_of_freedom) * implied_error
    low, high = estimate - half, estimate + half
    if low < interval[0] and high > interval[1]:
        return low, high
    return interval
