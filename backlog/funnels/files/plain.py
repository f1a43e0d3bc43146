"""The plain layout: one count per row — date, step, segment, count.

Any spreadsheet can be saved so: `date,step,segment,count`, with a header row.
The segment column is optional (without it every count is all traffic), and
its header names the dimension: "device" (or "device category"), "channel"
(or "default channel group"), "country", or "segment" for anything else. A
"week" column instead of "date" holds weekly counts, each week the seven days
from the date given (or an ISO week, "2024-W09", from Monday). Counts are whole
numbers as spreadsheets write them ("1,234", "1.234" in German Excel).
"""

from collections.abc import Sequence
from datetime import tzinfo

from backlog.experiments.results_files.cells import (
    CellProblem,
    file_decimal,
    normalize_label,
    whole_number,
)
from backlog.funnels.files.days import (
    DayProblem,
    parse_day,
    parse_week,
    slash_order,
    week_end,
)
from backlog.funnels.files.results import CountRow, FunnelFileError, Rejection
from backlog.funnels.files.tables import Record, Table

DAY_LABELS = ("date", "day", "datum", "tag")
WEEK_LABELS = ("week", "week start", "week starting", "woche")
STEP_LABELS = ("step", "funnel step", "step name", "schritt")
COUNT_LABELS = (
    "count",
    "users",
    "active users",
    "total users",
    "visitors",
    "unique visitors",
    "sessions",
    "anzahl",
)
SEGMENT_LABELS = {
    "segment": "segment",
    "device": "device",
    "device category": "device",
    "device type": "device",
    "gerät": "device",
    "gerätekategorie": "device",
    "channel": "channel",
    "default channel group": "channel",
    "channel group": "channel",
    "country": "country",
    "land": "country",
}


def _find(header: list[str], labels: Sequence[str]) -> int | None:
    for index, cell in enumerate(header):
        if normalize_label(cell) in labels:
            return index
    return None


def _required(header: list[str], labels: Sequence[str]) -> int:
    index = _find(header, labels)
    if index is None:
        raise FunnelFileError(f"The file has no column “{labels[0]}”.")
    return index


def recognises(header: list[str]) -> bool:
    return (
        _find(header, STEP_LABELS) is not None
        and _find(header, COUNT_LABELS) is not None
        and (
            _find(header, DAY_LABELS) is not None
            or _find(header, WEEK_LABELS) is not None
        )
    )


def read(table: Table, zone: tzinfo) -> tuple[list[CountRow], list[Rejection]]:
    start, header = _header(table.records)
    day_column = _find(header, DAY_LABELS)
    weekly = day_column is None
    date_column = _required(header, WEEK_LABELS) if day_column is None else day_column
    step_column = _required(header, STEP_LABELS)
    count_column = _required(header, COUNT_LABELS)
    segment_column = next(
        (i for i, cell in enumerate(header) if normalize_label(cell) in SEGMENT_LABELS),
        None,
    )
    dimension = (
        SEGMENT_LABELS[normalize_label(header[segment_column])]
        if segment_column is not None
        else ""
    )
    body = table.records[start + 1 :]
    slashes = slash_order(
        cells[date_column] for _, cells in body if date_column < len(cells)
    )
    decimal = file_decimal(
        (cells[count_column] for _, cells in body if count_column < len(cells)),
        table.delimiter,
    )
    rows: list[CountRow] = []
    rejected: list[Rejection] = []
    needed = max(date_column, step_column, count_column, segment_column or 0)
    for line, cells in body:
        if len(cells) <= needed:
            rejected.append(Rejection(line, "the row has fewer cells than the header"))
            continue
        try:
            if weekly:
                first = parse_week(cells[date_column], zone, slashes)
                last = week_end(first)
            else:
                first = last = parse_day(cells[date_column], zone, slashes)
            step = " ".join(cells[step_column].split())
            if not step:
                raise CellProblem("the step is empty")
            count = whole_number(cells[count_column], decimal, "the count")
        except (DayProblem, CellProblem) as problem:
            rejected.append(Rejection(line, str(problem)))
            continue
        segment = (
            " ".join(cells[segment_column].split())
            if segment_column is not None
            else ""
        )
        rows.append(
            CountRow(
                line=line,
                start=first,
                end=last,
                step=step,
                dimension=dimension if segment else "",
                segment=segment,
                count=count,
            )
        )
    return rows, rejected


def _header(records: Sequence[Record]) -> tuple[int, list[str]]:
    for index, (_, cells) in enumerate(records[:20]):
        if recognises(cells):
            return index, cells
    raise FunnelFileError(
        "No header with a date (or week), a step and a count was found. The "
        "plain layout is date,step,segment,count."
    )
