"""Filtering the feedback list from GET parameters, so a view is bookmarkable.

The list and its exports use :func:`filtered_items`, so both honour the same
filters.
"""

import django_filters
from django import forms

from backlog.models import FeedbackItem, FeedbackSource, Sentiment
from cromaturity.models import Team


def _teams(request):
    return Team.objects.for_org(request.organisation)


def _day(label: str, lookup: str) -> django_filters.DateFilter:
    return django_filters.DateFilter(
        field_name="received_at",
        lookup_expr=f"date__{lookup}",
        label=label,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class FeedbackItemFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label="Search the text",
        method="filter_text",
        max_length=200,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": "e.g. delivery"}
        ),
    )
    source = django_filters.ChoiceFilter(
        label="Channel", choices=FeedbackSource.choices, empty_label="Any channel"
    )
    theme = django_filters.CharFilter(
        label="Theme",
        method="filter_theme",
        max_length=50,
        widget=forms.TextInput(attrs={"placeholder": "e.g. checkout"}),
    )
    sentiment = django_filters.ChoiceFilter(
        label="Sentiment",
        choices=[(value, label) for value, label in Sentiment.choices if value],
        empty_label="Any sentiment",
    )
    team = django_filters.ModelChoiceFilter(
        queryset=_teams,
        empty_label="Any team",
    )
    received_from = _day("From", "gte")
    received_to = _day("To", "lte")

    class Meta:
        model = FeedbackItem
        fields: list[str] = []

    def filter_text(self, queryset, name, value):
        return queryset.search(value)

    def filter_theme(self, queryset, name, value):
        theme = value.strip().lower()
        return queryset.filter(themes__name=theme) if theme else queryset

    @property
    def is_filtered(self) -> bool:
        return any(
            self.form.data.get(name) not in (None, "") for name in self.form.fields
        )

    def filter_queryset(self, queryset):
        # One filter that is not understood leaves them all out; the page says which.
        if not self.form.is_valid():
            return queryset
        return super().filter_queryset(queryset)


def filtered_items(request) -> FeedbackItemFilter:
    """The list's filters over the organisation's items, newest first."""
    return FeedbackItemFilter(
        request.GET or None,
        queryset=FeedbackItem.objects.for_org(request.organisation),
        request=request,
    )
