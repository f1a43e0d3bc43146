"""Comments on a hypothesis, a feedback item or an assessment point, and who
watches a hypothesis."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from assessments.models import Assessment, Point
from backlog.models import FeedbackItem, Hypothesis
from cromaturity.models import Organisation, OrgQuerySet

COMMENT_MAX_LENGTH = 5000


class Comment(models.Model):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="comments"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="comments",
    )
    hypothesis = models.ForeignKey(
        Hypothesis,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="comments",
    )
    feedback_item = models.ForeignKey(
        FeedbackItem,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="comments",
    )
    assessment = models.ForeignKey(
        Assessment,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="comments",
    )
    point = models.ForeignKey(
        Point, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    body = models.TextField(max_length=COMMENT_MAX_LENGTH)
    mentioned = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)

    objects = OrgQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["hypothesis", "created_at"]),
            models.Index(fields=["feedback_item", "created_at"]),
            models.Index(fields=["assessment", "point", "created_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(
                        hypothesis__isnull=False,
                        feedback_item__isnull=True,
                        assessment__isnull=True,
                        point__isnull=True,
                    )
                    | Q(
                        hypothesis__isnull=True,
                        feedback_item__isnull=False,
                        assessment__isnull=True,
                        point__isnull=True,
                    )
                    | Q(
                        hypothesis__isnull=True,
                        feedback_item__isnull=True,
                        assessment__isnull=False,
                        point__isnull=False,
                    )
                ),
                name="comment_has_exactly_one_subject",
            ),
            models.CheckConstraint(
                condition=~Q(body=""), name="comment_body_not_empty"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.author or 'Former member'}: {self.body[:60]}"

    def get_absolute_url(self) -> str:
        return f"{subject_url(self)}#comment-{self.pk}"

    @property
    def subject(self):
        """The thing the comment is about (for a point: the point)."""
        return self.hypothesis or self.feedback_item or self.point


def subject_url(comment: Comment) -> str:
    slug = comment.organisation.slug
    if comment.hypothesis_id:
        return reverse("backlog:hypothesis-detail", args=[slug, comment.hypothesis_id])
    if comment.feedback_item_id:
        return reverse("feedback:item-detail", args=[slug, comment.feedback_item_id])
    if comment.point is None:
        raise ValueError("A comment is about a hypothesis, feedback or a point.")
    return reverse(
        "collaboration:point-discussion",
        args=[slug, comment.assessment_id, comment.point.key],
    )


class Watch(models.Model):
    """Someone follows a hypothesis, or explicitly stopped following it.

    Owners, scorers, commenters and people who link evidence start watching
    automatically; an explicit *unwatch* is kept (watching=False) so that the
    next automatic trigger does not sign them up again.
    """

    org_path = "hypothesis__organisation"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="watches"
    )
    hypothesis = models.ForeignKey(
        Hypothesis, on_delete=models.CASCADE, related_name="watches"
    )
    watching = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = OrgQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                "user", "hypothesis", name="watch_one_per_user_and_hypothesis"
            )
        ]

    def __str__(self) -> str:
        state = "watches" if self.watching else "stopped watching"
        return f"{self.user} {state} {self.hypothesis_id}"
