"""Page-speed measurements imported from Lighthouse, PageSpeed Insights and CrUX."""

from django.contrib import admin

from backlog.models import SpeedMeasurement


@admin.register(SpeedMeasurement)
class SpeedMeasurementAdmin(admin.ModelAdmin):
    list_display = [
        "url",
        "organisation",
        "page",
        "source",
        "kind",
        "device",
        "period_end",
        "lcp_ms",
        "inp_ms",
        "cls",
    ]
    list_filter = ["source", "kind", "device", "organisation"]
    search_fields = ["url", "page__name"]
    list_select_related = ["organisation", "page"]
    raw_id_fields = ["page", "imported_by"]
    date_hierarchy = "period_end"
