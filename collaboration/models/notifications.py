"""Notifications: what a member is told, and how they want to be told."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from backlog.models import Hypothesis
from collaboration.models.discussion import Comment
from cromaturity.models import Organisation, OrgQuerySet


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
