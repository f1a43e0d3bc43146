from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path

from collaboration.views import dashboard
from cromaturity.api import api
from cromaturity.views import accounts, members, workspace

organisation_patterns: list[URLPattern | URLResolver] = [
    path("", dashboard.home, name="home"),
    path("members/", members.members, name="members"),
    path("members/<int:membership_id>/", members.member_update, name="member-update"),
    path(
        "members/<int:membership_id>/remove/",
        members.member_remove,
        name="member-remove",
    ),
    path("invitations/", members.invitation_create, name="invitation-create"),
    path(
        "invitations/<int:invitation_id>/revoke/",
        members.invitation_revoke,
        name="invitation-revoke",
    ),
    path("settings/", workspace.organisation_settings, name="organisation-settings"),
    path("settings/teams/", workspace.team_create, name="team-create"),
    path("settings/teams/<int:team_id>/", workspace.team_update, name="team-update"),
    path(
        "settings/teams/<int:team_id>/delete/",
        workspace.team_delete,
        name="team-delete",
    ),
    path("settings/audit/", workspace.audit_log, name="audit-log"),
    path("settings/api-keys/", workspace.api_key_create, name="api-key-create"),
    path(
        "settings/api-keys/<int:api_key_id>/revoke/",
        workspace.api_key_revoke,
        name="api-key-revoke",
    ),
    path("backlog/", include("backlog.urls")),
]

account_patterns: list[URLPattern | URLResolver] = [
    path("login/", accounts.SignInView.as_view(), name="login"),
    path(
        "password_change/",
        accounts.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "password_reset/",
        accounts.PasswordResetView.as_view(),
        name="password_reset",
    ),
    path(
        "reset/<uidb64>/<token>/",
        accounts.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("", include("django.contrib.auth.urls")),
]

# Share links' public pages, one namespace for every kind of report.
share_patterns: list[URLPattern | URLResolver] = [
    path("experiment/", include("backlog.share_urls")),
    path("", include("assessments.share_urls")),
]

urlpatterns = [
    path("", workspace.index, name="index"),
    path("healthz", workspace.healthz, name="healthz"),
    path("accounts/", include(account_patterns)),
    path("organisations/", workspace.organisation_list, name="organisation-list"),
    path(
        "organisations/new/",
        workspace.organisation_create,
        name="organisation-create",
    ),
    path("join/<str:token>/", members.join, name="join"),
    path("share/", include((share_patterns, "share"))),
    path("o/<slug:org_slug>/", include(organisation_patterns)),
    path("o/<slug:org_slug>/assessments/", include("assessments.urls")),
    path("o/<slug:org_slug>/feedback/", include("backlog.feedback.urls")),
    path("o/<slug:org_slug>/", include("collaboration.urls")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]
