"""Customer-service feedback: items, their themes, and the imports that bring them."""

import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone

from backlog.feedback.importing.tools import TOOLS_BY_KEY
from backlog.models.evidence import Evidence
from cromaturity.models import Organisation, OrgQuerySet, Team


class FeedbackSource(models.TextChoices):
    TICKET = "ticket", "Ticket"
    CHAT = "chat", "Chat"
    CALL = "call", "Call"
    EMAIL = "email", "Email"
    SURVEY = "survey", "Survey"
    REVIEW = "review", "Review"
    SOCIAL = "social", "Social media"


class Sentiment(models.TextChoices):
    POSITIVE = "positive", "Positive"
    NEUTRAL = "neutral", "Neutral"
    NEGATIVE = "negative", "Negative"
    UNKNOWN = "", "Not known"


class ThemeQuerySet(OrgQuerySet):
    def with_feedback_totals(self: "ThemeQuerySet[Theme]") -> list["Theme"]:
        """These themes with their number of feedback items (`total`), leaving
        out unused themes.

        One grouped read of the link table's index, instead of a join of every
        item with its themes.
        """
        candidates = list(self.order_by())
        if not candidates:
            return []
        totals = dict(
            FeedbackTheme.objects.order_by()
            .filter(theme__in=[theme.pk for theme in candidates])
            .values("theme_id")
            # COUNT(*), not of a column: PostgreSQL counts from the theme index.
            .annotate(n=models.Count("*"))
            .values_list("theme_id", "n")
        )
        themes = []
        for theme in candidates:
            if totals.get(theme.pk):
                theme.total = totals[theme.pk]
                themes.append(theme)
        return themes

    def with_feedback_counts(self: "ThemeQuerySet[Theme]") -> list["Theme"]:
        """These themes with their feedback items (`total`) and whether any of
        those is evidence for a hypothesis (`linked`), leaving out unused themes.

        One EXISTS per theme for the evidence, instead of a join of every item
        with every evidence link (which grows with the whole feedback history).
        """
        themes = self.with_feedback_totals()
        if not themes:
            return []
        # A theme is linked as soon as one of its items is active evidence: one
        # EXISTS per theme, which stops at the first such item.
        active = Evidence.objects.filter(
            unlinked_at__isnull=True, feedback_item=models.OuterRef("item_id")
        )
        with_evidence = FeedbackTheme.objects.filter(
            theme=models.OuterRef("pk")
        ).filter(models.Exists(active))
        linked = set(
            Theme.objects.filter(pk__in=[theme.pk for theme in themes])
            .filter(models.Exists(with_evidence))
            .values_list("pk", flat=True)
        )
        for theme in themes:
            theme.linked = theme.pk in linked
        return themes

    def unaddressed(self: "ThemeQuerySet[Theme]") -> list["Theme"]:
        """Themes customers raise that no hypothesis addresses yet, most raised
        first."""
        themes = [theme for theme in self.with_feedback_counts() if not theme.linked]
        return sorted(themes, key=lambda theme: (-theme.total, theme.name))


class Theme(models.Model):
    """A topic customers raise (“checkout”, “sizing”), taken from help-desk tags."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="themes"
    )
    name = models.CharField(max_length=50)

    objects = ThemeQuerySet.as_manager()

    # Set by ThemeQuerySet.with_feedback_counts for the pages that list themes.
    total: int
    linked: bool

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                "organisation", Lower("name"), name="theme_name_unique_per_org"
            )
        ]

    def __str__(self) -> str:
        return self.name


class FeedbackItemQuerySet(OrgQuerySet):
    def search(self, text: str):
        """Items whose text contains each of the first eight words."""
        items = self
        for word in text.split()[:8]:
            items = items.filter(text__icontains=word)
        return items


class FeedbackItem(models.Model):
    # Indexed through the composite indexes below, which all start with it.
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="feedback_items",
        db_index=False,
    )
    source = models.CharField(
        max_length=10, choices=FeedbackSource, default=FeedbackSource.TICKET
    )
    source_system = models.CharField(
        "source",
        max_length=100,
        blank=True,
        help_text="The feed the item came from (“Zendesk”, “Hotjar: exit "
        "survey”); its external id is unique within it. Empty when typed in "
        "cromaturity.",
    )
    # NULL for items typed in cromaturity: unique constraints ignore NULLs, so the
    # one index below both enforces uniqueness and serves the import's lookups.
    external_id = models.CharField(  # noqa: DJ001
        max_length=200,
        null=True,
        blank=True,
        help_text="The ticket or conversation id in the source system.",
    )
    received_at = models.DateTimeField(default=timezone.now)
    text = models.TextField()
    page = models.CharField("page or URL", max_length=2000, blank=True)
    product_area = models.CharField(max_length=100, blank=True)
    customer_ref = models.CharField(
        "customer",
        max_length=64,
        blank=True,
        help_text="A pseudonym: the same customer gets the same one.",
    )
    sentiment = models.CharField(
        max_length=10, choices=Sentiment, default=Sentiment.UNKNOWN, blank=True
    )
    themes = models.ManyToManyField(
        Theme, blank=True, related_name="items", through="FeedbackTheme"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    team = models.ForeignKey(
        Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    feedback_import = models.ForeignKey(
        "FeedbackImport",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="items",
        db_index=False,
        # Provenance only; the ORM clears it if an import record is deleted.
        # Without a database constraint, PostgreSQL skips one check per row when
        # a large import commits.
        db_constraint=False,
    )
    attributes = models.JSONField(
        default=dict,
        blank=True,
        help_text="Other answers of a survey response, by question.",
    )
    digest = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    # Counts the changes, by hand or by a re-import, so that an edit form opened
    # on an older version is refused instead of overwriting (backlog/conflicts.py).
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = FeedbackItemQuerySet.as_manager()

    class Meta:
        ordering = ["-received_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                "organisation",
                "source_system",
                "external_id",
                name="feedback_external_id_unique_per_org",
            ),
            models.CheckConstraint(
                condition=~models.Q(external_id=""),
                name="feedback_external_id_not_empty",
            ),
            models.CheckConstraint(
                condition=models.Q(source__in=FeedbackSource.values),
                name="feedback_source_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(sentiment__in=Sentiment.values),
                name="feedback_sentiment_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["organisation", "-received_at"]),
        ]

    def __str__(self) -> str:
        return self.text[:60]

    def get_absolute_url(self) -> str:
        return reverse("feedback:item-detail", args=[self.organisation.slug, self.pk])


class FeedbackTheme(models.Model):
    org_path = "item__organisation"

    # Rows are only written by the import and the forms, always for items they
    # have just read or written, so the per-row database check on commit (which
    # dominates a large import on PostgreSQL) is left out; deleting an item
    # cascades through the ORM.
    item = models.ForeignKey(
        FeedbackItem, on_delete=models.CASCADE, db_index=False, db_constraint=False
    )
    theme = models.ForeignKey(Theme, on_delete=models.CASCADE)

    class Meta:
        constraints = [
            models.UniqueConstraint("item", "theme", name="feedback_theme_unique")
        ]

    def __str__(self) -> str:
        return f"{self.theme}: {self.item_id}"


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", "Waiting for the column mapping"
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Importing"
    SUCCEEDED = "succeeded", "Imported"
    FAILED = "failed", "Failed"


def _upload_path(instance, filename: str) -> str:
    # The stored name is chosen by the server; the person's file name is kept in
    # `original_name` for display only.
    suffix = PurePosixPath(filename).suffix.lower()[:8]
    return f"imports/{instance.organisation_id}/{uuid.uuid4().hex}{suffix}"


class FeedbackImport(models.Model):
    """One uploaded file, its mapping and what importing it did."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="feedback_imports"
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
    mapping = models.JSONField(default=dict)
    attribute_columns = models.JSONField(
        default=list, blank=True, help_text="Columns kept as attributes of each item."
    )
    html_columns = models.JSONField(
        default=list, blank=True, help_text="Columns read as HTML and kept as text."
    )
    tool = models.CharField(
        max_length=40, blank=True, help_text="The tool the file was recognised as."
    )
    source_system = models.CharField(
        "source",
        max_length=100,
        blank=True,
        help_text="The feed its items belong to; ids are unique within it.",
    )
    date_format = models.CharField(max_length=20, default="iso")
    time_zone = models.CharField(max_length=60, default="UTC")
    no_date = models.BooleanField(
        default=False,
        help_text="Confirmed that the file has no date: items are dated by the import.",
    )
    mask_contacts = models.BooleanField(default=True)
    status = models.CharField(
        max_length=10, choices=ImportStatus, default=ImportStatus.UPLOADED
    )
    rows_total = models.PositiveIntegerField(
        default=0, help_text="Estimated from the file before reading it."
    )
    rows_read = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    rejected_file = models.FileField(upload_to="imports/rejected/", blank=True)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = OrgQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=ImportStatus.values),
                name="feedback_import_status_valid",
            )
        ]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        return reverse("feedback:import-detail", args=[self.organisation.slug, self.pk])

    @property
    def tool_name(self) -> str:
        tool = TOOLS_BY_KEY.get(self.tool)
        return tool.name if tool else self.tool

    @property
    def is_finished(self) -> bool:
        return self.status in {ImportStatus.SUCCEEDED, ImportStatus.FAILED}

    @property
    def progress_percent(self) -> int:
        if self.status == ImportStatus.SUCCEEDED:
            return 100
        if not self.rows_total:
            return 0
        return min(99, int(100 * self.rows_read / self.rows_total))


class ImportMapping(models.Model):
    """A column mapping saved for the exports of one tool, reused next time."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="import_mappings"
    )
    name = models.CharField(max_length=80)
    source_system = models.CharField("source", max_length=100, blank=True)
    header_signature = models.CharField(max_length=64, db_index=True)
    mapping = models.JSONField(default=dict)
    attribute_columns = models.JSONField(default=list, blank=True)
    html_columns = models.JSONField(default=list, blank=True)
    date_format = models.CharField(max_length=20, default="iso")
    time_zone = models.CharField(max_length=60, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    objects = OrgQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                "organisation", "name", name="import_mapping_name_unique_per_org"
            )
        ]

    def __str__(self) -> str:
        return self.name
