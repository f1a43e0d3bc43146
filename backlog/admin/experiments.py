"""Metrics and what experiments record about them: plans, results, history."""

from django.contrib import admin

from backlog.models import (
    ExperimentChange,
    ExperimentMetric,
    ExperimentShareLink,
    Metric,
    MetricResult,
    ResultsImport,
)


@admin.register(Metric)
class MetricAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "key",
        "organisation",
        "kind",
        "goal_level",
        "direction",
        "default_role",
        "archived_at",
    ]
    list_filter = ["kind", "direction", "default_role", "organisation"]
    search_fields = ["name", "key"]
    list_select_related = ["organisation"]


class ExperimentMetricInline(admin.TabularInline):
    model = ExperimentMetric
    extra = 0
    fields = ["position", "metric", "role", "margin"]
    raw_id_fields = ["metric"]


@admin.register(ExperimentMetric)
class ExperimentMetricAdmin(admin.ModelAdmin):
    list_display = ["metric", "experiment", "role", "margin"]
    list_filter = ["role", "experiment__hypothesis__organisation"]
    search_fields = ["metric__name", "experiment__name"]
    list_select_related = ["metric", "experiment"]
    raw_id_fields = ["experiment", "metric"]


@admin.register(MetricResult)
class MetricResultAdmin(admin.ModelAdmin):
    list_display = [
        "variant",
        "metric",
        "visitors",
        "conversions",
        "sum",
        "sum_squares",
    ]
    list_filter = ["metric__kind", "variant__experiment__hypothesis__organisation"]
    search_fields = ["variant__name", "metric__name", "variant__experiment__name"]
    list_select_related = ["variant", "metric"]
    raw_id_fields = ["variant", "metric"]


@admin.register(ExperimentChange)
class ExperimentChangeAdmin(admin.ModelAdmin):
    list_display = ["experiment", "kind", "summary", "changed_by", "changed_at"]
    list_filter = ["kind", "experiment__hypothesis__organisation"]
    search_fields = ["summary", "reason", "experiment__name"]
    list_select_related = ["experiment", "changed_by"]
    raw_id_fields = ["experiment", "changed_by"]


@admin.register(ResultsImport)
class ResultsImportAdmin(admin.ModelAdmin):
    list_display = ["filename", "experiment", "tool", "status", "uploaded_at"]
    list_filter = ["tool", "status", "experiment__hypothesis__organisation"]
    search_fields = ["filename", "experiment__name"]
    list_select_related = ["experiment"]
    raw_id_fields = ["experiment", "uploaded_by"]


@admin.register(ExperimentShareLink)
class ExperimentShareLinkAdmin(admin.ModelAdmin):
    list_display = ["experiment", "created_by", "created_at", "expires_at"]
    list_filter = ["experiment__hypothesis__organisation"]
    search_fields = ["experiment__name", "experiment__hypothesis__title"]
    list_select_related = ["experiment", "created_by"]
    raw_id_fields = ["experiment", "created_by", "revoked_by"]
    readonly_fields = ["nonce", "view_count", "last_viewed_at"]
