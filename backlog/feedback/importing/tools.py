"""The tools exports come from: how to recognise each, and what its ids mean.

A tool is recognised by the headers only it writes. Its ids are either unique
across the whole account (a ticket number, a response token) or only within one
file (Hotjar numbers each survey's responses 1, 2, 3…), which decides how a new
import's source is named: after the tool, or after the tool and the file.
"""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Tool:
    key: str
    name: str
    signature: frozenset[str]  # normalised header names only this tool writes
    channel: str  # the channel of its items when the file does not say
    ids_per_file: bool = False
    is_survey: bool = False
    # Header names (normalised) for fields, tried before the general ones.
    headers: dict[str, tuple[str, ...]] = field(default_factory=dict)


def _tool(key, name, signature, channel, **options) -> Tool:
    return Tool(key, name, frozenset(signature), channel, **options)


TOOLS = [
    _tool(
        "zendesk",
        "Zendesk",
        {
            "requester",
            "requester email",
            "via",
            "satisfaction score",
            "ticket type",
            "requester id",
            "assignee",
            "organization",
        },
        "ticket",
    ),
    _tool(
        "zendesk",
        "Zendesk",
        {
            "via.channel",
            "satisfaction_rating.score",
            "requester_id",
            "raw_subject",
            "submitter_id",
            "via.source.from.address",
        },
        "ticket",
        headers={
            "text": ("description", "comments[0].plain_body", "comments[0].body"),
            "source": ("via.channel",),
            "sentiment": ("satisfaction_rating.score",),
            "customer": ("requester.email", "via.source.from.address", "requester_id"),
        },
    ),
    _tool(
        "freshdesk",
        "Freshdesk",
        {
            "ticket-id",
            "betreff",
            "quelle",
            "created time",
            "due by time",
            "resolution status",
            "first response status",
            "erstellungszeit",
            "fällig bis",
            "lösungsstatus",
        },
        "ticket",
    ),
    _tool(
        "intercom",
        "Intercom",
        {
            "conversation id",
            "conversation started at",
            "first message",
            "conversation rating",
            "conversation tags",
            "conversation_rating.rating",
            "source.body",
            "source.delivered_as",
            "tags.tags[].name",
        },
        "chat",
        headers={
            "external_id": ("conversation id", "id"),
            "text": ("first message", "source.body"),
            "received_at": ("conversation started at", "created_at"),
            "themes": ("conversation tags", "tags.tags[].name"),
            "sentiment": ("conversation rating", "conversation_rating.rating"),
            "customer": (
                "source.author.email",
                "user email",
                "contacts.contacts[0].id",
            ),
            "page": ("page url", "source.url"),
        },
    ),
    _tool(
        "helpscout",
        "Help Scout",
        {
            "conversation #",
            "mailbox",
            "waiting since",
            "thread count",
            "customer email",
            "assigned to",
            "conversation id",
        },
        "email",
    ),
    _tool(
        "gorgias",
        "Gorgias",
        {
            "created datetime",
            "last message datetime",
            "assignee user",
            "customer email",
            "ticket id",
            "closed datetime",
            "last received message datetime",
        },
        "ticket",
    ),
    _tool(
        "hubspot",
        "HubSpot",
        {
            "ticket name",
            "ticket description",
            "pipeline",
            "ticket status",
            "create date",
            "ticket owner",
        },
        "ticket",
    ),
    _tool(
        "typeform",
        "Typeform",
        {
            "#",
            "start date (utc)",
            "submit date (utc)",
            "network id",
            "stage date (utc)",
        },
        "survey",
        is_survey=True,
        headers={"external_id": ("#",), "received_at": ("submit date (utc)",)},
    ),
    _tool(
        "surveymonkey",
        "SurveyMonkey",
        {
            "respondent id",
            "collector id",
            "start date",
            "end date",
            "ip address",
            "custom data 1",
        },
        "survey",
        is_survey=True,
        headers={
            "external_id": ("respondent id",),
            "received_at": ("end date", "start date"),
            "customer": ("email address",),
        },
    ),
    _tool(
        "google-forms",
        "Google Forms",
        {"timestamp", "email address", "score"},
        "survey",
        ids_per_file=True,
        is_survey=True,
        headers={"received_at": ("timestamp",), "customer": ("email address",)},
    ),
    _tool(
        "hotjar",
        "Hotjar",
        {
            "number",
            "user",
            "date submitted",
            "country",
            "source url",
            "device",
            "browser",
            "os",
            "hotjar user id",
        },
        "survey",
        ids_per_file=True,
        is_survey=True,
        headers={
            "external_id": ("number", "#"),
            "received_at": ("date submitted",),
            "page": ("source url",),
        },
    ),
    _tool(
        "trustpilot",
        "Trustpilot",
        {
            "review id",
            "review created (utc)",
            "review content",
            "review stars",
            "review title",
            "source of review",
            "review language",
            "domain url",
        },
        "review",
        headers={
            "external_id": ("review id",),
            "received_at": ("review created (utc)", "review date"),
            "text": ("review content",),
            "subject": ("review title",),
            "sentiment": ("review stars",),
        },
    ),
    _tool(
        "qualtrics",
        "Qualtrics",
        {
            "responseid",
            "recordeddate",
            "startdate",
            "enddate",
            "distributionchannel",
            "userlanguage",
            "response id",
            "recorded date",
            "ipaddress",
        },
        "survey",
        is_survey=True,
        headers={
            "external_id": ("responseid", "response id"),
            "received_at": ("recordeddate", "recorded date", "enddate", "end date"),
            "customer": ("recipientemail", "recipient email"),
        },
    ),
]
TOOLS_BY_KEY = {tool.key: tool for tool in TOOLS}


def recognise_tool(names: set[str]) -> Tool | None:
    """The tool whose own headers the file has most of (at least two)."""
    best, best_hits = None, 0
    for tool in TOOLS:
        hits = len(tool.signature & names)
        if hits > best_hits:
            best, best_hits = tool, hits
    return best if best_hits >= 2 else None
