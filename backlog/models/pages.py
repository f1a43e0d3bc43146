"""Where hypotheses aim (pages and funnel steps, with the traffic tests are
sized by) and the tags that group them."""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

from cromaturity.models import Organisation, OrgQuerySet


class Page(models.Model):
    """A page or funnel step that hypotheses target, with the traffic it gets."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="backlog_pages"
    )
    name = models.CharField(max_length=120)
    url = models.CharField(
        "address",
        max_length=300,
        blank=True,
        help_text="A URL or path pattern, e.g. /checkout/shipping.",
    )
    position = models.PositiveSmallIntegerField(
        "funnel position",
        default=0,
        help_text="Where the step sits in the funnel; lower comes first.",
    )
    daily_visitors = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text="Average visitors a day who could enter a test here.",
    )
    baseline_conversion_rate = models.DecimalField(
        "baseline conversion rate (%)",
        max_digits=6,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(0.001), MaxValueValidator(99.999)],
        help_text="Share of those visitors who convert today on the metric tests "
        "here move, e.g. 3.2.",
    )
    # What the page's funnel step counted in its last 28 days with counts: kept
    # up to date by every funnel import, and used instead of the typed numbers.
    measured_daily_visitors = models.PositiveIntegerField(null=True, blank=True)
    measured_conversion_rate = models.DecimalField(
        max_digits=6, decimal_places=3, null=True, blank=True
    )
    measured_from = models.DateField(null=True, blank=True)
    measured_to = models.DateField(null=True, blank=True)
    measured_funnel = models.ForeignKey(
        "backlog.Funnel",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = OrgQuerySet.as_manager()

    class Meta:
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint(
                "organisation", Lower("name"), name="backlog_page_name_unique_per_org"
            ),
            models.CheckConstraint(
                condition=Q(baseline_conversion_rate__isnull=True)
                | Q(baseline_conversion_rate__gt=0, baseline_conversion_rate__lt=100),
                name="backlog_page_baseline_in_range",
            ),
            models.CheckConstraint(
                condition=Q(daily_visitors__isnull=True) | Q(daily_visitors__gte=1),
                name="backlog_page_daily_visitors_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_measured(self) -> bool:
        return self.measured_daily_visitors is not None

    @property
    def visitors_per_day(self) -> int | None:
        """Measured from the funnel when it has counts, else as typed."""
        if self.measured_daily_visitors:
            return self.measured_daily_visitors
        return self.daily_visitors

    @property
    def conversion_rate(self) -> Decimal | None:
        """The baseline in percent: measured from the funnel, else as typed."""
        if self.measured_conversion_rate is not None:
            return self.measured_conversion_rate
        return self.baseline_conversion_rate

    @property
    def baseline_rate(self) -> float | None:
        """The baseline as a fraction, as the planner wants it."""
        rate = self.conversion_rate
        return None if rate is None else float(rate) / 100


class Tag(models.Model):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="backlog_tags"
    )
    name = models.CharField(max_length=40)

    objects = OrgQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                "organisation", Lower("name"), name="backlog_tag_name_unique_per_org"
            ),
        ]

    def __str__(self) -> str:
        return self.name
