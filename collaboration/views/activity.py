from django.core.paginator import Paginator
from django.shortcuts import render

from collaboration.forms import ActivityFilterForm
from collaboration.models import Activity
from cromaturity.scoping import OrgRequest, member_required

PAGE_SIZE = 30


@member_required()
def activity_list(request: OrgRequest):
    """Who did what in the organisation, newest first."""
    organisation = request.organisation
    form = ActivityFilterForm(request.GET or None, organisation=organisation)
    activities = Activity.objects.for_org(organisation).for_feed()
    if form.is_valid():
        if team := form.cleaned_data["team"]:
            activities = activities.filter(team=team)
        if kind := form.cleaned_data["kind"]:
            activities = activities.filter(kind=kind)
    page = Paginator(activities, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request, "collaboration/activity_list.html", {"form": form, "page": page}
    )
