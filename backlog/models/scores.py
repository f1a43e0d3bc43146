from fractions import Fraction

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from backlog.models.hypotheses import Hypothesis
from backlog.scoring.frameworks import (
    PXL_EASE_CHOICES,
    PXL_QUESTIONS,
    RATING_MAX,
    RATING_MIN,
    Framework,
    IceMode,
    ice_score,
    pie_score,
    pxl_score,
)
from cromaturity.models import OrgQuerySet

RATING_CHOICES = [(n, str(n)) for n in range(RATING_MIN, RATING_MAX + 1)]
ICE_FIELDS = ["impact", "confidence", "ease"]
PIE_FIELDS = ["potential", "importance", "ease"]
PXL_FIELDS = [*PXL_QUESTIONS, "pxl_ease"]
FIELDS_BY_FRAMEWORK = {
    Framework.ICE: ICE_FIELDS,
    Framework.PIE: PIE_FIELDS,
    Framework.PXL: PXL_FIELDS,
}
RATING_FIELDS = ["impact", "confidence", "potential", "importance", "ease"]


def _rating(verbose_name: str) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(
        verbose_name, null=True, blank=True, choices=RATING_CHOICES
    )


def _question(key: str) -> models.BooleanField:
    return models.BooleanField(PXL_QUESTIONS[key][1], null=True, blank=True)


def _only(framework: Framework) -> Q:
    """The columns of `framework` are filled and in range; all others are empty."""
    used = set(FIELDS_BY_FRAMEWORK[framework])
    condition = Q(framework=framework)
    for field in RATING_FIELDS:
        if field in used:
            # A CHECK passes on NULL, so "filled" must be said explicitly.
            condition &= Q(**{f"{field}__isnull": False}) & Q(
                **{f"{field}__gte": RATING_MIN, f"{field}__lte": RATING_MAX}
            )
        else:
            condition &= Q(**{f"{field}__isnull": True})
    for field in PXL_QUESTIONS:
        condition &= Q(**{f"{field}__isnull": field not in used})
    if "pxl_ease" in used:
        condition &= Q(pxl_ease__isnull=False, pxl_ease__gte=0, pxl_ease__lte=3)
    else:
        condition &= Q(pxl_ease__isnull=True)
    return condition


class Score(models.Model):
    """One member's score of one hypothesis in one framework."""

    org_path = "hypothesis__organisation"

    hypothesis = models.ForeignKey(
        Hypothesis, on_delete=models.CASCADE, related_name="scores"
    )
    scorer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="scores"
    )
    framework = models.CharField(max_length=3, choices=Framework)

    impact = _rating("impact")
    confidence = _rating("confidence")
    potential = _rating("potential")
    importance = _rating("importance")
    ease = _rating("ease")

    above_the_fold = _question("above_the_fold")
    noticeable_in_5_seconds = _question("noticeable_in_5_seconds")
    adds_or_removes_element = _question("adds_or_removes_element")
    increases_motivation = _question("increases_motivation")
    high_traffic_page = _question("high_traffic_page")
    found_in_user_testing = _question("found_in_user_testing")
    found_in_qualitative_feedback = _question("found_in_qualitative_feedback")
    found_in_analytics = _question("found_in_analytics")
    backed_by_heatmaps = _question("backed_by_heatmaps")
    pxl_ease = models.PositiveSmallIntegerField(
        "time to build", null=True, blank=True, choices=PXL_EASE_CHOICES
    )

    note = models.CharField(
        max_length=300, blank=True, help_text="Why you scored it so (optional)."
    )
    imported = models.BooleanField(
        default=False,
        help_text="Taken from a spreadsheet by a backlog import, not given in the "
        "app; scoring again makes it the scorer's own.",
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    # Counts the saves, so that a score form opened on an older version (in
    # another window) is refused instead of overwriting (backlog/conflicts.py).
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = OrgQuerySet.as_manager()

    class Meta:
        ordering = ["framework", "created_at"]
        constraints = [
            models.UniqueConstraint(
                "hypothesis",
                "scorer",
                "framework",
                name="score_one_per_scorer_per_framework",
            ),
            models.CheckConstraint(
                condition=_only(Framework.ICE)
                | _only(Framework.PIE)
                | _only(Framework.PXL),
                name="score_fields_match_framework",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_framework_display()} score by {self.scorer}"

    def value(
        self, ice_mode: IceMode = IceMode.MEAN, *, feedback_linked: bool = False
    ) -> Fraction:
        """This scorer's framework score."""
        if self.framework == Framework.ICE:
            return ice_score(self.impact, self.confidence, self.ease, ice_mode)
        if self.framework == Framework.PIE:
            return pie_score(self.potential, self.importance, self.ease)
        if self.pxl_ease is None:
            raise ValueError("A PXL score needs its time to build.")
        return pxl_score(
            {key: bool(getattr(self, key)) for key in PXL_QUESTIONS},
            self.pxl_ease,
            feedback_linked=feedback_linked,
        )

    @property
    def pxl_yes_count(self) -> int:
        return sum(1 for key in PXL_QUESTIONS if getattr(self, key))

    @property
    def pxl_answers(self) -> list[tuple[str, int, bool]]:
        return [
            (label, weight, bool(getattr(self, key)))
            for key, (weight, label) in PXL_QUESTIONS.items()
        ]
