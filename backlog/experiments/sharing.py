"""Sharing one experiment's report read-only with people who have no account.

Like the scorecard's share links (``assessments.sharing``): signed, expiring
after 1 to 365 days, revocable, and each creation and revocation is in the
organisation's audit log. The page a link opens shows the report and the
hypothesis's statement, never the customer feedback linked as evidence.
"""

from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from assessments.sharing import MAX_SHARE_DAYS
from backlog.models import Experiment, ExperimentShareLink
from cromaturity.audit import record_event
from cromaturity.models import AuditAction


def _days(days: int) -> str:
    return f"{days} day{'s' if days != 1 else ''}"


@transaction.atomic
def create_share_link(
    experiment: Experiment, *, by, days: int, ip: str | None = None
) -> ExperimentShareLink:
    if not 1 <= days <= MAX_SHARE_DAYS:
        raise ValueError(f"A share link lasts 1 to {MAX_SHARE_DAYS} days.")
    now = timezone.now()
    link = ExperimentShareLink.objects.create(
        experiment=experiment,
        created_by=by,
        created_at=now,
        expires_at=now + timedelta(days=days),
    )
    record_event(
        AuditAction.SHARE_LINK_CREATED,
        f"Share link to the experiment report “{experiment.name}” of "
        f"“{experiment.hypothesis}”, valid {_days(days)}",
        actor=by,
        organisation=experiment.hypothesis.organisation,
        ip=ip,
    )
    return link


@transaction.atomic
def revoke_share_link(
    link: ExperimentShareLink, *, by, ip: str | None = None
) -> ExperimentShareLink:
    link = ExperimentShareLink.objects.select_for_update().get(pk=link.pk)
    if link.revoked_at is None:
        link.revoked_at = timezone.now()
        link.revoked_by = by
        link.save(update_fields=["revoked_at", "revoked_by"])
        experiment = Experiment.objects.select_related("hypothesis__organisation").get(
            pk=link.experiment_id
        )
        record_event(
            AuditAction.SHARE_LINK_REVOKED,
            f"Share link to the experiment report “{experiment.name}” of "
            f"“{experiment.hypothesis}” (created "
            f"{timezone.localtime(link.created_at):%d %b %Y})",
            actor=by,
            organisation=experiment.hypothesis.organisation,
            ip=ip,
        )
    return link


def share_link_for(token: str) -> ExperimentShareLink | None:
    """The link a token names, whatever its state; None for a forged token."""
    nonce = ExperimentShareLink.nonce_from_token(token)
    if nonce is None:
        return None
    return (
        ExperimentShareLink.objects.select_related(
            "experiment__hypothesis__organisation", "experiment__hypothesis__page"
        )
        .filter(nonce=nonce)
        .first()
    )


def share_link_problem(link: ExperimentShareLink) -> str | None:
    """Why a link no longer shows the report, or None when it does."""
    organisation = link.experiment.hypothesis.organisation
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


def count_view(link: ExperimentShareLink) -> None:
    ExperimentShareLink.objects.filter(pk=link.pk).update(
        view_count=F("view_count") + 1, last_viewed_at=timezone.now()
    )


def share_links_of(experiment: Experiment):
    return (
        ExperimentShareLink.objects.filter(experiment=experiment)
        .active()
        .select_related("created_by")
        .order_by("expires_at", "pk")
    )
