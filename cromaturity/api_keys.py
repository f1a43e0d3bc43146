"""Creating, revoking and checking per-organisation API keys."""

import hashlib
import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from cromaturity.audit import record_event
from cromaturity.models import ApiKey, AuditAction, Organisation

KEY_PREFIX = "cro_"
# Recording every request's use would turn each API read into a write.
LAST_USED_PRECISION = timedelta(minutes=5)


def _hash(raw_key: str) -> str:
    # The key is 256 random bits, so a fast hash is as safe as a slow one here.
    return hashlib.sha256(raw_key.encode()).hexdigest()


@transaction.atomic
def create_api_key(
    organisation: Organisation, *, name: str, by, ip: str | None = None
) -> tuple[ApiKey, str]:
    """Create a key; the raw secret is returned once and never stored."""
    raw_key = KEY_PREFIX + secrets.token_urlsafe(32)
    api_key = ApiKey.objects.create(
        organisation=organisation,
        name=name,
        prefix=raw_key[len(KEY_PREFIX) : len(KEY_PREFIX) + 8],
        key_hash=_hash(raw_key),
        created_by=by,
    )
    record_event(
        AuditAction.API_KEY_CREATED,
        f"API key “{name}” ({api_key.prefix}…)",
        actor=by,
        organisation=organisation,
        ip=ip,
    )
    return api_key, raw_key


@transaction.atomic
def revoke_api_key(api_key: ApiKey, *, by, ip: str | None = None) -> ApiKey:
    if api_key.revoked_at is None:
        api_key.revoked_at = timezone.now()
        api_key.save(update_fields=["revoked_at"])
        record_event(
            AuditAction.API_KEY_REVOKED,
            f"API key “{api_key.name}” ({api_key.prefix}…)",
            actor=by,
            organisation=api_key.organisation,
            ip=ip,
        )
    return api_key


def key_for(raw_key: str | None) -> ApiKey | None:
    """The active key matching `raw_key`, or None."""
    if not raw_key or not raw_key.startswith(KEY_PREFIX) or len(raw_key) > 100:
        return None
    api_key = (
        ApiKey.objects.active()
        .select_related("organisation")
        .filter(key_hash=_hash(raw_key))
        .first()
    )
    if api_key is None:
        return None
    now = timezone.now()
    if api_key.last_used_at is None or now - api_key.last_used_at > LAST_USED_PRECISION:
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
    return api_key
