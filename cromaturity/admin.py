from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import Count

from cromaturity.models import Invitation, Membership, Organisation, Team, User
from cromaturity.spreadsheets import csv_response, export_filename


@admin.action(description="Export selected rows as CSV")
def export_as_csv(modeladmin, request, queryset):
    opts = modeladmin.model._meta
    fields = [f for f in opts.concrete_fields if f.name != "password"]
    rows = ([getattr(obj, f.attname) for f in fields] for obj in queryset.iterator())
    return csv_response(
        export_filename("admin", opts.verbose_name_plural, "csv"),
        [f.attname for f in fields],
        rows,
    )


admin.site.add_action(export_as_csv)
admin.site.site_header = "cromaturity administration"
admin.site.site_title = "cromaturity admin"


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "email", "first_name", "last_name", "is_staff"]


class TeamInline(admin.TabularInline):
    model = Team
    extra = 0


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "team" and request.resolver_match.kwargs.get("object_id"):
            kwargs["queryset"] = Team.objects.filter(
                organisation_id=request.resolver_match.kwargs["object_id"]
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "member_count", "created_at"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [TeamInline, MembershipInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(members=Count("memberships"))

    @admin.display(description="members", ordering="members")
    def member_count(self, obj):
        return obj.members


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation", "position"]
    list_filter = ["organisation"]
    search_fields = ["name", "organisation__name"]
    list_select_related = ["organisation"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation", "team", "role", "joined_at"]
    list_filter = ["role", "organisation"]
    search_fields = ["user__username", "user__email", "organisation__name"]
    list_select_related = ["user", "organisation", "team"]
    autocomplete_fields = ["user"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = [
        "organisation",
        "email",
        "role",
        "team",
        "created_at",
        "expires_at",
        "state",
        "use_count",
    ]
    list_filter = ["role", "organisation"]
    search_fields = ["email", "organisation__name"]
    list_select_related = ["organisation", "team"]
    readonly_fields = ["use_count", "accepted_at", "accepted_by"]
