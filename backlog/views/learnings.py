from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.shortcuts import render

from backlog.experiments.conclusions import overrides
from backlog.experiments.report_tables import report_of
from backlog.experiments.reports import with_analysis_data
from backlog.filters import LearningFilter, style_filter_form
from backlog.models import Experiment, Hypothesis
from cromaturity.scoping import OrgRequest, member_required

PAGE_SIZE = 20


@member_required()
def learning_list(request: OrgRequest):
    organisation = request.organisation
    filters = LearningFilter(
        request.GET,
        queryset=Hypothesis.objects.for_org(organisation)
        .concluded()
        .for_list()
        .prefetch_related(
            Prefetch(
                "experiments",
                queryset=with_analysis_data(
                    Experiment.objects.order_by("-created_at", "-pk")
                ),
            )
        ),
        request=request,
    )
    style_filter_form(filters.form)
    page = Paginator(filters.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    for hypothesis in page.object_list:
        experiments = list(hypothesis.experiments.all())
        latest = experiments[0] if experiments else None
        hypothesis.latest = latest.analysis() if latest else None
        hypothesis.latest_experiment = latest
        hypothesis.latest_report = report_of(latest) if latest else None
        recommendation = (
            hypothesis.latest_report.recommendation if latest is not None else None
        )
        hypothesis.overridden = overrides(recommendation, hypothesis.result)
    return render(
        request,
        "backlog/learning_list.html",
        {"filters": filters, "page_obj": page},
    )
