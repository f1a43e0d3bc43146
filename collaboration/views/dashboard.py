from django.shortcuts import render

from collaboration.dashboard import build_dashboard, people_overview
from cromaturity.scoping import OrgRequest, member_required


@member_required()
def home(request: OrgRequest):
    """The organisation's home: where things stand, and the people."""
    return render(
        request,
        "collaboration/dashboard.html",
        {
            "dashboard": build_dashboard(request.organisation, request.membership),
            **people_overview(request.organisation, request.membership),
        },
    )
