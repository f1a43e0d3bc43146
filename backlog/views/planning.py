from django.shortcuts import render

from backlog.configuration import settings_for
from backlog.experiments.sample_size import MAX_WEEKS, PlanError, plan_test
from backlog.forms.experiments import PlannerForm
from backlog.models import Hypothesis
from cromaturity.scoping import OrgRequest, get_in_org, member_required

FIELDS = list(PlannerForm.base_fields)


def _defaults(backlog_settings) -> dict:
    return {
        "mde": backlog_settings.minimum_detectable_effect,
        "significance": backlog_settings.significance,
        "power": backlog_settings.power,
        "variants": backlog_settings.variants,
        "correct": True,
    }


def _plan(form: PlannerForm):
    data = form.cleaned_data
    try:
        return plan_test(
            baseline_rate=float(data["baseline"]) / 100,
            relative_mde=float(data["mde"]) / 100,
            alpha=float(data["significance"]) / 100,
            power=float(data["power"]) / 100,
            variants=data["variants"],
            daily_visitors=data["daily_visitors"],
            correct_for_comparisons=data["correct"],
        )
    except PlanError as error:
        form.add_error(None, str(error))
        return None


def _render(request, initial: dict, hypothesis=None):
    submitted = any(name in request.GET for name in FIELDS)
    if submitted:
        form = PlannerForm(request.GET)
    else:
        data = {k: v for k, v in initial.items() if v is not None}
        if data.get("correct") is False:
            data.pop("correct")
        form = PlannerForm(data if "baseline" in data else None, initial=initial)
    plan = _plan(form) if form.is_bound and form.is_valid() else None
    return render(
        request,
        "backlog/planner.html",
        {
            "form": form,
            "plan": plan,
            "hypothesis": hypothesis,
            "max_weeks": MAX_WEEKS,
        },
        status=400 if submitted and not form.is_valid() else 200,
    )


@member_required()
def planner(request: OrgRequest):
    backlog_settings = settings_for(request.organisation)
    return _render(request, _defaults(backlog_settings))


@member_required()
def hypothesis_planner(request: OrgRequest, hypothesis_id):
    hypothesis = get_in_org(request, Hypothesis, hypothesis_id)
    backlog_settings = settings_for(request.organisation)
    initial = _defaults(backlog_settings)
    page = hypothesis.page
    if page is not None:
        initial["baseline"] = page.conversion_rate
        initial["daily_visitors"] = page.visitors_per_day
    return _render(request, initial, hypothesis)
