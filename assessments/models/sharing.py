"""Read-only links that show one scorecard to people without an account."""

import secrets

from django.conf import settings
from django.core import signing
from django.db import models
from django.urls import reverse
from django.utils import timezone

from assessments.models.assessment import Assessment
from cromaturity.models import OrgQuerySet


class ShareLinkQuerySet(OrgQuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())


def new_nonce() -> str:
    return secrets.token_urlsafe(18)


class ShareLink(models.Model):
    """A signed, expiring, revocable link to one assessment's scorecard.

    The URL carries the random `nonce` signed with the site's key: a guessed or
    altered token fails the signature before the database is asked, and a link
    stops working when it expires or is revoked, whoever holds it.
    """

    SIGNING_SALT = "cromaturity.share-link"

    org_path = "assessment__organisation"

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="share_links"
    )
    nonce = models.CharField(max_length=32, unique=True, default=new_nonce)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    view_count = models.PositiveIntegerField(default=0)
    last_viewed_at = models.DateTimeField(null=True, blank=True)
    # PDF downloads through the link are limited per window and audited once an
    # hour; kept on the row so that every web process counts the same.
    pdf_window_started_at = models.DateTimeField(null=True, blank=True)
    pdf_window_downloads = models.PositiveIntegerField(default=0)
    pdf_audited_at = models.DateTimeField(null=True, blank=True)

    objects = ShareLinkQuerySet.as_manager()

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

    @property
    def token(self) -> str:
        return signing.Signer(salt=self.SIGNING_SALT).sign(self.nonce)

    @classmethod
    def nonce_from_token(cls, token: str) -> str | None:
        try:
            return signing.Signer(salt=cls.SIGNING_SALT).unsign(token)
        except signing.BadSignature:
            return None

    @property
    def state(self) -> str:
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "active"

    @property
    def is_active(self) -> bool:
        return self.state == "active"
