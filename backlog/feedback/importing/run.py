"""Importing a help-desk or survey export into feedback items, all or nothing.

An import runs in two phases. Reading cleans the file chunk by chunk, writes the
rejected rows (with reasons) and stages the clean ones in temporary tables of
its own database connection, outside any transaction, reporting progress as it
goes. Writing then saves every staged row in ONE transaction: an import that
fails midway leaves nothing behind, and can be retried because the uploaded file
is kept.
"""

import tempfile
from datetime import datetime
from pathlib import Path

from django.core.files.base import ContentFile
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
from backlog.feedback.importing.progress import clear_progress, write_progress
from backlog.feedback.importing.row_stream import RowStream
from backlog.feedback.importing.saving import (
    FeedbackImportSummary,
    Staging,
    apply_staged,
)
from backlog.feedback.importing.sources import canonical_source
from backlog.feedback.importing.stale import keep_alive
from backlog.feedback.importing.zones import zone
from backlog.models import FeedbackImport, ImportMapping, ImportStatus
from collaboration import events

# prepare_import is kept here, where callers find every step of an import.
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

# Below this many rows, other processes cost more than they save.
PARALLEL_FROM_ROWS = 20_000
CLEANING_PROCESSES = 2


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
    from backlog.tasks import run_feedback_import

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


def run_import(
    feedback_import: FeedbackImport, *, now: datetime | None = None
) -> FeedbackImportSummary:
    """Read, clean and write an import. Never leaves a half-written import.

    The file is read, cleaned and staged before the write transaction opens;
    the staged rows are then written in that one transaction.
    """
    FeedbackImport.objects.filter(pk=feedback_import.pk).update(
        status=ImportStatus.RUNNING,
        started_at=timezone.now(),
        attempts=feedback_import.attempts + 1,
        rows_read=0,
        error="",
    )
    feedback_import.refresh_from_db()
    write_progress(feedback_import.pk, 0)
    reading = RowStream(feedback_import, now or timezone.now())
    try:
        with tempfile.TemporaryFile() as rejects, Staging() as staging:
            large = feedback_import.rows_total >= PARALLEL_FROM_ROWS
            processes = CLEANING_PROCESSES if large else 1
            for items, links in reading.chunks(rejects, processes=processes):
                staging.add(items, links)
            write_progress(feedback_import.pk, reading.rows_read, saving=True)
            summary = FeedbackImportSummary(rejected=reading.rejected)
            feedback_import.rows_read = reading.rows_read
            _keep_rejected_rows(feedback_import, rejects, summary)
            try:
                # Reading reports progress chunk by chunk; writing is a few long
                # statements, during which a thread keeps the heartbeat.
                with keep_alive(feedback_import.pk), transaction.atomic():
                    apply_staged(
                        staging,
                        feedback_import.organisation_id,
                        feedback_import.source_system,
                        summary,
                        feedback_import_id=feedback_import.pk,
                    )
                    _finish(feedback_import, summary)
            except BaseException:
                if feedback_import.rejected_file:
                    feedback_import.rejected_file.delete(save=False)
                raise
    except (FileProblem, ImportRefused) as problem:
        _fail(feedback_import, str(problem))
        raise
    except Exception as error:
        _fail(
            feedback_import,
            "The import stopped with an unexpected error and nothing was saved "
            f"({type(error).__name__}). You can retry it.",
        )
        raise
    finally:
        clear_progress(feedback_import.pk)
    return summary


def _fail(feedback_import: FeedbackImport, message: str) -> None:
    FeedbackImport.objects.filter(pk=feedback_import.pk).update(
        status=ImportStatus.FAILED, error=message, finished_at=timezone.now()
    )


def _keep_rejected_rows(feedback_import: FeedbackImport, rejects, summary) -> None:
    if not summary.rejected:
        return
    rejects.seek(0)
    name = Path(feedback_import.original_name).stem[:80] + ".rejected.csv"
    feedback_import.rejected_file.save(
        name, ContentFile(b"\xef\xbb\xbf" + rejects.read()), save=False
    )


def _finish(feedback_import: FeedbackImport, summary: FeedbackImportSummary) -> None:
    feedback_import.status = ImportStatus.SUCCEEDED
    feedback_import.created = summary.created
    feedback_import.updated = summary.updated
    feedback_import.unchanged = summary.unchanged
    feedback_import.rejected = summary.rejected
    feedback_import.finished_at = timezone.now()
    feedback_import.error = ""
    feedback_import.save(
        update_fields=[
            "rejected_file",
            "rows_read",
            "status",
            "created",
            "updated",
            "unchanged",
            "rejected",
            "finished_at",
            "error",
        ]
    )
    events.feedback_imported(feedback_import)
