"""An experiment's page (the decision first), its share links, and the
read-only page a share link opens."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from backlog.evidence import group_evidence, summary_of
from backlog.experiments.report_tables import history_of, report_of
from backlog.experiments.reports import with_analysis_data
from backlog.experiments.sharing import (
    count_view,
    create_share_link,
    revoke_share_link,
    share_link_for,
    share_link_problem,
    share_links_of,
)
from backlog.forms.sharing import ExperimentShareLinkForm
from backlog.models import Evidence, Experiment
from backlog.scoring.frameworks import suggested_confidence
from cromaturity.audit import client_ip
from cromaturity.models import Role
from cromaturity.scoping import OrgRequest, get_in_org, member_required


def _experiments():
    return with_analysis_data(
        Experiment.objects.select_related(
            "hypothesis__organisation", "hypothesis__page", "hypothesis__owner"
        )
    )


def _page_url(experiment: Experiment) -> str:
    return reverse(
        "backlog:experiment-detail",
        args=[experiment.hypothesis.organisation.slug, experiment.pk],
    )


@member_required()
def experiment_detail(request: OrgRequest, experiment_id):
    experiment = get_in_org(request, _experiments(), experiment_id)
    hypothesis = experiment.hypothesis
    evidence = list(
        Evidence.objects.active()
        .filter(hypothesis=hypothesis)
        .select_related("feedback_item", "linked_by")
    )
    can_edit = request.membership.can_edit
    return render(
        request,
        "backlog/experiment_detail.html",
        {
            "experiment": experiment,
            "hypothesis": hypothesis,
            "report": report_of(experiment),
            "history": history_of(experiment),
            "evidence": evidence,
            "evidence_groups": group_evidence(evidence),
            "suggestion": suggested_confidence(summary_of(hypothesis), timezone.now()),
            "share_links": share_links_of(experiment) if can_edit else [],
            "share_form": ExperimentShareLinkForm(),
            "can_edit": can_edit,
        },
    )


@member_required(Role.EDITOR)
@require_POST
def share_link_create(request: OrgRequest, experiment_id):
    experiment = get_in_org(request, Experiment, experiment_id)
    form = ExperimentShareLinkForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for e in form.errors["days"]))
    else:
        create_share_link(
            experiment,
            by=request.user,
            days=form.cleaned_data["days"],
            ip=client_ip(request),
        )
        messages.success(
            request,
            "Share link created. Anyone who has it can read this experiment's "
            "report, and nothing else, until it expires or you revoke it.",
        )
    return redirect(f"{_page_url(experiment)}#sharing")


@member_required(Role.EDITOR)
@require_POST
def share_link_revoke(request: OrgRequest, experiment_id, experiment_share_link_id):
    experiment = get_in_org(request, Experiment, experiment_id)
    link = get_object_or_404(share_links_of(experiment), pk=experiment_share_link_id)
    revoke_share_link(link, by=request.user, ip=client_ip(request))
    messages.success(request, "Share link revoked: it no longer opens the report.")
    return redirect(f"{_page_url(experiment)}#sharing")


@never_cache
@require_GET
def shared_experiment(request, token):
    link = share_link_for(token)
    if link is None:
        raise Http404("No such share link.")
    problem = share_link_problem(link)
    if problem:
        return render(
            request,
            "assessments/share_link_problem.html",
            {"problem": problem},
            status=410,
        )
    count_view(link)
    experiment = _experiments().get(pk=link.experiment_id)
    hypothesis = experiment.hypothesis
    return render(
        request,
        "backlog/shared_experiment.html",
        {
            "experiment": experiment,
            "hypothesis": hypothesis,
            "shared_by": hypothesis.organisation,
            "report": report_of(experiment),
            "link": link,
            "public": True,
        },
    )
