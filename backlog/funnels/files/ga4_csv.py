"""GA4's funnel exploration, exported as CSV or TSV (Explore → Export data).

Google documents the exploration's columns by their names in the interface
("Dimensions & Metrics: Funnel Reports", the funnel API schema), not the file;
the layout here is the one GA4 writes: a "#" preamble with the date range on a
line of its own ("# 20240101-20240331"; standard reports write "# Start date:
20240101" and "# End date: …"), then one row per step and breakdown value —
`Step,Device category,Active users,Completion rate,Abandonments,Abandonment
rate` — where the step is numbered ("1. Product view") and each step has a
"Total" row, GA4's count of distinct users, which can be fewer than the
devices' rows added up. The breakdown column is absent without a breakdown and
named after its dimension otherwise (Country, Default channel group, …).

A trended funnel adds a second table, `Step,Date,Active users`, one row per
step and day (or `Nth day`, days counted from the start of the range). Its
days are all traffic: the first table's "Total" rows then are left out, since
the days already count those users.
"""

import re
from collections.abc import Collection
from datetime import date, timedelta, tzinfo

from backlog.experiments.results_files.cells import (
    CellProblem,
    file_decimal,
    normalize_label,
    whole_number,
)
from backlog.funnels.files.days import DayProblem, parse_day
from backlog.funnels.files.results import CountRow, FunnelFileError, Rejection
from backlog.funnels.files.tables import Record, Table

STEP = "step"
USERS = ("active users", "users", "sessions", "total users")
METRICS = frozenset(
    {
        *USERS,
        "completion rate",
        "abandonments",
        "abandonment rate",
        "elapsed time",
        "active users (% of step 1)",
    }
)
DATE_COLUMNS = ("date", "day", "nth day")
TOTALS = frozenset({"total", "totals", "grand total", "reserved_total"})
BREAKDOWNS = {
    "device category": "device",
    "device": "device",
    "country": "country",
    "default channel group": "channel",
    "session default channel group": "channel",
    "session primary channel group (default channel group)": "channel",
    "first user default channel group": "channel",
    "first user primary channel group (default channel group)": "channel",
}
_RANGE = re.compile(r"(\d{8})\s*-\s*(\d{8})")
_START = re.compile(r"start date:\s*(\d{8})", re.IGNORECASE)
_END = re.compile(r"end date:\s*(\d{8})", re.IGNORECASE)
_NUMBERED = re.compile(r"^\s*(\d+)\.\s*(.*)$")


def _index(header: list[str], names: Collection[str]) -> int | None:
    for position, cell in enumerate(header):
        if normalize_label(cell) in names:
            return position
    return None


def _required(header: list[str], names: tuple[str, ...]) -> int:
    """The column of a header the layout recognised by these names."""
    position = _index(header, names)
    if position is None:
        raise FunnelFileError(f"The table has no column “{names[0]}”.")
    return position


def recognises(header: list[str]) -> bool:
    return _index(header, (STEP,)) is not None and _index(header, USERS) is not None


def period_of(preamble: tuple[str, ...]) -> tuple[date, date] | None:
    text = "\n".join(preamble)
    found = _RANGE.search(text)
    if found:
        first, last = found.groups()
    else:
        start, end = _START.search(text), _END.search(text)
        if not (start and end):
            return None
        first, last = start.group(1), end.group(1)
    try:
        span = (
            date(int(first[:4]), int(first[4:6]), int(first[6:])),
            date(int(last[:4]), int(last[4:6]), int(last[6:])),
        )
    except ValueError:
        return None
    return span if span[0] <= span[1] else None


def step_name(cell: str) -> str:
    """“1. Product view” keeps its number, which orders GA4's steps."""
    return " ".join(cell.split())


def _blocks(records: tuple[Record, ...]) -> list[tuple[list[str], list[Record]]]:
    blocks: list[tuple[list[str], list[Record]]] = []
    for line, cells in records:
        if recognises(cells):
            blocks.append((cells, []))
        elif blocks:
            blocks[-1][1].append((line, cells))
    return blocks


def read(
    table: Table, zone: tzinfo
) -> tuple[list[CountRow], list[Rejection], tuple[date, date] | None]:
    period = period_of(table.preamble)
    blocks = _blocks(table.records)
    if not blocks:
        raise FunnelFileError(
            "No GA4 funnel table was found: it starts with a header naming "
            "“Step” and “Active users”. Export the exploration with GA4 set to "
            "English, or save it in the plain layout date,step,segment,count."
        )
    trended = [b for b in blocks if _index(b[0], DATE_COLUMNS) is not None]
    rows: list[CountRow] = []
    rejected: list[Rejection] = []
    for header, body in blocks:
        decimal = file_decimal(
            (cells[i] for _, cells in body for i in range(len(cells))),
            table.delimiter,
        )
        if _index(header, DATE_COLUMNS) is not None:
            _read_days(header, body, decimal, period, zone, rows, rejected)
        else:
            if period is None:
                raise FunnelFileError(
                    "The file does not say which days its funnel covers: GA4 "
                    "writes the range in its first lines (“# 20240101-20240331”). "
                    "Export it again without removing them."
                )
            _read_range(header, body, decimal, period, bool(trended), rows, rejected)
    return rows, rejected, period


def _read_range(
    header: list[str],
    body: list[Record],
    decimal: str,
    period: tuple[date, date],
    skip_totals: bool,
    rows: list[CountRow],
    rejected: list[Rejection],
) -> None:
    step_column = _required(header, (STEP,))
    users_column = _required(header, USERS)
    extra = [
        position
        for position, cell in enumerate(header)
        if position != step_column and normalize_label(cell) not in METRICS
    ]
    breakdown = next(
        (p for p in extra if normalize_label(header[p]) != "segment"), None
    )
    segment_column = next(
        (p for p in extra if normalize_label(header[p]) == "segment"), None
    )
    if breakdown is not None and segment_column is not None:
        raise FunnelFileError(
            "The exploration compares segments and breaks them down as well; "
            "export it with one of the two."
        )
    column = breakdown if breakdown is not None else segment_column
    dimension = (
        BREAKDOWNS.get(normalize_label(header[column]), "segment")
        if column is not None
        else ""
    )
    for line, cells in body:
        if len(cells) <= max(step_column, users_column, column or 0):
            rejected.append(Rejection(line, "the row has fewer cells than the header"))
            continue
        step = step_name(cells[step_column])
        value = " ".join(cells[column].split()) if column is not None else ""
        if not step:
            if value.casefold() in TOTALS or not value:
                continue  # a grand total under the table
            rejected.append(Rejection(line, "the step is empty"))
            continue
        is_total = value.casefold() in TOTALS or not value
        if is_total and skip_totals:
            continue
        if column == segment_column and value:
            value = _NUMBERED.sub(r"\2", value)
        try:
            count = whole_number(cells[users_column], decimal, "Active users")
        except CellProblem as problem:
            if cells[users_column].strip() in ("", "-"):
                rejected.append(Rejection(line, "Active users is empty"))
            else:
                rejected.append(Rejection(line, str(problem)))
            continue
        rows.append(
            CountRow(
                line=line,
                start=period[0],
                end=period[1],
                step=step,
                dimension="" if is_total else dimension,
                segment="" if is_total else value,
                count=count,
            )
        )


def _read_days(
    header: list[str],
    body: list[Record],
    decimal: str,
    period: tuple[date, date] | None,
    zone: tzinfo,
    rows: list[CountRow],
    rejected: list[Rejection],
) -> None:
    step_column = _required(header, (STEP,))
    users_column = _required(header, USERS)
    day_column = _required(header, DATE_COLUMNS)
    nth = normalize_label(header[day_column]) == "nth day"
    first_day = period[0] if period else None
    if nth and first_day is None:
        raise FunnelFileError(
            "The days are counted from the start of the range (“Nth day”), but "
            "the file does not say where the range starts."
        )
    for line, cells in body:
        if len(cells) <= max(step_column, users_column, day_column):
            rejected.append(Rejection(line, "the row has fewer cells than the header"))
            continue
        step = step_name(cells[step_column])
        if not step:
            continue
        try:
            if first_day is not None and nth:
                offset = cells[day_column].strip()
                if not offset.isdigit():
                    raise DayProblem(f"the day is not a number: “{offset}”")
                day = first_day + timedelta(days=int(offset))
            else:
                day = parse_day(cells[day_column], zone)
            count = whole_number(cells[users_column], decimal, "Active users")
        except (DayProblem, CellProblem) as problem:
            rejected.append(Rejection(line, str(problem)))
            continue
        if period is not None and not period[0] <= day <= period[1]:
            rejected.append(
                Rejection(line, f"{day:%d %b %Y} is outside the file's date range")
            )
            continue
        rows.append(CountRow(line, day, day, step, "", "", count))
