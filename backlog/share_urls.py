"""The public page of an experiment's share link: no account, one report."""

from django.urls import path

from backlog.views import experiment_reports

urlpatterns = [
    path("<str:token>/", experiment_reports.shared_experiment, name="experiment"),
]
