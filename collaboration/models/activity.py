"""The activity feed: what happened in an organisation, newest first."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from assessments.models import Assessment
from backlog.models import FeedbackImport, FeedbackItem, Hypothesis
from cromaturity.models import Organisation, OrgQuerySet, Team


class ActivityKind(models.TextChoices):
    PROPOSED = "proposed", "Proposed a hypothesis"
    MOVED = "moved", "Moved a hypothesis"
    CONCLUDED = "concluded", "Concluded a test"
    SCORED = "scored", "Scored"
    LINKED = "linked", "Linked feedback"
    UNLINKED = "unlinked", "Unlinked feedback"
    COMMENTED = "commented", "Commented"
    IMPORTED = "imported", "Imported feedback"
    BACKLOG_IMPORTED = "backlog_imported", "Imported hypotheses"
    ASSESSMENT = "assessment", "Assessment status"


class ActivityQuerySet(OrgQuerySet):
    def for_feed(self):
        return self.select_related("actor", "team")


class Activity(models.Model):
    """One thing someone did, for the organisation's feed and a hypothesis's
    timeline. The summary is written when it happens, so the entry still reads
    right after the things it names change or go."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="activities"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # The actor's team when it happened, so the feed filters by team.
    team = models.ForeignKey(
        Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=ActivityKind)
    summary = models.CharField(max_length=300)
    detail = models.TextField(blank=True)
    url = models.CharField(max_length=500, blank=True)
    hypothesis = models.ForeignKey(
        Hypothesis,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    feedback_item = models.ForeignKey(
        FeedbackItem,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    feedback_import = models.ForeignKey(
        FeedbackImport,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    assessment = models.ForeignKey(
        Assessment,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = ActivityQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "activities"
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["organisation", "-created_at"]),
            models.Index(fields=["hypothesis", "-created_at"]),
            models.Index(fields=["feedback_item", "-created_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=ActivityKind.values),
                name="activity_kind_valid",
            )
        ]

    def __str__(self) -> str:
        return self.summary
