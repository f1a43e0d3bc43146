"""Agreed levels per point during consensus, and the organisation's targets."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from assessments.facilitation import record_agreed_level, set_targets
from assessments.forms import AgreedLevelForm, TargetsForm
from assessments.models import Assessment, MaturityModel, Point, Target
from assessments.responding import AssessmentError
from assessments.scorecards import build_scorecard
from cromaturity.models import Role
from cromaturity.scoping import OrgRequest, get_in_org, member_required


def _agreed_form(row, data=None) -> AgreedLevelForm:
    initial = {}
    if row.agreed:
        initial = {"level": row.agreed.level, "rationale": row.agreed.rationale}
    return AgreedLevelForm(data, prefix=row.point.key, initial=initial)


@member_required()
def consensus(request: OrgRequest, assessment_id):
    assessment = get_in_org(
        request, Assessment.objects.select_related("maturity_model"), assessment_id
    )
    scorecard = build_scorecard(assessment)
    editable = assessment.in_consensus and request.membership.can_edit
    rows = [(row, _agreed_form(row) if editable else None) for row in scorecard.points]
    return render(
        request,
        "assessments/assessment_consensus.html",
        {
            "assessment": assessment,
            "scorecard": scorecard,
            "rows": rows,
            "editable": editable,
        },
    )


@member_required(Role.EDITOR)
@require_POST
def agreed_level_save(request: OrgRequest, assessment_id, point_key):
    assessment = get_in_org(
        request, Assessment.objects.select_related("maturity_model"), assessment_id
    )
    point = get_object_or_404(
        Point.objects.filter(
            pillar__maturity_model_id=assessment.maturity_model_id
        ).select_related("pillar"),
        key=point_key,
    )
    form = AgreedLevelForm(request.POST, prefix=point.key)
    status = 200
    saved = False
    if form.is_valid():
        try:
            record_agreed_level(
                assessment,
                point=point,
                level=form.cleaned_data["level"],
                rationale=form.cleaned_data["rationale"],
                recorded_by=request.user,
            )
        except AssessmentError as error:
            form.add_error(None, str(error))
            status = 409
        else:
            saved = True
    else:
        status = 400
    anchor = f"{assessment.get_absolute_url()}consensus/#consensus-{point.key}"
    if not request.htmx:
        if saved:
            messages.success(request, f"Agreed level of {point.key} saved.")
        else:
            messages.error(request, f"{point.key}: {' '.join(_errors(form))}")
        return redirect(anchor)
    scorecard = build_scorecard(assessment)
    row = next(r for r in scorecard.points if r.point.pk == point.pk)
    # htmx swaps only successful responses; the form with its errors is the answer.
    return render(
        request,
        "assessments/assessment_consensus.html#consensus-point",
        {
            "assessment": assessment,
            "row": row,
            "form": form if not saved else _agreed_form(row),
            "editable": True,
            "saved": saved,
            "failed": status != 200,
            # The count above the points follows along, out of band.
            "scorecard": scorecard,
            "oob": True,
        },
    )


def _errors(form) -> list[str]:
    return [error for errors in form.errors.values() for error in errors]


@member_required(Role.VIEWER, write_role=Role.ADMIN)
def target_list(request: OrgRequest):
    organisation = request.organisation
    model = MaturityModel.objects.latest_published()
    points = (
        list(
            Point.objects.filter(pillar__maturity_model=model).select_related("pillar")
        )
        if model
        else []
    )
    targets = dict(
        Target.objects.for_org(organisation).values_list("point_key", "level")
    )
    form = TargetsForm(request.POST or None, points=points, targets=targets)
    if request.method == "POST" and form.is_valid():
        changed = set_targets(
            organisation,
            {point.key: form.cleaned_data[point.key] for point in points},
            set_by=request.user,
        )
        messages.success(
            request,
            f"Targets saved ({changed} changed)." if changed else "No target changed.",
        )
        return redirect("assessments:target-list", organisation.slug)
    return render(
        request,
        "assessments/target_list.html",
        {
            "form": form,
            "model": model,
            "targets": targets,
            "can_set": request.membership.is_admin,
        },
        status=400 if form.errors else 200,
    )
