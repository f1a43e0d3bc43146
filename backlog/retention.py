"""Deleting uploaded files at the end of their organisation's retention period.

An uploaded export holds customers' names, emails and phone numbers in the
clear, so it is kept only as long as the organisation says (30 days unless
its backlog settings say otherwise); what the import made of it stays: the
items, the report and the masked rejected rows. A file whose import is queued
or running is left alone unless that import has not moved for a day.
"""

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from backlog.models import (
    BacklogImport,
    BacklogImportStatus,
    BacklogSettings,
    FeedbackImport,
    ImportStatus,
)

# Imports with a file of their own that the retention period deletes.
UPLOAD_MODELS = (FeedbackImport, BacklogImport)
BUSY = {
    ImportStatus.QUEUED,
    ImportStatus.RUNNING,
    BacklogImportStatus.QUEUED,
    BacklogImportStatus.RUNNING,
}
STUCK_AFTER = timedelta(days=1)
DEFAULT_DAYS = BacklogSettings._meta.get_field("upload_retention_days").default


def retention_days(organisation_ids) -> dict[int, int]:
    """Each organisation's retention in days."""
    chosen = dict(
        BacklogSettings.objects.filter(
            organisation_id__in=organisation_ids
        ).values_list("organisation_id", "upload_retention_days")
    )
    return {pk: chosen.get(pk, DEFAULT_DAYS) for pk in organisation_ids}


def delete_expired_uploads(now: datetime | None = None) -> int:
    """Delete every upload older than its organisation's retention; how many."""
    now = now or timezone.now()
    deleted = 0
    for model in UPLOAD_MODELS:
        kept = model.objects.filter(file_deleted_at__isnull=True).exclude(file="")
        organisations = set(kept.values_list("organisation_id", flat=True))
        for organisation_id, days in retention_days(organisations).items():
            expired = kept.filter(
                organisation_id=organisation_id,
                created_at__lt=now - timedelta(days=days),
            ).values_list("pk", flat=True)
            for pk in list(expired):
                deleted += _delete_upload(model, pk, now)
    return deleted


def _delete_upload(model, pk: int, now: datetime) -> int:
    with transaction.atomic():
        upload = model.objects.select_for_update().filter(pk=pk).first()
        if upload is None or upload.file_deleted_at or not upload.file:
            return 0
        moved = upload.started_at or upload.created_at
        if upload.status in BUSY and now - moved < STUCK_AFTER:
            return 0
        # The file goes first: should saving the row fail, the next round
        # finds it again, rather than a file being left that nothing names.
        upload.file.delete(save=False)
        upload.file_deleted_at = now
        upload.save(update_fields=["file", "file_deleted_at"])
    return 1
