"""Read-only links that show one report to people without an account."""

import secrets

from django.conf import settings
from django.core import signing
from django.db import models
from django.utils import timezone

from cromaturity.models import OrgQuerySet


class ShareLinkQuerySet(OrgQuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())


def new_nonce() -> str:
    return secrets.token_urlsafe(18)


class SignedShareLink(models.Model):
    """A signed, expiring, revocable link; each kind names what it shows.

    The URL carries the random `nonce` signed with the site's key and the
    kind's salt: a guessed or altered token fails the signature before the
    database is asked, and a link stops working when it expires or is revoked,
    whoever holds it.
    """

    SIGNING_SALT: str

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

    objects = ShareLinkQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["-created_at", "-pk"]

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
