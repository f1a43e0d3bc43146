from django.contrib import messages
from django.contrib.auth import login
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from cromaturity.audit import client_ip
from cromaturity.forms import (
    EmailInvitationForm,
    JoinForm,
    LinkInvitationForm,
    MembershipForm,
    SignUpForm,
)
from cromaturity.invitations import (
    accept_invitation,
    create_invitation_link,
    invitation_problem,
    invite_by_email,
    revoke_invitation,
)
from cromaturity.models import Invitation, Membership, Role
from cromaturity.scoping import OrgRequest, get_in_org, member_required
from cromaturity.workspaces import WorkspaceError, change_membership, remove_member


def _members_context(request, **forms):
    organisation = request.organisation
    memberships = (
        Membership.objects.for_org(organisation)
        .select_related("user", "team")
        .order_by("user__first_name", "user__username")
    )
    rows = [
        (
            membership,
            MembershipForm(
                organisation=organisation,
                initial={"role": membership.role, "team": membership.team_id},
                prefix=f"m{membership.pk}",
            ),
        )
        for membership in memberships
    ]
    invitations = (
        Invitation.objects.for_org(organisation)
        .usable()
        .select_related("team", "created_by")
    )
    context = {
        "rows": rows,
        "link_invitations": [i for i in invitations if i.is_link],
        "email_invitations": [i for i in invitations if not i.is_link],
        "email_form": EmailInvitationForm(organisation=organisation),
        "link_form": LinkInvitationForm(organisation=organisation),
        "roles": list(Role),
    }
    context.update(forms)
    return context


@member_required(Role.ADMIN)
def members(request: OrgRequest):
    return render(
        request, "cromaturity/membership_list.html", _members_context(request)
    )


@member_required(Role.ADMIN)
@require_POST
def member_update(request: OrgRequest, membership_id):
    membership = get_in_org(
        request, Membership.objects.select_related("user"), membership_id
    )
    form = MembershipForm(
        request.POST, organisation=request.organisation, prefix=f"m{membership.pk}"
    )
    if not form.is_valid():
        messages.error(request, f"Could not change {membership.user}: check the form.")
        return redirect("members", request.organisation.slug)
    try:
        change_membership(
            membership,
            role=Role(form.cleaned_data["role"]),
            team=form.cleaned_data["team"],
            by=request.user,
            ip=client_ip(request),
        )
    except WorkspaceError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            f"{membership.user} is now {membership.get_role_display().lower()}"
            + (f" in {membership.team}." if membership.team else " without a team."),
        )
    return redirect("members", request.organisation.slug)


@member_required(Role.ADMIN)
@require_POST
def member_remove(request: OrgRequest, membership_id):
    membership = get_in_org(
        request, Membership.objects.select_related("user"), membership_id
    )
    try:
        remove_member(membership, by=request.user, ip=client_ip(request))
    except WorkspaceError as error:
        messages.error(request, str(error))
        return redirect("members", request.organisation.slug)
    messages.success(
        request, f"{membership.user} was removed from {request.organisation}."
    )
    if membership.user_id == request.user.pk:
        return redirect("organisation-list")
    return redirect("members", request.organisation.slug)


@member_required(Role.ADMIN)
@require_POST
def invitation_create(request: OrgRequest):
    organisation = request.organisation
    if request.POST.get("kind") == "email":
        form = EmailInvitationForm(request.POST, organisation=organisation)
        if form.is_valid():
            try:
                invitation = invite_by_email(
                    organisation,
                    email=form.cleaned_data["email"],
                    role=Role(form.cleaned_data["role"]),
                    team=form.cleaned_data["team"],
                    created_by=request.user,
                    base_url=request.build_absolute_uri("/").rstrip("/"),
                    ip=client_ip(request),
                )
            except WorkspaceError as error:
                form.add_error("email", str(error))
            else:
                messages.success(request, f"Invitation sent to {invitation.email}.")
                return redirect("members", organisation.slug)
        context = _members_context(request, email_form=form)
    else:
        link_form = LinkInvitationForm(request.POST, organisation=organisation)
        if link_form.is_valid():
            create_invitation_link(
                organisation,
                created_by=request.user,
                role=Role(link_form.cleaned_data["role"]),
                team=link_form.cleaned_data["team"],
                days=link_form.cleaned_data["days"],
                ip=client_ip(request),
            )
            messages.success(
                request, "Invite link created. Copy it and share it with colleagues."
            )
            return redirect("members", organisation.slug)
        context = _members_context(request, link_form=link_form)
    return render(request, "cromaturity/membership_list.html", context, status=400)


@member_required(Role.ADMIN)
@require_POST
def invitation_revoke(request: OrgRequest, invitation_id):
    invitation = get_in_org(request, Invitation, invitation_id)
    revoke_invitation(invitation, by=request.user, ip=client_ip(request))
    messages.success(request, "Invitation revoked: its link no longer works.")
    return redirect("members", request.organisation.slug)


def _invitation_from_token(token: str) -> Invitation:
    pk = Invitation.pk_from_token(token)
    if pk is None:
        raise Http404("This invitation link is not valid.")
    return get_object_or_404(
        Invitation.objects.select_related("organisation", "team"), pk=pk
    )


@never_cache
def join(request, token):
    invitation = _invitation_from_token(token)
    problem = invitation_problem(invitation)
    if problem:
        return render(
            request,
            "cromaturity/invitation_problem.html",
            {"invitation": invitation, "problem": problem},
            status=410,
        )
    organisation = invitation.organisation
    if request.user.is_authenticated and not invitation.is_for(request.user):
        # The invitation stays unused, so the invitee can still join with it.
        return render(
            request,
            "cromaturity/invitation_other_address.html",
            {"invitation": invitation},
            status=403,
        )
    if request.user.is_authenticated:
        existing = Membership.objects.filter(
            user=request.user, organisation=organisation
        ).first()
        if existing and existing.team_id:
            messages.info(request, f"You are already a member of {organisation}.")
            return redirect(invitation.landing_path)
        signup_form = None
    else:
        signup_form = SignUpForm(
            request.POST or None, fixed_email=invitation.email, prefix="account"
        )
    join_form = JoinForm(request.POST or None, invitation=invitation, prefix="join")
    if request.method == "POST" and join_form.is_valid():
        if signup_form is not None:
            if signup_form.is_valid():
                user = signup_form.save()
                login(request, user, backend="cromaturity.auth.UsernameOrEmailBackend")
            else:
                user = None
        else:
            user = request.user
        if user is not None:
            try:
                membership = accept_invitation(
                    invitation, user=user, team=join_form.cleaned_data["team"]
                )
            except WorkspaceError as error:
                messages.error(request, str(error))
                return redirect("index")
            messages.success(
                request,
                f"Welcome to {organisation}. You joined as "
                f"{membership.get_role_display().lower()}"
                + (f" in {membership.team}." if membership.team else "."),
            )
            return redirect(invitation.landing_path)
    return render(
        request,
        "cromaturity/invitation_join.html",
        {
            "invitation": invitation,
            "join_form": join_form,
            "signup_form": signup_form,
            "invited_role": Role(invitation.role),
        },
        status=400 if request.method == "POST" else 200,
    )
