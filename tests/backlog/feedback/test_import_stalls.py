"""An import whose worker died is shown as failed, and retrying it imports it once.

A running import's process renews its progress file's time (the heartbeat);
one that has given no sign of life for two minutes is shown as failed with the
Retry button. Time is moved on by passing `now`, or by dating the file back.
"""

import os
import signal
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from backlog.feedback.importing.progress import (
    clear_progress,
    progress_touched_at,
    read_progress,
    touch_progress,
    write_progress,
)
from backlog.feedback.importing.run import confirm_import, prepare_import
from backlog.feedback.importing.stale import (
    STALLED_AFTER,
    STALLED_MESSAGE,
    is_stalled,
    keep_alive,
)
from backlog.models import FeedbackImport, FeedbackItem, ImportStatus
from tests.processes import Watched, app_environment, wait_until

SAMPLES = Path(__file__).resolve().parents[2] / "fixtures" / "samples"
SECONDS = timedelta(seconds=1)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def date_back(import_id: int, by: timedelta, media_root: Path) -> None:
    """Date the heartbeat back, as if the process had been silent that long."""
    path = media_root / "imports" / "progress" / f"{import_id}.json"
    moment = (timezone.now() - by).timestamp()
    os.utime(path, (moment, moment))


@pytest.mark.parametrize(
    ("status", "heartbeat_age", "started_age", "stalled"),
    [
        (ImportStatus.RUNNING, 5 * SECONDS, 5 * SECONDS, False),
        (ImportStatus.RUNNING, 119 * SECONDS, 600 * SECONDS, False),
        (ImportStatus.RUNNING, 121 * SECONDS, 600 * SECONDS, True),
        # Before the first heartbeat, the start of the attempt is the sign.
        (ImportStatus.RUNNING, None, 30 * SECONDS, False),
        (ImportStatus.RUNNING, None, 121 * SECONDS, True),
        (ImportStatus.RUNNING, None, None, True),
        (ImportStatus.QUEUED, None, 3600 * SECONDS, False),
        (ImportStatus.FAILED, 3600 * SECONDS, 3600 * SECONDS, False),
        (ImportStatus.SUCCEEDED, 3600 * SECONDS, 3600 * SECONDS, False),
    ],
)
def test_a_running_import_is_stalled_after_two_minutes_without_a_sign_of_life(
    status, heartbeat_age, started_age, stalled
):
    now = timezone.now()
    feedback_import = FeedbackImport(
        pk=4711,
        status=status,
        started_at=now - started_age if started_age is not None else None,
    )
    if heartbeat_age is not None:
        write_progress(4711, 100)
        now = progress_touched_at(4711) + heartbeat_age
    assert is_stalled(feedback_import, now=now) is stalled
    assert STALLED_AFTER == 120 * SECONDS


def test_the_heartbeat_renews_the_progress_file_while_the_import_runs():
    write_progress(8, 250)
    written = progress_touched_at(8)
    with keep_alive(8, every=0.01):
        wait_until(lambda: progress_touched_at(8) > written, what="a heartbeat")
    assert read_progress(8) == 250


def test_a_heartbeat_after_the_import_ended_creates_no_file():
    write_progress(9, 10)
    clear_progress(9)
    touch_progress(9)
    assert progress_touched_at(9) is None
    assert read_progress(9) is None


def url(name, *args):
    return reverse(f"feedback:{name}", args=["acme", *args])


@pytest.fixture
def running_import(org, admin_user):
    """An import whose worker started it ten minutes ago and read 120 rows."""
    feedback_import = prepare_import(
        org,
        uploaded=ContentFile(
            (SAMPLES / "intercom_conversations.csv").read_bytes(), name="c.csv"
        ),
        original_name="c.csv",
        by=admin_user,
    )
    FeedbackImport.objects.filter(pk=feedback_import.pk).update(
        status=ImportStatus.RUNNING,
        started_at=timezone.now() - timedelta(minutes=10),
        attempts=1,
    )
    write_progress(feedback_import.pk, 120)
    feedback_import.refresh_from_db()
    return feedback_import


@pytest.mark.django_db
def test_an_import_whose_worker_stopped_is_shown_as_failed_with_retry(
    admin_client, running_import, settings
):
    date_back(running_import.pk, STALLED_AFTER + SECONDS, settings.MEDIA_ROOT)
    page = admin_client.get(url("import-detail", running_import.pk))
    assert "The import failed" in page.text
    assert STALLED_MESSAGE in page.text
    assert "Nothing from this file was saved." in page.text
    assert url("import-retry", running_import.pk) in page.text
    # The progress bar stops asking: the page says how it ended.
    fragment = admin_client.get(
        url("import-detail", running_import.pk),
        {"part": "progress"},
        HTTP_HX_REQUEST="true",
    )
    assert "The import failed" in fragment.text
    assert "hx-trigger" not in fragment.text
    listing = admin_client.get(url("import-list"))
    assert '<td data-label="Status">Failed</td>' in listing.text
    # Shown, not written: the row changes when the import is retried.
    running_import.refresh_from_db()
    assert running_import.status == ImportStatus.RUNNING


@pytest.mark.django_db
def test_an_import_whose_worker_is_alive_is_shown_importing_and_not_retried(
    admin_client, running_import
):
    page = admin_client.get(url("import-detail", running_import.pk))
    assert "Importing…" in page.text
    assert "120 of about" in page.text
    assert "The import failed" not in page.text
    listing = admin_client.get(url("import-list"))
    assert '<td data-label="Status">Importing</td>' in listing.text
    response = admin_client.post(url("import-retry", running_import.pk), follow=True)
    assert "This import is still running." in response.text
    running_import.refresh_from_db()
    assert (running_import.status, running_import.attempts) == (
        ImportStatus.RUNNING,
        1,
    )


@pytest.mark.django_db
def test_retrying_a_stalled_import_imports_it_once(
    admin_client, running_import, settings, django_capture_on_commit_callbacks
):
    date_back(running_import.pk, STALLED_AFTER + SECONDS, settings.MEDIA_ROOT)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            url("import-retry", running_import.pk), follow=True
        )
    assert "The import was queued again." in response.text
    running_import.refresh_from_db()
    assert (running_import.status, running_import.attempts) == (
        ImportStatus.SUCCEEDED,
        2,
    )
    assert running_import.created == FeedbackItem.objects.count() == 250


def _large_export(rows: int) -> bytes:
    lines = ["Id,Description,Created at,Tags"]
    lines += [f"{n},Feedback number {n},2026-08-01 10:00,t{n % 7}" for n in range(rows)]
    return ("\n".join(lines) + "\n").encode()


@pytest.mark.django_db(transaction=True)
def test_an_import_whose_worker_was_killed_is_retried_and_imported_once(
    admin_client, org, admin_user, settings
):
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    feedback_import = prepare_import(
        org,
        uploaded=ContentFile(_large_export(40_000), name="big.csv"),
        original_name="big.csv",
        by=admin_user,
    )
    confirm_import(
        feedback_import,
        mapping=feedback_import.mapping,
        source_system="helpdesk",
        date_format="iso",
    )
    worker = Watched(
        [
            sys.executable,
            "manage.py",
            "run_worker",
            "--no-reload",
            "--no-startup-delay",
            "--interval",
            "0.1",
        ],
        env=app_environment(MEDIA_ROOT=str(settings.MEDIA_ROOT)),
    )
    try:
        wait_until(
            lambda: (read_progress(feedback_import.pk) or 0) > 0,
            what="the import to read its first rows",
        )
        # The worker and the process reading for it are killed in the middle.
        os.killpg(worker.pid, signal.SIGKILL)
        assert worker.wait() == -signal.SIGKILL
    finally:
        worker.kill_everything()
    feedback_import.refresh_from_db()
    assert feedback_import.status == ImportStatus.RUNNING
    assert not FeedbackItem.objects.exists()

    detail = url("import-detail", feedback_import.pk)
    assert "Importing…" in admin_client.get(detail).text
    date_back(feedback_import.pk, STALLED_AFTER + SECONDS, settings.MEDIA_ROOT)
    assert STALLED_MESSAGE in admin_client.get(detail).text

    admin_client.post(url("import-retry", feedback_import.pk))
    call_command("run_worker", "--batch", "--no-startup-delay", "--no-reload")
    feedback_import.refresh_from_db()
    assert (feedback_import.status, feedback_import.attempts) == (
        ImportStatus.SUCCEEDED,
        2,
    )
    assert feedback_import.created == FeedbackItem.objects.count() == 40_000
    assert "Imported" in admin_client.get(detail).text
