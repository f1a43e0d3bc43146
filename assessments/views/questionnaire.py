"""The questionnaire: choose a team, answer one pillar per step, submit."""

from django.contrib import messages
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from assessments.forms import PointAnswerForm, StartResponseForm
from assessments.models import (
    Answer,
    Assessment,
    LevelDescriptor,
    Pillar,
    Point,
    Response,
)
from assessments.progress import progress_of
from assessments.responding import (
    AssessmentError,
    IncompleteResponse,
    save_answer,
    save_answers,
    start_response,
    submit_response,
)
from cromaturity.models import Role
from cromaturity.scoping import OrgRequest, get_in_org, member_required


def _step_url(assessment: Assessment, pillar_key: str) -> str:
    return reverse(
        "assessments:questionnaire-step",
        args=[assessment.organisation.slug, assessment.pk, pillar_key],
    )


def _own_response(request: OrgRequest, assessment: Assessment) -> Response | None:
    return (
        Response.objects.filter(assessment=assessment, respondent=request.user)
        .select_related("team", "assessment__organisation")
        .first()
    )


@member_required(Role.CONTRIBUTOR)
def response_start(request: OrgRequest, assessment_id):
    assessment = get_in_org(
        request, Assessment.objects.select_related("maturity_model"), assessment_id
    )
    response = _own_response(request, assessment)
    default_team = response.team if response else request.membership.team
    form = StartResponseForm(
        request.POST or None,
        organisation=request.organisation,
        initial={"team": default_team},
    )
    if request.method == "POST" and form.is_valid():
        try:
            response = start_response(
                assessment, user=request.user, team=form.cleaned_data["team"]
            )
        except AssessmentError as error:
            messages.error(request, str(error))
            return redirect(assessment)
        first_open = progress_of(assessment, response).first_open()
        return redirect(_step_url(assessment, first_open.pillar.key))
    progress = progress_of(assessment, response) if response else None
    return render(
        request,
        "assessments/response_start.html",
        {
            "assessment": assessment,
            "response": response,
            "form": form,
            "progress": progress,
        },
        status=400 if form.errors else 200,
    )


def _step_context(
    request: OrgRequest,
    assessment: Assessment,
    response: Response,
    pillar: Pillar,
    forms: dict[str, PointAnswerForm] | None = None,
) -> dict:
    points = list(
        Point.objects.filter(pillar=pillar).prefetch_related(
            Prefetch("descriptors", queryset=LevelDescriptor.objects.order_by("level"))
        )
    )
    answers = {
        a.point_id: a
        for a in Answer.objects.filter(response=response, point__pillar=pillar)
    }
    progress = progress_of(assessment, response)
    forms = forms or {}
    items = [
        (
            point,
            forms.get(point.key)
            or PointAnswerForm(
                prefix=point.key,
                initial=PointAnswerForm.initial_for(answers.get(point.pk)),
            ),
            answers.get(point.pk),
        )
        for point in points
    ]
    return {
        "assessment": assessment,
        "response": response,
        "pillar": pillar,
        "items": items,
        "progress": progress,
        "current_key": pillar.key,
        "previous_step": progress.before(pillar.key),
        "next_step": progress.after(pillar.key),
        "step_number": progress.position(pillar.key) + 1,
        "read_only": not assessment.is_open,
    }


@member_required(Role.CONTRIBUTOR)
def questionnaire_step(request: OrgRequest, assessment_id, pillar_key):
    assessment = get_in_org(
        request, Assessment.objects.select_related("maturity_model"), assessment_id
    )
    pillar = get_object_or_404(
        Pillar.objects.filter(maturity_model_id=assessment.maturity_model_id),
        key=pillar_key,
    )
    response = _own_response(request, assessment)
    if response is None:
        if not assessment.is_open:
            messages.info(request, "This assessment no longer takes answers.")
            return redirect(assessment)
        return redirect(
            "assessments:response-start", request.organisation.slug, assessment.pk
        )
    if request.method == "POST":
        if not assessment.is_open:
            messages.error(
                request, "This assessment no longer takes answers; nothing was changed."
            )
            return redirect(assessment)
        points = list(Point.objects.filter(pillar=pillar).select_related("pillar"))
        forms = {p.key: PointAnswerForm(request.POST, prefix=p.key) for p in points}
        if all(form.is_valid() for form in forms.values()):
            try:
                save_answers(
                    response,
                    [
                        (point, forms[point.key].answer_fields)
                        for point in points
                        if forms[point.key].has_answer
                    ],
                )
            except AssessmentError as error:
                messages.error(request, str(error))
                return redirect(assessment)
            next_step = progress_of(assessment, response).after(pillar.key)
            if next_step:
                return redirect(_step_url(assessment, next_step.pillar.key))
            return redirect(
                "assessments:response-submit", request.organisation.slug, assessment.pk
            )
        context = _step_context(request, assessment, response, pillar, forms=forms)
        return render(
            request, "assessments/questionnaire_step.html", context, status=400
        )
    context = _step_context(request, assessment, response, pillar)
    return render(request, "assessments/questionnaire_step.html", context)


@member_required(Role.CONTRIBUTOR)
@require_POST
def answer_save(request: OrgRequest, assessment_id, point_key):
    """Autosave of one point; answers with its status and the progress."""
    assessment = get_in_org(
        request, Assessment.objects.select_related("maturity_model"), assessment_id
    )
    point = get_object_or_404(
        Point.objects.filter(
            pillar__maturity_model_id=assessment.maturity_model_id
        ).select_related("pillar"),
        key=point_key,
    )
    response = _own_response(request, assessment)
    if response is None:
        raise Http404("Start answering this assessment first.")
    form = PointAnswerForm(request.POST, prefix=point.key)
    answer = None
    error = None
    if not form.is_valid():
        error = " ".join(str(e) for errors in form.errors.values() for e in errors)
    elif form.has_answer:
        try:
            answer = save_answer(response, point=point, **form.answer_fields)
        except AssessmentError as exc:
            error = str(exc)
    if not request.htmx:
        if error:
            messages.error(request, f"{point.key}: {error}")
        return redirect(f"{_step_url(assessment, point.pillar.key)}#point-{point.key}")
    # htmx only swaps successful responses, so a refused save answers 200 too
    # and shows its message next to the point.
    return render(
        request,
        "assessments/questionnaire_step.html#autosave",
        {
            "assessment": assessment,
            "point": point,
            "answer": answer,
            "error": error,
            "progress": progress_of(assessment, response),
            "current_key": point.pillar.key,
        },
    )


@member_required(Role.CONTRIBUTOR)
def response_submit(request: OrgRequest, assessment_id):
    assessment = get_in_org(
        request, Assessment.objects.select_related("maturity_model"), assessment_id
    )
    response = _own_response(request, assessment)
    if response is None:
        return redirect(
            "assessments:response-start", request.organisation.slug, assessment.pk
        )
    status = 200
    if request.method == "POST":
        try:
            submit_response(response)
        except IncompleteResponse:
            status = 400
        except AssessmentError as error:
            messages.error(request, str(error))
            return redirect(assessment)
        else:
            messages.success(
                request,
                "Thank you: your answers are submitted and count in the scorecard. "
                "You can still change them while the assessment is open.",
            )
            return redirect(assessment)
    points = list(
        Point.objects.filter(
            pillar__maturity_model_id=assessment.maturity_model_id
        ).select_related("pillar")
    )
    answers = {a.point_id: a for a in Answer.objects.filter(response=response)}
    rows = [(point, answers.get(point.pk)) for point in points]
    missing = [
        (point, f"{_step_url(assessment, point.pillar.key)}#point-{point.key}")
        for point, answer in rows
        if answer is None
    ]
    return render(
        request,
        "assessments/response_submit.html",
        {
            "assessment": assessment,
            "response": response,
            "rows": rows,
            "missing": missing,
            "tried": request.method == "POST",
            "progress": progress_of(assessment, response),
        },
        status=status,
    )
