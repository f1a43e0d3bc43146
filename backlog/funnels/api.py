"""API endpoints for funnels: read a period's step-to-step conversion, push counts.

Counts pushed go through the same import as files (backlog.funnels.importing):
the period they cover replaces what the funnel holds for it, so sending the
same counts again changes nothing.
"""

from collections import Counter
from datetime import date
from typing import Annotated

from django.shortcuts import get_object_or_404
from ninja import Body, Field, Query, Router, Schema, Status
from pydantic import model_validator

from backlog.api import ProblemOut
from backlog.funnels.files import CountRow, FunnelFile
from backlog.funnels.importing import (
    FunnelImportRefused,
    apply_funnel_import,
    prepared_from_file,
    step_label,
)
from backlog.funnels.reports import (
    default_period,
    find_segment,
    read_period,
    segments_of,
)
from backlog.models import Funnel, SegmentDimension

router = Router()
MAX_COUNTS = 50_000
Day = date  # CountIn has a field named date


class StepOut(Schema):
    id: int
    position: int
    name: str
    count: int
    rate_from_previous: float | None = Field(
        description="count / the previous step's count; null for the first step."
    )
    rate_from_start: float | None = Field(description="count / the first step's count.")
    drop_off: int | None = Field(
        description="Reached this step and not the next (GA4's abandonments); null "
        "for the last step."
    )
    drop_off_rate: float | None = Field(description="drop_off / count.")


class FunnelSummaryOut(Schema):
    id: int
    name: str
    steps: list[str]


class FunnelOut(Schema):
    id: int
    name: str
    start: date | None = Field(alias="from")
    end: date | None = Field(alias="to")
    segment: str = Field(description="“device:mobile”, or empty for all traffic.")
    summed_from: str = Field(
        description="For all traffic without the tool's own totals: the dimension "
        "whose segments were added up (a person on two devices counts twice)."
    )
    segments: dict[str, list[str]]
    steps: list[StepOut]


class FunnelQuery(Schema):
    start: date | None = Field(None, alias="from")
    end: date | None = Field(None, alias="to")
    segment: str = Field(
        "", description="“mobile” or “device:mobile”; empty for all traffic."
    )


class CountIn(Schema):
    date: Day
    end: Day | None = Field(
        None, description="The last day the count covers; the same day when left out."
    )
    step: str = Field(min_length=1, max_length=120)
    dimension: SegmentDimension = SegmentDimension.ALL
    segment: str = Field("", max_length=120)
    count: int = Field(ge=0, le=2**53)

    @model_validator(mode="after")
    def _consistent(self):
        if self.end is not None and self.end < self.date:
            raise ValueError("end is before date")
        if bool(self.dimension) != bool(self.segment.strip()):
            raise ValueError(
                "a segment needs its dimension, and a dimension its segment"
            )
        return self


class CountsIn(Schema):
    start: date | None = Field(
        None,
        alias="from",
        description="The period the counts replace; the counts' own first and last "
        "day when left out.",
    )
    end: date | None = Field(None, alias="to")
    counts: Annotated[list[CountIn], Field(min_length=1, max_length=MAX_COUNTS)]


class CountsOut(Schema):
    created: int
    updated: int
    unchanged: int
    removed: int


def _funnels(request):
    return Funnel.objects.for_org(request.auth.organisation)


@router.get(
    "/funnels",
    response=list[FunnelSummaryOut],
    tags=["funnels"],
    summary="The organisation's funnels and their steps",
)
def list_funnels(request):
    return [
        {
            "id": funnel.pk,
            "name": funnel.name,
            "steps": [step.name for step in funnel.steps.all()],
        }
        for funnel in _funnels(request).prefetch_related("steps")
    ]


@router.get(
    "/funnels/{funnel_id}",
    response={200: FunnelOut, 400: ProblemOut},
    by_alias=True,
    tags=["funnels"],
    summary="A funnel's step-to-step conversion for a period and segment",
    description=(
        "Each step's `count`, `rate_from_previous`, `rate_from_start`, `drop_off` "
        "(reached it and not the next step) and `drop_off_rate`, from the counts "
        "that lie inside `from`…`to` (the last 28 days with counts when left out). "
        "`segment` names one segment (“mobile”, “device:mobile”)."
    ),
)
def get_funnel(request, funnel_id: int, query: Query[FunnelQuery]):
    funnel = get_object_or_404(_funnels(request), pk=funnel_id)
    segment = find_segment(funnel, query.segment)
    if segment is None:
        return Status(400, {"detail": f"The funnel has no segment “{query.segment}”."})
    start, end = query.start, query.end
    if start is None or end is None:
        span = default_period(funnel)
        start = start or (span[0] if span else None)
        end = end or (span[1] if span else None)
    if start is not None and end is not None and end < start:
        return Status(400, {"detail": "to is before from."})
    steps = list(funnel.steps.all())
    if start is None or end is None:
        readings = read_period(funnel, date.min, date.min, segment).steps
        summed = ""
    else:
        reading = read_period(funnel, start, end, segment)
        readings, summed = reading.steps, reading.summed_from
    return {
        "id": funnel.pk,
        "name": funnel.name,
        "from": start,
        "to": end,
        "segment": f"{segment.dimension}:{segment.name}" if segment.name else "",
        "summed_from": summed,
        "segments": segments_of(funnel),
        "steps": [
            {
                "id": step.pk,
                "position": step.position,
                "name": step.name,
                "count": r.count,
                "rate_from_previous": r.rate_from_previous,
                "rate_from_start": r.rate_from_start,
                "drop_off": r.drop_off,
                "drop_off_rate": r.drop_off_rate,
            }
            for step, r in zip(steps, readings, strict=True)
        ],
    }


@router.put(
    "/funnels/{funnel_id}/counts",
    response={200: CountsOut, 400: ProblemOut},
    tags=["funnels"],
    summary="Replace a funnel's counts for a period",
    description=(
        "One entry per step, day (or `date`…`end`) and segment. The counts replace "
        "what the funnel holds for the period (`from`…`to`, or the counts' first "
        "and last day) in the dimensions sent: a count not sent again is removed. "
        "Sending the same counts again changes nothing. Steps are named as in the "
        "funnel (case and the tools' “1. ” numbering aside)."
    ),
)
def put_counts(request, funnel_id: int, payload: Annotated[CountsIn, Body()]):
    funnel = get_object_or_404(_funnels(request), pk=funnel_id)
    steps = {step_label(step.name): step for step in funnel.steps.all()}
    unknown = sorted(
        {c.step for c in payload.counts if step_label(c.step) not in steps}
    )
    if unknown:
        names = ", ".join(f"“{s.name}”" for s in steps.values()) or "none"
        return Status(
            400,
            {
                "detail": "The funnel has no step "
                + ", ".join(f"“{name}”" for name in unknown)
                + f"; its steps are {names}."
            },
        )
    rows = [
        CountRow(
            line=number,
            start=c.date,
            end=c.end or c.date,
            step=steps[step_label(c.step)].name,
            dimension=c.dimension,
            segment=" ".join(c.segment.split()),
            count=c.count,
        )
        for number, c in enumerate(payload.counts, start=1)
    ]
    keys = Counter((r.step, r.start, r.end, r.dimension, r.segment) for r in rows)
    if twice := next((key for key, n in keys.items() if n > 1), None):
        step, first, last, _, segment = twice
        days = f"{first}…{last}" if last != first else f"{first}"
        where = f" for {segment}" if segment else ""
        return Status(400, {"detail": f"“{step}” on {days}{where} is sent twice."})
    if (payload.start is None) != (payload.end is None):
        return Status(400, {"detail": "Send both from and to, or neither."})
    period = (
        (payload.start, payload.end)
        if payload.start is not None and payload.end is not None
        else (min(r.start for r in rows), max(r.end for r in rows))
    )
    if period[1] < period[0]:
        return Status(400, {"detail": "to is before from."})
    if outside := next(
        (r for r in rows if r.start < period[0] or r.end > period[1]), None
    ):
        return Status(
            400, {"detail": f"A count of {outside.start} lies outside from…to."}
        )
    funnel_file = FunnelFile(tool="api", rows=tuple(rows), rejected=(), period=period)
    prepared = prepared_from_file(
        funnel,
        funnel_file,
        filename=f"API key “{request.auth.name}”",
        by=request.auth.created_by,
    )
    mapping = {step.name: step.pk for step in steps.values()}
    try:
        outcome = apply_funnel_import(
            prepared,
            {name: mapping.get(name) for name in funnel_file.steps},
            by=request.auth.created_by,
        )
    except FunnelImportRefused as refusal:
        prepared.delete()
        return Status(400, {"detail": str(refusal)})
    return {
        "created": outcome.created,
        "updated": outcome.updated,
        "unchanged": outcome.unchanged,
        "removed": outcome.removed,
    }
