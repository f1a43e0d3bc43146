"""An import whose worker died turns into a failed import on its page, and a
person retries it from there."""

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from backlog.feedback.importing.progress import write_progress
from backlog.feedback.importing.run import prepare_import
from backlog.feedback.importing.stale import STALLED_AFTER, STALLED_MESSAGE
from backlog.models import FeedbackImport, FeedbackItem, ImportStatus
from tests.browser.conftest import assert_accessible

pytestmark = pytest.mark.django_db(transaction=True)

SAMPLES = Path(__file__).resolve().parent.parent / "fixtures" / "samples"


def test_a_stalled_import_is_shown_as_failed_and_retried(
    page, live_server, sign_in, org, admin_user, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    feedback_import = prepare_import(
        org,
        uploaded=ContentFile(
            (SAMPLES / "intercom_conversations.csv").read_bytes(), name="c.csv"
        ),
        original_name="intercom-november.csv",
        by=admin_user,
    )
    # A worker took the import ten minutes ago and has read 120 rows so far.
    FeedbackImport.objects.filter(pk=feedback_import.pk).update(
        status=ImportStatus.RUNNING,
        started_at=timezone.now() - timedelta(minutes=10),
        attempts=1,
    )
    write_progress(feedback_import.pk, 120)
    sign_in(page, admin_user.username)
    page.goto(f"{live_server.url}{feedback_import.get_absolute_url()}")
    expect(page.get_by_role("heading", name="Importing…")).to_be_visible()
    expect(page.get_by_text("120 of about")).to_be_visible()
    assert_accessible(page)

    # Then its worker dies: the heartbeat stops, and the page notices by itself.
    heartbeat = settings.MEDIA_ROOT / "imports" / "progress"
    moment = (timezone.now() - STALLED_AFTER - timedelta(seconds=1)).timestamp()
    os.utime(heartbeat / f"{feedback_import.pk}.json", (moment, moment))
    expect(page.get_by_role("heading", name="The import failed")).to_be_visible()
    expect(page.get_by_text(STALLED_MESSAGE)).to_be_visible()
    assert_accessible(page)

    page.get_by_role("button", name="Retry the import").click()
    expect(page.get_by_text("The import was queued again.")).to_be_visible()
    expect(
        page.get_by_role("heading", name="Waiting for the importer…")
    ).to_be_visible()
    assert_accessible(page)
    call_command("run_worker", "--batch", "--no-startup-delay", "--no-reload")
    expect(page.get_by_role("heading", name="Imported")).to_be_visible()
    expect(page.locator(".import-report")).to_contain_text("250new")
    assert_accessible(page)
    assert FeedbackItem.objects.count() == 250
