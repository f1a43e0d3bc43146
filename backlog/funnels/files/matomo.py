"""Matomo's Funnels reports: `Funnels.getFunnelFlow` and `getFunnelFlowTable`
exported as CSV, TSV or JSON (the report's Export link, or the Reporting API).

Layout as Matomo's Funnels plugin and its CSV renderer write it: one row per
step — `label` (the step's name), `step_nb_visits` (visits that reached the
step), `step_nb_exits`, `step_nb_proceeded`, … and `metadata_step_position`
(`step_position` in JSON). Counts are visits, not users. CSV is UTF-16 with a
BOM unless the export asked for UTF-8. An export of several periods (`date=
2024-01-01,2024-01-31&period=day`) has a first column `date` holding each
period (`2024-01-01`; a week or range `2024-01-01,2024-01-07`; a month
`2024-01`), and in JSON an object keyed by period. Matomo writes no segment in
the file (a segment is a filter of the request): the person importing says
which segment a file holds; otherwise it is all traffic. An export of one
period does not name it either, and is dated by the person importing.
"""

import calendar
import re
from datetime import date, tzinfo
from typing import Any

from backlog.experiments.results_files.cells import (
    CellProblem,
    normalize_label,
    whole_number,
)
from backlog.funnels.files.results import CountRow, FunnelFileError, Rejection
from backlog.funnels.files.tables import Table

_DAY = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_MONTH = re.compile(r"(\d{4})-(\d{2})")
_YEAR = re.compile(r"(\d{4})")


def recognises(header: list[str]) -> bool:
    labels = {normalize_label(cell) for cell in header}
    return "label" in labels and "step_nb_visits" in labels


def recognises_document(document: Any) -> bool:
    rows = _first_rows(document)
    return bool(rows) and all(
        isinstance(row, dict) and "label" in row and "step_nb_visits" in row
        for row in rows
    )


def _first_rows(document: Any) -> list[Any]:
    if isinstance(document, list):
        return document
    if isinstance(document, dict):
        for value in document.values():
            if isinstance(value, list) and value:
                return value
    return []


def period_label(text: str) -> tuple[date, date]:
    """The days a Matomo period label covers: a day, a range, a month or a year."""
    value = text.strip()
    first, comma, last = value.partition(",")
    try:
        if comma:
            start, end = _day(first), _day(last)
            if end < start:
                raise ValueError
            return start, end
        if _DAY.fullmatch(value):
            day = _day(value)
            return day, day
        if match := _MONTH.fullmatch(value):
            year, month = int(match.group(1)), int(match.group(2))
            return (
                date(year, month, 1),
                date(year, month, calendar.monthrange(year, month)[1]),
            )
        if _YEAR.fullmatch(value):
            return date(int(value), 1, 1), date(int(value), 12, 31)
    except ValueError:
        pass
    raise CellProblem(f"the period is not one Matomo writes: “{value}”")


def _day(text: str) -> date:
    match = _DAY.fullmatch(text.strip())
    if not match:
        raise ValueError(text)
    return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))


def _no_period() -> FunnelFileError:
    return FunnelFileError(
        "The Matomo export holds one period and does not say which: give the "
        "period when importing, or export it with several dates (it then "
        "starts with a date column)."
    )


def _step(label: str, position: str) -> str:
    name = " ".join(label.split())
    return f"{position.strip()}. {name}" if position.strip().isdigit() else name


def read(
    table: Table,
    zone: tzinfo,
    period: tuple[date, date] | None,
    segment: tuple[str, str],
) -> tuple[list[CountRow], list[Rejection]]:
    start = next(i for i, (_, cells) in enumerate(table.records) if recognises(cells))
    header = [normalize_label(cell) for cell in table.records[start][1]]
    column = {name: position for position, name in enumerate(header)}
    dated = "date" in column
    if not dated and period is None:
        raise _no_period()
    position_column = column.get("metadata_step_position")
    rows: list[CountRow] = []
    rejected: list[Rejection] = []
    for line, cells in table.records[start + 1 :]:
        if len(cells) < len(header):
            rejected.append(Rejection(line, "the row has fewer cells than the header"))
            continue
        try:
            first, last = (
                period_label(cells[column["date"]]) if dated else period  # type: ignore[misc]
            )
            count = whole_number(cells[column["step_nb_visits"]], ".", "step_nb_visits")
        except CellProblem as problem:
            rejected.append(Rejection(line, str(problem)))
            continue
        position = cells[position_column] if position_column is not None else ""
        name = _step(cells[column["label"]], position)
        if not name:
            rejected.append(Rejection(line, "the step (label) is empty"))
            continue
        rows.append(CountRow(line, first, last, name, *segment, count))
    return rows, rejected


def read_document(
    document: Any,
    period: tuple[date, date] | None,
    segment: tuple[str, str],
) -> tuple[list[CountRow], list[Rejection]]:
    if isinstance(document, list):
        if period is None:
            raise _no_period()
        periods: list[tuple[tuple[date, date], list[Any]]] = [(period, document)]
    elif isinstance(document, dict):
        periods = []
        for label, steps in document.items():
            try:
                periods.append((period_label(label), steps or []))
            except CellProblem as problem:
                raise FunnelFileError(f"The Matomo report's {problem}.") from None
    else:
        raise FunnelFileError("The Matomo report is neither a list nor an object.")
    rows: list[CountRow] = []
    rejected: list[Rejection] = []
    number = 0
    for (first, last), steps in periods:
        for step in steps:
            number += 1
            if not isinstance(step, dict):
                rejected.append(Rejection(number, "the step is not an object"))
                continue
            try:
                count = whole_number(
                    str(step.get("step_nb_visits", "")), ".", "step_nb_visits"
                )
            except CellProblem as problem:
                rejected.append(Rejection(number, str(problem)))
                continue
            name = _step(str(step.get("label", "")), str(step.get("step_position", "")))
            rows.append(CountRow(number, first, last, name, *segment, count))
    return rows, rejected
