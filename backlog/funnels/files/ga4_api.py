"""The GA4 Data API's funnel report: the JSON `properties.runFunnelReport` answers.

Documented in the Data API reference (v1alpha, RunFunnelReportResponse): a
`funnelTable` of steps by breakdown value with `activeUsers` (and the rates,
which are recomputed here rather than read), and a `funnelVisualization`, which
for a trended funnel carries a `date` dimension (YYYYMMDD, the property's time
zone). Every value is a string; a breakdown's total row is `RESERVED_TOTAL`; a
step is named "1. Product view". The response does not repeat its date range:
it comes from the request saved beside it (`{"request": …, "response": …}`, or
the request's `dateRanges` at the top), from the trended days, or from the
person importing — never from the day of the import.
"""

from datetime import date, tzinfo
from typing import Any

from backlog.experiments.results_files.cells import CellProblem
from backlog.funnels.files.days import DayProblem, parse_day
from backlog.funnels.files.ga4_csv import BREAKDOWNS
from backlog.funnels.files.results import CountRow, FunnelFileError, Rejection

KIND = "analyticsData#runFunnelReport"
DIMENSIONS = {"deviceCategory": "device", "country": "country"}
CHANNELS = ("defaultChannelGroup", "sessionDefaultChannelGroup")


def recognises(document: Any) -> bool:
    response = _response(document)
    return isinstance(response, dict) and (
        response.get("kind") == KIND
        or ("funnelTable" in response and "funnelVisualization" in response)
    )


def _response(document: Any) -> Any:
    if isinstance(document, dict) and isinstance(document.get("response"), dict):
        return document["response"]
    return document


def _requested_period(document: Any) -> tuple[date, date] | None:
    request = document.get("request") if isinstance(document, dict) else None
    source = request if isinstance(request, dict) else document
    ranges = source.get("dateRanges") if isinstance(source, dict) else None
    if not ranges:
        return None
    if len(ranges) > 1:
        raise FunnelFileError(
            "The report was asked for several date ranges; import one range at a time."
        )
    try:
        return (
            date.fromisoformat(ranges[0]["startDate"]),
            date.fromisoformat(ranges[0]["endDate"]),
        )
    except (KeyError, TypeError, ValueError):
        raise FunnelFileError(
            "The request's date range is not written as two dates (startDate and "
            "endDate, e.g. 2024-01-31); relative ranges such as “7daysAgo” name no "
            "day. Give the period when importing."
        ) from None


def _table(report: Any, name: str) -> tuple[list[str], list[str], list[Any]]:
    if not isinstance(report, dict):
        return [], [], []
    dimensions = [h.get("name", "") for h in report.get("dimensionHeaders") or []]
    metrics: list[str] = []
    for header in report.get("metricHeaders") or []:
        # The API has been seen to list its metric headers twice.
        if header.get("name") not in metrics:
            metrics.append(header.get("name", ""))
    rows = report.get("rows") or []
    if not isinstance(rows, list):
        raise FunnelFileError(f"The report's {name} has no list of rows.")
    return dimensions, metrics, rows


def _value(values: Any, index: int | None) -> str | None:
    if index is None or not isinstance(values, list) or index >= len(values):
        return None
    cell = values[index]
    return str(cell.get("value", "")) if isinstance(cell, dict) else None


def _count(text: str | None) -> int:
    if text is None or not text.strip().isdigit():
        raise CellProblem(f"activeUsers is not a whole number: “{text}”")
    return int(text)


def _dimension_of(name: str) -> str:
    if name in DIMENSIONS:
        return DIMENSIONS[name]
    if name in CHANNELS or name.endswith("ChannelGroup"):
        return "channel"
    return BREAKDOWNS.get(name.casefold(), "segment")


def read(
    document: Any, zone: tzinfo, period: tuple[date, date] | None
) -> tuple[list[CountRow], list[Rejection], tuple[date, date] | None, list[str]]:
    response = _response(document)
    period = period or _requested_period(document)
    notes: list[str] = []
    table_dims, table_metrics, table_rows = _table(
        response.get("funnelTable"), "funnel table"
    )
    days_dims, days_metrics, days_rows = _table(
        response.get("funnelVisualization"), "funnel visualisation"
    )
    for part in ("funnelTable", "funnelVisualization"):
        metadata = (response.get(part) or {}).get("metadata") or {}
        for sampling in metadata.get("samplingMetadatas") or []:
            read_count = sampling.get("samplesReadCount")
            space = sampling.get("samplingSpaceSize")
            notes.append(
                f"GA4 sampled this report: {read_count} of {space} events were read."
            )
            break
    rows: list[CountRow] = []
    rejected: list[Rejection] = []
    trended = "date" in days_dims
    day_rows: list[tuple[int, str, str, str, str]] = []
    if trended:
        step_at = days_dims.index("funnelStepName")
        date_at = days_dims.index("date")
        segment_at = days_dims.index("segment") if "segment" in days_dims else None
        users_at = (
            days_metrics.index("activeUsers") if "activeUsers" in days_metrics else 0
        )
        if "funnelStepNextAction" in days_dims:
            raise FunnelFileError(
                "The trended funnel is split by the next action; ask the API for it "
                "without funnelNextAction."
            )
        for number, row in enumerate(days_rows, start=1):
            dims, metrics = row.get("dimensionValues"), row.get("metricValues")
            day_rows.append(
                (
                    number,
                    _value(dims, step_at) or "",
                    _value(dims, date_at) or "",
                    _value(dims, segment_at) or "",
                    _value(metrics, users_at) or "",
                )
            )
        days = []
        for number, step, day_text, segment, users in day_rows:
            try:
                day = parse_day(day_text, zone)
                count = _count(users)
            except (DayProblem, CellProblem) as problem:
                rejected.append(Rejection(number, str(problem)))
                continue
            days.append(day)
            rows.append(
                CountRow(
                    number,
                    day,
                    day,
                    step,
                    "segment" if segment else "",
                    _strip_number(segment),
                    count,
                )
            )
        if days and period is None:
            period = (min(days), max(days))
    if table_rows and "funnelStepName" in table_dims:
        if period is None:
            raise FunnelFileError(
                "The funnel report does not say which days it covers: the API's "
                "answer leaves out the date range it was asked for. Save the "
                'request with it ({"request": …, "response": …}) or give the '
                "period when importing."
            )
        step_at = table_dims.index("funnelStepName")
        others = [
            (position, name)
            for position, name in enumerate(table_dims)
            if name != "funnelStepName"
        ]
        if len(others) > 1:
            raise FunnelFileError(
                "The funnel table is split by a segment and a breakdown; ask the "
                "API for one of the two."
            )
        users_at = (
            table_metrics.index("activeUsers") if "activeUsers" in table_metrics else 0
        )
        offset = len(day_rows)
        for number, row in enumerate(table_rows, start=offset + 1):
            dims, metrics = row.get("dimensionValues"), row.get("metricValues")
            step = _value(dims, step_at) or ""
            dimension, segment = "", ""
            if others:
                position, name = others[0]
                segment = _value(dims, position) or ""
                dimension = "segment" if name == "segment" else _dimension_of(name)
            if segment == "RESERVED_TOTAL" or not segment:
                if trended:
                    continue  # the days already count all traffic
                dimension, segment = "", ""
            try:
                count = _count(_value(metrics, users_at))
            except CellProblem as problem:
                rejected.append(Rejection(number, str(problem)))
                continue
            rows.append(
                CountRow(
                    number,
                    period[0],
                    period[1],
                    step,
                    dimension,
                    _strip_number(segment) if dimension == "segment" else segment,
                    count,
                )
            )
    if not table_rows and not day_rows:
        raise FunnelFileError("The funnel report has no rows.")
    return rows, rejected, period, notes


def _strip_number(segment: str) -> str:
    """“1. Mobile traffic” → “Mobile traffic”: GA4 numbers its segments."""
    head, dot, rest = segment.partition(". ")
    return rest if dot and head.isdigit() else segment
