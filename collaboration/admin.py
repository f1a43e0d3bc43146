from django.contrib import admin

from collaboration.models import (
    Activity,
    Comment,
    Notification,
    NotificationPreference,
    Watch,
)


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
