from django.utils.functional import SimpleLazyObject

from collaboration.models import Notification


def notifications(request):
    """The unread count for the bell: one COUNT query, made only if shown."""
    organisation = getattr(request, "organisation", None)
    user = getattr(request, "user", None)
    if organisation is None or user is None or not user.is_authenticated:
        return {}
    return {
        "unread_notifications": SimpleLazyObject(
            lambda: (
                Notification.objects.for_recipient(user, organisation).unread().count()
            )
        )
    }
