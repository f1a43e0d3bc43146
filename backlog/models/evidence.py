"""Customer feedback linked to a hypothesis as evidence."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from backlog.models.hypotheses import Hypothesis
from cromaturity.models import OrgQuerySet

IMPORTANCE_CHOICES = [
    (0, "0 · background"),
    (1, "1 · relevant"),
    (2, "2 · strong"),
    (3, "3 · decisive"),
]


class EvidenceQuerySet(OrgQuerySet):
    def active(self):
        return self.filter(unlinked_at__isnull=True)


class Evidence(models.Model):
    """One feedback item quoted as evidence for one hypothesis.

    Unlinking keeps the row (with who and when) so the record of what supported a
    decision is never lost; only active links count.
    """

    org_path = "hypothesis__organisation"

    hypothesis = models.ForeignKey(
        Hypothesis, on_delete=models.CASCADE, related_name="evidence"
    )
    # By name: the feedback models read the evidence, so they cannot be imported here.
    feedback_item = models.ForeignKey(
        "backlog.FeedbackItem", on_delete=models.CASCADE, related_name="evidence"
    )
    snippet = models.TextField(
        blank=True, help_text="The words of the feedback that support the hypothesis."
    )
    importance = models.PositiveSmallIntegerField(choices=IMPORTANCE_CHOICES, default=1)
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    linked_at = models.DateTimeField(default=timezone.now)
    unlinked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    unlinked_at = models.DateTimeField(null=True, blank=True)

    objects = EvidenceQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "evidence"
        ordering = ["-importance", "-linked_at"]
        constraints = [
            models.UniqueConstraint(
                "hypothesis",
                "feedback_item",
                condition=models.Q(unlinked_at__isnull=True),
                name="evidence_one_active_link",
            ),
            models.CheckConstraint(
                condition=models.Q(importance__gte=0, importance__lte=3),
                name="evidence_importance_0_to_3",
            ),
        ]
        indexes = [models.Index(fields=["feedback_item", "unlinked_at"])]

    def __str__(self) -> str:
        return f"{self.feedback_item_id} → {self.hypothesis_id}"
