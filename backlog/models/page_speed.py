"""Page speed: p75 Core Web Vitals of a URL on one device, from one report."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from backlog.models.pages import Page
from cromaturity.models import Organisation, OrgQuerySet


class SpeedSource(models.TextChoices):
    LIGHTHOUSE = "lighthouse", "Lighthouse"
    PAGESPEED = "pagespeed", "PageSpeed Insights"
    CRUX = "crux", "Chrome UX Report"


class SpeedKind(models.TextChoices):
    LAB = "lab", "Lab (one run)"
    FIELD = "field", "Field (real users, p75)"


class SpeedDevice(models.TextChoices):
    MOBILE = "mobile", "Mobile"
    DESKTOP = "desktop", "Desktop"
    TABLET = "tablet", "Tablet"


class SpeedMeasurement(models.Model):
    org_path = "organisation"

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="speed_measurements"
    )
    page = models.ForeignKey(
        Page,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="speed_measurements",
        help_text="The backlog page whose address matches the URL.",
    )
    url = models.CharField(max_length=500)
    source = models.CharField(max_length=12, choices=SpeedSource)
    kind = models.CharField(max_length=6, choices=SpeedKind)
    device = models.CharField(max_length=8, choices=SpeedDevice)
    period_start = models.DateField()
    period_end = models.DateField()
    lcp_ms = models.FloatField("p75 LCP (ms)", null=True, blank=True)
    inp_ms = models.FloatField("p75 INP (ms)", null=True, blank=True)
    cls = models.FloatField("p75 CLS", null=True, blank=True)
    performance_score = models.FloatField(null=True, blank=True)
    origin_only = models.BooleanField(
        default=False, help_text="Field data of the whole site, not of the page."
    )
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
        ordering = ["-period_end", "url", "device"]
        constraints = [
            models.UniqueConstraint(
                "organisation",
                "url",
                "source",
                "kind",
                "device",
                "period_start",
                "period_end",
                name="speed_measurement_unique_per_report",
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="speed_measurement_ends_after_it_starts",
            ),
            models.CheckConstraint(
                condition=Q(source__in=SpeedSource.values)
                & Q(kind__in=SpeedKind.values)
                & Q(device__in=SpeedDevice.values),
                name="speed_measurement_choices_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.url} ({self.device}, {self.period_end})"
