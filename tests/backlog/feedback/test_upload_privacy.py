"""Customers stay masked in what an import keeps: rejected rows and previews are
masked and pseudonymised like items, the original upload is for admins only,
and it is deleted at the end of the organisation's retention period."""

import csv
import io
from datetime import timedelta
from importlib import import_module

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import OperationalError
from django.urls import reverse
from django.utils import timezone

from backlog.backlog_import.importing import prepare_import as prepare_backlog_import
from backlog.feedback.importing.run import (
    ImportRefused,
    prepare_import,
    retry_import,
    run_import,
)
from backlog.feedback.privacy import pseudonym_key, pseudonymise
from backlog.models import (
    BacklogImport,
    BacklogSettings,
    FeedbackImport,
    FeedbackItem,
    ImportStatus,
)
from backlog.retention import delete_expired_uploads
from cromaturity import housekeeping
from cromaturity.models import AuditAction, AuditEvent, Role
from cromaturity.task_worker import ResilientWorker
from tests.access import assert_access, member_client

pytestmark = pytest.mark.django_db

EXPORT = (
    b"Ticket ID,Requester,Requester email,Description,Created at\n"
    b"1,Ann Example,ann@example.org,Call me on +44 20 7946 0958 please,"
    b"2026-08-01 10:00\n"
    b"2,Bob Sample,bob@example.org,Write to bob.sample@example.org,not a date\n"
    b"3,Cem Demo,cem@example.org,,2026-08-01 11:00\n"
)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def upload(org, content=EXPORT, name="zendesk.csv") -> FeedbackImport:
    return prepare_import(
        org, uploaded=ContentFile(content, name=name), original_name=name, by=None
    )


def imported(org) -> FeedbackImport:
    feedback_import = upload(org)
    FeedbackImport.objects.filter(pk=feedback_import.pk).update(
        status=ImportStatus.QUEUED
    )
    feedback_import.refresh_from_db()
    run_import(feedback_import)
    feedback_import.refresh_from_db()
    return feedback_import


def rejected_rows(feedback_import) -> list[list[str]]:
    with feedback_import.rejected_file.open("rb") as handle:
        return list(csv.reader(io.StringIO(handle.read().decode("utf-8-sig"))))


RAW = ["Bob Sample", "bob@example.org", "bob.sample@example.org", "Cem Demo", "cem@"]


def test_rejected_rows_are_kept_masked_and_pseudonymised(org):
    feedback_import = imported(org)
    assert feedback_import.rejected == 2
    header, *rows = rejected_rows(feedback_import)
    assert header == [
        "line",
        "Ticket ID",
        "Requester",
        "Requester email",
        "Description",
        "Created at",
        "reason",
    ]
    key = pseudonym_key(org)
    bob, cem = rows
    assert bob[2] == pseudonymise("Bob Sample", key)
    assert bob[3] == pseudonymise("bob@example.org", key)
    assert bob[4] == "Write to [email]"
    assert cem[2] == pseudonymise("Cem Demo", key)
    assert bob[1] == "2"
    assert bob[5] == "not a date"
    text = "\n".join(",".join(row) for row in rows)
    for raw in RAW:
        assert raw not in text


def test_the_customer_of_a_rejected_row_is_the_pseudonym_its_item_would_have(org):
    feedback_import = imported(org)
    column = feedback_import.mapping["customer"]
    position = feedback_import.header.index(column)
    ann = EXPORT.decode().splitlines()[1].split(",")
    item = FeedbackItem.objects.get(external_id="1")
    assert item.customer_ref == pseudonymise(ann[position], pseudonym_key(org))
    assert "[phone]" in item.text
    _, bob, _ = rejected_rows(feedback_import)
    bob_sent = EXPORT.decode().splitlines()[2].split(",")
    assert bob[1 + position] == pseudonymise(bob_sent[position], pseudonym_key(org))


def test_contributors_see_rejected_rows_and_previews_only_masked(org):
    feedback_import = imported(org)
    client = member_client(org, Role.CONTRIBUTOR)
    page = client.get(feedback_import.get_absolute_url())
    assert page.status_code == 200
    download = client.get(
        reverse("feedback:import-rejected", args=[org.slug, feedback_import.pk])
    )
    waiting = upload(org, name="second.csv")
    preview = client.get(waiting.get_absolute_url())
    assert "[email]" in preview.text
    for text in (
        page.text,
        b"".join(download.streaming_content).decode(),
        preview.text,
    ):
        for raw in RAW:
            assert raw not in text
    assert "Ann Example" not in preview.text
    assert "+44 20 7946 0958" not in preview.text


def test_rejected_rows_follow_the_imports_choice_not_to_mask_text(org):
    feedback_import = prepare_import(
        org,
        uploaded=ContentFile(EXPORT, name="z.csv"),
        original_name="z.csv",
        by=None,
        mask_contacts=False,
    )
    FeedbackImport.objects.filter(pk=feedback_import.pk).update(
        status=ImportStatus.QUEUED
    )
    feedback_import.refresh_from_db()
    run_import(feedback_import)
    feedback_import.refresh_from_db()
    _, bob, _ = rejected_rows(feedback_import)
    assert bob[4] == "Write to bob.sample@example.org"
    assert bob[2] == pseudonymise("Bob Sample", pseudonym_key(org))


def test_only_admins_download_the_original_upload_and_it_is_audited(org):
    feedback_import = imported(org)
    url = reverse("feedback:import-original", args=[org.slug, feedback_import.pk])
    response = assert_access(url, organisation=org, role=Role.ADMIN)
    assert b"".join(response.streaming_content) == EXPORT
    assert 'filename="zendesk.csv"' in response["Content-Disposition"]
    assert response["Cache-Control"] == "private, no-store"
    event = AuditEvent.objects.filter(organisation=org).latest("pk")
    assert event.action == AuditAction.EXPORTED
    assert "zendesk.csv" in event.summary
    editor_page = member_client(org, Role.EDITOR).get(
        feedback_import.get_absolute_url()
    )
    assert url not in editor_page.text
    assert "admins only" in editor_page.text


def test_the_admin_sees_the_download_and_the_day_it_is_deleted(org, admin_client):
    feedback_import = imported(org)
    page = admin_client.get(feedback_import.get_absolute_url())
    url = reverse("feedback:import-original", args=[org.slug, feedback_import.pk])
    assert url in page.text
    deleted_on = feedback_import.created_at + timedelta(days=30)
    assert f"{deleted_on:%-d %b %Y}" in page.text


def test_uploads_are_deleted_after_the_retention_period(org, other_org):
    now = timezone.now()
    old = imported(org)
    recent = imported(org)
    elsewhere = imported(other_org)
    BacklogSettings.objects.update_or_create(
        organisation=other_org, defaults={"upload_retention_days": 7}
    )
    FeedbackImport.objects.filter(pk=old.pk).update(created_at=now - timedelta(days=31))
    FeedbackImport.objects.filter(pk=recent.pk).update(
        created_at=now - timedelta(days=29)
    )
    FeedbackImport.objects.filter(pk=elsewhere.pk).update(
        created_at=now - timedelta(days=8)
    )
    old_path = old.file.path

    assert delete_expired_uploads(now) == 2

    old.refresh_from_db()
    recent.refresh_from_db()
    elsewhere.refresh_from_db()
    assert not old.file
    assert old.file_deleted_at == now
    assert not elsewhere.file
    assert elsewhere.file_deleted_at == now
    assert recent.file
    assert recent.file_deleted_at is None
    assert not (old.file.storage.exists(old_path))
    # What the import made of the file stays.
    assert old.rejected_file
    assert old.created == 1
    assert FeedbackItem.objects.for_org(org).count() == 1
    assert delete_expired_uploads(now) == 0


def test_a_running_import_keeps_its_file_unless_it_has_not_moved_for_a_day(org):
    now = timezone.now()
    running = upload(org)
    FeedbackImport.objects.filter(pk=running.pk).update(
        status=ImportStatus.RUNNING,
        created_at=now - timedelta(days=40),
        started_at=now - timedelta(hours=2),
    )
    assert delete_expired_uploads(now) == 0
    FeedbackImport.objects.filter(pk=running.pk).update(
        started_at=now - timedelta(days=2)
    )
    assert delete_expired_uploads(now) == 1


def test_a_deleted_upload_cannot_be_retried_or_mapped_and_the_page_says_why(
    org, admin_client
):
    failed = imported(org)
    waiting = upload(org, name="waiting.csv")
    FeedbackImport.objects.filter(pk=failed.pk).update(status=ImportStatus.FAILED)
    FeedbackImport.objects.update(created_at=timezone.now() - timedelta(days=45))
    assert delete_expired_uploads() == 2
    failed.refresh_from_db()
    with pytest.raises(ImportRefused, match="retention period"):
        retry_import(failed)
    page = admin_client.get(waiting.get_absolute_url())
    assert page.status_code == 200
    assert "deleted at the end of the organisation" in page.text
    assert "Which column is which" not in page.text
    url = reverse("feedback:import-original", args=[org.slug, failed.pk])
    assert admin_client.get(url).status_code == 404
    assert "was deleted on" in admin_client.get(failed.get_absolute_url()).text


def test_backlog_sheets_follow_the_same_retention(org, admin_user, admin_client):
    backlog_import = prepare_backlog_import(
        org,
        uploaded=ContentFile(b"Title,Status\nGuest checkout,Idea\n", name="s.csv"),
        original_name="s.csv",
        by=admin_user,
    )
    url = reverse("backlog:import-original", args=[org.slug, backlog_import.pk])
    assert admin_client.get(url).status_code == 200
    assert member_client(org, Role.EDITOR).get(url).status_code == 403
    BacklogImport.objects.update(created_at=timezone.now() - timedelta(days=31))
    assert delete_expired_uploads() == 1
    page = admin_client.get(backlog_import.get_absolute_url())
    assert "deleted at the end of the organisation" in page.text


def test_the_retention_period_is_an_organisation_setting(org, admin_client):
    form = admin_client.get(reverse("backlog:settings", args=[org.slug]))
    assert 'name="upload_retention_days"' in form.text
    assert 'value="30"' in form.text


def test_the_hourly_chores_delete_expired_uploads(org):
    assert delete_expired_uploads in housekeeping.chores()
    old = imported(org)
    FeedbackImport.objects.update(created_at=timezone.now() - timedelta(days=31))
    call_command("housekeeping", stdout=io.StringIO())
    old.refresh_from_db()
    assert old.file_deleted_at is not None


def test_the_worker_does_the_chores_once_an_hour(monkeypatch):
    rounds = []
    monkeypatch.setattr(housekeeping, "run_chores", lambda: rounds.append(1) or [])
    clock = iter([1000.0, 1001.0, 1000.0 + housekeeping.INTERVAL + 1])
    monkeypatch.setattr("cromaturity.task_worker.monotonic", lambda: next(clock))
    worker = ResilientWorker.__new__(ResilientWorker)
    for _ in range(3):
        worker.housekeep_when_due()
    assert rounds == [1, 1]


def test_a_failing_chore_is_logged_and_the_others_still_run(monkeypatch, caplog):
    done = []

    def broken():
        raise RuntimeError("disk gone")

    monkeypatch.setattr(housekeeping, "_chores", [broken, lambda: done.append(1)])
    outcomes = housekeeping.run_chores()
    assert done == [1]
    assert isinstance(outcomes[0][1], RuntimeError)
    assert "disk gone" in caplog.text


def test_a_round_that_could_not_reach_the_database_is_tried_again_sooner(
    monkeypatch, caplog
):
    def unreachable():
        raise OperationalError("terminating connection due to administrator command")

    monkeypatch.setattr(housekeeping, "_chores", [unreachable])
    closed = []
    monkeypatch.setattr(
        "cromaturity.task_worker.close_connections", lambda: closed.append(1)
    )
    clock = iter([1000.0, 1000.0 + housekeeping.DATABASE_RETRY + 1])
    monkeypatch.setattr("cromaturity.task_worker.monotonic", lambda: next(clock))
    worker = ResilientWorker.__new__(ResilientWorker)
    worker.next_housekeeping = None
    worker.housekeep_when_due()
    assert worker.next_housekeeping == 1000.0 + housekeeping.DATABASE_RETRY
    assert closed == [1]
    # An outage is one line, not a traceback of a chore gone wrong.
    (record,) = [r for r in caplog.records if r.name == "cromaturity.housekeeping"]
    assert record.levelname == "WARNING"
    assert record.exc_info is None
    assert "could not reach the database" in record.getMessage()
    worker.housekeep_when_due()
    assert len(closed) == 2


def test_rejected_rows_stored_in_the_clear_are_masked_by_the_migration(org):
    feedback_import = imported(org)
    raw = (
        "\ufeffline,Ticket ID,Requester,Requester email,Description,Created at,reason\n"
        "3,2,Bob Sample,bob@example.org,Write to bob.sample@example.org,x,bad date\n"
    ).encode()
    feedback_import.rejected_file.storage.delete(feedback_import.rejected_file.name)
    feedback_import.rejected_file.storage.save(
        feedback_import.rejected_file.name, ContentFile(raw)
    )
    migration = import_module("backlog.migrations.0012_mask_stored_rejected_rows")
    migration.mask_rejected_rows(apps, None)
    feedback_import.refresh_from_db()
    _, row = rejected_rows(feedback_import)
    key = pseudonym_key(org)
    assert row == [
        "3",
        "2",
        pseudonymise("Bob Sample", key),
        pseudonymise("bob@example.org", key),
        "Write to [email]",
        "x",
        "bad date",
    ]
