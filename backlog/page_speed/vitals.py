"""Core Web Vitals at the 75th percentile, rated by Google's thresholds.

The thresholds are those of web.dev ("Web Vitals", "Defining the Core Web
Vitals metrics thresholds") and of Google's web-vitals library, which rates a
value good when it is at most the first threshold, poor when it is above the
second, and needing improvement in between:

* Largest Contentful Paint: good ≤ 2 500 ms, poor > 4 000 ms;
* Interaction to Next Paint: good ≤ 200 ms, poor > 500 ms;
* Cumulative Layout Shift: good ≤ 0.1, poor > 0.25 (a score without unit).

A page passes when all three of its p75 values are good; a missing value (a lab
report has no INP) neither passes nor fails it.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum


class Vital(StrEnum):
    LCP = "lcp"
    INP = "inp"
    CLS = "cls"


class Rating(StrEnum):
    GOOD = "good"
    NEEDS_IMPROVEMENT = "needs-improvement"
    POOR = "poor"


@dataclass(frozen=True)
class Thresholds:
    good: float  # at most this is good
    poor: float  # above this is poor
    unit: str
    label: str


THRESHOLDS: dict[Vital, Thresholds] = {
    Vital.LCP: Thresholds(2500, 4000, "ms", "Largest Contentful Paint"),
    Vital.INP: Thresholds(200, 500, "ms", "Interaction to Next Paint"),
    Vital.CLS: Thresholds(0.1, 0.25, "", "Cumulative Layout Shift"),
}


def rate(vital: Vital, value: float) -> Rating:
    """Google's rating of one p75 value."""
    limits = THRESHOLDS[vital]
    if value <= limits.good:
        return Rating.GOOD
    if value <= limits.poor:
        return Rating.NEEDS_IMPROVEMENT
    return Rating.POOR


def overall(values: Mapping[Vital, float | None]) -> Rating | None:
    """The worst rating of the values given; None when none is given."""
    ratings = [
        rate(vital, value) for vital, value in values.items() if value is not None
    ]
    if not ratings:
        return None
    order = [Rating.GOOD, Rating.NEEDS_IMPROVEMENT, Rating.POOR]
    return max(ratings, key=order.index)


@dataclass(frozen=True)
class AtStake:
    """Conversions a month a page may lose by loading slower than “good”."""

    seconds_over: float  # p75 LCP beyond the good threshold
    share: float  # of the page's conversions, capped at all of them
    conversions: float


def conversions_at_stake(
    lcp_ms: float, conversions_per_month: float, loss_per_second: float
) -> AtStake:
    """An estimate, and labelled so wherever it is shown: the share of a page's
    conversions lost per second of p75 LCP beyond 2.5 s is `loss_per_second`
    (0.07 after the Aberdeen Group's figure of 7 % fewer conversions per second
    of delay), linear and capped at 100 %."""
    if loss_per_second < 0 or conversions_per_month < 0:
        raise ValueError("The sensitivity and the conversions cannot be negative.")
    over = max(0.0, (lcp_ms - THRESHOLDS[Vital.LCP].good) / 1000)
    share = min(1.0, over * loss_per_second)
    return AtStake(
        seconds_over=over, share=share, conversions=share * conversions_per_month
    )
