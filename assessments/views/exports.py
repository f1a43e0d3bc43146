"""Scorecard downloads, share links, and the read-only page a share link opens."""

from math import ceil

from django.contrib import messages
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from assessments.exports import ExportFormat, export_scorecard
from assessments.forms import ShareLinkForm
from assessments.models import Assessment
from assessments.scorecard_pdf import PdfUnavailable
from assessments.scorecards import build_scorecard
from assessments.sharing import (
    TooManyDownloads,
    count_view,
    create_share_link,
    download_shared_pdf,
    revoke_share_link,
    share_link_for,
    share_link_problem,
    share_links_of,
)
from cromaturity.audit import client_ip, record_event
from cromaturity.models import AuditAction, Role
from cromaturity.scoping import OrgRequest, get_in_org, member_required
from cromaturity.spreadsheets import download_response


def _download(export_file):
    response = download_response(
        export_file.filename, export_file.content_type, export_file.content
    )
    response["Cache-Control"] = "private, no-store"
    return response


@member_required()
def scorecard_export(request: OrgRequest, assessment_id, export_format):
    assessment = get_in_org(
        request, Assessment.objects.select_related("maturity_model"), assessment_id
    )
    # Checked after the lookup, so another organisation's id is 404 whatever
    # the method.
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    export_format = ExportFormat(export_format)
    try:
        export_file = export_scorecard(build_scorecard(assessment), export_format)
    except PdfUnavailable as error:
        messages.error(request, str(error))
        return redirect(assessment)
    record_event(
        AuditAction.EXPORTED,
        f"Scorecard “{assessment}” as {export_format.label}",
        actor=request.user,
        organisation=request.organisation,
        ip=client_ip(request),
    )
    return _download(export_file)


@member_required(Role.EDITOR)
@require_POST
def share_link_create(request: OrgRequest, assessment_id):
    assessment = get_in_org(
        request, Assessment.objects.select_related("maturity_model"), assessment_id
    )
    form = ShareLinkForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose how long the link should work.")
    else:
        create_share_link(
            assessment,
            by=request.user,
            days=form.cleaned_data["days"],
            ip=client_ip(request),
        )
        messages.success(
            request,
            "Share link created. Anyone who has it can read this scorecard, and "
            "nothing else, until it expires or you revoke it.",
        )
    return redirect(f"{assessment.get_absolute_url()}#sharing")


@member_required(Role.EDITOR)
@require_POST
def share_link_revoke(request: OrgRequest, assessment_id, share_link_id):
    assessment = get_in_org(
        request, Assessment.objects.select_related("maturity_model"), assessment_id
    )
    link = get_object_or_404(share_links_of(assessment), pk=share_link_id)
    revoke_share_link(link, by=request.user, ip=client_ip(request))
    messages.success(request, "Share link revoked: it no longer opens the scorecard.")
    return redirect(f"{assessment.get_absolute_url()}#sharing")


def _open_share_link(request, token):
    """The share link and its problem (None when it works); 404 when forged."""
    link = share_link_for(token)
    if link is None:
        raise Http404("No such share link.")
    return link, share_link_problem(link)


def _gone(request, problem):
    return render(
        request, "assessments/share_link_problem.html", {"problem": problem}, status=410
    )


@never_cache
@require_GET
def shared_scorecard(request, token):
    link, problem = _open_share_link(request, token)
    if problem:
        return _gone(request, problem)
    count_view(link)
    assessment = link.assessment
    return render(
        request,
        "assessments/shared_scorecard.html",
        {
            "assessment": assessment,
            "shared_by": assessment.organisation,
            "scorecard": build_scorecard(assessment),
            "link": link,
            "public": True,
        },
    )


@never_cache
@require_GET
def shared_scorecard_pdf(request, token):
    link, problem = _open_share_link(request, token)
    if problem:
        return _gone(request, problem)
    try:
        export_file = download_shared_pdf(link, ip=client_ip(request))
    except TooManyDownloads as error:
        response = render(
            request,
            "assessments/share_link_busy.html",
            {"problem": str(error), "link": link},
            status=429,
        )
        response["Retry-After"] = str(ceil(error.retry_after.total_seconds()))
        return response
    except PdfUnavailable as error:
        messages.error(request, str(error))
        return redirect(link)
    return _download(export_file)
