"""Background work of the backlog, run by the task worker (`manage.py run_worker`)."""

from django.tasks import task

from backlog.backlog_import.running import run_import as run_backlog
from backlog.feedback.importing.problems import FileProblem, ImportRefused
from backlog.feedback.importing.running import run_import
from backlog.models import (
    BacklogImport,
    BacklogImportStatus,
    FeedbackImport,
    ImportStatus,
)


@task()
def run_feedback_import(import_id: int) -> str:
    feedback_import = FeedbackImport.objects.select_related("organisation").get(
        pk=import_id
    )
    if feedback_import.status != ImportStatus.QUEUED:
        return f"skipped: import {import_id} is {feedback_import.status}"
    try:
        return run_import(feedback_import).line()
    except (FileProblem, ImportRefused) as problem:
        # Recorded on the import for people to read; nothing to retry.
        return f"failed: {problem}"


@task()
def run_backlog_import(import_id: int) -> str:
    backlog_import = BacklogImport.objects.select_related(
        "organisation", "uploaded_by"
    ).get(pk=import_id)
    if backlog_import.status != BacklogImportStatus.QUEUED:
        return f"skipped: backlog import {import_id} is {backlog_import.status}"
    try:
        return run_backlog(backlog_import).line()
    except (FileProblem, ImportRefused) as problem:
        # Recorded on the import for people to read; nothing to retry.
        return f"failed: {problem}"
