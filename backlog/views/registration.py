"""Pre-registering an experiment, changing its plan, and entering its results."""

from django.contrib import messages
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse

from backlog.configuration import settings_for
from backlog.experiments.registration import (
    RegistrationError,
    RunDetails,
    change_plan,
    has_started,
    record_results,
    register_experiment,
    update_run,
)
from backlog.forms.experiments import ExperimentForm
from backlog.forms.registration import (
    ADD_ROW,
    DEFAULT_VARIANTS,
    RECOMPUTE,
    SUM_HELP,
    PlanForms,
    ResultsForm,
    metrics_for_plan,
    metrics_initial_from_defaults,
    metrics_initial_from_registration,
    page_rate,
    plan_initial,
    registered_initial,
    results_initial,
    variants_initial,
)
from backlog.models import Experiment, Hypothesis
from cromaturity.models import Role
from cromaturity.scoping import OrgRequest, get_in_org, member_required

TEMPLATE = "backlog/experiment_plan.html"


def _metrics_url(request: OrgRequest) -> str | None:
    """Where an editor defines metrics; None for those who cannot."""
    if not request.membership.can_edit:
        return None
    return reverse("backlog:metric-list", args=[request.organisation.slug])


def _plan_page(
    request: OrgRequest,
    hypothesis: Hypothesis,
    experiment: Experiment | None,
    forms: PlanForms,
    save,
) -> HttpResponse:
    """Show the plan; on a save, call `save` and go to the hypothesis's results."""
    context = {
        "hypothesis": hypothesis,
        "experiment": experiment,
        "page": hypothesis.page,
        "page_rate": page_rate(hypothesis.page),
        "metrics_url": _metrics_url(request),
        "started": experiment is not None and has_started(experiment),
    }
    sent = request.method == "POST"
    if sent and ADD_ROW in request.POST:
        context |= forms.shown(one_more_row=True)
        partial = "#variants" if request.htmx else ""
        return render(request, TEMPLATE + partial, context)
    if not sent or RECOMPUTE in request.POST:
        context |= forms.shown()
        partial = "#sample" if request.htmx and sent else ""
        return render(request, TEMPLATE + partial, context)
    if forms.is_valid():
        try:
            message = save(forms)
        except RegistrationError as error:
            forms.refuse(str(error))
        else:
            messages.success(request, message)
            return redirect(f"{hypothesis.get_absolute_url()}#results")
    context |= forms.bound()
    return render(request, TEMPLATE, context, status=400)


@member_required(Role.EDITOR)
def experiment_create(request: OrgRequest, hypothesis_id):
    hypothesis = get_in_org(request, Hypothesis, hypothesis_id)
    metrics = metrics_for_plan(request.organisation, None)
    if not metrics:
        return render(
            request,
            TEMPLATE,
            {
                "hypothesis": hypothesis,
                "experiment": None,
                "no_metrics": True,
                "metrics_url": _metrics_url(request),
            },
            status=400 if request.method == "POST" else 200,
        )
    data: QueryDict = request.POST
    if request.method != "POST":
        data = PlanForms.data_of(
            plan_initial(settings_for(request.organisation), hypothesis.page),
            DEFAULT_VARIANTS,
            0,
            metrics_initial_from_defaults(metrics),
        )
    forms = PlanForms(data, metrics=metrics, page=hypothesis.page)

    def save(forms: PlanForms) -> str:
        plan = forms.plan.cleaned_data
        experiment = register_experiment(
            hypothesis,
            name=plan["name"],
            started_on=plan["started_on"],
            by=request.user,
            **forms.arguments(),
        )
        return f"The plan of “{experiment.name}” is registered."

    return _plan_page(request, hypothesis, None, forms, save)


@member_required(Role.EDITOR)
def experiment_plan(request: OrgRequest, experiment_id):
    experiment = get_in_org(request, Experiment, experiment_id)
    hypothesis = experiment.hypothesis
    metrics = metrics_for_plan(request.organisation, experiment)
    data: QueryDict = request.POST
    if request.method != "POST":
        rows, control = variants_initial(experiment)
        data = PlanForms.data_of(
            registered_initial(experiment, hypothesis.page),
            rows,
            control,
            metrics_initial_from_registration(experiment),
        )
    forms = PlanForms(
        data,
        metrics=metrics,
        page=hypothesis.page,
        needs_reason=has_started(experiment),
        with_identity=False,
    )

    def save(forms: PlanForms) -> str:
        changed = change_plan(
            experiment,
            by=request.user,
            reason=forms.plan.cleaned_data.get("reason", ""),
            **forms.arguments(),
        )
        if not changed:
            return f"Nothing changed in the plan of “{experiment.name}”."
        return f"The plan of “{experiment.name}” is changed; its history keeps both."

    return _plan_page(request, hypothesis, experiment, forms, save)


@member_required(Role.EDITOR)
def experiment_results(request: OrgRequest, experiment_id):
    experiment = get_in_org(request, Experiment, experiment_id)
    hypothesis = experiment.hypothesis
    variants = list(experiment.variants.all())
    registrations = list(experiment.registered_metrics.select_related("metric"))
    context = {
        "hypothesis": hypothesis,
        "experiment": experiment,
        "sum_help": SUM_HELP,
    }
    if not registrations:
        return render(
            request,
            "backlog/experiment_results.html",
            context,
            status=400 if request.method == "POST" else 200,
        )
    data = request.POST if request.method == "POST" else None
    form = ResultsForm(
        data,
        initial=results_initial(experiment),
        variants=variants,
        registrations=registrations,
    )
    if data is not None and form.is_valid():
        try:
            changed = record_results(
                experiment, form.results(), by=request.user, source="the results form"
            )
        except RegistrationError as error:
            form.add_error(None, str(error))
        else:
            if changed:
                messages.success(request, f"Results of “{experiment.name}” saved.")
            else:
                messages.info(
                    request,
                    f"The numbers of “{experiment.name}” are the ones already "
                    "stored: nothing changed.",
                )
            return redirect(f"{hypothesis.get_absolute_url()}#results")
    context["form"] = form
    return render(
        request,
        "backlog/experiment_results.html",
        context,
        status=400 if data is not None else 200,
    )


@member_required(Role.EDITOR)
def experiment_run(request: OrgRequest, experiment_id):
    """The name, dates and notes of an experiment; its plan and results have
    pages of their own."""
    experiment = get_in_org(request, Experiment, experiment_id)
    # The form works on a copy: the page keeps showing the stored name.
    form = ExperimentForm(
        request.POST or None, instance=Experiment.objects.get(pk=experiment.pk)
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            changed = update_run(
                experiment,
                RunDetails(
                    name=data["name"],
                    started_on=data["started_on"],
                    ended_on=data["ended_on"],
                    notes=data["notes"],
                ),
                by=request.user,
            )
        except RegistrationError as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(
                request,
                f"“{data['name']}” saved; its history keeps what it was."
                if changed
                else "Nothing changed.",
            )
            return redirect(
                "backlog:experiment-detail", request.organisation.slug, experiment.pk
            )
    return render(
        request,
        "backlog/experiment_run.html",
        {"form": form, "experiment": experiment, "hypothesis": experiment.hypothesis},
        status=400 if request.method == "POST" else 200,
    )
