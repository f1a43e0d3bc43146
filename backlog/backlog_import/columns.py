"""Which column of a backlog sheet feeds which part of a hypothesis.

Header names that Airtable, Google Sheets, Excel, Notion, Trello and Jira
backlogs commonly use are recognised; people can change every choice.
"""

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    help: str
    group: str


IDENTITY, STATEMENT, PLACE, SCORES, OUTCOME = (
    "Identity",
    "The hypothesis",
    "Where, who and how far",
    "Scores",
    "Outcome",
)
FIELDS = [
    Field(
        "external_id",
        "Id",
        "The row's id in the sheet (Record ID, Card ID, Issue key). Without one, "
        "rows are matched by their title when the sheet is imported again.",
        IDENTITY,
    ),
    Field("title", "Title (required)", "A short name for the idea.", STATEMENT),
    Field(
        "hypothesis",
        "Whole hypothesis",
        "One free-text statement; “If we …, then … because …” and “Because we saw "
        "…, we expect that …” are split into their parts.",
        STATEMENT,
    ),
    Field("observation", "Because we saw", "The observation or data.", STATEMENT),
    Field("change", "We expect that", "The change you propose.", STATEMENT),
    Field("audience", "For", "The audience or page the change is for.", STATEMENT),
    Field("impact", "Will cause", "The effect you expect.", STATEMENT),
    Field("metric", "Measured by", "The primary metric.", STATEMENT),
    Field("page", "Page or funnel step", "Matched to the pages by name.", PLACE),
    Field("owner", "Owner", "Matched to members by username, email or name.", PLACE),
    Field("team", "Team", "Matched to the teams by name.", PLACE),
    Field("tags", "Tags", "Separated by commas or semicolons.", PLACE),
    Field("kind", "Kind", "Test idea or improvement.", PLACE),
    Field("status", "Status", "Its words are matched in the next step.", PLACE),
    Field("created_at", "Created", "When the idea was written down.", PLACE),
    Field("ice_impact", "ICE Impact", "1–10.", SCORES),
    Field("ice_confidence", "ICE Confidence", "1–10.", SCORES),
    Field("ice_ease", "ICE Ease", "1–10.", SCORES),
    Field("pie_potential", "PIE Potential", "1–10.", SCORES),
    Field("pie_importance", "PIE Importance", "1–10.", SCORES),
    Field("pie_ease", "PIE Ease", "1–10; may be the same column as ICE Ease.", SCORES),
    Field(
        "ice_total",
        "ICE score in the sheet",
        "Checked against Impact, Confidence and Ease; kept as the sheet's score.",
        SCORES,
    ),
    Field(
        "pie_total",
        "PIE score in the sheet",
        "Checked against Potential, Importance and Ease; kept as the sheet's score.",
        SCORES,
    ),
    Field(
        "score",
        "Other score in the sheet",
        "A priority or RICE score; kept as the sheet's score, not ranked.",
        SCORES,
    ),
    Field(
        "scorer",
        "Scored by",
        "Whose scores these are; without it they are yours, marked imported.",
        SCORES,
    ),
    Field("result", "Result", "Won, lost or inconclusive.", OUTCOME),
    Field("learning", "Learning", "What the test taught.", OUTCOME),
    Field("concluded_at", "Concluded", "When the test was concluded.", OUTCOME),
]
FIELD_NAMES = [field.name for field in FIELDS]
FIELDS_BY_NAME = {field.name: field for field in FIELDS}
GROUPS = [IDENTITY, STATEMENT, PLACE, SCORES, OUTCOME]
STRUCTURED = ["observation", "change", "audience", "impact", "metric"]
ICE_PARTS = ["ice_impact", "ice_confidence", "ice_ease"]
PIE_PARTS = ["pie_potential", "pie_importance", "pie_ease"]
DATE_FIELDS = ["created_at", "concluded_at"]
# The one place two fields may share a column: a sheet scoring both ICE and PIE
# often has a single Ease.
SHARED_COLUMNS = {frozenset({"ice_ease", "pie_ease"})}

KNOWN_HEADERS: dict[str, list[str]] = {
    "external_id": [
        "id",
        "record id",
        "card id",
        "issue key",
        "issue id",
        "key",
        "idea id",
        "test id",
        "experiment id",
        "hypothesis id",
        "ref",
        "reference",
        "#",
        "no",
        "number",
    ],
    "title": [
        "title",
        "name",
        "card name",
        "summary",
        "hypothesis title",
        "idea",
        "idea name",
        "test name",
        "experiment name",
        "experiment",
        "test",
        "headline",
    ],
    "hypothesis": [
        "hypothesis",
        "hypothesis statement",
        "statement",
        "description",
        "card description",
    ],
    "observation": [
        "because we saw",
        "observation",
        "insight",
        "evidence",
        "research",
        "problem",
        "rationale",
        "background",
    ],
    "change": [
        "we expect that",
        "change",
        "proposed change",
        "solution",
        "treatment",
    ],
    "audience": ["for", "audience", "segment", "target audience", "who"],
    "impact": [
        "will cause",
        "expected impact",
        "expected outcome",
        "expected result",
        "expected effect",
        "effect",
    ],
    "metric": [
        "measured by",
        "metric",
        "primary metric",
        "kpi",
        "primary kpi",
        "success metric",
        "goal",
    ],
    "page": [
        "page",
        "page or funnel step",
        "funnel step",
        "step",
        "page type",
        "template",
        "location",
        "url",
    ],
    "owner": [
        "owner",
        "assignee",
        "assigned to",
        "members",
        "responsible",
        "lead",
        "owner email",
        "dri",
    ],
    "team": ["team", "squad", "department"],
    "tags": [
        "tags",
        "labels",
        "label",
        "categories",
        "category",
        "themes",
        "theme",
        "topics",
    ],
    "kind": ["kind", "type", "issue type", "idea type", "item type", "work type"],
    "status": [
        "status",
        "stage",
        "list name",
        "list",
        "state",
        "column",
        "phase",
        "pipeline",
    ],
    "created_at": [
        "created",
        "created at",
        "created date",
        "created time",
        "date created",
        "created on",
        "creation date",
        "date added",
        "added",
        "submitted",
        "submitted at",
        "date",
    ],
    "ice_impact": ["impact", "ice impact", "impact (i)", "i"],
    "ice_confidence": ["confidence", "ice confidence", "confidence (c)", "c"],
    "ice_ease": ["ease", "ice ease", "ease (e)", "e"],
    "pie_potential": ["potential", "pie potential", "potential (p)"],
    "pie_importance": ["importance", "pie importance", "importance (i)"],
    "pie_ease": ["pie ease", "ease"],
    "ice_total": [
        "ice score",
        "ice",
        "ice total",
        "ice average",
        "ice mean",
        "ice avg",
    ],
    "pie_total": ["pie score", "pie", "pie total", "pie average", "pie avg"],
    "score": [
        "score",
        "total score",
        "priority score",
        "rice score",
        "rice",
        "pxl score",
        "pxl",
        "total",
    ],
    "scorer": ["scorer", "scored by", "rated by", "score owner"],
    "result": ["result", "outcome", "test result", "verdict", "winner"],
    "learning": [
        "learning",
        "learnings",
        "what we learned",
        "what we learnt",
        "key learning",
        "lessons",
        "lesson",
        "takeaways",
        "takeaway",
        "conclusion",
    ],
    "concluded_at": [
        "concluded",
        "concluded at",
        "concluded on",
        "date concluded",
        "end date",
        "ended",
        "test end",
        "resolved",
        "completed",
        "finished",
    ],
}

TOOL_SIGNATURES = {
    "trello": {"card id", "card name", "list name", "card url", "board name"},
    "jira": {"issue key", "issue id", "issue type", "summary", "reporter"},
    "notion": {"created time", "last edited time", "created by"},
    "airtable": {"record id", "created", "last modified"},
}
TOOL_NAMES = {
    "trello": "Trello",
    "jira": "Jira",
    "notion": "Notion",
    "airtable": "Airtable",
}


def normalise_header(name: str) -> str:
    name = name.strip().lstrip("\ufeff").lower()
    name = re.sub(r"[?:*]+", "", name)
    return re.sub(r"[\s_]+", " ", name).strip()


def suggest_mapping(header: list[str]) -> dict[str, str]:
    """Map field names to columns of `header` where the header name is known.

    Each column feeds one field (Ease may feed ICE and PIE); earlier names in
    KNOWN_HEADERS win. A framework's parts are suggested only all together.
    """
    normalised: dict[str, str] = {}
    for name in header:
        normalised.setdefault(normalise_header(name), name)
    mapping: dict[str, str] = {}
    used: set[str] = set()
    for field_name in FIELD_NAMES:
        for known in KNOWN_HEADERS[field_name]:
            column = normalised.get(known)
            if column is None:
                continue
            shared = field_name == "pie_ease" and mapping.get("ice_ease") == column
            if column not in used or shared:
                mapping[field_name] = column
                used.add(column)
                break
    for parts in (ICE_PARTS, PIE_PARTS):
        # An "Impact" or "Ease" column alone is not a framework's score.
        if not all(part in mapping for part in parts):
            for part in parts:
                mapping.pop(part, None)
    if "score" in mapping:
        # A sheet's one score beside a framework's parts is that framework's.
        for parts, total in ((ICE_PARTS, "ice_total"), (PIE_PARTS, "pie_total")):
            if parts[0] in mapping and total not in mapping:
                mapping[total] = mapping.pop("score")
                break
    if "hypothesis" in mapping and set(STRUCTURED) & set(mapping):
        # A sheet with the parts in columns of their own describes more in its
        # description column than the hypothesis: leave it for people to choose.
        del mapping["hypothesis"]
    return mapping


def recognise_tool(header: list[str]) -> str:
    """The tool a sheet was exported from, when its headers say so; else ""."""
    names = {normalise_header(column) for column in header}
    best, best_hits = "", 0
    for tool, signature in TOOL_SIGNATURES.items():
        hits = len(signature & names)
        if hits > best_hits:
            best, best_hits = tool, hits
    return best if best_hits >= 2 else ""


def tag_columns(header: list[str], column: str) -> list[str]:
    """The column for tags and its numbered repeats (“Labels (2)”): Jira writes
    one column per label, all with the same name."""
    repeats = re.compile(re.escape(column) + r" \(\d+\)")
    return [column] + [name for name in header if repeats.fullmatch(name)]


def mapping_problems(mapping: dict[str, str], header: list[str]) -> list[str]:
    """Say what is wrong with a mapping, or nothing when it can be imported."""
    problems = []
    if not mapping.get("title"):
        problems.append("Choose the column that holds the title of each idea.")
    unknown_fields = sorted(set(mapping) - set(FIELD_NAMES))
    if unknown_fields:
        problems.append(f"These are not fields: {', '.join(unknown_fields)}.")
    unknown = [column for column in mapping.values() if column not in header]
    if unknown:
        problems.append(f"These columns are not in the file: {', '.join(unknown)}.")
    by_column: dict[str, set[str]] = {}
    for field_name, column in mapping.items():
        by_column.setdefault(column, set()).add(field_name)
    repeated = sorted(
        column
        for column, fields in by_column.items()
        if len(fields) > 1 and frozenset(fields) not in SHARED_COLUMNS
    )
    if repeated:
        problems.append(
            "Each column can feed one field only (Ease may feed ICE and PIE): "
            f"{', '.join(repeated)} is used twice."
        )
    for parts, name in ((ICE_PARTS, "ICE"), (PIE_PARTS, "PIE")):
        chosen = [part for part in parts if mapping.get(part)]
        if chosen and len(chosen) < len(parts):
            missing = [FIELDS_BY_NAME[p].label for p in parts if p not in chosen]
            problems.append(
                f"{name} needs all three of its parts: choose {', '.join(missing)} "
                f"too, or none of them."
            )
    return problems
