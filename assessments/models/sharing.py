"""Read-only links that show one scorecard to people without an account."""

from django.db import models
from django.urls import reverse

from assessments.models.assessment import Assessment
from cromaturity.share_links import SignedShareLink, new_nonce

__all__ = ["ShareLink", "new_nonce"]  # new_nonce: named by a migration


class ShareLink(SignedShareLink):
    """A signed, expiring, revocable link to one assessment's scorecard."""

    SIGNING_SALT = "cromaturity.share-link"

    org_path = "assessment__organisation"

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="share_links"
    )
    # PDF downloads through the link are limited per window and audited once an
    # hour; kept on the row so that every web process counts the same.
    pdf_window_started_at = models.DateTimeField(null=True, blank=True)
    pdf_window_downloads = models.PositiveIntegerField(default=0)
    pdf_audited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("created_at")),
                name="share_link_expires_after_creation",
            ),
        ]

    def __str__(self) -> str:
        return f"Share link to {self.assessment}"

    def get_absolute_url(self) -> str:
        return reverse("share:scorecard", args=[self.token])
