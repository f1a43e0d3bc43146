from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Count
from django.db.utils import DatabaseError
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from cromaturity.api_keys import create_api_key, revoke_api_key
from cromaturity.audit import client_ip
from cromaturity.forms import (
    ApiKeyForm,
    OrganisationForm,
    OrganisationNameForm,
    TeamForm,
)
from cromaturity.models import (
    ApiKey,
    AuditAction,
    AuditEvent,
    Membership,
    Role,
    Team,
)
from cromaturity.scoping import OrgRequest, get_in_org, member_required
from cromaturity.workspaces import (
    WorkspaceError,
    add_team,
    create_organisation,
    delete_team,
    rename_organisation,
    rename_team,
    suggest_slug,
)


@require_GET
@never_cache
def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


def index(request):
    if not request.user.is_authenticated:
        return redirect("login")
    memberships = Membership.objects.filter(user=request.user).select_related(
        "organisation"
    )
    slugs = [m.organisation.slug for m in memberships]
    last = request.session.get("last_org")
    if last in slugs:
        return redirect("home", last)
    if len(slugs) == 1:
        return redirect("home", slugs[0])
    return redirect("organisation-list")


@login_required
def organisation_list(request):
    memberships = (
        Membership.objects.filter(user=request.user)
        .select_related("organisation", "team")
        .order_by("organisation__name")
    )
    return render(
        request,
        "cromaturity/organisation_list.html",
        {"memberships": memberships},
    )


@login_required
def organisation_create(request):
    form = OrganisationForm(request.POST or None)
    if form.is_valid():
        name = form.cleaned_data["name"]
        try:
            organisation = create_organisation(
                name=name,
                slug=form.cleaned_data["slug"] or suggest_slug(name),
                creator=request.user,
            )
        except WorkspaceError as error:
            form.add_error("slug", str(error))
        else:
            messages.success(
                request,
                f"{organisation} is ready. Invite your colleagues from Members.",
            )
            return redirect(organisation)
    return render(request, "cromaturity/organisation_form.html", {"form": form})


@member_required(Role.ADMIN)
def organisation_settings(request: OrgRequest):
    organisation = request.organisation
    name_form = OrganisationNameForm(
        request.POST or None, instance=organisation, prefix="org"
    )
    if request.method == "POST" and name_form.is_valid():
        rename_organisation(organisation, name=name_form.cleaned_data["name"])
        messages.success(request, "Organisation renamed.")
        return redirect("organisation-settings", organisation.slug)
    return _render_settings(request, name_form=name_form)


def _render_settings(request, *, status=200, **forms):
    organisation = request.organisation
    teams = Team.objects.for_org(organisation).annotate(member_count=Count("members"))
    context = {
        "name_form": OrganisationNameForm(instance=organisation, prefix="org"),
        "team_form": TeamForm(prefix="team"),
        "teams": teams,
        "api_key_form": ApiKeyForm(prefix="key"),
        "api_keys": ApiKey.objects.for_org(organisation).active(),
    }
    context.update(forms)
    return render(
        request, "cromaturity/organisation_settings.html", context, status=status
    )


@member_required(Role.ADMIN)
@require_POST
def team_create(request: OrgRequest):
    form = TeamForm(request.POST, prefix="team")
    if form.is_valid():
        try:
            team = add_team(request.organisation, name=form.cleaned_data["name"])
        except WorkspaceError as error:
            form.add_error("name", str(error))
        else:
            messages.success(request, f"Team “{team}” added.")
            return redirect("organisation-settings", request.organisation.slug)
    return _render_settings(request, team_form=form, status=400)


@member_required(Role.ADMIN)
@require_POST
def team_update(request: OrgRequest, team_id):
    team = get_in_org(request, Team, team_id)
    form = TeamForm(request.POST, prefix=f"t{team.pk}")
    if not form.is_valid():
        messages.error(request, "A team needs a name of at most 80 characters.")
    else:
        try:
            rename_team(team, name=form.cleaned_data["name"])
        except WorkspaceError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, f"Team renamed to “{team}”.")
    return redirect("organisation-settings", request.organisation.slug)


@member_required(Role.ADMIN)
@require_POST
def team_delete(request: OrgRequest, team_id):
    team = get_in_org(request, Team, team_id)
    try:
        delete_team(team)
    except WorkspaceError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Team “{team}” deleted.")
    return redirect("organisation-settings", request.organisation.slug)


@member_required(Role.ADMIN)
def audit_log(request: OrgRequest):
    events = AuditEvent.objects.visible_to_admins_of(request.organisation)
    action = request.GET.get("action", "")
    if action in AuditAction.values:
        events = events.filter(action=action)
    page = Paginator(events.select_related("actor"), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "cromaturity/auditevent_list.html",
        {"page": page, "actions": AuditAction.choices, "action": action},
    )


@member_required(Role.ADMIN)
@require_POST
def api_key_create(request: OrgRequest):
    form = ApiKeyForm(request.POST, prefix="key")
    if not form.is_valid():
        return _render_settings(request, api_key_form=form, status=400)
    api_key, raw_key = create_api_key(
        request.organisation,
        name=form.cleaned_data["name"],
        by=request.user,
        ip=client_ip(request),
    )
    messages.success(request, f"API key “{api_key.name}” created.")
    return _render_settings(request, new_key=raw_key, new_api_key=api_key)


@member_required(Role.ADMIN)
@require_POST
def api_key_revoke(request: OrgRequest, api_key_id):
    api_key = get_in_org(request, ApiKey, api_key_id)
    revoke_api_key(api_key, by=request.user, ip=client_ip(request))
    messages.success(request, f"API key “{api_key.name}” revoked: it no longer works.")
    return redirect("organisation-settings", request.organisation.slug)
