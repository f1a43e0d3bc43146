"""Sharing one scorecard read-only with people who have no account."""

from datetime import timedelta

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from assessments.exports import ExportFile, ExportFormat, export_scorecard
from assessments.models import Assessment, ShareLink
from assessments.scorecards import build_scorecard
from cromaturity.audit import record_event
from cromaturity.models import AuditAction

MAX_SHARE_DAYS = 365
# PDF downloads through one link: at most this many in a window. Far more than a
# reader needs, few enough that a leaked link cannot be used to load the server.
PDF_DOWNLOADS_PER_WINDOW = 20
PDF_WINDOW = timedelta(minutes=10)
# The audit log records the first PDF download through a link in this long;
# the ones after it within the time add nothing an administrator needs.
PDF_AUDIT_EVERY = timedelta(hours=1)


class TooManyDownloads(Exception):
    """The link's PDF was downloaded too often lately; `retry_after` says when
    it can be downloaded again."""

    def __init__(self, retry_after: timedelta):
        minutes = max(1, -(-int(retry_after.total_seconds()) // 60))
        super().__init__(
            f"This scorecard’s PDF was downloaded {PDF_DOWNLOADS_PER_WINDOW} times "
            f"through this link in the last {PDF_WINDOW.seconds // 60} minutes. "
            f"Try again in {minutes} minute{'s' if minutes != 1 else ''}."
        )
        self.retry_after = retry_after


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


def _count_pdf_download(link: ShareLink, now) -> None:
    """Count one PDF download in the link's window, or raise TooManyDownloads.

    Each step is one conditional update, so concurrent downloads through any
    number of web processes never count past the limit."""
    links = ShareLink.objects.filter(pk=link.pk)
    window_over = Q(pdf_window_started_at__isnull=True) | Q(
        pdf_window_started_at__lte=now - PDF_WINDOW
    )
    if links.filter(window_over).update(
        pdf_window_started_at=now, pdf_window_downloads=1
    ):
        return
    if links.filter(pdf_window_downloads__lt=PDF_DOWNLOADS_PER_WINDOW).update(
        pdf_window_downloads=F("pdf_window_downloads") + 1
    ):
        return
    started = links.values_list("pdf_window_started_at", flat=True).get()
    # A window never started was opened by the first update above.
    raise TooManyDownloads(
        PDF_WINDOW if started is None else started + PDF_WINDOW - now
    )


def _first_pdf_download_in_the_hour(link: ShareLink, now) -> bool:
    audited_long_ago = Q(pdf_audited_at__isnull=True) | Q(
        pdf_audited_at__lte=now - PDF_AUDIT_EVERY
    )
    return bool(
        ShareLink.objects.filter(audited_long_ago, pk=link.pk).update(
            pdf_audited_at=now
        )
    )


def download_shared_pdf(link: ShareLink, *, ip: str | None = None) -> ExportFile:
    """The scorecard's PDF through a share link: counted against the link's
    limit, drawn once per state of the scorecard, audited once an hour."""
    now = timezone.now()
    _count_pdf_download(link, now)
    assessment = link.assessment
    export_file = export_scorecard(build_scorecard(assessment), ExportFormat.PDF)
    if _first_pdf_download_in_the_hour(link, now):
        record_event(
            AuditAction.EXPORTED,
            f"Scorecard “{assessment}” as PDF through a share link created "
            f"by {link.created_by or 'a former member'} (the first download "
            "through it this hour)",
            actor_name="share link",
            organisation=assessment.organisation,
            ip=ip,
        )
    return export_file
