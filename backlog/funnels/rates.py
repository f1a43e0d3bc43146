"""Step-to-step conversion and drop-off of a funnel, on plain counts.

A step's count is the people (or sessions) who reached it in a period. The
drop-off of a step is, as in GA4's funnel exploration ("abandonments"), those who
reached it and did not reach the next one; the last step has none. Counts of an
open funnel (page views counted on their own) can grow from one step to the
next: the rates then exceed 1 and the drop-off is negative, and both are shown
as they are rather than clipped.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class StepReading:
    name: str
    count: int
    rate_from_previous: float | None
    rate_from_start: float | None
    drop_off: int | None
    drop_off_rate: float | None


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def read_funnel(steps: Sequence[tuple[str, int]]) -> list[StepReading]:
    """Each step's rates: from the previous step, from the first, and the share
    of those who reached it that did not reach the next."""
    if not steps:
        return []
    start = steps[0][1]
    readings = []
    for index, (name, count) in enumerate(steps):
        previous = steps[index - 1][1] if index else None
        following = steps[index + 1][1] if index + 1 < len(steps) else None
        drop_off = None if following is None else count - following
        readings.append(
            StepReading(
                name=name,
                count=count,
                rate_from_previous=None
                if previous is None
                else _ratio(count, previous),
                rate_from_start=_ratio(count, start),
                drop_off=drop_off,
                drop_off_rate=None if drop_off is None else _ratio(drop_off, count),
            )
        )
    return readings


@dataclass(frozen=True)
class Leak:
    """Where a funnel loses the most people beyond what it has to."""

    step: str
    segment: str
    reached: int
    lost: int
    drop_off_rate: float
    # The segment that loses the fewest at the same step, and how many
    # percentage points fewer: None when there is no other segment.
    compared_with: str | None
    points_more: float | None
    excess_lost: float


def biggest_leak(segments: Mapping[str, Sequence[tuple[str, int]]]) -> Leak | None:
    """The step and segment that lose the most people: with several segments, the
    most beyond what the best segment loses at that step (a step every segment
    loses at is the funnel's shape, not a leak of one of them); with one, the
    most people lost. Steps nobody reached are left out."""
    rows = {segment: read_funnel(steps) for segment, steps in segments.items()}
    best: Leak | None = None
    for segment, readings in rows.items():
        for position, reading in enumerate(readings):
            if reading.drop_off is None or reading.drop_off_rate is None:
                continue
            if reading.drop_off <= 0:
                continue
            rivals: dict[str, float] = {}
            for other, other_readings in rows.items():
                if other != segment and position < len(other_readings):
                    rate = other_readings[position].drop_off_rate
                    if rate is not None:
                        rivals[other] = rate
            if rivals:
                compared_with = min(rivals, key=lambda name: (rivals[name], name))
                rival_rate = rivals[compared_with]
                points = (reading.drop_off_rate - rival_rate) * 100
                excess = (reading.drop_off_rate - rival_rate) * reading.count
            else:
                compared_with, points, excess = None, None, float(reading.drop_off)
            leak = Leak(
                step=reading.name,
                segment=segment,
                reached=reading.count,
                lost=reading.drop_off,
                drop_off_rate=reading.drop_off_rate,
                compared_with=compared_with,
                points_more=points,
                excess_lost=excess,
            )
            if best is None or (leak.excess_lost, leak.lost) > (
                best.excess_lost,
                best.lost,
            ):
                best = leak
    return best


def describe_leak(leak: Leak, *, segment_label: bool = True) -> str:
    """“Payment on mobile loses 38 % of those who reach it, 9 points more than on
    desktop.”"""
    where = f"{leak.step} on {leak.segment}" if segment_label else leak.step
    text = f"{where} loses {leak.drop_off_rate:.0%} of those who reach it".replace(
        "%", " %"
    )
    if leak.compared_with is not None and leak.points_more is not None:
        text += f", {leak.points_more:.0f} points more than on {leak.compared_with}"
    return text[0].upper() + text[1:] + "."
