"""Dates as backlog tools write them.

Year-first, day-first and month-first dates are read by the feedback import's
parser. Backlog tools add their own: Notion writes "January 5, 2026 2:05 PM",
Jira "05/Jan/26 2:05 PM" and Airtable "1/5/2026 2:05pm"; those are read here.
Times without a zone are in the zone the importing person chose.
"""

import re
from datetime import UTC, datetime, tzinfo

import pandas as pd

from backlog.feedback.importing.dates import (
    DATE_FORMATS,
    FIRST_YEAR,
    LAST_YEAR,
    detect_date_format,
    parse_dates,
)

WRITTEN = "written"
WRITTEN_PATTERNS = tuple(
    f"{date}{time}"
    for date in (
        "%B %d, %Y",
        "%b %d, %Y",
        "%d %B %Y",
        "%d %b %Y",
        "%d/%b/%y",
        "%d/%b/%Y",
        "%d-%b-%Y",
        "%d-%b-%y",
    )
    for time in (" %I:%M %p", " %H:%M", "")
)
FORMAT_CHOICES = [(f.key, f"{f.label} ({f.example})") for f in DATE_FORMATS] + [
    (WRITTEN, "Month written out (January 5, 2026 or 05/Jan/26 2:05 PM)")
]
FORMAT_KEYS = [key for key, _ in FORMAT_CHOICES]
OWN_ZONE = re.compile(r"(?:Z|UTC|GMT|[+-]\d{2}:?\d{2})$", re.IGNORECASE)
AM_PM = re.compile(r"(\d)\s*([ap])\.?m\.?(?!\w)", re.IGNORECASE)


def _tidy(values: pd.Series) -> pd.Series:
    """Airtable writes "2:05pm": the parsers want "2:05 PM"."""
    text = values.fillna("").astype(str).str.strip()
    return text.str.replace(
        AM_PM, lambda m: f"{m.group(1)} {m.group(2).upper()}M", regex=True
    )


def _parse_written(values: pd.Series, tz: tzinfo) -> pd.Series:
    result = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns, UTC]")
    pending = values != ""
    for pattern in WRITTEN_PATTERNS:
        if not pending.any():
            break
        parsed = pd.to_datetime(values[pending], format=pattern, errors="coerce")
        parsed = parsed.where(parsed.dt.year.between(FIRST_YEAR, LAST_YEAR))
        parsed = parsed.dt.tz_localize(
            tz, ambiguous="NaT", nonexistent="shift_forward"
        ).dt.tz_convert("UTC")
        hit = parsed.notna()
        result.loc[parsed.index[hit]] = parsed[hit].astype("datetime64[ns, UTC]")
        pending &= result.isna()
    return result


def _in_zone(wall, tz: tzinfo):
    """A wall-clock time in `tz` as UTC, by the rule of `feedback_import.zones`
    (PEP 495, fold=0): a time that occurs twice is the first, a time the clocks
    skip is read with the offset in force before the change."""
    if pd.isna(wall):
        return pd.NaT
    local = datetime(
        wall.year,
        wall.month,
        wall.day,
        wall.hour,
        wall.minute,
        wall.second,
        wall.microsecond,
        tzinfo=tz,
        fold=0,
    )
    return pd.Timestamp(local.astimezone(UTC))


def parse_sheet_dates(values: pd.Series, format_key: str, tz: tzinfo) -> pd.Series:
    """Parse a column of dates; unreadable ones become NaT, the rest UTC.

    Dates are read as wall-clock times first and placed in `tz` one by one, so
    that the hour a daylight-saving change repeats or skips is read by the
    zones' rule instead of being lost; a date written with its own offset
    keeps it.
    """
    tidy = _tidy(values)
    if format_key == WRITTEN:
        walls = _parse_written(tidy, UTC)
    else:
        walls = parse_dates(tidy, format_key, UTC)
    zoned = tidy.str.contains(OWN_ZONE).tolist()
    stamps = [
        wall if own else _in_zone(wall, tz)
        for wall, own in zip(walls.tolist(), zoned, strict=True)
    ]
    return pd.Series(stamps, index=values.index, dtype="datetime64[ns, UTC]")


def detect_sheet_date_format(samples: list[str], tz: tzinfo) -> tuple[str, bool]:
    """The format that reads most samples, and whether day and month could be
    swapped (then the page asks the person to confirm)."""
    values = pd.Series([s for s in samples if s and s.strip()][:300], dtype=object)
    if values.empty:
        return "iso", False
    tidy = _tidy(values)
    best, ambiguous = detect_date_format(tidy.tolist(), tz)
    best_hits = int(parse_dates(tidy, best, tz).notna().sum())
    written_hits = int(_parse_written(tidy, tz).notna().sum())
    if written_hits > best_hits:
        return WRITTEN, False
    return best, ambiguous


def share_read(samples: list[str], format_key: str, tz: tzinfo) -> float:
    """How many of the filled samples read as dates in this format (0–1)."""
    values = pd.Series([s for s in samples if s and s.strip()][:300], dtype=object)
    if values.empty:
        return 1.0
    return float(parse_sheet_dates(values, format_key, tz).notna().mean())
