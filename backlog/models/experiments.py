from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone

from backlog.experiments import statistics as stats
from backlog.models.hypotheses import Hypothesis
from backlog.models.metrics import CorrectionMethod, Metric, MetricRole
from cromaturity.models import OrgQuerySet
from cromaturity.share_links import SignedShareLink

# The plan an experiment registers before it starts: changing one of these once
# it runs needs a reason, kept in its history.
PLAN_FIELDS = [
    "baseline_rate",
    "minimum_detectable_effect",
    "significance",
    "power",
    "sequential",
    "correction",
    "planned_visitors_per_variant",
    "minimum_weeks",
    "maximum_weeks",
]


class Experiment(models.Model):
    """One A/B (or A/B/n) test run for a hypothesis, with its variants' numbers."""

    org_path = "hypothesis__organisation"
    # Not fields: the analysis a page shows, and the report of the
    # pre-registered rules, set where the page is built.
    results: "ExperimentAnalysis"
    report: object  # backlog.experiments.report_tables.Report

    hypothesis = models.ForeignKey(
        Hypothesis, on_delete=models.CASCADE, related_name="experiments"
    )
    name = models.CharField(max_length=120, default="A/B test")
    started_on = models.DateField(null=True, blank=True)
    ended_on = models.DateField(null=True, blank=True)
    notes = models.TextField(
        blank=True, help_text="Tool, targeting, anything that explains the numbers."
    )
    # The pre-registered plan (PLAN_FIELDS); registered_at is when it was
    # first saved, before the test started or not.
    baseline_rate = models.DecimalField(
        "baseline rate of the primary metric (%)",
        max_digits=7,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text="The control's expected rate the planned sample was sized from.",
    )
    minimum_detectable_effect = models.DecimalField(
        "minimum detectable effect (%)",
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0.1), MaxValueValidator(500)],
    )
    significance = models.DecimalField(
        "significance level (%)",
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0.1), MaxValueValidator(20)],
    )
    power = models.DecimalField(
        "power (%)",
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(50), MaxValueValidator(99.9)],
    )
    sequential = models.BooleanField(
        "sequential testing",
        default=False,
        help_text="Always-valid p-values and confidence sequences: looking early "
        "is safe. Chosen before the start.",
    )
    correction = models.CharField(
        "correction for multiple comparisons",
        max_length=20,
        choices=CorrectionMethod,
        default=CorrectionMethod.HOLM,
    )
    planned_visitors_per_variant = models.PositiveIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1)]
    )
    minimum_weeks = models.PositiveSmallIntegerField(
        "minimum runtime (weeks)",
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(52)],
    )
    maximum_weeks = models.PositiveSmallIntegerField(
        "maximum runtime (weeks)",
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(52)],
    )
    registered_at = models.DateTimeField(null=True, blank=True)
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
            models.CheckConstraint(
                condition=Q(correction__in=CorrectionMethod.values),
                name="experiment_correction_valid",
            ),
            models.CheckConstraint(
                condition=Q(minimum_weeks__isnull=True)
                | Q(maximum_weeks__isnull=True)
                | Q(maximum_weeks__gte=F("minimum_weeks")),
                name="experiment_maximum_runtime_after_minimum",
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
    # The visitors assigned to the variant (the sample-ratio check counts
    # them) and, for a test without registered metrics, its conversions.
    visitors = models.PositiveIntegerField(default=0)
    conversions = models.PositiveIntegerField(default=0)
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


class ExperimentMetric(models.Model):
    """A metric registered for an experiment, with its role and margin."""

    org_path = "experiment__hypothesis__organisation"

    experiment = models.ForeignKey(
        Experiment, on_delete=models.CASCADE, related_name="registered_metrics"
    )
    metric = models.ForeignKey(
        Metric, on_delete=models.PROTECT, related_name="registrations"
    )
    role = models.CharField(max_length=10, choices=MetricRole)
    margin = models.DecimalField(
        "non-inferiority margin (%)",
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0.1), MaxValueValidator(100)],
    )
    position = models.PositiveSmallIntegerField(default=0)

    objects = OrgQuerySet.as_manager()

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(
                "experiment", "metric", name="experiment_metric_registered_once"
            ),
            models.UniqueConstraint(
                "experiment",
                condition=Q(role=MetricRole.PRIMARY),
                name="experiment_metric_one_primary",
            ),
            models.CheckConstraint(
                condition=Q(role__in=MetricRole.values),
                name="experiment_metric_role_valid",
            ),
            models.CheckConstraint(
                condition=Q(role=MetricRole.GUARDRAIL, margin__gt=0)
                | (~Q(role=MetricRole.GUARDRAIL) & Q(margin__isnull=True)),
                name="experiment_metric_margin_for_guardrails",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.metric} ({self.get_role_display()})"


class MetricResult(models.Model):
    """One variant's numbers on one metric."""

    org_path = "variant__experiment__hypothesis__organisation"

    variant = models.ForeignKey(
        Variant, on_delete=models.CASCADE, related_name="metric_results"
    )
    metric = models.ForeignKey(Metric, on_delete=models.PROTECT, related_name="results")
    visitors = models.PositiveIntegerField()
    conversions = models.PositiveIntegerField(null=True, blank=True)
    sum = models.FloatField(null=True, blank=True)
    sum_squares = models.FloatField(null=True, blank=True)

    objects = OrgQuerySet.as_manager()

    class Meta:
        ordering = ["variant__position", "metric__name", "pk"]
        constraints = [
            models.UniqueConstraint(
                "variant", "metric", name="metric_result_once_per_variant"
            ),
            models.CheckConstraint(
                condition=Q(conversions__isnull=True)
                | Q(conversions__lte=F("visitors")),
                name="metric_result_conversions_at_most_visitors",
            ),
            models.CheckConstraint(
                condition=Q(sum_squares__isnull=True) | Q(sum_squares__gte=0),
                name="metric_result_sum_squares_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.variant} · {self.metric}"


class ChangeKind(models.TextChoices):
    REGISTERED = "registered", "Plan registered"
    PLAN = "plan", "Plan changed"
    RESULTS = "results", "Results recorded"
    RUN = "run", "Name, dates or notes changed"


class ExperimentChange(models.Model):
    """One entry of an experiment's history: what changed, why, and before/after."""

    org_path = "experiment__hypothesis__organisation"

    experiment = models.ForeignKey(
        Experiment, on_delete=models.CASCADE, related_name="changes"
    )
    kind = models.CharField(max_length=12, choices=ChangeKind)
    summary = models.CharField(max_length=300)
    reason = models.TextField(blank=True)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    changed_at = models.DateTimeField(default=timezone.now)

    objects = OrgQuerySet.as_manager()

    class Meta:
        ordering = ["-changed_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=ChangeKind.values),
                name="experiment_change_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.experiment}: {self.summary}"


class ResultsImportStatus(models.TextChoices):
    PREVIEW = "preview", "Waiting for its mapping"
    APPLIED = "applied", "Applied"
    UNCHANGED = "unchanged", "Nothing changed"
    FAILED = "failed", "Failed"


class ResultsImport(models.Model):
    """A testing tool's results file brought into one experiment."""

    org_path = "experiment__hypothesis__organisation"

    experiment = models.ForeignKey(
        Experiment, on_delete=models.CASCADE, related_name="results_imports"
    )
    tool = models.CharField(max_length=20)
    filename = models.CharField(max_length=255)
    digest = models.CharField(max_length=64)
    status = models.CharField(
        max_length=10, choices=ResultsImportStatus, default=ResultsImportStatus.PREVIEW
    )
    # The rows read from the file, kept until the mapping is confirmed, and the
    # mapping of the tool's variant and metric names to the experiment's.
    rows = models.JSONField(default=list, blank=True)
    mapping = models.JSONField(default=dict, blank=True)
    report = models.JSONField(default=dict, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(default=timezone.now)
    applied_at = models.DateTimeField(null=True, blank=True)

    objects = OrgQuerySet.as_manager()

    class Meta:
        ordering = ["-uploaded_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ResultsImportStatus.values),
                name="results_import_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.filename} → {self.experiment}"


class ExperimentShareLink(SignedShareLink):
    """A signed, expiring, revocable link to one experiment's report."""

    SIGNING_SALT = "cromaturity.experiment-share-link"

    org_path = "experiment__hypothesis__organisation"

    experiment = models.ForeignKey(
        Experiment, on_delete=models.CASCADE, related_name="share_links"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=F("created_at")),
                name="experiment_share_link_expires_after_creation",
            ),
        ]

    def __str__(self) -> str:
        return f"Share link to {self.experiment}"

    def get_absolute_url(self) -> str:
        return reverse("share:experiment", args=[self.token])


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
