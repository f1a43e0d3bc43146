from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils import timezone

from backlog.experiments import statistics as stats
from backlog.models.hypotheses import Hypothesis
from cromaturity.models import OrgQuerySet


class Experiment(models.Model):
    """One A/B (or A/B/n) test run for a hypothesis, with its variants' numbers."""

    org_path = "hypothesis__organisation"
    # Not a field: the analysis a page shows, set where the page is built.
    results: "ExperimentAnalysis"

    hypothesis = models.ForeignKey(
        Hypothesis, on_delete=models.CASCADE, related_name="experiments"
    )
    name = models.CharField(max_length=120, default="A/B test")
    started_on = models.DateField(null=True, blank=True)
    ended_on = models.DateField(null=True, blank=True)
    notes = models.TextField(
        blank=True, help_text="Tool, targeting, anything that explains the numbers."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OrgQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(started_on__isnull=True)
                | Q(ended_on__isnull=True)
                | Q(ended_on__gte=F("started_on")),
                name="experiment_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.hypothesis})"

    def analysis(self) -> "ExperimentAnalysis":
        """The statistics of this test, from its (prefetched) variants."""
        return ExperimentAnalysis(list(self.variants.all()))


class Variant(models.Model):
    org_path = "experiment__hypothesis__organisation"

    experiment = models.ForeignKey(
        Experiment, on_delete=models.CASCADE, related_name="variants"
    )
    name = models.CharField(max_length=80)
    is_control = models.BooleanField("control", default=False)
    visitors = models.PositiveIntegerField()
    conversions = models.PositiveIntegerField()
    planned_weight = models.PositiveSmallIntegerField(
        "planned share",
        default=1,
        help_text="Relative share of traffic planned for this variant (1 each for "
        "an even split).",
    )
    position = models.PositiveSmallIntegerField(default=0)

    objects = OrgQuerySet.as_manager()

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(conversions__lte=F("visitors")),
                name="variant_conversions_at_most_visitors",
            ),
            models.CheckConstraint(
                condition=Q(planned_weight__gte=1),
                name="variant_planned_weight_positive",
            ),
            models.UniqueConstraint(
                "experiment",
                condition=Q(is_control=True),
                name="variant_one_control_per_experiment",
            ),
            models.UniqueConstraint(
                "experiment", Lower("name"), name="variant_name_unique_per_experiment"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def arm(self) -> stats.Arm:
        return stats.Arm(visitors=self.visitors, conversions=self.conversions)


class VariantResult:
    def __init__(self, variant: Variant, comparison: stats.Comparison | None):
        self.variant = variant
        self.rate = variant.arm.rate
        self.comparison = comparison


class ExperimentAnalysis:
    """Each variant against the control, and the sample-ratio check of the test."""

    def __init__(self, variants: list[Variant]):
        control = next((v for v in variants if v.is_control), None)
        self.control = control
        self.rows = [
            VariantResult(
                variant,
                stats.compare(control.arm, variant.arm)
                if control is not None and variant is not control
                else None,
            )
            for variant in variants
        ]
        self.sample_ratio = stats.sample_ratio_check(
            [v.visitors for v in variants], [v.planned_weight for v in variants]
        )
        self.visitors = sum(v.visitors for v in variants)
        self.comparisons = max(0, len(variants) - 1)
