"""The public pages of share links: no account, one scorecard, nothing else."""

from django.urls import path

from assessments.views import exports

app_name = "share"

urlpatterns = [
    path("<str:token>/", exports.shared_scorecard, name="scorecard"),
    path(
        "<str:token>/scorecard.pdf",
        exports.shared_scorecard_pdf,
        name="scorecard-pdf",
    ),
]
