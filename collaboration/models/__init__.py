"""Comments, watches, notifications and the activity feed; change history.

Comments point at exactly one thing (a hypothesis, a feedback item, or a point
within an assessment) through plain foreign keys, so deleting the thing deletes
its discussion and every row stays inside one organisation.
"""

from collaboration.models import history  # noqa: F401 - registers the history tables
from collaboration.models.activity import Activity, ActivityKind, ActivityQuerySet
from collaboration.models.discussion import (
    COMMENT_MAX_LENGTH,
    Comment,
    Watch,
    subject_url,
)
from collaboration.models.notifications import (
    DEFAULT_DELIVERY,
    Delivery,
    Notification,
    NotificationKind,
    NotificationPreference,
    NotificationQuerySet,
)

__all__ = [
    "COMMENT_MAX_LENGTH",
    "DEFAULT_DELIVERY",
    "Activity",
    "ActivityKind",
    "ActivityQuerySet",
    "Comment",
    "Delivery",
    "Notification",
    "NotificationKind",
    "NotificationPreference",
    "NotificationQuerySet",
    "Watch",
    "subject_url",
]
