from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from backlog.experiments.recording import (
    ResultsError,
    delete_experiment,
    record_experiment,
)
from backlog.experiments.statistics import MAX_VISITORS
from backlog.forms.experiments import ControlForm, ExperimentForm, VariantFormSet
from backlog.models import Experiment
from cromaturity.models import Role
from cromaturity.scoping import OrgRequest, get_in_org, member_required

ADD_ROW = "add_variant"


def _edit(request, experiment: Experiment, *, initial_variants, control_index):
    hypothesis = experiment.hypothesis
    data = request.POST if request.method == "POST" else None
    if data is not None and ADD_ROW in data:
        return _with_one_more_row(request, experiment, data)
    form = ExperimentForm(data, instance=experiment, prefix="experiment")
    # Bound rows are compared with nothing: a row equal to what was saved
    # before is still a variant.
    variants = VariantFormSet(
        data, initial=None if data is not None else initial_variants, prefix="variants"
    )
    control = ControlForm(data, initial={"control": control_index})
    if data is not None and form.is_valid() and variants.is_valid():
        if control.is_valid():
            try:
                record_experiment(
                    form.save(commit=False),
                    variants.variants(control.cleaned_data["control"]),
                    by=request.user,
                )
            except ResultsError as error:
                variants._non_form_errors = variants.error_class([str(error)])
            else:
                messages.success(request, f"Results of “{experiment.name}” saved.")
                return redirect(f"{hypothesis.get_absolute_url()}#results")
        else:
            variants._non_form_errors = variants.error_class(
                ["Mark one variant as the control."]
            )
    chosen = control_index
    if control.is_bound and control.is_valid():
        chosen = control.cleaned_data["control"]
    return render(
        request,
        "backlog/experiment_form.html",
        {
            "hypothesis": hypothesis,
            "experiment": experiment,
            "form": form,
            "variants": variants,
            "control_index": chosen,
            "max_visitors": MAX_VISITORS,
        },
        status=400 if data is not None else 200,
    )


def _with_one_more_row(request, experiment: Experiment, data):
    """The form as it was filled in, with an empty variant row more; nothing saved."""
    sent = VariantFormSet(data, prefix="variants")
    rows = sent.rows_with_one_more()
    added = len(rows) > sent.total_form_count()
    control = ControlForm(data)
    fields = ExperimentForm(prefix="experiment").fields
    context = {
        "hypothesis": experiment.hypothesis,
        "experiment": experiment,
        "form": ExperimentForm(
            instance=experiment,
            prefix="experiment",
            initial={name: data.get(f"experiment-{name}", "") for name in fields},
        ),
        "variants": VariantFormSet(initial=rows, prefix="variants"),
        "control_index": control.cleaned_data["control"] if control.is_valid() else 0,
        "new_row": len(rows) - 1 if added else None,
        "max_visitors": MAX_VISITORS,
    }
    template = "backlog/experiment_form.html"
    if request.htmx:
        template += "#variants"
    return render(request, template, context)


@member_required(Role.EDITOR)
def experiment_update(request: OrgRequest, experiment_id):
    experiment = get_in_org(request, Experiment, experiment_id)
    if experiment.registered_metrics.exists():
        # Its numbers are per metric now: record_experiment would overwrite them.
        messages.info(
            request,
            "This test has a registered plan: its name, dates and notes are here; "
            "its plan and results have pages of their own.",
        )
        return redirect(
            "backlog:experiment-run", request.organisation.slug, experiment.pk
        )
    current = list(experiment.variants.all())
    initial = [
        {
            "name": v.name,
            "visitors": v.visitors,
            "conversions": v.conversions,
            "planned_weight": v.planned_weight,
        }
        for v in current
    ]
    control_index = next((i for i, v in enumerate(current) if v.is_control), 0)
    return _edit(
        request, experiment, initial_variants=initial, control_index=control_index
    )


@member_required(Role.EDITOR)
@require_POST
def experiment_delete(request: OrgRequest, experiment_id):
    experiment = get_in_org(request, Experiment, experiment_id)
    hypothesis = experiment.hypothesis
    delete_experiment(experiment)
    messages.success(request, f"The results of “{experiment.name}” were deleted.")
    return redirect(f"{hypothesis.get_absolute_url()}#results")
