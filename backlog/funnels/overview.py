"""Everything the funnel page shows, from the stored counts.

The period (the last 28 days with counts unless asked otherwise) against the
one before it of the same length; each segment of the main dimension side by
side; the biggest leak in words; the last twelve weeks of each step; and the
bars of the funnel chart.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Sum

from backlog.funnels.rates import Leak, StepReading, biggest_leak, describe_leak
from backlog.funnels.reports import (
    ALL_TRAFFIC,
    DIMENSION_ORDER,
    FunnelReading,
    Segment,
    default_period,
    read_period,
    segments_of,
)
from backlog.models import Funnel, FunnelCount

TREND_WEEKS = 12


@dataclass(frozen=True)
class Bar:
    """One step of the chart: its bar's length (the widest step is 100) and what
    it says."""

    width: float
    name: str
    count: int
    share: float | None  # of the first step
    drop_off_rate: float | None


@dataclass(frozen=True)
class StepComparison:
    step: StepReading
    previous: StepReading | None
    # Change of the conversion from the previous step (a difference of rates).
    change: float | None


@dataclass(frozen=True)
class SegmentColumn:
    segment: Segment
    steps: list[StepReading]


@dataclass(frozen=True)
class TrendRow:
    name: str
    counts: list[int]
    rates: list[float | None]  # conversion from the previous step, per week
    peak: int


@dataclass
class FunnelOverview:
    funnel: Funnel
    reading: FunnelReading | None
    previous: FunnelReading | None = None
    comparisons: list[StepComparison] = field(default_factory=list)
    dimension: str = ""
    columns: list[SegmentColumn] = field(default_factory=list)
    leak: Leak | None = None
    leak_text: str = ""
    weeks: list[date] = field(default_factory=list)
    trend: list[TrendRow] = field(default_factory=list)
    bars: list[Bar] = field(default_factory=list)
    segments: dict[str, list[str]] = field(default_factory=dict)
    days: int = 0


def _bars(steps: list[StepReading]) -> list[Bar]:
    widest = max((step.count for step in steps), default=0)
    bars = []
    for step in steps:
        width = 100 * step.count / widest if widest else 0
        bars.append(
            Bar(
                # A step someone reached keeps a sliver of a bar.
                width=round(max(width, 0.5 if step.count else 0), 2),
                name=step.name,
                count=step.count,
                share=step.rate_from_start,
                drop_off_rate=step.drop_off_rate,
            )
        )
    return bars


def _compare(current: FunnelReading, previous: FunnelReading) -> list[StepComparison]:
    comparisons = []
    for now, before in zip(current.steps, previous.steps, strict=True):
        change = None
        if now.rate_from_previous is not None and before.rate_from_previous is not None:
            change = now.rate_from_previous - before.rate_from_previous
        comparisons.append(
            StepComparison(
                step=now, previous=before if before.count else None, change=change
            )
        )
    return comparisons


def _trend(
    funnel: Funnel, end: date, segment: Segment
) -> tuple[list[date], list[TrendRow]]:
    """Weekly counts of each step: the twelve weeks (Monday to Sunday) up to `end`."""
    last_monday = end - timedelta(days=end.weekday())
    weeks = [last_monday - timedelta(weeks=n) for n in range(TREND_WEEKS - 1, -1, -1)]
    counts = FunnelCount.objects.filter(
        step__funnel=funnel,
        period_start__gte=weeks[0],
        period_end__lte=weeks[-1] + timedelta(days=6),
    )
    if segment.dimension:
        counts = counts.filter(dimension=segment.dimension, segment=segment.name)
    else:
        dimensions = set(counts.values_list("dimension", flat=True).distinct())
        if "" in dimensions:
            counts = counts.filter(dimension="")
        elif dimensions:
            main = next((d for d in DIMENSION_ORDER if d in dimensions), "")
            counts = counts.filter(dimension=main)
    # Counts of a whole report period say nothing about its weeks.
    per_week: dict[tuple[int, int], int] = {}
    grouped = (
        counts.values("step_id", "period_start", "period_end")
        .annotate(total=Sum("count"))
        .values_list("step_id", "period_start", "period_end", "total")
    )
    for step_id, start, finish, total in grouped:
        if (finish - start).days > 6:
            continue
        week = (start - weeks[0]).days // 7
        if week == (finish - weeks[0]).days // 7:
            per_week[(step_id, week)] = per_week.get((step_id, week), 0) + total
    rows = []
    steps = list(funnel.steps.all())
    previous_counts: list[int] | None = None
    for step in steps:
        values = [per_week.get((step.pk, week), 0) for week in range(TREND_WEEKS)]
        rates: list[float | None] = (
            [None] * TREND_WEEKS
            if previous_counts is None
            else [
                value / before if before else None
                for value, before in zip(values, previous_counts, strict=True)
            ]
        )
        rows.append(TrendRow(step.name, values, rates, max(values, default=0)))
        previous_counts = values
    return weeks, rows


def funnel_overview(
    funnel: Funnel,
    *,
    start: date | None = None,
    end: date | None = None,
    segment: Segment = ALL_TRAFFIC,
) -> FunnelOverview:
    overview = FunnelOverview(funnel=funnel, reading=None)
    overview.segments = segments_of(funnel)
    if start is None or end is None:
        span = default_period(funnel)
        if span is None:
            return overview
        start, end = start or span[0], end or span[1]
    reading = read_period(funnel, start, end, segment)
    overview.reading = reading
    length = (end - start).days + 1
    overview.days = length
    previous = read_period(
        funnel, start - timedelta(days=length), start - timedelta(days=1), segment
    )
    overview.previous = previous if previous.has_counts else None
    overview.comparisons = _compare(reading, previous)
    overview.bars = _bars(reading.steps)
    if overview.segments:
        dimension, names = next(iter(overview.segments.items()))
        overview.dimension = dimension
        columns = [
            SegmentColumn(
                Segment(dimension, name),
                read_period(funnel, start, end, Segment(dimension, name)).steps,
            )
            for name in names
        ]
        overview.columns = [c for c in columns if any(s.count for s in c.steps)]
        if len(overview.columns) > 1 and not segment.dimension:
            overview.leak = biggest_leak(
                {
                    c.segment.name: [(s.name, s.count) for s in c.steps]
                    for c in overview.columns
                }
            )
    if overview.leak is None:
        overview.leak = biggest_leak(
            {segment.label: [(s.name, s.count) for s in reading.steps]}
        )
        if overview.leak is not None:
            overview.leak_text = describe_leak(
                overview.leak, segment_label=bool(segment.dimension)
            )
    else:
        overview.leak_text = describe_leak(overview.leak)
    overview.weeks, overview.trend = _trend(funnel, end, segment)
    return overview


@dataclass(frozen=True)
class FunnelLeak:
    funnel: Funnel
    leak: Leak
    text: str
    start: date
    end: date


def biggest_leak_of(organisation, limit: int = 5) -> FunnelLeak | None:
    """Across the organisation's funnels (the first `limit` by name), the leak
    that loses the most people beyond what its best segment loses, in each
    funnel's last 28 days with counts."""
    found: list[FunnelLeak] = []
    for funnel in Funnel.objects.for_org(organisation)[:limit]:
        span = default_period(funnel)
        if span is None:
            continue
        start, end = span
        segments = segments_of(funnel)
        if segments:
            dimension, names = next(iter(segments.items()))
            readings = {
                name: read_period(funnel, start, end, Segment(dimension, name)).steps
                for name in names
            }
        else:
            readings = {"all traffic": read_period(funnel, start, end).steps}
        leak = biggest_leak(
            {
                name: [(s.name, s.count) for s in steps]
                for name, steps in readings.items()
            }
        )
        if leak is not None:
            text = describe_leak(leak, segment_label=bool(segments))
            found.append(FunnelLeak(funnel, leak, text, start, end))
    return max(found, key=lambda f: f.leak.excess_lost, default=None)
