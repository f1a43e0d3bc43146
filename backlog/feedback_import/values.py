"""Turning the cells of an export into clean values: dates, channels, ratings, tags."""

import re
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from functools import lru_cache

import pandas as pd

# Years feedback can be dated in; others are misread dates ("/1" reads as year 0).
FIRST_YEAR, LAST_YEAR = 1900, 2200


@dataclass(frozen=True)
class DateFormat:
    key: str
    label: str
    example: str
    patterns: tuple[str, ...]


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
            for time in (" %H:%M:%S", " %H:%M", "")
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
EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)


def parse_dates(values: pd.Series, format_key: str, tz: tzinfo) -> pd.Series:
    """Parse a column of date strings; unparseable values become NaT.

    Values without a time zone are taken to be in `tz`; the result is in UTC.
    """
    date_format = DATE_FORMATS_BY_KEY[format_key]
    cleaned = values.fillna("").astype(str).str.strip()
    result = pd.Series(pd.NaT, index=cleaned.index, dtype="datetime64[ns, UTC]")
    pending = cleaned != ""
    for pattern in date_format.patterns:
        if not pending.any():
            break
        parsed = _parse_pattern(cleaned[pending], pattern, tz)
        hit = parsed.notna()
        result.loc[parsed.index[hit]] = parsed[hit]
        pending &= ~result.notna()
    return result


def _parse_pattern(values: pd.Series, pattern: str, tz: tzinfo) -> pd.Series:
    try:
        parsed = pd.to_datetime(values, format=pattern, errors="coerce")
    except (ValueError, TypeError):
        # A column mixing values with and without a time zone: one by one.
        parsed = values.map(lambda v: _parse_one(v, pattern, tz))
        parsed = pd.to_datetime(parsed, utc=True, errors="coerce")
        return parsed.where(parsed.dt.year.between(FIRST_YEAR, LAST_YEAR)).astype(
            "datetime64[ns, UTC]"
        )
    # Years a pattern can read but no real feedback has ("/1" reads as year 0)
    # would overflow the nanosecond timestamps below; they become missing dates.
    parsed = parsed.where(parsed.dt.year.between(FIRST_YEAR, LAST_YEAR))
    if getattr(parsed.dt, "tz", None) is None:
        parsed = parsed.dt.tz_localize(tz, ambiguous="NaT", nonexistent="shift_forward")
    return parsed.dt.tz_convert("UTC").astype("datetime64[ns, UTC]")


def _parse_one(value: str, pattern: str, tz: tzinfo):
    stamp = pd.to_datetime(value, format=pattern, errors="coerce")
    if pd.isna(stamp) or not FIRST_YEAR <= stamp.year <= LAST_YEAR:
        return pd.NaT
    if stamp.tzinfo is None:
        stamp = stamp.tz_localize(tz, ambiguous="NaT", nonexistent="shift_forward")
    return stamp.tz_convert("UTC")


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


SOURCE_WORDS = {
    "email": ["email", "e-mail", "mail", "inbound email"],
    "chat": [
        "chat",
        "live chat",
        "messenger",
        "whatsapp",
        "chat widget",
        "web widget",
        "sms",
        "in-app",
        "instagram dm",
    ],
    "call": ["phone", "voice", "call", "telefon", "anruf", "hotline", "voicemail"],
    "ticket": ["web", "web form", "webform", "form", "portal", "api", "ticket"],
    "survey": ["survey", "nps", "csat", "umfrage", "feedback form"],
    "review": ["review", "trustpilot", "app store", "google play", "bewertung"],
    "social": ["twitter", "x", "facebook", "instagram", "social", "tiktok", "linkedin"],
}
SOURCE_LOOKUP = {
    word: source for source, words in SOURCE_WORDS.items() for word in words
}
SYSTEM_DEFAULT_SOURCE = {
    "zendesk": "ticket",
    "freshdesk": "ticket",
    "intercom": "chat",
    "typeform": "survey",
    "surveymonkey": "survey",
    "trustpilot": "review",
}


@lru_cache(maxsize=4096)
def parse_source(value: str, default: str) -> str:
    word = value.strip().lower()
    return SOURCE_LOOKUP.get(word, default)


POSITIVE_WORDS = {"good", "great", "positive", "satisfied", "happy", "gut", "zufrieden"}
NEGATIVE_WORDS = {"bad", "poor", "negative", "unsatisfied", "unhappy", "schlecht"}
NEUTRAL_WORDS = {"neutral", "ok", "okay", "average", "mittel"}


def rating_scale(samples: list[str]) -> int:
    """10 for NPS-like columns (values above 5 appear), else 5."""
    numbers = [_number(s) for s in samples]
    numbers = [n for n in numbers if n is not None]
    return 10 if numbers and max(numbers) > 5 else 5


@lru_cache(maxsize=4096)
def parse_sentiment(value: str, scale: int = 5) -> str:
    """positive, neutral, negative, or "" when the cell says nothing about it."""
    word = value.strip().lower()
    if not word:
        return ""
    number = _number(word)
    if number is not None:
        # NPS: detractors 0–6, passives 7–8, promoters 9–10. Ratings 1–5: 1–2 are
        # unhappy, 3 is neither, 4–5 are happy.
        if scale == 10:
            low, high = 6, 8
        else:
            low, high = 2, 3
        if number <= low:
            return "negative"
        return "neutral" if number <= high else "positive"
    if word in POSITIVE_WORDS:
        return "positive"
    if word in NEGATIVE_WORDS or word.startswith("unzufrieden"):
        return "negative"
    if word in NEUTRAL_WORDS:
        return "neutral"
    return ""


def _number(value: str) -> float | None:
    try:
        return float(value.strip().replace(",", "."))
    except ValueError:
        return None


def split_themes(value: str) -> list[str]:
    """Tags as people wrote them, cleaned: "Checkout, new customer" -> two themes."""
    return list(_split_themes(value))


@lru_cache(maxsize=8192)
def _split_themes(value: str) -> tuple[str, ...]:
    value = value.strip()
    if not value:
        return []
    parts = re.split(r"[,;|]" if re.search(r"[,;|]", value) else r"\s+", value)
    themes: list[str] = []
    for part in parts:
        theme = re.sub(r"\s+", "-", part.strip().lower().lstrip("#"))[:50]
        if theme and theme not in themes:
            themes.append(theme)
    return tuple(themes)
