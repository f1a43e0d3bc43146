"""Named sources: the feeds feedback comes from, within which ids are unique.

Identity is (organisation, source, id). A re-import of the same feed must find
the same source, and two feeds must never share one: a help desk's ids are
unique across its account, so its exports share the tool's name; a survey tool
that numbers each survey's responses 1, 2, 3… (and a file from an unknown
tool) gets a source of its own, named after the file, unless the same columns
were imported before.
"""

import re
from pathlib import PurePath

from django.db.models import Count
from django.db.models.functions import Lower

from backlog.feedback.importing.tools import Tool
from backlog.models import FeedbackImport, FeedbackItem, ImportMapping, ImportStatus

MAX_NAME = 100
_NOISE = re.compile(
    r"\((?:responses|antworten)\)|form responses \d+|"
    r"(?:^|[\s_-])(?:export|responses?|survey[\s_-]responses|download|data|"
    r"\d{4}[-_.]?\d{2}[-_.]?\d{2}(?:[t_ -]?\d{2}[-_.:]?\d{2}(?:[-_.:]?\d{2})?)?)"
    r"(?=$|[\s_-])",
    re.IGNORECASE,
)


def source_names(organisation) -> list[dict]:
    """The organisation's sources with how many items each holds."""
    return list(
        FeedbackItem.objects.for_org(organisation)
        .exclude(source_system="")
        .values("source_system")
        .annotate(items=Count("*"))
        .order_by(Lower("source_system"))
    )


def canonical_source(organisation, name: str) -> str:
    """`name` spelt as an existing source of the organisation, whatever its case."""
    name = " ".join(name.split())[:MAX_NAME]
    if not name:
        return ""
    existing = (
        FeedbackItem.objects.for_org(organisation)
        .filter(source_system__iexact=name)
        .values_list("source_system", flat=True)
        .first()
    )
    if existing:
        return existing
    earlier = (
        FeedbackImport.objects.for_org(organisation)
        .filter(source_system__iexact=name)
        .values_list("source_system", flat=True)
        .first()
    )
    return earlier or name


def propose_source(
    organisation, tool: Tool | None, original_name: str, header: list[str]
) -> str:
    """The source a new upload most probably belongs to (people can change it)."""
    same_columns = (
        FeedbackImport.objects.for_org(organisation)
        .filter(header=header)
        .exclude(source_system="")
        .exclude(status=ImportStatus.UPLOADED)
        .order_by("-created_at")
        .values_list("source_system", flat=True)
        .first()
    )
    if same_columns:
        return same_columns
    if tool and not tool.ids_per_file:
        return canonical_source(organisation, tool.name)
    stem = _survey_name(original_name)
    name = f"{tool.name}: {stem}" if tool else stem
    return _unused(organisation, name[:MAX_NAME])


def _survey_name(original_name: str) -> str:
    stem = PurePath(original_name).stem
    cleaned = _NOISE.sub(" ", stem)
    cleaned = re.sub(r"[_\s-]+", " ", cleaned).strip(" .-_")
    return cleaned or stem or "Upload"


def _unused(organisation, name: str) -> str:
    """`name`, or `name (2)`, `name (3)`… when another feed already uses it."""
    taken = {
        value.lower()
        for value in FeedbackItem.objects.for_org(organisation)
        .filter(source_system__istartswith=name[:90])
        .order_by()
        .values_list("source_system", flat=True)
        .distinct()
    }
    taken |= {
        value.lower()
        for value in ImportMapping.objects.for_org(organisation)
        .filter(source_system__istartswith=name[:90])
        .values_list("source_system", flat=True)
    }
    candidate, number = name, 1
    while candidate.lower() in taken:
        number += 1
        suffix = f" ({number})"
        candidate = name[: MAX_NAME - len(suffix)] + suffix
    return candidate
