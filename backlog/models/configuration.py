from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models

from backlog.experiments.sample_size import Plan, PlanError, plan_test
from backlog.feedback.importing.zones import validate_time_zone
from backlog.models.metrics import CorrectionMethod
from backlog.scoring.frameworks import Framework, IceMode
from cromaturity.models import Organisation, OrgQuerySet


class BacklogSettings(models.Model):
    """How one organisation ranks its backlog and plans its tests."""

    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, related_name="backlog_settings"
    )
    primary_framework = models.CharField(
        max_length=3,
        choices=Framework,
        default=Framework.ICE,
        help_text="The list and the board rank hypotheses by this framework.",
    )
    ice_mode = models.CharField(
        "ICE score",
        max_length=10,
        choices=IceMode,
        default=IceMode.MEAN,
    )
    minimum_detectable_effect = models.DecimalField(
        "minimum detectable effect (%)",
        max_digits=5,
        decimal_places=1,
        default=Decimal("10.0"),
        validators=[MinValueValidator(Decimal("0.1")), MaxValueValidator(500)],
        help_text="Relative change the planner sizes tests for, e.g. 10 for +10 %.",
    )
    significance = models.DecimalField(
        "significance level (%)",
        max_digits=4,
        decimal_places=1,
        default=Decimal("5.0"),
        validators=[MinValueValidator(Decimal("0.1")), MaxValueValidator(20)],
    )
    power = models.DecimalField(
        "power (%)",
        max_digits=4,
        decimal_places=1,
        default=Decimal("80.0"),
        validators=[MinValueValidator(50), MaxValueValidator(Decimal("99.9"))],
    )
    mask_contact_details = models.BooleanField(
        "mask emails and phone numbers in feedback",
        default=True,
        help_text="Replaced by [email] and [phone] when feedback is saved or "
        "imported. Customers are always stored as pseudonyms.",
    )
    time_zone = models.CharField(
        "time zone of feedback exports",
        max_length=60,
        blank=True,
        validators=[validate_time_zone],
        help_text="Times without a zone in an imported file are read in this zone. "
        "Empty: the server's zone.",
    )
    country = models.CharField(
        "country for phone numbers",
        max_length=2,
        blank=True,
        validators=[RegexValidator(r"^[A-Z]{2}$", "Enter a two-letter country code.")],
        help_text="Phone numbers written without a country code (0171 …, "
        "555-867-5309) are recognised as this country's. Empty: the server's.",
    )
    upload_retention_days = models.PositiveSmallIntegerField(
        "keep uploaded files for (days)",
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(3650)],
        help_text="Imported files hold customers' details in the clear: only admins "
        "can download them, and they are deleted this many days after the upload. "
        "Items, reports and masked rejected rows stay.",
    )
    variants = models.PositiveSmallIntegerField(
        "variants, control included",
        default=2,
        validators=[MinValueValidator(2), MaxValueValidator(10)],
    )
    correction = models.CharField(
        "correction for multiple comparisons",
        max_length=20,
        choices=CorrectionMethod,
        default=CorrectionMethod.HOLM,
        help_text="Applied to the primary and secondary metrics of every challenger "
        "of a new experiment; each experiment keeps the one it was registered with.",
    )
    maximum_weeks = models.PositiveSmallIntegerField(
        "longest a test may run (weeks)",
        default=8,
        validators=[MinValueValidator(1), MaxValueValidator(52)],
        help_text="A plan that cannot reach its sample by then is under-powered.",
    )

    objects = OrgQuerySet.as_manager()

    class Meta:
        verbose_name = "backlog settings"
        verbose_name_plural = "backlog settings"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(primary_framework__in=Framework.values),
                name="backlog_settings_framework_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(ice_mode__in=IceMode.values),
                name="backlog_settings_ice_mode_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    minimum_detectable_effect__gt=0,
                    significance__gt=0,
                    significance__lt=100,
                    power__gt=0,
                    power__lt=100,
                    variants__gte=2,
                    upload_retention_days__gte=1,
                ),
                name="backlog_settings_planner_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"Backlog settings of {self.organisation}"

    @property
    def import_time_zone(self) -> str:
        return self.time_zone or settings.TIME_ZONE

    @property
    def phone_region(self) -> str:
        return self.country or settings.PHONE_REGION

    @property
    def score_field(self) -> str:
        return f"{self.primary_framework}_score"

    def plan_for(self, page) -> Plan | None:
        """The default test plan for a page, or None without its traffic numbers."""
        if page is None or not page.visitors_per_day or page.baseline_rate is None:
            return None
        try:
            return plan_test(
                baseline_rate=page.baseline_rate,
                relative_mde=float(self.minimum_detectable_effect) / 100,
                alpha=float(self.significance) / 100,
                power=float(self.power) / 100,
                variants=self.variants,
                daily_visitors=page.visitors_per_day,
            )
        except PlanError:
            return None

    def too_long_for(self, page) -> bool:
        """Whether a default test on this page needs more than eight weeks."""
        plan = self.plan_for(page)
        return plan is not None and plan.too_long
