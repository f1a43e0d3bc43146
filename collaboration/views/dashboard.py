from django.shortcuts import render

from collaboration.dashboard import build_dashboard
from cromaturity.scoping import member_required
from cromaturity.views.workspace import people_overview


@member_required()
def home(request):
    """The organisation's home: where things stand, and the people."""
    return render(
        request,
        "collaboration/dashboard.html",
        {
            "dashboard": build_dashboard(request.organisation, request.membership),
            **people_overview(request),
        },
    )
