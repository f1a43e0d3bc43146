from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from backlog.forms.metrics import MetricForm
from backlog.metric_catalogue import (
    MetricInUse,
    archive_metric,
    catalogue,
    delete_metric,
    experiment_count,
    restore_metric,
    save_metric,
)
from backlog.models import Metric
from cromaturity.models import Role
from cromaturity.scoping import OrgRequest, get_in_org, member_required


def _metric_list(request: OrgRequest, form: MetricForm, status: int = 200):
    metrics = list(catalogue(request.organisation))
    return render(
        request,
        "backlog/metric_list.html",
        {
            "metrics": [m for m in metrics if m.archived_at is None],
            "archived": [m for m in metrics if m.archived_at is not None],
            "form": form,
        },
        status=status,
    )


@member_required(Role.VIEWER, write_role=Role.EDITOR)
def metric_list(request: OrgRequest):
    organisation = request.organisation
    form = MetricForm(
        request.POST or None,
        organisation=organisation,
        instance=Metric(organisation=organisation),
    )
    if request.method == "POST":
        if form.is_valid():
            metric = save_metric(form.save(commit=False))
            messages.success(request, f"Metric “{metric}” ({metric.key}) added.")
            return redirect("backlog:metric-list", organisation.slug)
        return _metric_list(request, form, status=400)
    return _metric_list(request, form)


@member_required(Role.EDITOR)
def metric_update(request: OrgRequest, metric_id):
    metric = get_in_org(request, Metric, metric_id)
    used_by = experiment_count(metric)
    form = MetricForm(
        request.POST or None,
        instance=metric,
        organisation=request.organisation,
        used_by=used_by,
    )
    if request.method == "POST" and form.is_valid():
        save_metric(form.save(commit=False))
        messages.success(request, f"Metric “{metric}” saved.")
        return redirect("backlog:metric-list", request.organisation.slug)
    return render(
        request,
        "backlog/metric_form.html",
        {"form": form, "metric": metric, "used_by": used_by},
        status=400 if request.method == "POST" else 200,
    )


@member_required(Role.EDITOR)
@require_POST
def metric_archive(request: OrgRequest, metric_id):
    metric = get_in_org(request, Metric, metric_id)
    if archive_metric(metric):
        messages.success(
            request,
            f"“{metric}” archived: new experiments no longer offer it; those "
            "registered with it keep it.",
        )
    else:
        messages.info(request, f"“{metric}” was already archived.")
    return redirect("backlog:metric-list", request.organisation.slug)


@member_required(Role.EDITOR)
@require_POST
def metric_restore(request: OrgRequest, metric_id):
    metric = get_in_org(request, Metric, metric_id)
    if restore_metric(metric):
        messages.success(request, f"“{metric}” is offered to new experiments again.")
    else:
        messages.info(request, f"“{metric}” was not archived.")
    return redirect("backlog:metric-list", request.organisation.slug)


@member_required(Role.EDITOR)
@require_POST
def metric_delete(request: OrgRequest, metric_id):
    metric = get_in_org(request, Metric, metric_id)
    name = str(metric)
    try:
        delete_metric(metric)
    except MetricInUse as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, f"Metric “{name}” deleted.")
    return redirect("backlog:metric-list", request.organisation.slug)
