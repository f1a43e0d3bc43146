"""What a funnel's stored counts say for a period: per step, per segment, per week.

A period's count of a step is the sum of the counts that lie inside it (days,
weeks, or a report's whole date range). All traffic is the counts stored
without a segment when there are any; otherwise the sum of one dimension's
segments (devices first), which can count a person twice who came on two
devices, and says so.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Max, Min, Sum

from backlog.funnels.rates import StepReading, read_funnel
from backlog.models import Funnel, FunnelCount, FunnelStep, SegmentDimension

DIMENSION_ORDER = [
    SegmentDimension.DEVICE,
    SegmentDimension.CHANNEL,
    SegmentDimension.COUNTRY,
    SegmentDimension.OTHER,
]
DEFAULT_DAYS = 28


@dataclass(frozen=True)
class Segment:
    dimension: str  # "" for all traffic
    name: str  # "" for all traffic

    @property
    def label(self) -> str:
        return self.name or "all traffic"


ALL_TRAFFIC = Segment("", "")


@dataclass(frozen=True)
class FunnelReading:
    funnel: Funnel
    start: date
    end: date
    segment: Segment
    steps: list[StepReading]
    # All traffic added up from the segments of this dimension, not counted as
    # such by the tool: "" when the tool's own totals were used.
    summed_from: str = ""

    @property
    def has_counts(self) -> bool:
        return any(step.count for step in self.steps)


def data_span(funnel: Funnel) -> tuple[date, date] | None:
    """The first and last day the funnel's counts cover."""
    span = FunnelCount.objects.filter(step__funnel=funnel).aggregate(
        first=Min("period_start"), last=Max("period_end")
    )
    if span["first"] is None:
        return None
    return span["first"], span["last"]


def default_period(
    funnel: Funnel, days: int = DEFAULT_DAYS
) -> tuple[date, date] | None:
    """The last `days` days the funnel has counts for."""
    span = data_span(funnel)
    if span is None:
        return None
    first, last = span
    return max(first, last - timedelta(days=days - 1)), last


def segments_of(funnel: Funnel) -> dict[str, list[str]]:
    """Each dimension the funnel's counts carry and its segments, by size."""
    rows = (
        FunnelCount.objects.filter(step__funnel=funnel)
        .exclude(dimension="")
        .values("dimension", "segment")
        .annotate(total=Sum("count"))
        .order_by("dimension", "-total", "segment")
    )
    found: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        found[row["dimension"]].append(row["segment"])
    return {
        dimension: found[dimension]
        for dimension in DIMENSION_ORDER
        if dimension in found
    }


def find_segment(funnel: Funnel, text: str) -> Segment | None:
    """The segment a query names: “mobile” or “device:mobile”, any case."""
    if not text:
        return ALL_TRAFFIC
    dimension, _, name = text.rpartition(":")
    for found_dimension, names in segments_of(funnel).items():
        if dimension and dimension.casefold() != found_dimension:
            continue
        for candidate in names:
            if candidate.casefold() == name.strip().casefold():
                return Segment(found_dimension, candidate)
    return None


def _totals(
    funnel: Funnel, start: date, end: date, segment: Segment
) -> tuple[dict[int, int], str]:
    counts = FunnelCount.objects.filter(
        step__funnel=funnel, period_start__gte=start, period_end__lte=end
    )
    if segment.dimension:
        chosen = counts.filter(dimension=segment.dimension, segment=segment.name)
        summed_from = ""
    elif counts.filter(dimension="").exists():
        chosen, summed_from = counts.filter(dimension=""), ""
    else:
        present = set(counts.values_list("dimension", flat=True).distinct())
        summed_from = next((d for d in DIMENSION_ORDER if d in present), "")
        chosen = counts.filter(dimension=summed_from)
    totals = dict(
        chosen.values("step_id")
        .annotate(total=Sum("count"))
        .values_list("step_id", "total")
    )
    return totals, summed_from


def read_period(
    funnel: Funnel, start: date, end: date, segment: Segment = ALL_TRAFFIC
) -> FunnelReading:
    steps = list(FunnelStep.objects.filter(funnel=funnel).order_by("position"))
    totals, summed_from = _totals(funnel, start, end, segment)
    readings = read_funnel([(step.name, totals.get(step.pk, 0)) for step in steps])
    return FunnelReading(
        funnel=funnel,
        start=start,
        end=end,
        segment=segment,
        steps=readings,
        summed_from=summed_from,
    )
