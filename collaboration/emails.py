"""The emails notifications send: one at a time, or a daily digest.

Sending claims the notifications first (sets `emailed_at`), so two workers never
send the same one twice; a send that fails gives them back, and the next digest
picks them up.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from collaboration.models import Delivery, Notification

logger = logging.getLogger(__name__)

# An email wanted at once that has not gone after this long (its task failed or
# is stuck) goes out with the next digest instead.
IMMEDIATE_GRACE_MINUTES = 30


def absolute(url: str) -> str:
    return settings.SITE_URL + url if url.startswith("/") else url


def send_one(notification_id: int) -> str:
    """Email one notification; failures are logged, never raised."""
    now = timezone.now()
    claimed = Notification.objects.filter(
        pk=notification_id, emailed_at__isnull=True, email=Delivery.IMMEDIATELY
    ).update(emailed_at=now)
    if not claimed:
        return "skipped: already sent, or not wanted at once"
    notification = Notification.objects.select_related(
        "recipient", "organisation", "actor"
    ).get(pk=notification_id)
    address = notification.recipient.email
    if not address:
        return "skipped: the recipient has no email address"
    context = {"notification": notification, "link": absolute(notification.url)}
    try:
        send_mail(
            subject=f"[{notification.organisation}] {notification.title}",
            message=render_to_string("collaboration/email/notification.txt", context),
            from_email=None,
            recipient_list=[address],
        )
    except Exception:
        logger.exception("Could not email notification %s", notification_id)
        Notification.objects.filter(pk=notification_id, emailed_at=now).update(
            emailed_at=None
        )
        return "failed: the mail server refused; it goes with the next digest"
    return f"sent to {address}"


def due_for_digest():
    """Notifications that the next digest should carry."""
    late = timezone.now() - timedelta(minutes=IMMEDIATE_GRACE_MINUTES)
    return Notification.objects.filter(emailed_at__isnull=True).filter(
        Q(email=Delivery.DIGEST) | Q(email=Delivery.IMMEDIATELY, created_at__lt=late)
    )


def digest_recipients() -> list[tuple[int, int]]:
    """(user id, organisation id) of everyone with a digest to receive."""
    return list(
        due_for_digest()
        .order_by()
        .values_list("recipient_id", "organisation_id")
        .distinct()
    )


def render_digest(notifications: list[Notification]) -> tuple[str, str]:
    """Subject and text of a digest of `notifications` (one person, one org)."""
    first = notifications[0]
    count = len(notifications)
    subject = (
        f"[{first.organisation}] {count} update{'s' if count != 1 else ''} "
        "for you on cromaturity"
    )
    entries = [(n, absolute(n.url)) for n in notifications]
    message = render_to_string(
        "collaboration/email/digest.txt",
        {
            "recipient": first.recipient,
            "organisation": first.organisation,
            "entries": entries,
            "settings_link": absolute(f"/o/{first.organisation.slug}/notifications/"),
        },
    )
    return subject, message


def send_digest(user_id: int, organisation_id: int) -> str:
    """Email one person the digest of one organisation; failures are logged."""
    now = timezone.now()
    ids = list(
        due_for_digest()
        .filter(recipient_id=user_id, organisation_id=organisation_id)
        .values_list("pk", flat=True)
    )
    Notification.objects.filter(pk__in=ids, emailed_at__isnull=True).update(
        emailed_at=now
    )
    notifications = list(
        Notification.objects.filter(pk__in=ids, emailed_at=now)
        .select_related("recipient", "organisation", "actor")
        .order_by("created_at", "pk")
    )
    if not notifications:
        return "skipped: nothing to send"
    address = notifications[0].recipient.email
    if not address:
        return "skipped: the recipient has no email address"
    subject, message = render_digest(notifications)
    try:
        send_mail(
            subject=subject, message=message, from_email=None, recipient_list=[address]
        )
    except Exception:
        logger.exception("Could not email the digest of user %s", user_id)
        Notification.objects.filter(
            pk__in=[n.pk for n in notifications], emailed_at=now
        ).update(emailed_at=None)
        return "failed: the mail server refused; the next digest tries again"
    return f"sent {len(notifications)} to {address}"
