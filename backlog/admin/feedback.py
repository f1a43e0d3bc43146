"""Feedback in the admin: items, themes, imports, saved mappings and evidence.

Items are shown as stored, which is what the app shows its admins: text masked
when the organisation masks contact details, customers as pseudonyms. Items and
evidence change only through the app, where masking, themes and the evidence
counts on hypotheses are kept; deleting an item here goes the same way.
"""

from django.contrib import admin
from django.db.models import Count
from django.template.defaultfilters import truncatechars

from backlog.feedback.capture import delete_feedback
from backlog.models import (
    Evidence,
    FeedbackImport,
    FeedbackItem,
    FeedbackTheme,
    ImportMapping,
    Theme,
)


class ReadOnlyMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation", "item_count"]
    list_filter = ["organisation"]
    search_fields = ["name", "organisation__name"]
    list_select_related = ["organisation"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(items_total=Count("items"))

    @admin.display(description="feedback items", ordering="items_total")
    def item_count(self, obj):
        return obj.items_total


class FeedbackThemeInline(ReadOnlyMixin, admin.TabularInline):
    model = FeedbackTheme
    extra = 0
    fields = ["theme"]
    can_delete = False


class EvidenceInline(ReadOnlyMixin, admin.TabularInline):
    model = Evidence
    extra = 0
    fields = readonly_fields = (
        "hypothesis",
        "importance",
        "snippet",
        "linked_by",
        "linked_at",
    )
    can_delete = False
    show_change_link = True


class FeedFilter(admin.AllValuesFieldListFilter):
    """The feed an item came from, named apart from its kind of source."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.title = "feed"


@admin.register(FeedbackItem)
class FeedbackItemAdmin(admin.ModelAdmin):
    list_display = [
        "received_at",
        "organisation",
        "source",
        "feed",
        "excerpt",
        "customer_ref",
        "sentiment",
        "team",
    ]
    list_filter = [
        "source",
        "sentiment",
        "organisation",
        ("source_system", FeedFilter),
    ]
    search_fields = [
        "text",
        "external_id",
        "customer_ref",
        "source_system",
        "product_area",
        "page",
    ]
    list_select_related = ["organisation", "team"]
    date_hierarchy = "received_at"
    readonly_fields = fields = (
        "organisation",
        "source",
        "source_system",
        "external_id",
        "received_at",
        "text",
        "page",
        "product_area",
        "customer_ref",
        "sentiment",
        "attributes",
        "submitted_by",
        "team",
        "feedback_import",
        "created_at",
        "updated_at",
        "version",
    )
    inlines = [FeedbackThemeInline, EvidenceInline]

    @admin.display(description="feed", ordering="source_system")
    def feed(self, obj):
        return obj.source_system

    @admin.display(description="text")
    def excerpt(self, obj):
        return truncatechars(obj.text, 80)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_deleted_objects(self, objs, request):
        deleted, counts, perms_needed, protected = super().get_deleted_objects(
            objs, request
        )
        # The item's evidence links and themes go with it, as in the app, though
        # neither is deleted on its own here.
        perms_needed -= {
            str(Evidence._meta.verbose_name),
            str(FeedbackTheme._meta.verbose_name),
        }
        return deleted, counts, perms_needed, protected

    def delete_model(self, request, obj):
        delete_feedback(obj)

    def delete_queryset(self, request, queryset):
        for item in queryset:
            delete_feedback(item)


@admin.register(FeedbackTheme)
class FeedbackThemeAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["theme", "item", "organisation"]
    list_filter = ["theme__organisation"]
    search_fields = ["theme__name", "item__text"]
    list_select_related = ["theme__organisation", "item"]

    @admin.display(description="organisation", ordering="theme__organisation")
    def organisation(self, obj):
        return obj.theme.organisation


@admin.register(FeedbackImport)
class FeedbackImportAdmin(admin.ModelAdmin):
    list_display = [
        "original_name",
        "organisation",
        "tool",
        "source_system",
        "status",
        "rows_total",
        "created",
        "updated",
        "unchanged",
        "rejected",
        "uploaded_by",
        "created_at",
    ]
    list_filter = ["status", "tool", "mask_contacts", "organisation"]
    search_fields = ["original_name", "source_system", "organisation__name", "error"]
    list_select_related = ["organisation", "uploaded_by"]
    date_hierarchy = "created_at"
    raw_id_fields = ["uploaded_by"]
    # What an import did is its record: it is read here, not edited.
    readonly_fields = [
        "organisation",
        "file",
        "size",
        "layout",
        "header",
        "mapping",
        "attribute_columns",
        "html_columns",
        "tool",
        "date_format",
        "time_zone",
        "no_date",
        "mask_contacts",
        "rows_total",
        "rows_read",
        "created",
        "updated",
        "unchanged",
        "rejected",
        "rejected_file",
        "attempts",
        "started_at",
        "finished_at",
    ]

    def has_add_permission(self, request):
        # A file becomes an import through the upload page, which reads it.
        return False


@admin.register(ImportMapping)
class ImportMappingAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "organisation",
        "source_system",
        "date_format",
        "time_zone",
        "created_by",
        "updated_at",
    ]
    list_filter = ["organisation", "date_format"]
    search_fields = ["name", "source_system", "organisation__name"]
    list_select_related = ["organisation", "created_by"]
    # The mapping is read against files with this header; only its name and
    # source are free to change.
    readonly_fields = [
        "organisation",
        "header_signature",
        "mapping",
        "attribute_columns",
        "html_columns",
        "date_format",
        "time_zone",
        "created_by",
        "updated_at",
    ]

    def has_add_permission(self, request):
        # A mapping is saved from an import's mapping page, with its header.
        return False


@admin.register(Evidence)
class EvidenceAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Links are made and ended in the app; an ended link stays as the record."""

    list_display = [
        "hypothesis",
        "feedback_item",
        "importance",
        "linked_by",
        "linked_at",
        "unlinked_at",
    ]
    list_filter = ["importance", "hypothesis__organisation", "linked_at"]
    search_fields = ["hypothesis__title", "feedback_item__text", "snippet"]
    list_select_related = ["hypothesis", "feedback_item", "linked_by"]
    date_hierarchy = "linked_at"

    def has_delete_permission(self, request, obj=None):
        return False
