"""Telling members what matters to them: in the app, and by email.

Every notification goes through :func:`notify`, which keeps the rules in one
place: only current members of the organisation hear about its work, nobody is
told about what they did themselves, each person gets one notification per
event, and the email follows the person's preference for that kind.
"""

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from collaboration.models import (
    DEFAULT_DELIVERY,
    Delivery,
    Notification,
    NotificationKind,
    NotificationPreference,
)
from collaboration.tasks import send_notification_email
from cromaturity.models import Membership, Organisation

TITLE_LENGTH = 300
BODY_LENGTH = 2000


def members_among(
    organisation: Organisation, user_ids: Iterable[int | None]
) -> set[int]:
    """The ids of `user_ids` who are members of `organisation` now."""
    ids = {pk for pk in user_ids if pk is not None}
    if not ids:
        return set()
    return set(
        Membership.objects.filter(organisation=organisation, user_id__in=ids)
        .order_by()
        .values_list("user_id", flat=True)
    )


def deliveries(
    organisation: Organisation, user_ids: Iterable[int], kind: NotificationKind
) -> dict[int, Delivery]:
    """How each person wants this kind of notification emailed."""
    ids = list(user_ids)
    chosen = dict(
        NotificationPreference.objects.filter(
            organisation=organisation, user_id__in=ids, kind=kind
        ).values_list("user_id", "delivery")
    )
    default = DEFAULT_DELIVERY[NotificationKind(kind)]
    return {pk: Delivery(chosen.get(pk, default)) for pk in ids}


def preferences_of(user, organisation: Organisation) -> dict[str, Delivery]:
    chosen = dict(
        NotificationPreference.objects.filter(
            organisation=organisation, user=user
        ).values_list("kind", "delivery")
    )
    return {
        kind: Delivery(chosen.get(kind, DEFAULT_DELIVERY[kind]))
        for kind in NotificationKind
    }


@transaction.atomic
def set_preferences(user, organisation: Organisation, choices: dict) -> None:
    for kind, delivery in choices.items():
        NotificationPreference.objects.update_or_create(
            organisation=organisation,
            user=user,
            kind=NotificationKind(kind),
            defaults={"delivery": Delivery(delivery)},
        )


def notify(
    organisation: Organisation,
    recipients: Iterable[int | None],
    *,
    kind: NotificationKind,
    actor=None,
    title: str,
    body: str = "",
    url: str,
    hypothesis=None,
    comment=None,
) -> list[Notification]:
    """Notify the members among `recipients` (user ids), never the actor.

    Emails wanted at once are queued for the task worker after the surrounding
    transaction commits, so a mail server that fails cannot undo the action.
    """
    ids = members_among(organisation, recipients)
    if actor is not None:
        ids.discard(actor.pk)
    if not ids:
        return []
    email = deliveries(organisation, ids, kind)
    now = timezone.now()
    notifications = Notification.objects.bulk_create(
        [
            Notification(
                organisation=organisation,
                recipient_id=pk,
                actor=actor,
                kind=kind,
                title=title[:TITLE_LENGTH],
                body=body[:BODY_LENGTH],
                url=url,
                hypothesis=hypothesis,
                comment=comment,
                email=email[pk],
                created_at=now,
            )
            for pk in sorted(ids)
        ]
    )
    immediate = [n.pk for n in notifications if n.email == Delivery.IMMEDIATELY]
    if immediate:
        transaction.on_commit(lambda: _queue_emails(immediate), robust=True)
    return notifications


def _queue_emails(notification_ids: list[int]) -> None:
    for pk in notification_ids:
        send_notification_email.enqueue(notification_id=pk)


def mark_read(notifications) -> int:
    """Mark the given notifications (a queryset) read; return how many changed."""
    return notifications.unread().update(read_at=timezone.now())
