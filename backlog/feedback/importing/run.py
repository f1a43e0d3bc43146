"""Importing a help-desk or survey export into feedback items: the steps people
take, from the uploaded file to the queued run.

The run itself (reading, cleaning, and writing all or nothing) is in
`running.py`; the task worker starts it from `backlog.tasks`.
"""

from django.db import transaction
from django.utils import timezone

from backlog.feedback.importing.dates import DATE_FORMATS_BY_KEY
from backlog.feedback.importing.mapping import (
    mapping_problems,
    personal_columns,
)
from backlog.feedback.importing.preparing import header_signature, prepare_import
from backlog.feedback.importing.problems import (
    FileProblem,
    ImportRefused,
    refuse_without_file,
)
from backlog.feedback.importing.running import run_import
from backlog.feedback.importing.sources import canonical_source
from backlog.feedback.importing.zones import zone
from backlog.models import FeedbackImport, ImportMapping, ImportStatus
from backlog.tasks import run_feedback_import

# prepare_import and run_import are kept here, where callers find every step of
# an import.
__all__ = [
    "FileProblem",
    "ImportRefused",
    "confirm_import",
    "prepare_import",
    "queue_import",
    "retry_import",
    "run_import",
    "save_choices",
]


def _validated_choices(
    feedback_import: FeedbackImport,
    *,
    mapping: dict[str, str],
    source_system: str,
    date_format: str,
    time_zone: str,
    no_date: bool,
    attribute_columns: list[str] | None,
    html_columns: list[str] | None,
) -> None:
    header = feedback_import.header
    mapping = {field: column for field, column in mapping.items() if column}
    problems = mapping_problems(mapping, header, no_date=no_date)
    if date_format not in DATE_FORMATS_BY_KEY:
        problems.append(f"“{date_format}” is not a date format.")
    try:
        zone(time_zone)
    except ValueError as problem:
        problems.append(str(problem))
    source = canonical_source(feedback_import.organisation, source_system)
    if not source:
        problems.append("Name the source these items come from (for example Zendesk).")
    personal = personal_columns(header, [[column] for column in header])
    refused = sorted(set(attribute_columns or []) & personal)
    if refused:
        problems.append(
            "Columns about who the customer is are never kept as answers (they "
            f"are stored only as a pseudonym): {', '.join(refused)}."
        )
    extra = [*(attribute_columns or []), *(html_columns or [])]
    unknown = sorted({column for column in extra if column not in header})
    if unknown:
        problems.append(f"These columns are not in the file: {', '.join(unknown)}.")
    if problems:
        raise ImportRefused(" ".join(problems))
    feedback_import.mapping = mapping
    feedback_import.source_system = source
    feedback_import.date_format = date_format
    feedback_import.time_zone = time_zone
    feedback_import.no_date = no_date and not mapping.get("received_at")
    if attribute_columns is not None:
        used = set(mapping.values())
        feedback_import.attribute_columns = [
            column for column in attribute_columns if column not in used
        ]
    if html_columns is not None:
        feedback_import.html_columns = list(html_columns)


CHOICE_FIELDS = [
    "mapping",
    "source_system",
    "date_format",
    "time_zone",
    "no_date",
    "attribute_columns",
    "html_columns",
]


@transaction.atomic
def save_choices(feedback_import: FeedbackImport, **choices) -> FeedbackImport:
    """Keep the mapping people chose, to preview it again; nothing is imported."""
    feedback_import = FeedbackImport.objects.select_for_update().get(
        pk=feedback_import.pk
    )
    if feedback_import.status != ImportStatus.UPLOADED:
        raise ImportRefused("This import has already been started.")
    refuse_without_file(feedback_import)
    choices["time_zone"] = choices.get("time_zone") or feedback_import.time_zone
    _validated_choices(feedback_import, **choices)
    feedback_import.save(update_fields=CHOICE_FIELDS)
    return feedback_import


@transaction.atomic
def confirm_import(
    feedback_import: FeedbackImport,
    *,
    mapping: dict[str, str],
    source_system: str,
    date_format: str,
    time_zone: str | None = None,
    no_date: bool = False,
    attribute_columns: list[str] | None = None,
    html_columns: list[str] | None = None,
    save_as: str = "",
    by=None,
) -> FeedbackImport:
    """Fix the mapping and queue the import to run in the background."""
    feedback_import = FeedbackImport.objects.select_for_update().get(
        pk=feedback_import.pk
    )
    if feedback_import.status != ImportStatus.UPLOADED:
        raise ImportRefused("This import has already been started.")
    refuse_without_file(feedback_import)
    _validated_choices(
        feedback_import,
        mapping=mapping,
        source_system=source_system,
        date_format=date_format,
        time_zone=time_zone or feedback_import.time_zone,
        no_date=no_date,
        attribute_columns=attribute_columns,
        html_columns=html_columns,
    )
    feedback_import.status = ImportStatus.QUEUED
    feedback_import.save(update_fields=[*CHOICE_FIELDS, "status"])
    if save_as:
        ImportMapping.objects.update_or_create(
            organisation=feedback_import.organisation,
            name=save_as[:80],
            defaults={
                "source_system": feedback_import.source_system,
                "header_signature": header_signature(feedback_import.header),
                "mapping": feedback_import.mapping,
                "attribute_columns": feedback_import.attribute_columns,
                "html_columns": feedback_import.html_columns,
                "date_format": feedback_import.date_format,
                "time_zone": feedback_import.time_zone,
                "created_by": by,
                "updated_at": timezone.now(),
            },
        )
    queue_import(feedback_import)
    return feedback_import


def queue_import(feedback_import: FeedbackImport) -> None:
    import_id = feedback_import.pk
    transaction.on_commit(lambda: run_feedback_import.enqueue(import_id=import_id))


@transaction.atomic
def retry_import(feedback_import: FeedbackImport) -> FeedbackImport:
    """Queue a failed (or stalled) import again; its file was kept."""
    feedback_import = FeedbackImport.objects.select_for_update().get(
        pk=feedback_import.pk
    )
    if feedback_import.status == ImportStatus.SUCCEEDED:
        raise ImportRefused("This import has already succeeded.")
    if feedback_import.status == ImportStatus.UPLOADED:
        raise ImportRefused("Confirm the column mapping first.")
    refuse_without_file(feedback_import)
    feedback_import.status = ImportStatus.QUEUED
    feedback_import.error = ""
    feedback_import.save(update_fields=["status", "error"])
    queue_import(feedback_import)
    return feedback_import
