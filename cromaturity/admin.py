from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import Count

from cromaturity.api_keys import revoke_api_key
from cromaturity.audit import client_ip
from cromaturity.models import (
    ApiKey,
    AuditEvent,
    Invitation,
    Membership,
    Organisation,
    Team,
    User,
)
from cromaturity.spreadsheets import csv_response, export_filename

# Secrets stay out of the export even in their hashed form.
NOT_EXPORTED = {"password", "key_hash"}


@admin.action(description="Export selected rows as CSV")
def export_as_csv(modeladmin, request, queryset):
    opts = modeladmin.model._meta
    fields = [f for f in opts.concrete_fields if f.name not in NOT_EXPORTED]
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
    list_filter = ["created_at"]
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


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """The audit log as recorded: nobody adds, edits or deletes an event here."""

    list_display = [
        "created_at",
        "organisation",
        "actor_name",
        "action",
        "summary",
        "ip_address",
    ]
    list_filter = ["action", "organisation", "created_at"]
    search_fields = ["summary", "actor_name", "actor__email", "ip_address"]
    list_select_related = ["organisation"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ApiKeyState(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("active", "Active"), ("revoked", "Revoked")]

    def queryset(self, request, queryset):
        if self.value() == "active":
            return queryset.filter(revoked_at__isnull=True)
        if self.value() == "revoked":
            return queryset.filter(revoked_at__isnull=False)
        return queryset


@admin.action(description="Revoke selected API keys")
def revoke_api_keys(modeladmin, request, queryset):
    for api_key in queryset.filter(revoked_at__isnull=True).select_related(
        "organisation"
    ):
        revoke_api_key(api_key, by=request.user, ip=client_ip(request))


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """Keys are made in the organisation's settings, where the secret is shown
    once; here they are read, renamed and revoked (with an audit event)."""

    list_display = [
        "name",
        "organisation",
        "prefix",
        "created_by",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]
    list_filter = [ApiKeyState, "organisation"]
    search_fields = ["name", "prefix", "organisation__name"]
    list_select_related = ["organisation", "created_by"]
    readonly_fields = [
        "organisation",
        "prefix",
        "key_hash",
        "created_by",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]
    actions = [revoke_api_keys]

    def has_add_permission(self, request):
        return False
