"""What an organisation measures in its tests: conversion goals, means, counts."""

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from backlog.experiments.corrections import Correction
from backlog.experiments.guardrails import Direction
from cromaturity.models import Organisation, OrgQuerySet

# How files and the API name a metric.
validate_metric_key = RegexValidator(
    r"^[a-z0-9][a-z0-9_-]*$",
    "Use lower-case letters, digits, hyphens and underscores.",
)


class MetricKind(models.TextChoices):
    CONVERSION = "conversion", "Conversion goal"
    MEAN = "mean", "Mean per visitor"
    COUNT = "count", "Count per visitor"


class GoalLevel(models.TextChoices):
    MACRO = "macro", "Macro conversion"
    MICRO = "micro", "Micro-conversion"


class MetricDirection(models.TextChoices):
    UP = Direction.UP_IS_GOOD.value, "Up is good"
    DOWN = Direction.DOWN_IS_GOOD.value, "Down is good"


class MetricRole(models.TextChoices):
    PRIMARY = "primary", "Primary"
    SECONDARY = "secondary", "Secondary"
    GUARDRAIL = "guardrail", "Guardrail"


class CorrectionMethod(models.TextChoices):
    HOLM = Correction.HOLM.value, "Holm–Bonferroni"
    BENJAMINI_HOCHBERG = Correction.BENJAMINI_HOCHBERG.value, "Benjamini–Hochberg"
    NONE = Correction.NONE.value, "None"


class MetricQuerySet(OrgQuerySet):
    def in_use(self):
        return self.filter(archived_at__isnull=True)


class Metric(models.Model):
    """One number a test is judged on.

    A conversion goal counts visitors who did something (the macro conversion,
    a purchase or lead; or a micro-conversion on the way to it); a mean metric
    is a value per visitor such as revenue; a count metric counts events per
    visitor. The two last report each variant's visitors, sum and sum of
    squares.
    """

    org_path = "organisation"

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="metrics"
    )
    key = models.SlugField(
        max_length=60,
        validators=[validate_metric_key],
        help_text="How files and the API name this metric, e.g. add_to_cart.",
    )
    name = models.CharField(max_length=120)
    kind = models.CharField(
        max_length=12, choices=MetricKind, default=MetricKind.CONVERSION
    )
    goal_level = models.CharField(
        "goal",
        max_length=6,
        choices=GoalLevel,
        blank=True,
        help_text="For conversion goals: the macro conversion or a micro-conversion "
        "on the way to it.",
    )
    direction = models.CharField(
        max_length=4, choices=MetricDirection, default=MetricDirection.UP
    )
    value = models.DecimalField(
        "value per conversion",
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text="What one conversion (or one unit) is worth, if known.",
    )
    default_role = models.CharField(
        max_length=10, choices=MetricRole, default=MetricRole.SECONDARY
    )
    default_margin = models.DecimalField(
        "non-inferiority margin (%)",
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0.1), MaxValueValidator(100)],
        help_text="For a guardrail: how much worse, relative to the control, is "
        "still acceptable, e.g. 2 for 2 %.",
    )
    description = models.TextField(blank=True)
    archived_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MetricQuerySet.as_manager()

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(
                "organisation", "key", name="metric_key_unique_per_organisation"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=MetricKind.values),
                name="metric_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(goal_level="")
                | Q(kind=MetricKind.CONVERSION, goal_level__in=GoalLevel.values),
                name="metric_goal_level_only_for_conversions",
            ),
            models.CheckConstraint(
                condition=Q(direction__in=MetricDirection.values),
                name="metric_direction_valid",
            ),
            models.CheckConstraint(
                condition=Q(default_role__in=MetricRole.values),
                name="metric_default_role_valid",
            ),
            models.CheckConstraint(
                condition=Q(default_margin__isnull=True) | Q(default_margin__gt=0),
                name="metric_default_margin_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_conversion(self) -> bool:
        return self.kind == MetricKind.CONVERSION

    @property
    def good_direction(self) -> Direction:
        return Direction(self.direction)
