"""Sharing one scorecard read-only with people who have no account."""

from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from assessments.models import Assessment, ShareLink
from cromaturity.audit import record_event
from cromaturity.models import AuditAction

MAX_SHARE_DAYS = 365


@transaction.atomic
def create_share_link(
    assessment: Assessment, *, by, days: int, ip: str | None = None
) -> ShareLink:
    if not 1 <= days <= MAX_SHARE_DAYS:
        raise ValueError(f"A share link lasts 1 to {MAX_SHARE_DAYS} days.")
    now = timezone.now()
    link = ShareLink.objects.create(
        assessment=assessment,
        created_by=by,
        created_at=now,
        expires_at=now + timedelta(days=days),
    )
    record_event(
        AuditAction.SHARE_LINK_CREATED,
        f"Share link to the scorecard “{assessment}”, valid {days} "
        f"day{'s' if days != 1 else ''}",
        actor=by,
        organisation=assessment.organisation,
        ip=ip,
    )
    return link


@transaction.atomic
def revoke_share_link(link: ShareLink, *, by, ip: str | None = None) -> ShareLink:
    link = ShareLink.objects.select_for_update().get(pk=link.pk)
    if link.revoked_at is None:
        link.revoked_at = timezone.now()
        link.revoked_by = by
        link.save(update_fields=["revoked_at", "revoked_by"])
        assessment = Assessment.objects.select_related("organisation").get(
            pk=link.assessment_id
        )
        record_event(
            AuditAction.SHARE_LINK_REVOKED,
            f"Share link to the scorecard “{assessment}” "
            f"(created {timezone.localtime(link.created_at):%d %b %Y})",
            actor=by,
            organisation=assessment.organisation,
            ip=ip,
        )
    return link


def share_link_for(token: str) -> ShareLink | None:
    """The link a token names, whatever its state; None for a forged token."""
    nonce = ShareLink.nonce_from_token(token)
    if nonce is None:
        return None
    return (
        ShareLink.objects.select_related(
            "assessment__organisation", "assessment__maturity_model"
        )
        .filter(nonce=nonce)
        .first()
    )


def share_link_problem(link: ShareLink) -> str | None:
    """Why a link no longer shows the scorecard, or None when it does."""
    organisation = link.assessment.organisation
    if link.state == "revoked":
        return (
            f"This link was withdrawn by {organisation}. Ask the person who sent "
            "it for a new one."
        )
    if link.state == "expired":
        return (
            f"This link expired on {timezone.localtime(link.expires_at):%d %B %Y}. "
            "Ask the person who sent it for a new one."
        )
    return None


def count_view(link: ShareLink) -> None:
    ShareLink.objects.filter(pk=link.pk).update(
        view_count=F("view_count") + 1, last_viewed_at=timezone.now()
    )


def share_links_of(assessment: Assessment):
    return (
        ShareLink.objects.filter(assessment=assessment)
        .active()
        .select_related("created_by")
        .order_by("expires_at", "pk")
    )
