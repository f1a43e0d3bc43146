"""Turning the cells of an export into clean values: text, channels, ratings, tags.

Dates are read by backlog.feedback.importing.dates.
"""

import re
from functools import lru_cache

from inscriptis import get_text
from inscriptis.css_profiles import CSS_PROFILES
from inscriptis.model.config import ParserConfig

HTML_MARK = re.compile(
    r"<(?:p|div|br|span|b|i|u|strong|em|a|ul|ol|li|table|tr|td|th|h[1-6]|img|font|"
    r"blockquote|pre|hr|html|body)\b[^>]*>|&(?:[a-zA-Z]{2,8}|#\d{2,5}|#x[0-9a-fA-F]{2,4});",
    re.IGNORECASE,
)
_HTML_CONFIG = ParserConfig(css=CSS_PROFILES["strict"], display_images=False)


def looks_like_html(samples: list[str]) -> bool:
    """Whether a column holds HTML: tags or entities in a tenth of its values."""
    filled = [value for value in samples if value and value.strip()]
    if not filled:
        return False
    marked = sum(1 for value in filled if HTML_MARK.search(value))
    return marked >= max(1, len(filled) // 10)


def html_to_text(value: str) -> str:
    """The text of an HTML body: line breaks kept, entities decoded."""
    if "<" not in value and "&" not in value:
        return value
    text = get_text(value, _HTML_CONFIG)
    lines = [line.rstrip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


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


@lru_cache(maxsize=4096)
def parse_source(value: str, default: str) -> str:
    word = value.strip().lower()
    return SOURCE_LOOKUP.get(word, default)


POSITIVE_WORDS = {"good", "great", "positive", "satisfied", "happy", "gut", "zufrieden"}
NEGATIVE_WORDS = {"bad", "poor", "negative", "unsatisfied", "unhappy", "schlecht"}
NEUTRAL_WORDS = {"neutral", "ok", "okay", "average", "mittel"}


def rating_scale(samples: list[str]) -> int:
    """10 for NPS-like columns (values above 5 appear), else 5."""
    parsed = [_number(s) for s in samples]
    numbers = [n for n in parsed if n is not None]
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


# Themes on one feedback item, counted after splitting: the form, the API and
# the import all refuse more rather than keep some.
MAX_THEMES = 30


def too_many_themes(themes: list[str]) -> str | None:
    """Why these split themes are too many for one item, or None."""
    if len(themes) <= MAX_THEMES:
        return None
    return (
        f"{len(themes)} themes, more than the {MAX_THEMES} one item may have "
        "(themes are separated by commas, semicolons or bars)"
    )


def split_themes(value: str) -> list[str]:
    """Tags as people wrote them, cleaned: "Checkout, new customer" -> two themes."""
    return list(_split_themes(value))


@lru_cache(maxsize=8192)
def _split_themes(value: str) -> tuple[str, ...]:
    value = value.strip()
    if not value:
        return ()
    parts = re.split(r"[,;|]" if re.search(r"[,;|]", value) else r"\s+", value)
    themes: list[str] = []
    for part in parts:
        theme = re.sub(r"\s+", "-", part.strip().lower().lstrip("#"))[:50]
        if theme and theme not in themes:
            themes.append(theme)
    return tuple(themes)
