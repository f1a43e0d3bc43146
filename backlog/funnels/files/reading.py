"""Reading a funnel export: which tool wrote it, and its counts.

JSON is the GA4 Data API's funnel report or a Matomo Funnels report; text is
GA4's funnel exploration, a Matomo Funnels export or the plain layout, told
apart by their headers.
"""

import json
from datetime import UTC, date, tzinfo
from typing import Any

from backlog.funnels.files import ga4_api, ga4_csv, matomo, plain
from backlog.funnels.files.results import (
    CountRow,
    FunnelFile,
    FunnelFileError,
    Rejection,
)
from backlog.funnels.files.tables import Table, decode, read_table

MAX_BYTES = 25 * 1024 * 1024
MAX_ROWS = 200_000
FORMATS = {
    "plain": "Plain CSV (date, step, segment, count)",
    "ga4": "GA4 funnel exploration (CSV or TSV)",
    "ga4-api": "GA4 Data API funnel report (JSON)",
    "matomo": "Matomo Funnels (CSV, TSV or JSON)",
}
DIMENSION_NAMES = ("device", "channel", "country", "segment")


def supported_formats() -> str:
    return ", ".join(FORMATS.values())


def parse_segment(text: str) -> tuple[str, str]:
    """“device:mobile” → ("device", "mobile"); a name alone is a device."""
    dimension, colon, name = text.partition(":")
    if not colon:
        dimension, name = "device", text
    dimension, name = dimension.strip().casefold(), " ".join(name.split())
    if dimension not in DIMENSION_NAMES or not name:
        raise FunnelFileError(
            f"“{text}” is not a segment: write it as device:mobile, "
            "channel:Paid Search, country:Germany or segment:Returning."
        )
    return dimension, name


def read_funnel_file(
    data: bytes,
    filename: str = "",
    tool: str | None = None,
    zone: tzinfo = UTC,
    period: tuple[date, date] | None = None,
    segment: tuple[str, str] | None = None,
) -> FunnelFile:
    """The counts of a funnel export, and the rows it could not give, with why.

    `period` dates an export that does not say which days it covers; `segment`
    names the segment of an export that holds one (Matomo's). Raises
    FunnelFileError when the file as a whole cannot be read.
    """
    name = f"“{filename}”" if filename else "The file"
    if tool is not None and tool not in FORMATS:
        raise FunnelFileError(
            f"“{tool}” is not a format this import reads; it reads "
            f"{supported_formats()}."
        )
    if period is not None and period[1] < period[0]:
        raise FunnelFileError("The period ends before it starts.")
    if len(data) > MAX_BYTES:
        raise FunnelFileError(
            f"{name} is {len(data) / 1024 / 1024:.1f} MB; a funnel export can be "
            f"at most {MAX_BYTES // 1024 // 1024} MB."
        )
    text = decode(data, name).lstrip("\ufeff")
    if not text.strip():
        raise FunnelFileError(f"{name} is empty.")
    if text.strip() == "No data available":
        raise FunnelFileError(f"{name} holds no data (Matomo: “No data available”).")
    notes: list[str] = []
    broken: list[Rejection] = []
    if text.lstrip()[:1] in "[{" and tool in (None, "ga4-api", "matomo"):
        document = _json(text, name)
        if tool != "matomo" and ga4_api.recognises(document):
            tool = "ga4-api"
            rows, rejected, file_period, notes = ga4_api.read(document, zone, period)
            _refuse_segment(segment, tool)
        elif tool != "ga4-api" and matomo.recognises_document(document):
            tool = "matomo"
            rows, rejected = matomo.read_document(document, period, segment or ("", ""))
            file_period = period
        else:
            raise FunnelFileError(
                f"{name} is JSON, but neither a GA4 Data API funnel report nor a "
                "Matomo Funnels report."
            )
    else:
        table = read_table(text, MAX_ROWS)
        broken = list(table.broken)
        tool = tool or _detect(table)
        if tool == "ga4":
            _refuse_segment(segment, tool)
            rows, rejected, file_period = ga4_csv.read(table, zone)
        elif tool == "matomo":
            rows, rejected = matomo.read(table, zone, period, segment or ("", ""))
            file_period = period
        else:
            rows, rejected = plain.read(table, zone)
            rows = _with_segment(rows, segment)
            file_period = None
        if tool not in ("ga4", "matomo"):
            tool = "plain"
        file_period = file_period or period
    if file_period is None and rows:
        file_period = (min(r.start for r in rows), max(r.end for r in rows))
    if not rows:
        reasons = "; ".join(sorted({r.reason for r in [*broken, *rejected]})[:3])
        raise FunnelFileError(
            f"{name} holds no counts that could be read"
            + (f" ({reasons})." if reasons else ".")
        )
    return FunnelFile(
        tool=tool,
        rows=tuple(rows),
        rejected=tuple(sorted([*broken, *rejected], key=lambda r: r.line)),
        period=file_period,
        notes=tuple(notes),
    )


def _json(text: str, name: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise FunnelFileError(
            f"{name} is not valid JSON (line {error.lineno}: {error.msg})."
        ) from None


def _detect(table: Table) -> str:
    for _, cells in table.records[:30]:
        if matomo.recognises(cells):
            return "matomo"
        if ga4_csv.recognises(cells):
            return "ga4"
        if plain.recognises(cells):
            return "plain"
    raise FunnelFileError(
        "The file's columns are not those of a funnel export this import reads ("
        f"{supported_formats()}). The plain layout is date,step,segment,count."
    )


def _refuse_segment(segment: tuple[str, str] | None, tool: str) -> None:
    if segment is not None:
        raise FunnelFileError(
            f"A {FORMATS[tool]} names its own segments: import it without saying "
            "which segment it holds."
        )


def _with_segment(
    rows: list[CountRow], segment: tuple[str, str] | None
) -> list[CountRow]:
    if segment is None:
        return rows
    if any(row.segment for row in rows):
        raise FunnelFileError(
            "The file has a segment column: import it without saying which "
            "segment it holds."
        )
    dimension, name = segment
    return [
        CountRow(row.line, row.start, row.end, row.step, dimension, name, row.count)
        for row in rows
    ]
