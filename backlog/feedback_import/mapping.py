"""Which column of an export feeds which field of a feedback item.

Known header names of Zendesk, Freshdesk, Intercom and common survey exports are
recognised (in English and German); people can change every choice.
"""

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    help: str
    required: bool = False


FIELDS = [
    Field("text", "Text", "What the customer wrote or said.", required=True),
    Field("subject", "Subject", "Used as the text when the text column is empty."),
    Field(
        "external_id",
        "Ticket or conversation id",
        "Lets a re-import update items instead of duplicating them.",
    ),
    Field("received_at", "Date", "When the feedback arrived."),
    Field("source", "Channel", "Email, chat, phone, web form…"),
    Field("customer", "Customer", "Email or name; stored pseudonymised."),
    Field("page", "Page or URL", "Where the customer was."),
    Field("product_area", "Product area", "Category, group or type."),
    Field("themes", "Tags / themes", "Separated by commas, semicolons or spaces."),
    Field("sentiment", "Rating or sentiment", "CSAT, rating 1–5, NPS 0–10 or words."),
]
FIELD_NAMES = [f.name for f in FIELDS]

KNOWN_HEADERS: dict[str, list[str]] = {
    "external_id": [
        "id",
        "ticket id",
        "ticket-id",
        "ticket number",
        "ticket #",
        "ticket nr",
        "conversation id",
        "case number",
        "case id",
        "response id",
        "respondent id",
        "submission id",
        "ticket-nr",
        "ticketnummer",
    ],
    "received_at": [
        "created at",
        "created",
        "created time",
        "created date",
        "date created",
        "conversation started at",
        "submitted at",
        "submitted",
        "start date",
        "received at",
        "timestamp",
        "date",
        "erstellt am",
        "erstellt",
        "datum",
        "erstellungsdatum",
    ],
    "text": [
        "description",
        "first message",
        "message",
        "body",
        "text",
        "comment",
        "comments",
        "feedback",
        "response",
        "answer",
        "what could we improve",
        "beschreibung",
        "nachricht",
        "kommentar",
    ],
    "subject": ["subject", "title", "betreff", "titel"],
    "source": ["via", "channel", "source", "quelle", "kanal"],
    "customer": [
        "requester email",
        "user email",
        "customer email",
        "contact email",
        "email",
        "e-mail",
        "requester",
        "customer",
        "user name",
        "contact",
        "kunde",
        "kunden-e-mail",
        "kontakt",
    ],
    "page": ["page url", "url", "page", "landing page", "referrer", "seite"],
    "product_area": [
        "product area",
        "category",
        "type",
        "typ",
        "kategorie",
        "product",
    ],
    "themes": [
        "tags",
        "conversation tags",
        "labels",
        "topics",
        "themes",
        "schlagwörter",
    ],
    "sentiment": [
        "satisfaction score",
        "satisfaction rating",
        "conversation rating",
        "rating",
        "csat",
        "nps",
        "score",
        "sentiment",
        "bewertung",
        "zufriedenheit",
    ],
}

SOURCE_SYSTEM_SIGNATURES = {
    "zendesk": {"requester", "via", "satisfaction score"},
    "freshdesk": {"ticket-id", "betreff", "quelle"},
    "intercom": {"conversation id", "conversation started at", "first message"},
    "typeform": {"submitted at", "response id"},
}


def normalise_header(name: str) -> str:
    name = name.strip().lstrip("\ufeff").lower()
    name = re.sub(r"[?:*]+", "", name)
    return re.sub(r"\s+", " ", name).strip()


def suggest_mapping(header: list[str]) -> dict[str, str]:
    """Map field names to columns of `header` where the header name is known.

    Each column feeds at most one field; earlier names in KNOWN_HEADERS win.
    """
    normalised = {normalise_header(column): column for column in header}
    mapping: dict[str, str] = {}
    used: set[str] = set()
    for field_name in FIELD_NAMES:
        for known in KNOWN_HEADERS[field_name]:
            column = normalised.get(known)
            if column and column not in used:
                mapping[field_name] = column
                used.add(column)
                break
    return mapping


def guess_source_system(header: list[str]) -> str:
    names = {normalise_header(column) for column in header}
    best, best_hits = "", 0
    for system, signature in SOURCE_SYSTEM_SIGNATURES.items():
        hits = len(signature & names)
        if hits > best_hits:
            best, best_hits = system, hits
    return best if best_hits >= 2 else ""


def mapping_problems(mapping: dict[str, str], header: list[str]) -> list[str]:
    """Say what is wrong with a mapping, or nothing when it can be imported."""
    problems = []
    if not mapping.get("text") and not mapping.get("subject"):
        problems.append("Choose the column that holds the text of the feedback.")
    unknown = [column for column in mapping.values() if column not in header]
    if unknown:
        problems.append(f"These columns are not in the file: {', '.join(unknown)}.")
    chosen = [column for column in mapping.values() if column]
    repeated = sorted({column for column in chosen if chosen.count(column) > 1})
    if repeated:
        problems.append(
            f"Each column can feed one field only: {', '.join(repeated)} is used twice."
        )
    return problems
