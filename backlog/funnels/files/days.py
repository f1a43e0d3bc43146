"""The days of a funnel export: dates as analytics tools and spreadsheets write them.

A count belongs to a calendar day of the analytics property, so a plain date is
kept as it is. A time stamp with an offset or a "Z" ("2024-03-01T23:30:00Z") is
turned into the day it was in the time zone the funnel is counted in; a time
stamp without one is read as a time of that zone already. Dates written with
slashes ("03/01/2024") read day-first or month-first: the column decides, from
a value that only one reading allows; a column that every value leaves open is
refused rather than guessed.
"""

import re
from collections.abc import Iterable
from datetime import date, datetime, timedelta, tzinfo

from backlog.funnels.files.results import FunnelFileError

_ISO_DAY = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")
_DOTTED = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")
_SLASHED = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_ISO_WEEK = re.compile(r"(\d{4})-?W(\d{2})")
_STAMP = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
_NAMED = re.compile(r"([A-Za-z]+)\.? (\d{1,2}),? (\d{4})")  # Mar 1, 2024
_NAMED_DAY_FIRST = re.compile(r"(\d{1,2})\.? ([A-Za-z]+)\.? (\d{4})")  # 1 Mar 2024


class DayProblem(ValueError):
    """A cell holds no day; the message is for people."""


def slash_order(values: Iterable[str]) -> str | None:
    """Whether the column's slashed dates are day-first ("dmy") or month-first
    ("mdy"); None when it has none. Raises FunnelFileError when the values allow
    both or neither."""
    day_first = month_first = True
    seen = False
    for value in values:
        match = _SLASHED.fullmatch(value.strip())
        if not match:
            continue
        seen = True
        first, second = int(match.group(1)), int(match.group(2))
        day_first &= second <= 12
        month_first &= first <= 12
    if not seen:
        return None
    if day_first and not month_first:
        return "dmy"
    if month_first and not day_first:
        return "mdy"
    raise FunnelFileError(
        "The dates with slashes read both day-first and month-first (03/04/2024 "
        "is 3 April or 4 March). Save the file with dates as 2024-04-03 and "
        "retry."
        if day_first
        else "The dates with slashes are neither day-first nor month-first."
    )


def _day(year: str | int, month: str | int, day: str | int, text: str) -> date:
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        raise DayProblem(f"the date does not exist: “{text}”") from None


def parse_day(text: str, zone: tzinfo, slashes: str | None = None) -> date:
    """The day a cell names, in `zone` when the cell is a time stamp."""
    value = text.strip()
    if not value:
        raise DayProblem("the date is empty")
    if _STAMP.match(value):
        try:
            stamp = datetime.fromisoformat(value.replace(" UTC", "Z"))
        except ValueError:
            raise DayProblem(f"the date is not one: “{value}”") from None
        if stamp.tzinfo is not None:
            stamp = stamp.astimezone(zone)
        return stamp.date()
    for pattern, order in (
        (_ISO_DAY, (1, 2, 3)),
        (_COMPACT, (1, 2, 3)),
        (_DOTTED, (3, 2, 1)),
    ):
        match = pattern.fullmatch(value)
        if match:
            year, month, day = (match.group(i) for i in order)
            return _day(year, month, day, value)
    match = _SLASHED.fullmatch(value)
    if match:
        first, second, year = match.groups()
        if slashes == "dmy":
            return _day(year, second, first, value)
        return _day(year, first, second, value)
    for pattern, month_group, day_group in (
        (_NAMED, 1, 2),
        (_NAMED_DAY_FIRST, 2, 1),
    ):
        match = pattern.fullmatch(value)
        month = _MONTHS.get(match.group(month_group).casefold()) if match else None
        if match and month:
            return _day(match.group(3), month, match.group(day_group), value)
    raise DayProblem(f"the date is not one: “{value}”")


def parse_week(text: str, zone: tzinfo, slashes: str | None = None) -> date:
    """The first day of a week: a date, or an ISO week (“2024-W09”, from Monday)."""
    match = _ISO_WEEK.fullmatch(text.strip())
    if match:
        try:
            return date.fromisocalendar(int(match.group(1)), int(match.group(2)), 1)
        except ValueError:
            raise DayProblem(f"the week does not exist: “{text.strip()}”") from None
    return parse_day(text, zone, slashes)


def week_end(start: date) -> date:
    return start + timedelta(days=6)
