"""Running a confirmed feedback import, all or nothing.

An import runs in two phases. Reading cleans the file chunk by chunk, writes the
rejected rows (with reasons) and stages the clean ones in temporary tables of
its own database connection, outside any transaction, reporting progress as it
goes. Writing then saves every staged row in ONE transaction: an import that
fails midway leaves nothing behind, and can be retried because the uploaded file
is kept.

The task worker (`backlog.tasks`) calls `run_import`; the steps that lead up to
it and queue it are in `run.py`.
"""

import tempfile
from datetime import datetime
from pathlib import Path

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from backlog.feedback.importing.problems import FileProblem, ImportRefused
from backlog.feedback.importing.progress import clear_progress, write_progress
from backlog.feedback.importing.row_stream import RowStream
from backlog.feedback.importing.saving import (
    FeedbackImportSummary,
    Staging,
    apply_staged,
)
from backlog.feedback.importing.stale import keep_alive
from backlog.models import FeedbackImport, ImportStatus
from collaboration import events

# Below this many rows, other processes cost more than they save.
PARALLEL_FROM_ROWS = 20_000
CLEANING_PROCESSES = 2


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
