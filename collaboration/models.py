"""Comments, watches, notifications and the activity feed; change history.

Comments point at exactly one thing (a hypothesis, a feedback item, or a point
within an assessment) through plain foreign keys, so deleting the thing deletes
its discussion and every row stays inside one organisation.
"""

import simple_history
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from assessments.models import Assessment, Point
from backlog.models import Evidence, FeedbackImport, FeedbackItem, Hypothesis, Score
from cromaturity.models import Organisation, OrgQuerySet, Team

COMMENT_MAX_LENGTH = 5000

# Change history of the backlog, kept in this app's tables. Score and evidence
# aggregates on the hypothesis are derived numbers, rewritten in bulk: recording
# them would fill the history with changes nobody made.
simple_history.register(
    Hypothesis,
    app="collaboration",
    excluded_fields=[
        "updated_at",
        "ice_score",
        "ice_count",
        "ice_disagreement",
        "pie_score",
        "pie_count",
        "pie_disagreement",
        "pxl_score",
        "pxl_count",
        "pxl_disagreement",
        "evidence_items",
        "evidence_customers",
        "evidence_channels",
        "evidence_latest",
        "evidence_strength",
    ],
)
simple_history.register(Score, app="collaboration", excluded_fields=["updated_at"])
simple_history.register(
    FeedbackItem, app="collaboration", excluded_fields=["updated_at", "digest"]
)
simple_history.register(Evidence, app="collaboration")


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


class NotificationKind(models.TextChoices):
    MENTION = "mention", "Someone mentions you"
    ASSIGNED = "assigned", "You are made owner of a hypothesis"
    STATUS = "status", "A hypothesis you watch changes status"
    COMMENT = "comment", "Someone comments on a hypothesis you watch"
    LOOP_CLOSED = "loop_closed", "A test your feedback supported concludes"
    ASSESSMENT = "assessment", "An assessment you may answer opens, moves on or closes"


class Delivery(models.TextChoices):
    IMMEDIATELY = "immediately", "Email me at once"
    DIGEST = "digest", "In the daily digest"
    OFF = "off", "No email"


DEFAULT_DELIVERY = {
    NotificationKind.MENTION: Delivery.IMMEDIATELY,
    NotificationKind.ASSIGNED: Delivery.IMMEDIATELY,
    NotificationKind.STATUS: Delivery.DIGEST,
    NotificationKind.COMMENT: Delivery.DIGEST,
    NotificationKind.LOOP_CLOSED: Delivery.IMMEDIATELY,
    NotificationKind.ASSESSMENT: Delivery.IMMEDIATELY,
}


class NotificationQuerySet(OrgQuerySet):
    def unread(self):
        return self.filter(read_at__isnull=True)

    def for_recipient(self, user, organisation):
        return self.filter(recipient=user, organisation=organisation)

    def awaiting_digest(self):
        return self.filter(email=Delivery.DIGEST, emailed_at__isnull=True)


class Notification(models.Model):
    """Something one member should know, shown under the bell and maybe emailed."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="notifications"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    kind = models.CharField(max_length=20, choices=NotificationKind)
    title = models.CharField(max_length=300)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=500)
    hypothesis = models.ForeignKey(
        Hypothesis,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    comment = models.ForeignKey(
        Comment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # How the email goes, fixed when the notification is made from the
    # recipient's preference; emailed_at is set once it went (alone or in a digest).
    email = models.CharField(max_length=20, choices=Delivery, default=Delivery.OFF)
    emailed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(
                fields=["recipient", "organisation", "read_at"],
                name="notification_unread_idx",
            ),
            models.Index(
                fields=["email", "emailed_at"],
                condition=Q(emailed_at__isnull=True),
                name="notification_email_due_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=NotificationKind.values),
                name="notification_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(email__in=Delivery.values),
                name="notification_email_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"To {self.recipient}: {self.title}"

    @property
    def is_unread(self) -> bool:
        return self.read_at is None


class NotificationPreference(models.Model):
    """How one member wants to hear about one kind of notification by email."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preferences",
    )
    kind = models.CharField(max_length=20, choices=NotificationKind)
    delivery = models.CharField(max_length=20, choices=Delivery)

    objects = OrgQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                "organisation", "user", "kind", name="notification_preference_unique"
            ),
            models.CheckConstraint(
                condition=Q(delivery__in=Delivery.values),
                name="notification_preference_delivery_valid",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=NotificationKind.values),
                name="notification_preference_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.kind} → {self.delivery}"


class ActivityKind(models.TextChoices):
    PROPOSED = "proposed", "Proposed a hypothesis"
    MOVED = "moved", "Moved a hypothesis"
    CONCLUDED = "concluded", "Concluded a test"
    SCORED = "scored", "Scored"
    LINKED = "linked", "Linked feedback"
    UNLINKED = "unlinked", "Unlinked feedback"
    COMMENTED = "commented", "Commented"
    IMPORTED = "imported", "Imported feedback"
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
