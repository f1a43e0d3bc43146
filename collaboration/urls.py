from django.urls import path

from collaboration.views import activity, comments, notifications

app_name = "collaboration"

urlpatterns = [
    path("activity/", activity.activity_list, name="activity"),
    path("notifications/", notifications.notification_list, name="notification-list"),
    path(
        "notifications/settings/",
        notifications.notification_settings,
        name="notification-settings",
    ),
    path(
        "notifications/read/",
        notifications.notification_read_all,
        name="notification-read-all",
    ),
    path(
        "notifications/<int:notification_id>/open/",
        notifications.notification_open,
        name="notification-open",
    ),
    path(
        "notifications/<int:notification_id>/read/",
        notifications.notification_read,
        name="notification-read",
    ),
    path("people/", comments.people, name="people"),
    path(
        "backlog/<int:hypothesis_id>/comments/",
        comments.comment_on_hypothesis,
        name="comment-hypothesis",
    ),
    path(
        "backlog/<int:hypothesis_id>/watch/",
        comments.hypothesis_watch,
        name="hypothesis-watch",
    ),
    path(
        "feedback/<int:feedback_item_id>/comments/",
        comments.comment_on_feedback,
        name="comment-feedback",
    ),
    path(
        "assessments/<int:assessment_id>/points/<str:point_key>/",
        comments.point_discussion,
        name="point-discussion",
    ),
    path(
        "comments/<int:comment_id>/edit/",
        comments.comment_update,
        name="comment-update",
    ),
    path(
        "comments/<int:comment_id>/delete/",
        comments.comment_delete,
        name="comment-delete",
    ),
]
