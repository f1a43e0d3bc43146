from django.contrib import admin

from backlog.models import Evidence, FeedbackItem, Hypothesis, Score
from collaboration.models import (
    Activity,
    Comment,
    Notification,
    NotificationPreference,
    Watch,
)
from collaboration.models.history import history_of


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ["created_at", "organisation", "author", "subject", "edited_at"]
    list_filter = ["organisation", "created_at"]
    search_fields = ["body", "author__username"]
    raw_id_fields = ["author", "hypothesis", "feedback_item", "assessment", "point"]
    filter_horizontal = ["mentioned"]
    date_hierarchy = "created_at"


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "organisation",
        "recipient",
        "kind",
        "title",
        "email",
        "emailed_at",
        "read_at",
    ]
    list_filter = ["organisation", "kind", "email", "read_at"]
    search_fields = ["title", "recipient__username", "recipient__email"]
    raw_id_fields = ["recipient", "actor", "hypothesis", "comment"]
    date_hierarchy = "created_at"


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation", "kind", "delivery"]
    list_filter = ["organisation", "kind", "delivery"]
    search_fields = ["user__username"]
    raw_id_fields = ["user"]


@admin.register(Watch)
class WatchAdmin(admin.ModelAdmin):
    list_display = ["user", "hypothesis", "watching", "created_at"]
    list_filter = ["watching"]
    search_fields = ["user__username", "hypothesis__title"]
    raw_id_fields = ["user", "hypothesis"]


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = ["created_at", "organisation", "actor", "team", "kind", "summary"]
    list_filter = ["organisation", "kind", "team"]
    search_fields = ["summary", "actor__username"]
    raw_id_fields = [
        "actor",
        "hypothesis",
        "feedback_item",
        "feedback_import",
        "assessment",
    ]
    date_hierarchy = "created_at"


class HistoryRecordAdmin(admin.ModelAdmin):
    """A recorded change, as django-simple-history wrote it: read, never edited."""

    list_display = ["history_date", "history_type", "history_user", "record"]
    list_filter = ["history_type", "history_date"]
    list_select_related = ["history_user"]
    date_hierarchy = "history_date"

    @admin.display(description="record")
    def record(self, obj):
        return str(obj.instance)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


HISTORY_SEARCH = {
    Hypothesis: ["title", "history_user__username"],
    Score: ["hypothesis__title", "scorer__username", "history_user__username"],
    FeedbackItem: ["text", "customer_ref", "history_user__username"],
    Evidence: ["hypothesis__title", "snippet", "history_user__username"],
}
for tracked, search in HISTORY_SEARCH.items():
    admin.site.register(
        history_of(tracked).model, HistoryRecordAdmin, search_fields=search
    )
