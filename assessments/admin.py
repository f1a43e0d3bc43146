"""Admin for maturity models (drafts editable, published read-only) and assessments.

Django's admin has no nested inlines, so a model's pillars are edited inline on
the model, and a point's five level descriptors inline on the point; the pages
link to each other.
"""

from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from assessments.models import (
    AgreedLevel,
    Answer,
    Assessment,
    LevelDescriptor,
    MaturityModel,
    ModelStatus,
    Pillar,
    Point,
    PublishedModelError,
    Response,
    ShareLink,
    Target,
)
from assessments.scorecards import build_scorecard, summarise
from assessments.templatetags.scorecard import score
from assessments.versioning import new_version, publish


def _is_published(obj) -> bool:
    if obj is None:
        return False
    if isinstance(obj, MaturityModel):
        return obj.is_published
    if isinstance(obj, Pillar):
        return obj.maturity_model.is_published
    if isinstance(obj, Point):
        return obj.pillar.maturity_model.is_published
    return obj.point.pillar.maturity_model.is_published


class ReadOnlyWhenPublished:
    """Published models and their parts are shown, never changed."""

    def has_change_permission(self, request, obj=None):
        return not _is_published(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not _is_published(obj) and super().has_delete_permission(request, obj)

    def has_add_permission(self, request, obj=None):
        if _is_published(obj):
            return False
        if obj is None:
            return super().has_add_permission(request)
        return super().has_add_permission(request, obj)


class PillarInline(ReadOnlyWhenPublished, admin.TabularInline):
    model = Pillar
    extra = 0
    fields = ["position", "key", "name", "description", "points_link"]
    readonly_fields = ["points_link"]

    @admin.display(description="points")
    def points_link(self, pillar):
        if pillar.pk is None:
            return "—"
        url = reverse("admin:assessments_point_changelist")
        return format_html(
            '<a href="{}?pillar__id__exact={}">Edit the points of {}</a>',
            url,
            pillar.pk,
            pillar.name,
        )


@admin.action(description="Create a new draft version of the selected models")
def make_new_version(modeladmin, request, queryset):
    for model in queryset:
        draft = new_version(model)
        modeladmin.message_user(
            request, f"Created {draft} as a draft copy of {model}.", messages.SUCCESS
        )


@admin.action(description="Publish the selected drafts")
def publish_models(modeladmin, request, queryset):
    for model in queryset:
        try:
            publish(model)
        except ValidationError as error:
            modeladmin.message_user(
                request,
                f"{model} was not published: {' '.join(error.messages)}",
                messages.ERROR,
            )
        else:
            modeladmin.message_user(request, f"Published {model}.", messages.SUCCESS)


@admin.register(MaturityModel)
class MaturityModelAdmin(ReadOnlyWhenPublished, admin.ModelAdmin):
    list_display = [
        "name",
        "version",
        "status",
        "published_at",
        "pillar_count",
        "point_count",
        "assessment_count",
    ]
    list_filter = ["status", "name"]
    search_fields = ["name", "description"]
    readonly_fields = ["status", "published_at", "created_at"]
    inlines = [PillarInline]
    actions = [make_new_version, publish_models]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                pillars_n=Count("pillars", distinct=True),
                points_n=Count("pillars__points", distinct=True),
                assessments_n=Count("assessments", distinct=True),
            )
        )

    @admin.display(description="pillars", ordering="pillars_n")
    def pillar_count(self, obj):
        return obj.pillars_n

    @admin.display(description="points", ordering="points_n")
    def point_count(self, obj):
        return obj.points_n

    @admin.display(description="assessments", ordering="assessments_n")
    def assessment_count(self, obj):
        return obj.assessments_n

    def delete_queryset(self, request, queryset):
        try:
            super().delete_queryset(request, queryset)
        except PublishedModelError as error:
            self.message_user(request, str(error), messages.ERROR)


class LevelDescriptorInline(ReadOnlyWhenPublished, admin.StackedInline):
    model = LevelDescriptor
    extra = 0
    max_num = 5
    fields = ["level", "description", "next_step"]


@admin.register(Point)
class PointAdmin(ReadOnlyWhenPublished, admin.ModelAdmin):
    list_display = ["key", "title", "pillar", "model", "weight", "position"]
    list_filter = ["pillar__maturity_model", "pillar__name"]
    search_fields = ["key", "title", "question"]
    list_select_related = ["pillar__maturity_model"]
    ordering = ["pillar__maturity_model", "pillar__position", "position"]
    inlines = [LevelDescriptorInline]
    readonly_fields = ["model_link"]
    fields = [
        "model_link",
        "pillar",
        "key",
        "title",
        "question",
        "help_text",
        "weight",
        "position",
    ]

    @admin.display(description="maturity model", ordering="pillar__maturity_model")
    def model(self, point):
        return point.pillar.maturity_model

    @admin.display(description="maturity model")
    def model_link(self, point):
        if point.pk is None:
            return "—"
        model = point.pillar.maturity_model
        url = reverse("admin:assessments_maturitymodel_change", args=[model.pk])
        return format_html('<a href="{}">{}</a>', url, model)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "pillar":
            kwargs["queryset"] = Pillar.objects.filter(
                maturity_model__status=ModelStatus.DRAFT
            ).select_related("maturity_model")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Pillar)
class PillarAdmin(ReadOnlyWhenPublished, admin.ModelAdmin):
    list_display = ["name", "key", "maturity_model", "position"]
    list_filter = ["maturity_model"]
    search_fields = ["name", "key"]
    list_select_related = ["maturity_model"]


@admin.register(LevelDescriptor)
class LevelDescriptorAdmin(ReadOnlyWhenPublished, admin.ModelAdmin):
    list_display = ["point", "level", "description"]
    list_filter = ["level", "point__pillar__maturity_model"]
    search_fields = ["point__key", "description", "next_step"]
    list_select_related = ["point"]


class ResponseInline(admin.TabularInline):
    model = Response
    extra = 0
    fields = ["respondent", "team", "started_at", "submitted_at", "answers_link"]
    readonly_fields = ["answers_link"]
    show_change_link = True
    raw_id_fields = ["respondent"]

    @admin.display(description="answers")
    def answers_link(self, response):
        if response.pk is None:
            return "—"
        url = reverse("admin:assessments_response_change", args=[response.pk])
        return format_html('<a href="{}">Answers</a>', url)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        object_id = request.resolver_match.kwargs.get("object_id")
        if db_field.name == "team" and object_id:
            kwargs["queryset"] = Assessment.objects.get(pk=object_id).organisation.teams
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class AssessmentChangeList(ChangeList):
    """Scores every assessment of the page in two queries."""

    def get_results(self, request):
        super().get_results(request)
        assessments = list(self.result_list)
        summaries = summarise(assessments)
        for assessment in assessments:
            assessment.summary = summaries[assessment.pk]


@admin.register(Assessment)
class AssessmentAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "period",
        "organisation",
        "status",
        "maturity_model",
        "responses_n",
        "overall_score",
        "opened_at",
    ]
    list_filter = ["status", "organisation", "maturity_model"]
    search_fields = ["title", "period", "organisation__name"]
    list_select_related = ["organisation", "maturity_model"]
    readonly_fields = ["scores"]
    inlines = [ResponseInline]

    def get_queryset(self, request):
        return (
            super().get_queryset(request).annotate(responses_total=Count("responses"))
        )

    def get_changelist(self, request, **kwargs):
        return AssessmentChangeList

    @admin.display(description="responses", ordering="responses_total")
    def responses_n(self, obj):
        return obj.responses_total

    @admin.display(description="overall score")
    def overall_score(self, obj):
        summary = getattr(obj, "summary", None) or summarise([obj])[obj.pk]
        return score(summary.overall)

    @admin.display(description="scores (submitted responses)")
    def scores(self, obj):
        if obj.pk is None:
            return "—"
        card = build_scorecard(obj)
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td></tr>",
            ((row.pillar.name, score(row.result.score)) for row in card.pillars),
        )
        return format_html(
            "<table><tbody>{}<tr><th>Overall</th><th>{}</th></tr></tbody></table>",
            rows,
            score(card.result.overall),
        )


class AnswerInline(admin.TabularInline):
    model = Answer
    extra = 0
    fields = ["point", "kind", "level", "evidence", "updated_at"]
    readonly_fields = ["updated_at"]
    raw_id_fields = ["point"]


@admin.register(Response)
class ResponseAdmin(admin.ModelAdmin):
    list_display = [
        "assessment",
        "respondent",
        "team",
        "started_at",
        "submitted_at",
        "answer_count",
    ]
    list_filter = ["assessment__organisation", "team__name", "submitted_at"]
    search_fields = ["respondent__username", "assessment__title"]
    list_select_related = ["assessment", "respondent", "team"]
    raw_id_fields = ["respondent", "assessment", "team"]
    inlines = [AnswerInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(answers_n=Count("answers"))

    @admin.display(description="answers", ordering="answers_n")
    def answer_count(self, obj):
        return obj.answers_n


@admin.register(Answer)
class AnswerAdmin(admin.ModelAdmin):
    list_display = ["point", "response", "kind", "level", "updated_at"]
    list_filter = ["kind", "level", "response__assessment__organisation"]
    search_fields = ["point__key", "evidence", "response__respondent__username"]
    list_select_related = ["point", "response__respondent", "response__assessment"]
    raw_id_fields = ["response", "point"]


@admin.register(AgreedLevel)
class AgreedLevelAdmin(admin.ModelAdmin):
    list_display = ["assessment", "point", "level", "recorded_by", "recorded_at"]
    list_filter = ["level", "assessment__organisation"]
    search_fields = ["point__key", "rationale", "assessment__title"]
    list_select_related = ["assessment", "point", "recorded_by"]
    raw_id_fields = ["assessment", "point", "recorded_by"]


@admin.register(Target)
class TargetAdmin(admin.ModelAdmin):
    list_display = ["organisation", "point_key", "level", "set_by", "updated_at"]
    list_filter = ["organisation", "level"]
    search_fields = ["point_key", "organisation__name"]
    list_select_related = ["organisation", "set_by"]
    raw_id_fields = ["set_by"]


@admin.register(ShareLink)
class ShareLinkAdmin(admin.ModelAdmin):
    """Share links are created and revoked on the scorecard page; here they are
    read, and revoked by setting the revocation time."""

    list_display = [
        "assessment",
        "created_by",
        "created_at",
        "expires_at",
        "revoked_at",
        "view_count",
        "last_viewed_at",
    ]
    list_filter = ["assessment__organisation", "revoked_at"]
    search_fields = ["assessment__title", "created_by__username"]
    list_select_related = ["assessment__organisation", "created_by"]
    raw_id_fields = ["assessment", "created_by", "revoked_by"]
    exclude = ["nonce"]
    readonly_fields = ["view_count", "last_viewed_at"]
