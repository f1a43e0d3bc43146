from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.shortcuts import render

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
                queryset=Experiment.objects.prefetch_related("variants").order_by(
                    "-created_at"
                ),
            )
        ),
        request=request,
    )
    style_filter_form(filters.form)
    page = Paginator(filters.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    for hypothesis in page.object_list:
        experiments = list(hypothesis.experiments.all())
        hypothesis.latest = experiments[0].analysis() if experiments else None
        hypothesis.latest_experiment = experiments[0] if experiments else None
    return render(
        request,
        "backlog/learning_list.html",
        {"filters": filters, "page_obj": page},
    )
