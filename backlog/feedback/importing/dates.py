"""Reading the dates of an export as the moments they are, in UTC.

* A value with an offset or ``Z`` (``2026-03-29T01:30:00Z``, ``… +02:00``) is
  that moment, whatever zone the import is read in.
* A value without one is a local time in the import's zone (the organisation's,
  changeable per import), or in UTC when the column's header says so
  (``Submit Date (UTC)``), or in the zone the file names for it (Qualtrics).
* Local times made ambiguous or impossible by a daylight-saving change follow
  the one rule of backlog.feedback.importing.zones.
* Unix timestamps (10 digits for seconds, 13 for milliseconds) are moments too.
"""

import re
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo

import pandas as pd

# Years feedback can be dated in; others are misread dates ("/1" reads as year 0).
FIRST_YEAR, LAST_YEAR = 1900, 2200
EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)
UTC_DTYPE = "datetime64[ns, UTC]"


@dataclass(frozen=True)
class DateFormat:
    key: str
    label: str
    example: str
    patterns: tuple[str, ...]


_TIMES_24H = (" %H:%M:%S", " %H:%M", "")
DATE_FORMATS = [
    DateFormat("iso", "Year first (ISO)", "2026-12-31 14:05", ("ISO8601",)),
    DateFormat(
        "day-first",
        "Day first",
        "31.12.2026 14:05 or 31/12/2026",
        tuple(
            f"%d{sep}%m{sep}{year}{time}"
            for sep in (".", "/", "-")
            for year in ("%Y", "%y")
            for time in (" %H:%M:%S", " %H:%M", " %I:%M:%S %p", " %I:%M %p", "")
        ),
    ),
    DateFormat(
        "month-first",
        "Month first (US)",
        "12/31/2026 2:05 PM",
        tuple(
            f"%m{sep}%d{sep}{year}{time}"
            for sep in ("/", "-")
            for year in ("%Y", "%y")
            for time in (" %I:%M %p", " %I:%M:%S %p", " %H:%M:%S", " %H:%M", "")
        ),
    ),
]
DATE_FORMATS_BY_KEY = {f.key: f for f in DATE_FORMATS}

# An offset after a time of day: "…03:30Z", "…03:30:00+02:00", "…3:30 PM GMT".
OFFSET = re.compile(
    r"(?<=\d:\d\d)(?P<rest>(?::\d\d(?:[.,]\d+)?)?(?:\s*[AaPp]\.?[Mm]\.?)?)"
    r"\s*(?P<zone>Z|UTC|GMT|[+-]\d\d(?::?\d\d)?)$"
)
MAYBE_OFFSET = re.compile(r"[Zz+]|UTC|GMT|\d:\d\d(?::\d\d(?:[.,]\d+)?)?\s*-\d")
EPOCH = re.compile(r"^\d{9,10}(?:\.\d+)?$|^\d{12,13}$")
UTC_HEADER = re.compile(r"\b(?:UTC|GMT|Z)\b|\(UTC[^)]*\)")


def header_says_utc(name: str) -> bool:
    """Whether a column's header says its times are in UTC ("Created (UTC)")."""
    return bool(UTC_HEADER.search(name))


def carries_zone(value: str) -> bool:
    """Whether a date value says its own zone (an offset, Z, or a timestamp)."""
    value = value.strip()
    return bool(OFFSET.search(value) or EPOCH.match(value))


def parse_dates(values: pd.Series, format_key: str, tz: tzinfo) -> pd.Series:
    """Parse a column of date strings into UTC; unreadable values become NaT.

    Values without an offset are local times in `tz`.
    """
    cleaned = values.fillna("").astype(str).str.strip()
    result = pd.Series(pd.NaT, index=cleaned.index, dtype=UTC_DTYPE)
    pending = cleaned != ""
    if not pending.any():
        return result
    epoch = cleaned.str.match(EPOCH) & pending
    if epoch.any():
        result.loc[epoch] = _from_epoch(cleaned[epoch])
        pending &= ~epoch
    offsets = pd.Series(pd.NA, index=cleaned.index, dtype="Int64")
    has_offset = cleaned.str.contains(MAYBE_OFFSET) & pending
    if has_offset.any():
        parts = cleaned[has_offset].str.extract(OFFSET)
        found = parts["zone"].notna()
        cut = parts.index[found]
        offsets.loc[cut] = parts.loc[found, "zone"].map(_offset_minutes)
        cleaned = cleaned.copy()
        cleaned.loc[cut] = [
            value[: match.start("zone")].rstrip()
            if (match := OFFSET.search(value))
            else value
            for value in cleaned.loc[cut]
        ]
    for pattern in DATE_FORMATS_BY_KEY[format_key].patterns:
        if not pending.any():
            break
        naive = _naive(cleaned[pending], pattern)
        hit = naive.notna()
        if not hit.any():
            continue
        naive = naive[hit]
        zoned = offsets.loc[naive.index].notna()
        if zoned.any():
            fixed = naive[zoned].dt.tz_localize(UTC) - pd.to_timedelta(
                offsets.loc[naive.index[zoned]].astype("int64"), unit="m"
            )
            result.loc[fixed.index] = fixed.astype(UTC_DTYPE)
        if (~zoned).any():
            local = naive[~zoned]
            result.loc[local.index] = localise(local, tz)
        pending &= result.isna()
    return result


def _naive(values: pd.Series, pattern: str) -> pd.Series:
    parsed = pd.to_datetime(values, format=pattern, errors="coerce")
    if getattr(parsed.dt, "tz", None) is not None:
        parsed = parsed.dt.tz_convert(UTC).dt.tz_localize(None)
    # Years a pattern can read but no real feedback has ("/1" reads as year 0)
    # would overflow the nanosecond timestamps below; they become missing dates.
    return parsed.where(parsed.dt.year.between(FIRST_YEAR, LAST_YEAR))


def localise(naive: pd.Series, tz: tzinfo) -> pd.Series:
    """Local times in `tz` as UTC, by the daylight-saving rule of zones.py."""
    stamped = naive.dt.tz_localize(tz, ambiguous="NaT", nonexistent="NaT")
    result = stamped.dt.tz_convert(UTC).astype(UTC_DTYPE)
    unclear = stamped.isna() & naive.notna()
    if unclear.any():
        # The few local times that occur twice or never: PEP 495, fold=0.
        result.loc[unclear] = [
            value.to_pydatetime().replace(tzinfo=tz).astimezone(UTC)
            for value in naive[unclear]
        ]
    return result


def _from_epoch(values: pd.Series) -> pd.Series:
    millis = values.str.fullmatch(r"\d{12,13}")
    stamps = pd.Series(pd.NaT, index=values.index, dtype=UTC_DTYPE)
    if millis.any():
        stamps.loc[millis] = pd.to_datetime(
            values[millis].astype("int64"), unit="ms", utc=True
        )
    if (~millis).any():
        stamps.loc[~millis] = pd.to_datetime(
            values[~millis].astype(float), unit="s", utc=True
        ).dt.round("us")
    return stamps.where(stamps.dt.year.between(FIRST_YEAR, LAST_YEAR))


def _offset_minutes(zone: str) -> int:
    if zone in {"Z", "UTC", "GMT"}:
        return 0
    sign = -1 if zone[0] == "-" else 1
    digits = zone[1:].replace(":", "")
    return sign * (int(digits[:2]) * 60 + int(digits[2:4] or 0))


def detect_date_format(samples: list[str], tz: tzinfo) -> tuple[str, bool]:
    """Choose the date format that reads most samples; say whether it was a guess.

    When day-first and month-first read the samples equally well (every day is 12
    or less) day-first is chosen and the choice is marked ambiguous, so the preview
    asks the person to confirm.
    """
    values = pd.Series([s for s in samples if s and s.strip()][:300], dtype=object)
    if values.empty:
        return "iso", False
    hits = {
        f.key: int(parse_dates(values, f.key, tz).notna().sum()) for f in DATE_FORMATS
    }
    best = max(DATE_FORMATS, key=lambda f: hits[f.key]).key
    ambiguous = best in {"day-first", "month-first"} and (
        hits["day-first"] == hits["month-first"]
    )
    if ambiguous:
        best = "day-first"
    return best, ambiguous
