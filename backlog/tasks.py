"""Background work of the backlog, run by the task worker (`manage.py run_worker`)."""

from django.tasks import task

from backlog.feedback_import.importing import ImportRefused, run_import
from backlog.feedback_import.reading import FileProblem
from backlog.models import FeedbackImport, ImportStatus


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
