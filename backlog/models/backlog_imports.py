"""A team's spreadsheet backlog brought in: the import, and each hypothesis's row
in the sheet it came from."""

import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from backlog.models.hypotheses import Hypothesis
from cromaturity.models import Organisation, OrgQuerySet


class BacklogImportStatus(models.TextChoices):
    UPLOADED = "uploaded", "Waiting for the column mapping"
    MAPPED = "mapped", "Waiting for the status table"
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Importing"
    SUCCEEDED = "succeeded", "Imported"
    FAILED = "failed", "Failed"


def _upload_path(instance, filename: str) -> str:
    # The stored name is the server's; the person's name is kept for display.
    suffix = PurePosixPath(filename).suffix.lower()[:8]
    return f"backlog-imports/{instance.organisation_id}/{uuid.uuid4().hex}{suffix}"


class BacklogImport(models.Model):
    """One uploaded spreadsheet, how its columns and status words are read, and
    what importing it did."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="backlog_imports"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    file = models.FileField(upload_to=_upload_path)
    file_deleted_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the uploaded file was deleted at the end of its retention.",
    )
    original_name = models.CharField(max_length=255)
    size = models.PositiveBigIntegerField(default=0)
    layout = models.JSONField(default=dict)
    header = models.JSONField(default=list)
    tool = models.CharField(
        max_length=40, blank=True, help_text="The tool the file was recognised as."
    )
    source = models.CharField(
        max_length=100,
        help_text="The sheet the rows belong to; its ids are matched within it, so "
        "importing the same sheet again updates its hypotheses.",
    )
    mapping = models.JSONField(default=dict)
    date_format = models.CharField(max_length=20, default="iso")
    time_zone = models.CharField(max_length=60, default="UTC")
    status_words = models.JSONField(
        default=list,
        blank=True,
        help_text="The words of the status column with how many rows use each.",
    )
    status_map = models.JSONField(
        default=dict, blank=True, help_text="The pipeline status of each word."
    )
    create_missing_pages = models.BooleanField(default=False)
    create_missing_tags = models.BooleanField(default=False)
    status = models.CharField(
        max_length=10,
        choices=BacklogImportStatus,
        default=BacklogImportStatus.UPLOADED,
    )
    rows_total = models.PositiveIntegerField(default=0)
    rows_read = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    noted = models.PositiveIntegerField(
        default=0, help_text="Rows imported with a remark (a lowered status, …)."
    )
    notes = models.JSONField(
        default=dict,
        blank=True,
        help_text="The remarks grouped by kind and subject, with their row counts.",
    )
    rejected_file = models.FileField(upload_to="backlog-imports/rejected/", blank=True)
    report_file = models.FileField(upload_to="backlog-imports/reports/", blank=True)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = OrgQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=BacklogImportStatus.values),
                name="backlog_import_status_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(source=""), name="backlog_import_source_not_empty"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        return reverse("backlog:import-detail", args=[self.organisation.slug, self.pk])

    @property
    def is_finished(self) -> bool:
        return self.status in {
            BacklogImportStatus.SUCCEEDED,
            BacklogImportStatus.FAILED,
        }

    @property
    def progress_percent(self) -> int:
        if self.status == BacklogImportStatus.SUCCEEDED:
            return 100
        if not self.rows_total:
            return 0
        return min(99, int(100 * self.rows_read / self.rows_total))


class SheetRow(models.Model):
    """A hypothesis's row in the sheet it was imported from.

    The key is the row's id in the sheet (or its title when the sheet has no id
    column), unique within the sheet's source, so a re-import finds the
    hypothesis again. The values the last import wrote are kept, so that a
    re-import changes only what changed in the sheet and keeps what people
    changed in the app since.
    """

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="+"
    )
    hypothesis = models.ForeignKey(
        Hypothesis, on_delete=models.CASCADE, related_name="sheet_rows"
    )
    source = models.CharField(max_length=100)
    key = models.CharField(
        max_length=255, help_text="The row's id in the sheet, or “title: …”."
    )
    backlog_import = models.ForeignKey(
        BacklogImport,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sheet_rows",
        help_text="The import that last read this row.",
    )
    line = models.PositiveIntegerField(default=0)
    imported_values = models.JSONField(default=dict, blank=True)
    sheet_scores = models.JSONField(
        default=dict,
        blank=True,
        help_text="Scores the sheet gives as totals, by column, as written.",
    )
    digest = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = OrgQuerySet.as_manager()

    class Meta:
        ordering = ["source", "key"]
        constraints = [
            models.UniqueConstraint(
                "organisation", "source", "key", name="sheet_row_key_unique_per_source"
            ),
            models.UniqueConstraint(
                "hypothesis", "source", name="sheet_row_one_per_hypothesis_and_source"
            ),
            models.CheckConstraint(
                condition=~models.Q(key="") & ~models.Q(source=""),
                name="sheet_row_key_and_source_not_empty",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source}: {self.key}"
