"""Inviting people into an organisation by link or by email, and joining."""

from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.tasks import task
from django.template.loader import render_to_string
from django.utils import timezone

from cromaturity.audit import record_event
from cromaturity.models import (
    AuditAction,
    Invitation,
    Membership,
    Organisation,
    Role,
    Team,
)
from cromaturity.workspaces import WorkspaceError


@transaction.atomic
def create_invitation_link(
    organisation: Organisation,
    *,
    created_by,
    role: Role = Role.CONTRIBUTOR,
    team: Team | None = None,
    days: int | None = None,
    ip: str | None = None,
    next_path: str = "",
) -> Invitation:
    days = settings.INVITATION_LINK_DAYS if days is None else days
    invitation = Invitation.objects.create(
        organisation=organisation,
        role=role,
        team=team,
        created_by=created_by,
        expires_at=timezone.now() + timedelta(days=days),
        next_path=next_path,
    )
    record_event(
        AuditAction.INVITATION_CREATED,
        f"Invite link for {Role(role).label.lower()}s, valid {days} days",
        actor=created_by,
        organisation=organisation,
        ip=ip,
    )
    return invitation


@transaction.atomic
def invite_by_email(
    organisation: Organisation,
    *,
    email: str,
    created_by,
    base_url: str,
    role: Role = Role.CONTRIBUTOR,
    team: Team | None = None,
    ip: str | None = None,
) -> Invitation:
    """Create a single-use invitation for `email` and send it after commit."""
    email = email.strip()
    if (
        Membership.objects.for_org(organisation)
        .filter(user__email__iexact=email)
        .exists()
    ):
        raise WorkspaceError(f"{email} is already a member of {organisation}.")
    Invitation.objects.for_org(organisation).usable().filter(
        email__iexact=email
    ).update(revoked_at=timezone.now())
    invitation = Invitation.objects.create(
        organisation=organisation,
        email=email,
        role=role,
        team=team,
        created_by=created_by,
        expires_at=timezone.now() + timedelta(days=settings.INVITATION_LINK_DAYS),
    )
    record_event(
        AuditAction.INVITATION_CREATED,
        f"Invited {email} as {Role(role).label.lower()}",
        actor=created_by,
        organisation=organisation,
        ip=ip,
    )
    url = base_url + invitation.get_absolute_url()
    transaction.on_commit(
        lambda: send_invitation_email.enqueue(invitation_id=invitation.pk, url=url)
    )
    return invitation


@task()
def send_invitation_email(invitation_id: int, url: str) -> None:
    invitation = Invitation.objects.select_related("organisation", "created_by").get(
        pk=invitation_id
    )
    context = {"invitation": invitation, "url": url}
    send_mail(
        subject=f"You are invited to {invitation.organisation} on cromaturity",
        message=render_to_string("cromaturity/email/invitation.txt", context),
        from_email=None,
        recipient_list=[invitation.email],
    )


@transaction.atomic
def revoke_invitation(invitation: Invitation, *, by=None, ip=None) -> Invitation:
    if invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
        record_event(
            AuditAction.INVITATION_REVOKED,
            f"Revoked the invitation {invitation.email or 'link'} "
            f"({invitation.get_role_display().lower()})",
            actor=by,
            organisation=invitation.organisation,
            ip=ip,
        )
    return invitation


def other_address_problem(invitation: Invitation, user) -> str | None:
    """Why `user` cannot join with an email invitation sent to someone else."""
    if invitation.is_for(user):
        return None
    return (
        f"This invitation to {invitation.organisation} is for {invitation.email}, "
        "and only the account with that address can join with it."
    )


def invitation_problem(invitation: Invitation) -> str | None:
    """Say why an invitation can no longer be used, or None when it can."""
    return {
        "revoked": "This invitation was withdrawn by an administrator of "
        f"{invitation.organisation}. Ask them for a new one.",
        "accepted": "This invitation has already been used. Ask an administrator "
        f"of {invitation.organisation} for a new one.",
        "expired": "This invitation has expired. Ask an administrator of "
        f"{invitation.organisation} for a new one.",
    }.get(invitation.state)


@transaction.atomic
def accept_invitation(invitation: Invitation, *, user, team: Team | None) -> Membership:
    """Make `user` a member through `invitation`; a member keeps their role."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    problem = invitation_problem(invitation) or other_address_problem(invitation, user)
    if problem:
        raise WorkspaceError(problem)
    if team is not None and team.organisation_id != invitation.organisation_id:
        raise WorkspaceError("That team belongs to another organisation.")
    membership, created = Membership.objects.get_or_create(
        user=user,
        organisation=invitation.organisation,
        defaults={"role": invitation.role, "team": team or invitation.team},
    )
    if created:
        record_event(
            AuditAction.MEMBER_JOINED,
            f"{user.get_username()} joined as {membership.get_role_display().lower()}"
            f" through {'a link' if invitation.is_link else 'an email invitation'}",
            actor=user,
            organisation=invitation.organisation,
        )
    if not created and membership.team_id is None and team is not None:
        membership.team = team
        membership.save(update_fields=["team"])
    Invitation.objects.filter(pk=invitation.pk).update(use_count=F("use_count") + 1)
    if not invitation.is_link:
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = user
        invitation.save(update_fields=["accepted_at", "accepted_by"])
    return membership
