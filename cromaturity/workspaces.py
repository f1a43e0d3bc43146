"""Writes that shape a workspace: organisations, their teams and their members."""

from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils.text import slugify

from cromaturity.audit import record_event
from cromaturity.models import (
    DEFAULT_TEAMS,
    AuditAction,
    Membership,
    Organisation,
    Role,
    Team,
)

RESERVED_SLUGS = frozenset({"new", "admin", "api", "static", "media"})


class WorkspaceError(Exception):
    """A change to a workspace that the rules refuse; the message is for people."""


def suggest_slug(name: str) -> str:
    base = slugify(name)[:50] or "organisation"
    slug, n = base, 2
    while slug in RESERVED_SLUGS or Organisation.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


@transaction.atomic
def create_organisation(*, name: str, slug: str, creator) -> Organisation:
    """Create an organisation with the default teams; the creator becomes admin."""
    if slug in RESERVED_SLUGS:
        raise WorkspaceError(f"“{slug}” is reserved; choose another address.")
    try:
        with transaction.atomic():
            organisation = Organisation.objects.create(name=name, slug=slug)
    except IntegrityError:
        raise WorkspaceError(
            f"The address “{slug}” is already taken; choose another."
        ) from None
    Team.objects.bulk_create(
        Team(organisation=organisation, name=team_name, position=position)
        for position, team_name in enumerate(DEFAULT_TEAMS)
    )
    Membership.objects.create(
        user=creator,
        organisation=organisation,
        team=organisation.teams.get(name=DEFAULT_TEAMS[0]),
        role=Role.ADMIN,
    )
    return organisation


def _lock_admins(organisation: Organisation) -> list[int]:
    """The organisation's admin memberships, read under a per-organisation lock.

    Locking the organisation row (not the membership rows, whose lock order
    would vary between transactions) serialises every role change of one
    organisation without deadlocks.
    """
    Organisation.objects.select_for_update(no_key=True).filter(
        pk=organisation.pk
    ).first()
    return list(
        Membership.objects.select_for_update()
        .for_org(organisation)
        .admins()
        .order_by("pk")
        .values_list("pk", flat=True)
    )


@transaction.atomic
def change_membership(
    membership: Membership,
    *,
    role: Role,
    team: Team | None,
    by=None,
    ip: str | None = None,
):
    """Change a member's role and team, keeping at least one admin."""
    if team is not None and team.organisation_id != membership.organisation_id:
        raise WorkspaceError("That team belongs to another organisation.")
    admins = _lock_admins(membership.organisation)
    if role != Role.ADMIN and admins == [membership.pk]:
        raise WorkspaceError(
            f"{membership.user} is the only admin; make someone else admin first."
        )
    before = (membership.get_role_display(), membership.team)
    membership.role = role
    membership.team = team
    membership.save(update_fields=["role", "team"])
    after = (membership.get_role_display(), membership.team)
    if before != after:
        record_event(
            AuditAction.ROLE_CHANGED,
            f"{membership.user.get_username()}: {before[0]}, {before[1] or 'no team'}"
            f" → {after[0]}, {after[1] or 'no team'}",
            actor=by,
            organisation=membership.organisation,
            ip=ip,
        )
    return membership


@transaction.atomic
def remove_member(membership: Membership, *, by=None, ip: str | None = None) -> None:
    admins = _lock_admins(membership.organisation)
    if admins == [membership.pk]:
        raise WorkspaceError(
            f"{membership.user} is the only admin; make someone else admin first."
        )
    record_event(
        AuditAction.MEMBER_REMOVED,
        f"Removed {membership.user.get_username()} "
        f"({membership.get_role_display().lower()})",
        actor=by,
        organisation=membership.organisation,
        ip=ip,
    )
    membership.delete()


@transaction.atomic
def rename_organisation(organisation: Organisation, *, name: str) -> Organisation:
    organisation.name = name
    organisation.save(update_fields=["name"])
    return organisation


@transaction.atomic
def add_team(organisation: Organisation, *, name: str) -> Team:
    if Team.objects.for_org(organisation).filter(name__iexact=name).exists():
        raise WorkspaceError(f"There is already a team called “{name}”.")
    last = Team.objects.for_org(organisation).order_by("-position").first()
    return Team.objects.create(
        organisation=organisation,
        name=name,
        position=(last.position + 1) if last else 0,
    )


@transaction.atomic
def rename_team(team: Team, *, name: str) -> Team:
    clash = (
        Team.objects.for_org(team.organisation_id)
        .filter(name__iexact=name)
        .exclude(pk=team.pk)
    )
    if clash.exists():
        raise WorkspaceError(f"There is already a team called “{name}”.")
    team.name = name
    team.save(update_fields=["name"])
    return team


@transaction.atomic
def delete_team(team: Team) -> None:
    """Delete a team; its members stay in the organisation without a team."""
    try:
        with transaction.atomic():
            team.delete()
    except ProtectedError:
        raise WorkspaceError(
            f"“{team}” has answered assessments or owns work, so it is kept for "
            "the record. Rename it instead."
        ) from None
