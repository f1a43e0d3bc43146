"""Funnels: the ordered steps to a conversion and the counts that reached them."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from backlog.models.metrics import Metric
from backlog.models.pages import Page
from cromaturity.models import Organisation, OrgQuerySet


class Granularity(models.TextChoices):
    """How long the periods of a funnel's counts are: what its trend shows."""

    DAY = "day", "Day"
    WEEK = "week", "Week"
    PERIOD = "period", "Whole report period"


class SegmentDimension(models.TextChoices):
    ALL = "", "All traffic"
    DEVICE = "device", "Device"
    CHANNEL = "channel", "Channel"
    COUNTRY = "country", "Country"
    OTHER = "segment", "Segment"


class FunnelImportStatus(models.TextChoices):
    PREVIEW = "preview", "Waiting for its steps to be mapped"
    APPLIED = "applied", "Applied"


class Funnel(models.Model):
    """An ordered list of steps, from the first page view to the conversion."""

    org_path = "organisation"

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="funnels"
    )
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = OrgQuerySet.as_manager()

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(
                "organisation", Lower("name"), name="funnel_name_unique_per_org"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class FunnelStep(models.Model):
    """One step: a page view (a page of the backlog) or a conversion goal."""

    org_path = "funnel__organisation"

    funnel = models.ForeignKey(Funnel, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=120)
    page = models.ForeignKey(
        Page,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="funnel_steps",
        help_text="The page whose views this step counts.",
    )
    metric = models.ForeignKey(
        Metric,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="funnel_steps",
        help_text="The conversion goal this step counts.",
    )

    objects = OrgQuerySet.as_manager()

    class Meta:
        ordering = ["funnel", "position"]
        constraints = [
            models.UniqueConstraint(
                "funnel", "position", name="funnel_step_position_unique"
            ),
            models.UniqueConstraint(
                "funnel", Lower("name"), name="funnel_step_name_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.position + 1}. {self.name}"


class FunnelCount(models.Model):
    """How many reached a step in one period (a day, a week or a report's whole
    date range), in all traffic or in one segment."""

    org_path = "step__funnel__organisation"

    step = models.ForeignKey(
        FunnelStep, on_delete=models.CASCADE, related_name="counts"
    )
    period_start = models.DateField()
    dimension = models.CharField(
        max_length=10,
        choices=SegmentDimension,
        default=SegmentDimension.ALL,
        blank=True,
    )
    period_end = models.DateField(help_text="The last day the count covers.")
    segment = models.CharField(max_length=120, blank=True)
    count = models.PositiveBigIntegerField()
    source = models.ForeignKey(
        "FunnelImport",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="counts",
    )

    objects = OrgQuerySet.as_manager()

    class Meta:
        ordering = ["step", "period_start", "dimension", "segment"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="funnel_count_ends_after_it_starts",
            ),
            models.UniqueConstraint(
                "step",
                "period_start",
                "period_end",
                "dimension",
                "segment",
                name="funnel_count_unique_per_period_and_segment",
            ),
            models.CheckConstraint(
                condition=Q(dimension__in=SegmentDimension.values),
                name="funnel_count_dimension_valid",
            ),
            models.CheckConstraint(
                condition=(Q(dimension="") & Q(segment=""))
                | (~Q(dimension="") & ~Q(segment="")),
                name="funnel_count_segment_named_with_its_dimension",
            ),
        ]
        indexes = [models.Index(fields=["step", "dimension", "period_start"])]

    def __str__(self) -> str:
        where = f" ({self.segment})" if self.segment else ""
        return f"{self.step.name}{where} {self.period_start}: {self.count}"


class FunnelImport(models.Model):
    """A file or API call that brought counts into a funnel, and what it did."""

    org_path = "funnel__organisation"

    funnel = models.ForeignKey(Funnel, on_delete=models.CASCADE, related_name="imports")
    tool = models.CharField(max_length=20)
    filename = models.CharField(max_length=255, blank=True)
    status = models.CharField(
        max_length=10, choices=FunnelImportStatus, default=FunnelImportStatus.PREVIEW
    )
    period_from = models.DateField(null=True, blank=True)
    period_to = models.DateField(null=True, blank=True)
    # The counts read from the file, kept until its steps are mapped; the file's
    # step names and the funnel steps they were mapped to; and the report:
    # counts created, updated, unchanged and removed, rows rejected and why.
    rows = models.JSONField(default=list, blank=True)
    mapping = models.JSONField(default=dict, blank=True)
    report = models.JSONField(default=dict, blank=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    imported_at = models.DateTimeField(default=timezone.now)

    objects = OrgQuerySet.as_manager()

    class Meta:
        ordering = ["-imported_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=FunnelImportStatus.values),
                name="funnel_import_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.filename or self.tool} → {self.funnel}"
