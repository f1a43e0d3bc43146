"""Assessment list, creation, scorecard, status changes and invite links."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from assessments.facilitation import (
    DuplicateAssessment,
    advance_status,
    assessment_invitations,
    create_assessment,
    free_period,
    invite_to_assessment,
    remind_to_submit,
    unsubmitted_responses,
)
from assessments.forms import (
    AdvanceForm,
    AssessmentForm,
    InviteForm,
    ShareLinkForm,
)
from assessments.models import (
    Assessment,
    AssessmentStatus,
    MaturityModel,
    Point,
    Response,
)
from assessments.point_work import work_by_point
from assessments.responding import AssessmentError
from assessments.scorecards import build_scorecard, summarise, trend
from assessments.sharing import share_links_of
from cromaturity.invitations import revoke_invitation
from cromaturity.models import Role
from cromaturity.scoping import OrgRequest, get_in_org, member_required

PAGE_SIZE = 10
IMPROVEMENTS_SHOWN = 5


@member_required()
def assessment_list(request: OrgRequest):
    assessments = (
        Assessment.objects.for_org(request.organisation)
        .select_related("organisation", "maturity_model")
        .annotate(
            submitted=Count(
                "responses", filter=Q(responses__submitted_at__isnull=False)
            ),
            in_progress=Count(
                "responses", filter=Q(responses__submitted_at__isnull=True)
            ),
        )
        .order_by("-opened_at", "-pk")
    )
    page = Paginator(assessments, PAGE_SIZE).get_page(request.GET.get("page"))
    summaries = summarise(list(page.object_list))
    rows = [(a, summaries[a.pk]) for a in page.object_list]
    own = set(
        Response.objects.filter(
            respondent=request.user, assessment__in=page.object_list
        ).values_list("assessment_id", "submitted_at")
    )
    history, trend_svg = trend(request.organisation)
    return render(
        request,
        "assessments/assessment_list.html",
        {
            "page": page,
            "rows": rows,
            "answered": {pk for pk, _ in own},
            "submitted_by_me": {pk for pk, at in own if at},
            "history": history,
            "trend_svg": trend_svg,
        },
    )


@member_required(Role.EDITOR)
def assessment_create(request: OrgRequest):
    form = AssessmentForm(
        request.POST or None, initial={"period": free_period(request.organisation)}
    )
    model = MaturityModel.objects.latest_published()
    if request.method == "POST" and form.is_valid():
        try:
            assessment = create_assessment(
                request.organisation,
                title=form.cleaned_data["title"],
                period=form.cleaned_data["period"],
                created_by=request.user,
            )
        except DuplicateAssessment as error:
            form.add_error("period", str(error))
        except AssessmentError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                f"“{assessment.title}” is open for answers. Share an invite link or "
                "ask colleagues to answer from the Assessments page.",
            )
            return redirect(assessment)
    return render(
        request,
        "assessments/assessment_form.html",
        {"form": form, "model": model},
        status=400 if form.errors else 200,
    )


@member_required()
def assessment_detail(request: OrgRequest, assessment_id):
    assessment = get_in_org(
        request, Assessment.objects.select_related("maturity_model"), assessment_id
    )
    scorecard = build_scorecard(assessment)
    improvements = work_by_point(request.organisation)
    for row in scorecard.points:
        # The newest few per point; years of work would otherwise bury the card.
        work = improvements.get(row.point.key, [])
        row.improvements = work[:IMPROVEMENTS_SHOWN]
        row.more_improvements = len(work) - len(row.improvements)
    my_response = Response.objects.filter(
        assessment=assessment, respondent=request.user
    ).first()
    can_edit = request.membership.can_edit
    return render(
        request,
        "assessments/assessment_scorecard.html",
        {
            "assessment": assessment,
            "scorecard": scorecard,
            "my_response": my_response,
            "invitations": assessment_invitations(assessment)
            if can_edit and assessment.is_open
            else [],
            "invite_form": InviteForm(),
            "share_links": share_links_of(assessment) if can_edit else [],
            "share_form": ShareLinkForm(),
            "advance_form": AdvanceForm(initial={"from_status": assessment.status}),
            "next_status": assessment.next_status,
            "statuses": AssessmentStatus,
            "unsubmitted": unsubmitted_responses(assessment)
            if can_edit and scorecard.in_progress
            else [],
            "point_count": len(scorecard.points),
        },
    )


def _confirm_consensus(request, assessment, unsubmitted, *, status=200):
    """Name who started but has not submitted before the answers freeze."""
    return render(
        request,
        "assessments/assessment_advance.html",
        {
            "assessment": assessment,
            "unsubmitted": unsubmitted,
            "point_count": Point.objects.filter(
                pillar__maturity_model_id=assessment.maturity_model_id
            ).count(),
            "advance_form": AdvanceForm(
                initial={
                    "from_status": assessment.status,
                    "acknowledged": AdvanceForm.acknowledging(unsubmitted),
                }
            ),
            "changed": status != 200,
        },
        status=status,
    )


@member_required(Role.EDITOR)
@require_http_methods(["GET", "POST"])
def assessment_advance(request: OrgRequest, assessment_id):
    assessment = get_in_org(
        request, Assessment.objects.select_related("maturity_model"), assessment_id
    )
    unsubmitted = unsubmitted_responses(assessment) if assessment.is_open else []
    if request.method == "GET":
        if not assessment.is_open:
            return redirect(assessment)
        return _confirm_consensus(request, assessment, unsubmitted)
    form = AdvanceForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The status change was incomplete; try again.")
        return redirect(assessment)
    from_open = form.cleaned_data["from_status"] == AssessmentStatus.OPEN
    if from_open and assessment.is_open and not form.acknowledges(unsubmitted):
        return _confirm_consensus(request, assessment, unsubmitted, status=409)
    try:
        assessment = advance_status(
            assessment, from_status=form.cleaned_data["from_status"], by=request.user
        )
    except AssessmentError as error:
        messages.error(request, str(error))
        return redirect(assessment)
    if assessment.in_consensus:
        messages.success(
            request,
            "Answers are now frozen. Record agreed levels on the Consensus page, "
            "then close the assessment.",
        )
    else:
        messages.success(
            request, f"“{assessment.title}” is closed and now counts in the trend."
        )
    return redirect(assessment)


@member_required(Role.EDITOR)
@require_POST
def assessment_remind(request: OrgRequest, assessment_id):
    assessment = get_in_org(
        request, Assessment.objects.select_related("maturity_model"), assessment_id
    )
    try:
        told = remind_to_submit(assessment, by=request.user)
    except AssessmentError as error:
        messages.error(request, str(error))
    else:
        if told:
            messages.success(
                request,
                f"Reminded {told} colleague{'s' if told != 1 else ''} to submit "
                "their answers, in the app and by email as each has chosen.",
            )
        else:
            messages.info(
                request, "Nobody else to remind: the unsubmitted answers are yours."
            )
    if request.POST.get("back") == "advance":
        return redirect(
            "assessments:assessment-advance",
            assessment.organisation.slug,
            assessment.pk,
        )
    return redirect(f"{assessment.get_absolute_url()}#unsubmitted")


@member_required(Role.EDITOR)
@require_POST
def assessment_invite(request: OrgRequest, assessment_id):
    assessment = get_in_org(
        request, Assessment.objects.select_related("maturity_model"), assessment_id
    )
    form = InviteForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose how many days (1 to 365) the link is valid.")
        return redirect(assessment)
    try:
        invite_to_assessment(
            assessment, created_by=request.user, days=form.cleaned_data["days"]
        )
    except AssessmentError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            "Invite link created. Colleagues who open it join as contributors and "
            "land on this questionnaire.",
        )
    return redirect(f"{assessment.get_absolute_url()}#participation")


@member_required(Role.EDITOR)
@require_POST
def assessment_invitation_revoke(request: OrgRequest, assessment_id, invitation_id):
    assessment = get_in_org(
        request, Assessment.objects.select_related("maturity_model"), assessment_id
    )
    invitation = get_object_or_404(assessment_invitations(assessment), pk=invitation_id)
    revoke_invitation(invitation)
    messages.success(request, "Invite link revoked: it no longer works.")
    return redirect(f"{assessment.get_absolute_url()}#participation")
