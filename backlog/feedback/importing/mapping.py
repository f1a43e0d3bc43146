"""Which column of an export feeds which field of a feedback item.

Headers are recognised by name, in English and German, for the help desks and
survey tools of backlog.feedback.importing.tools and for spreadsheets of any kind;
a column spanning several header rows is recognised by any of them. In survey
files, whose columns are questions, the free-text question is proposed as the
text and the other answers are kept as attributes of the item. People can
change every choice.
"""

import re
from dataclasses import dataclass, field
from statistics import mean

from backlog.feedback.importing.cells import looks_like_html
from backlog.feedback.importing.tools import Tool, recognise_tool


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
        "Ticket or response id",
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
        "conversation #",
        "case number",
        "case id",
        "response id",
        "responseid",
        "respondent id",
        "submission id",
        "review id",
        "ticket-nr",
        "ticketnummer",
        "#",
    ],
    "received_at": [
        "created at",
        "created at (utc)",
        "created",
        "created time",
        "created datetime",
        "created date",
        "create date",
        "date created",
        "creation date",
        "conversation started at",
        "submit date (utc)",
        "submitted at",
        "submitted",
        "date submitted",
        "recordeddate",
        "recorded date",
        "review created (utc)",
        "review date",
        "received at",
        "timestamp",
        "end date",
        "start date (utc)",
        "start date",
        "date",
        "when",
        "created_at",
        "erstellt am",
        "erstellt",
        "erstellungszeit",
        "erstellungsdatum",
        "datum",
    ],
    "text": [
        "description",
        "ticket description",
        "review content",
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
        "source.body",
        "comments[0].plain_body",
        "beschreibung",
        "nachricht",
        "kommentar",
    ],
    "subject": [
        "subject",
        "ticket name",
        "review title",
        "title",
        "raw_subject",
        "betreff",
        "titel",
    ],
    "source": ["via", "channel", "via.channel", "source", "quelle", "kanal"],
    "customer": [
        "requester email",
        "user email",
        "customer email",
        "contact email",
        "email",
        "e-mail",
        "email address",
        "recipientemail",
        "requester",
        "customer",
        "customer name",
        "user name",
        "contact",
        "requester.email",
        "kunde",
        "kunden-e-mail",
        "kontakt",
    ],
    "page": [
        "page url",
        "url",
        "page",
        "source url",
        "landing page",
        "referrer",
        "seite",
    ],
    "product_area": [
        "product area",
        "category",
        "ticket type",
        "type",
        "typ",
        "kategorie",
        "product",
    ],
    "themes": [
        "tags",
        "conversation tags",
        "tags.tags[].name",
        "labels",
        "topics",
        "themes",
        "schlagwörter",
    ],
    "sentiment": [
        "satisfaction score",
        "satisfaction rating",
        "satisfaction_rating.score",
        "conversation rating",
        "conversation_rating.rating",
        "review stars",
        "stars",
        "rating",
        "csat",
        "nps",
        "score",
        "sentiment",
        "bewertung",
        "zufriedenheit",
    ],
}

# Columns of survey files that describe the response rather than answer a
# question, and columns of personal data: never proposed as text or attributes.
METADATA = re.compile(
    r"^(?:#|id|number|user|respondent id|collector id|response ?id|network id|"
    r"start ?date|end ?date|submit date|stage date|recorded ?date|date submitted|"
    r"timestamp|status|response type|ip ?address|progress|duration.*|finished|"
    r"recipient.*|external ?(?:data )?reference|location ?(?:latitude|longitude)|"
    r"distribution ?channel|user ?language|country|source url|device|browser|os|"
    r"hotjar user id|email address|e-?mail|first name|last name|name|phone|"
    r"custom data \d+|tags|score|total score|user agent|language|q_.*|"
    r"response type|ending|review .*|business unit id|webshop name|domain url)"
    r"(?: \(utc\))?$"
)
PERSONAL = re.compile(
    r"e-?mail|\bname\b|first ?name|last ?name|full ?name|username|phone|telefon|"
    r"mobile|ip ?address|recipient|\baddress\b|adresse|vollständiger name|"
    r"requester|respondent|reviewer|\bauthor\b|customer ?name|contact ?name|"
    r"\bkunde\b|kundenname|\bnom\b|nombre"
)


def normalise_header(name: str) -> str:
    name = name.strip().lstrip("\ufeff").lower()
    name = re.sub(r"[?:*]+", "", name)
    return re.sub(r"\s+", " ", name).strip()


@dataclass
class Suggestion:
    mapping: dict[str, str]
    tool: Tool | None
    attribute_columns: list[str] = field(default_factory=list)
    html_columns: list[str] = field(default_factory=list)


def suggest(
    header: list[str], aliases: list[list[str]], samples: list[list[str]]
) -> Suggestion:
    """What each column probably is, from its names and its first values."""
    names = _names_by_column(header, aliases)
    tool = recognise_tool({name for known in names.values() for name in known})
    mapping = suggest_mapping(header, aliases, tool)
    attributes: list[str] = []
    if tool is None or tool.is_survey or "text" not in mapping:
        questions = _questions(header, names, mapping)
        if "text" not in mapping:
            open_ended = {
                column for column in questions if "open-ended response" in names[column]
            }
            text = _free_text_question(questions, header, samples, open_ended)
            if text:
                mapping["text"] = text
        if tool is None or tool.is_survey:
            attributes = [
                column
                for column in questions
                if column != mapping.get("text")
                and _has_values(column, header, samples)
            ]
    html = [
        mapping[name]
        for name in ("text", "subject")
        if name in mapping and looks_like_html(_column(mapping[name], header, samples))
    ]
    return Suggestion(mapping, tool, attributes, html)


def suggest_mapping(
    header: list[str], aliases: list[list[str]] | None = None, tool: Tool | None = None
) -> dict[str, str]:
    """Map field names to columns of `header` where a header name is known.

    Each column feeds at most one field; the tool's own names are tried first,
    then earlier names in KNOWN_HEADERS.
    """
    names = _names_by_column(header, aliases or [[c] for c in header])
    by_name: dict[str, str] = {}
    for column in header:
        for name in names[column]:
            by_name.setdefault(name, column)
    mapping: dict[str, str] = {}
    used: set[str] = set()
    for field_name in FIELD_NAMES:
        preferred = list(tool.headers.get(field_name, ())) if tool else []
        for known in preferred + KNOWN_HEADERS[field_name]:
            known_column = by_name.get(known)
            if known_column and known_column not in used:
                mapping[field_name] = known_column
                used.add(known_column)
                break
    return mapping


def _names_by_column(
    header: list[str], aliases: list[list[str]]
) -> dict[str, list[str]]:
    names: dict[str, list[str]] = {}
    for position, column in enumerate(header):
        known = [normalise_header(column)]
        if position < len(aliases):
            known += [normalise_header(a) for a in aliases[position] if a]
        names[column] = list(dict.fromkeys(known))
    return names


def personal_columns(header: list[str], aliases: list[list[str]]) -> set[str]:
    """Columns that hold who a customer is (name, email, phone, address): they
    are never kept as attributes, only ever as the pseudonymised customer."""
    names = _names_by_column(header, aliases)
    return {
        column
        for column in header
        if any(PERSONAL.search(name) for name in names[column])
    }


def _questions(
    header: list[str], names: dict[str, list[str]], mapping: dict[str, str]
) -> list[str]:
    used = set(mapping.values())
    return [
        column
        for column in header
        if column not in used
        and not any(METADATA.match(name) for name in names[column])
        and not any(PERSONAL.search(name) for name in names[column])
    ]


def _column(column: str, header: list[str], samples: list[list[str]]) -> list[str]:
    position = header.index(column)
    return [row[position] for row in samples if len(row) > position]


def _has_values(column: str, header: list[str], samples: list[list[str]]) -> bool:
    return any(value.strip() for value in _column(column, header, samples))


def _free_text_question(
    questions: list[str],
    header: list[str],
    samples: list[list[str]],
    open_ended: set[str],
) -> str | None:
    """The question people answer in their own words: long, varied answers."""
    best, best_score = None, 0.0
    for column in questions:
        answers = [v.strip() for v in _column(column, header, samples) if v.strip()]
        if len(answers) < 2 and len(samples) > 2:
            continue
        if not answers:
            continue
        length = mean(len(answer) for answer in answers)
        variety = len(set(answers)) / len(answers)
        words = mean(len(answer.split()) for answer in answers)
        if words < 3 or variety < 0.4:
            continue
        score = length * variety
        if column in open_ended:
            # SurveyMonkey marks the questions answered in people's own words.
            score *= 10
        if score > best_score:
            best, best_score = column, score
    return best


def mapping_problems(
    mapping: dict[str, str], header: list[str], *, no_date: bool = True
) -> list[str]:
    """Say what is wrong with a mapping, or nothing when it can be imported.

    Without a date column the import needs the explicit `no_date` confirmation.
    """
    problems = []
    if not mapping.get("text") and not mapping.get("subject"):
        problems.append("Choose the column that holds the text of the feedback.")
    if not mapping.get("received_at") and not no_date:
        problems.append(
            "Choose the column that holds the date of the feedback, or confirm "
            "that the file has no date (the items are then dated by the import)."
        )
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
