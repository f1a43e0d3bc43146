"""Assessments of one organisation, the respondents' answers, consensus and targets."""

from typing import TypedDict

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone

from assessments.models.maturity import MaturityModel, Point
from assessments.scoring import AnswerKind, Level
from cromaturity.models import Organisation, OrgQuerySet, Team

EVIDENCE_MAX_LENGTH = 2000


class AssessmentStatus(models.TextChoices):
    OPEN = "open", "Open for answers"
    CONSENSUS = "consensus", "Consensus"
    CLOSED = "closed", "Closed"

    @property
    def next(self) -> "AssessmentStatus | None":
        order = list(AssessmentStatus)
        position = order.index(self)
        return order[position + 1] if position + 1 < len(order) else None


class AssessmentQuerySet(OrgQuerySet):
    def closed(self):
        return self.filter(status=AssessmentStatus.CLOSED)

    def titled(self, title: str, period: str):
        """Assessments with this title and period, whatever the letter case."""
        return self.filter(title__iexact=title.strip(), period__iexact=period.strip())


class Assessment(models.Model):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="assessments"
    )
    maturity_model = models.ForeignKey(
        MaturityModel, on_delete=models.PROTECT, related_name="assessments"
    )
    title = models.CharField(max_length=160)
    period = models.CharField(
        max_length=60, help_text="What the answers describe, for example “Q3 2026”."
    )
    status = models.CharField(
        max_length=20, choices=AssessmentStatus, default=AssessmentStatus.OPEN
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    opened_at = models.DateTimeField(default=timezone.now)
    consensus_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = AssessmentQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=AssessmentStatus.values),
                name="assessment_status_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(status=AssessmentStatus.CLOSED)
                | models.Q(closed_at__isnull=False),
                name="assessment_closed_has_date",
            ),
            # Two “Q4 2026” of the same check cannot be told apart in the list,
            # the trend or a download's name.
            models.UniqueConstraint(
                models.F("organisation"),
                Lower("title"),
                Lower("period"),
                name="assessment_unique_title_period",
                violation_error_message=(
                    "This organisation already has an assessment with this title "
                    "for this period. Change the title or the period."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.period})"

    def get_absolute_url(self) -> str:
        return reverse(
            "assessments:assessment-detail",
            args=[self.organisation.slug, self.pk],
        )

    @property
    def is_open(self) -> bool:
        return self.status == AssessmentStatus.OPEN

    @property
    def in_consensus(self) -> bool:
        return self.status == AssessmentStatus.CONSENSUS

    @property
    def is_closed(self) -> bool:
        return self.status == AssessmentStatus.CLOSED

    @property
    def next_status(self) -> AssessmentStatus | None:
        return AssessmentStatus(self.status).next


class AnswerCount(TypedDict):
    """What `ResponseQuerySet.with_answer_count` adds to each response."""

    answer_count: int


class ResponseQuerySet(OrgQuerySet):
    def unsubmitted(self):
        return self.filter(submitted_at__isnull=True)

    def with_answer_count(self):
        return self.annotate(answer_count=models.Count("answers"))


class Response(models.Model):
    """One person's answers to one assessment, given as a member of a team."""

    org_path = "assessment__organisation"

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="responses"
    )
    respondent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="assessment_responses",
    )
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="responses")
    started_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)

    objects = ResponseQuerySet.as_manager()

    class Meta:
        ordering = ["assessment", "started_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                "assessment", "respondent", name="response_unique_per_respondent"
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.respondent or 'Former member'} ({self.team}) on {self.assessment}"
        )

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None


class Answer(models.Model):
    org_path = "response__assessment__organisation"

    response = models.ForeignKey(
        Response, on_delete=models.CASCADE, related_name="answers"
    )
    point = models.ForeignKey(Point, on_delete=models.PROTECT, related_name="answers")
    kind = models.CharField(max_length=20, choices=AnswerKind)
    level = models.PositiveSmallIntegerField(choices=Level, null=True, blank=True)
    evidence = models.TextField(blank=True, max_length=EVIDENCE_MAX_LENGTH)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OrgQuerySet.as_manager()

    class Meta:
        ordering = ["response", "point__pillar__position", "point__position"]
        constraints = [
            models.UniqueConstraint(
                "response", "point", name="answer_unique_per_point"
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(kind=AnswerKind.LEVEL, level__gte=1, level__lte=5)
                    | models.Q(
                        kind__in=[AnswerKind.NOT_APPLICABLE, AnswerKind.DONT_KNOW],
                        level__isnull=True,
                    )
                ),
                name="answer_level_matches_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.point.key}: {self.display_choice}"

    @property
    def display_choice(self) -> str:
        if self.kind == AnswerKind.LEVEL and self.level is not None:
            return f"{self.level} {Level(self.level).label}"
        return AnswerKind(self.kind).label


class AgreedLevel(models.Model):
    """The level a facilitated discussion settled on; raw answers stay as given."""

    org_path = "assessment__organisation"

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="agreed_levels"
    )
    point = models.ForeignKey(Point, on_delete=models.PROTECT, related_name="+")
    level = models.PositiveSmallIntegerField(choices=Level)
    rationale = models.TextField(max_length=2000)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    objects = OrgQuerySet.as_manager()

    class Meta:
        ordering = ["assessment", "point__pillar__position", "point__position"]
        constraints = [
            models.UniqueConstraint(
                "assessment", "point", name="agreed_level_unique_per_point"
            ),
            models.CheckConstraint(
                condition=models.Q(level__gte=1, level__lte=5),
                name="agreed_level_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.point.key} agreed at {self.level}"


class Target(models.Model):
    """The level an organisation aims for on a point.

    Keyed by point key, not by point, so a target carries over to later
    assessments and to new versions of the maturity model.
    """

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="maturity_targets"
    )
    point_key = models.CharField(max_length=10)
    level = models.PositiveSmallIntegerField(choices=Level)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = OrgQuerySet.as_manager()

    class Meta:
        ordering = ["organisation", "point_key"]
        constraints = [
            models.UniqueConstraint(
                "organisation", "point_key", name="target_unique_per_point"
            ),
            models.CheckConstraint(
                condition=models.Q(level__gte=1, level__lte=5),
                name="target_level_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.point_key} target {self.level}"
