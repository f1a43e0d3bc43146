"""Funnels, their steps, the counts that reached them and the imports of counts."""

from django.contrib import admin

from backlog.models import Funnel, FunnelCount, FunnelImport, FunnelStep


class FunnelStepInline(admin.TabularInline):
    model = FunnelStep
    extra = 0
    fields = ["position", "name", "page", "metric"]
    raw_id_fields = ["page", "metric"]


@admin.register(Funnel)
class FunnelAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation", "created_at"]
    list_filter = ["organisation"]
    search_fields = ["name"]
    inlines = [FunnelStepInline]


@admin.register(FunnelStep)
class FunnelStepAdmin(admin.ModelAdmin):
    list_display = ["name", "funnel", "position", "page", "metric"]
    list_filter = ["funnel__organisation"]
    search_fields = ["name", "funnel__name"]
    list_select_related = ["funnel", "page", "metric"]
    raw_id_fields = ["funnel", "page", "metric"]


@admin.register(FunnelCount)
class FunnelCountAdmin(admin.ModelAdmin):
    list_display = [
        "step",
        "period_start",
        "period_end",
        "dimension",
        "segment",
        "count",
    ]
    list_filter = ["dimension", "step__funnel__organisation"]
    search_fields = ["step__name", "step__funnel__name", "segment"]
    list_select_related = ["step"]
    raw_id_fields = ["step", "source"]
    date_hierarchy = "period_start"


@admin.register(FunnelImport)
class FunnelImportAdmin(admin.ModelAdmin):
    list_display = [
        "funnel",
        "tool",
        "filename",
        "status",
        "period_from",
        "period_to",
        "imported_by",
        "imported_at",
    ]
    list_filter = ["tool", "status", "funnel__organisation"]
    search_fields = ["filename", "funnel__name"]
    list_select_related = ["funnel", "imported_by"]
    raw_id_fields = ["funnel", "imported_by"]
