from django.contrib import admin

from backlog.admin.experiments import ExperimentMetricInline
from backlog.models import (
    BacklogImport,
    BacklogSettings,
    Experiment,
    Hypothesis,
    Page,
    Score,
    SheetRow,
    Tag,
    Variant,
)
from backlog.scoring.frameworks import Framework
from backlog.scoring.recording import aggregate_fields

AGGREGATES = tuple(
    field for framework in Framework for field in aggregate_fields(framework)
)


@admin.register(BacklogSettings)
class BacklogSettingsAdmin(admin.ModelAdmin):
    list_display = [
        "organisation",
        "primary_framework",
        "ice_mode",
        "minimum_detectable_effect",
        "significance",
        "power",
        "variants",
    ]
    list_filter = ["primary_framework", "ice_mode"]
    search_fields = ["organisation__name"]
    list_select_related = ["organisation"]


@admin.register(Page)
class PageAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "organisation",
        "url",
        "position",
        "daily_visitors",
        "baseline_conversion_rate",
    ]
    list_filter = ["organisation"]
    search_fields = ["name", "url", "organisation__name"]
    list_select_related = ["organisation"]


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation"]
    list_filter = ["organisation"]
    search_fields = ["name", "organisation__name"]
    list_select_related = ["organisation"]


class ScoreInline(admin.TabularInline):
    model = Score
    extra = 0
    fields = readonly_fields = (
        "scorer",
        "framework",
        "impact",
        "confidence",
        "potential",
        "importance",
        "ease",
        "pxl_ease",
        "note",
        "imported",
        "updated_at",
    )
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        # Scores go through scoring.score_hypothesis, which keeps the aggregates.
        return False


class ExperimentInline(admin.TabularInline):
    model = Experiment
    extra = 0
    fields = ["name", "started_on", "ended_on"]
    show_change_link = True


class SheetRowInline(admin.TabularInline):
    model = SheetRow
    extra = 0
    fields = readonly_fields = (
        "source",
        "key",
        "backlog_import",
        "line",
        "sheet_scores",
        "updated_at",
    )
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        # Rows of a sheet are written by its import only.
        return False


@admin.register(Hypothesis)
class HypothesisAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "organisation",
        "kind",
        "point_key",
        "status",
        "result",
        "ice_score",
        "pie_score",
        "pxl_score",
        "team",
        "owner",
        "updated_at",
    ]
    list_filter = ["status", "kind", "result", "organisation", "ice_disagreement"]
    search_fields = [
        "title",
        "observation",
        "change",
        "metric",
        "learning",
        "point_key",
    ]
    list_select_related = ["organisation", "team", "owner"]
    date_hierarchy = "created_at"
    filter_horizontal = ["tags"]
    raw_id_fields = [
        "owner",
        "created_by",
        "status_changed_by",
        "page",
        "team",
        "source_assessment",
    ]
    readonly_fields = [
        *AGGREGATES,
        "created_at",
        "updated_at",
        "status_changed_at",
        "concluded_at",
    ]
    inlines = [ScoreInline, ExperimentInline, SheetRowInline]
    fieldsets = [
        (None, {"fields": ["organisation", "title", "kind", "status", "result"]}),
        (
            "Hypothesis",
            {"fields": ["observation", "change", "audience", "impact", "metric"]},
        ),
        ("Where and who", {"fields": ["page", "owner", "team", "tags"]}),
        ("Learning", {"fields": ["learning"]}),
        ("Scores (computed)", {"fields": AGGREGATES}),
        (
            "History",
            {
                "fields": [
                    "created_by",
                    "created_at",
                    "updated_at",
                    "status_changed_by",
                    "status_changed_at",
                    "concluded_at",
                ]
            },
        ),
    ]

    def save_model(self, request, obj, form, change):
        if change:
            # A form opened in the app before this edit must not overwrite it.
            obj.version += 1
        super().save_model(request, obj, form, change)


@admin.register(Score)
class ScoreAdmin(admin.ModelAdmin):
    list_display = [
        "hypothesis",
        "scorer",
        "framework",
        "score",
        "imported",
        "updated_at",
    ]
    list_filter = ["framework", "imported", "hypothesis__organisation"]
    search_fields = ["hypothesis__title", "scorer__username", "note"]
    list_select_related = ["hypothesis", "scorer"]
    raw_id_fields = ["hypothesis", "scorer"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="score (ICE as mean)")
    def score(self, obj):
        return f"{obj.value():.1f}"


class VariantInline(admin.TabularInline):
    model = Variant
    extra = 0
    fields = [
        "position",
        "name",
        "is_control",
        "visitors",
        "conversions",
        "planned_weight",
    ]


@admin.register(Experiment)
class ExperimentAdmin(admin.ModelAdmin):
    list_display = ["name", "hypothesis", "started_on", "ended_on", "created_at"]
    search_fields = ["name", "hypothesis__title"]
    list_filter = ["hypothesis__organisation"]
    list_select_related = ["hypothesis"]
    raw_id_fields = ["hypothesis", "created_by"]
    inlines = [ExperimentMetricInline, VariantInline]


@admin.register(Variant)
class VariantAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "experiment",
        "is_control",
        "visitors",
        "conversions",
        "planned_weight",
    ]
    list_filter = ["is_control", "experiment__hypothesis__organisation"]
    search_fields = ["name", "experiment__name", "experiment__hypothesis__title"]
    list_select_related = ["experiment"]


@admin.register(BacklogImport)
class BacklogImportAdmin(admin.ModelAdmin):
    list_display = [
        "original_name",
        "organisation",
        "source",
        "status",
        "rows_total",
        "created",
        "updated",
        "unchanged",
        "rejected",
        "uploaded_by",
        "created_at",
    ]
    list_filter = ["status", "tool", "organisation"]
    search_fields = ["original_name", "source", "organisation__name", "error"]
    list_select_related = ["organisation", "uploaded_by"]
    date_hierarchy = "created_at"
    raw_id_fields = ["uploaded_by"]
    # What an import did is its record: it is read here, not edited.
    readonly_fields = [
        "layout",
        "header",
        "status_words",
        "rows_total",
        "rows_read",
        "created",
        "updated",
        "unchanged",
        "rejected",
        "noted",
        "notes",
        "attempts",
        "started_at",
        "finished_at",
    ]


@admin.register(SheetRow)
class SheetRowAdmin(admin.ModelAdmin):
    list_display = ["key", "source", "hypothesis", "organisation", "line", "updated_at"]
    list_filter = ["source", "organisation"]
    search_fields = ["key", "source", "hypothesis__title"]
    list_select_related = ["hypothesis", "organisation"]
    raw_id_fields = ["hypothesis", "backlog_import"]
    readonly_fields = ["imported_values", "digest", "created_at", "updated_at"]
