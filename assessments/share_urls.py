"""The public pages of a scorecard's share links: no account, one scorecard,
nothing else. Mounted in the `share` namespace by cromaturity.urls."""

from django.urls import path

from assessments.views import exports

urlpatterns = [
    path("<str:token>/", exports.shared_scorecard, name="scorecard"),
    path(
        "<str:token>/scorecard.pdf",
        exports.shared_scorecard_pdf,
        name="scorecard-pdf",
    ),
]
