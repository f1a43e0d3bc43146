"""The periods assessments describe: quarters by default, any text when asked."""

import re
from collections.abc import Collection
from datetime import date

QUARTER = re.compile(r"Q([1-4]) (\d{4})")
# Far enough ahead for any organisation's plans; a guard, not a limit people meet.
QUARTERS_SEARCHED = 40


def quarter_of(day: date) -> str:
    return f"Q{(day.month - 1) // 3 + 1} {day.year}"


def following_quarter(period: str) -> str | None:
    """The quarter after a period written like “Q4 2026”; None for other text."""
    match = QUARTER.fullmatch(period.strip())
    if match is None:
        return None
    quarter, year = int(match[1]), int(match[2])
    return f"Q1 {year + 1}" if quarter == 4 else f"Q{quarter + 1} {year}"


def next_free_period(taken: Collection[str], today: date) -> str:
    """The first quarter from today's on that no assessment in `taken` describes."""
    used = {period.strip().casefold() for period in taken}
    period = quarter_of(today)
    for _ in range(QUARTERS_SEARCHED):
        if period.casefold() not in used:
            return period
        following = following_quarter(period)
        if following is None:  # quarter_of always writes a quarter
            break
        period = following
    return period
