"""Filtering and sorting hypotheses from GET parameters, so a view is bookmarkable.

The list, the board and the learnings library use these filter sets; exports of
the list reuse :class:`HypothesisFilter` so they honour the same filters.
"""

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Exists, F, OuterRef

from backlog.models import BacklogSettings, Hypothesis, Kind, Page, Result, Status, Tag
from backlog.models.hypotheses import SCORE_FIELDS
from backlog.models.scores import Score
from backlog.scoring.frameworks import Framework
from cromaturity.models import Team

OPEN = "open"
ANY = "any"
STATUS_CHOICES = [
    (OPEN, "Open (idea to analysing)"),
    (ANY, "Any status"),
    *Status.choices,
]

SORT_CHOICES = [
    ("rank", "Rank"),
    ("ice", "ICE score"),
    ("pie", "PIE score"),
    ("pxl", "PXL score"),
    ("-created", "Newest first"),
    ("created", "Oldest first"),
    ("-updated", "Recently updated"),
    ("title", "Title A–Z"),
]

FLAG_CHOICES = [
    ("disagreement", "Scorers disagree (primary framework)"),
    ("unscored", "Not scored yet"),
    ("not-scored-by-me", "Not scored by me yet"),
    ("too-long", "Cannot reach its sample in 8 weeks"),
]


def _teams(request):
    return Team.objects.for_org(request.organisation)


def _owners(request):
    """Members who own a hypothesis: a short menu even in a large organisation."""
    owners = Hypothesis.objects.for_org(request.organisation).values("owner")
    return (
        get_user_model()
        .objects.filter(memberships__organisation=request.organisation)
        .filter(pk__in=owners)
        .order_by("first_name", "last_name", "username")
    )


def _tags(request):
    return Tag.objects.for_org(request.organisation)


def _pages(request):
    return Page.objects.for_org(request.organisation)


class MemberField(django_filters.fields.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.display_name


class MemberChoiceFilter(django_filters.ModelChoiceFilter):
    field_class = MemberField


class HypothesisFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="Search", method="filter_text", max_length=200)
    status = django_filters.ChoiceFilter(
        choices=STATUS_CHOICES, empty_label=None, method="keep"
    )
    kind = django_filters.ChoiceFilter(choices=Kind.choices, empty_label="Any kind")
    team = django_filters.ModelChoiceFilter(queryset=_teams, empty_label="Any team")
    owner = MemberChoiceFilter(queryset=_owners, empty_label="Any owner")
    tag = django_filters.ModelChoiceFilter(
        field_name="tags", queryset=_tags, empty_label="Any tag"
    )
    step = django_filters.ModelChoiceFilter(
        field_name="page",
        queryset=_pages,
        empty_label="Any page",
        label="Page or step",
    )
    framework = django_filters.ChoiceFilter(
        choices=Framework.choices,
        empty_label="Primary",
        label="Score of",
        method="keep",
    )
    score_min = django_filters.NumberFilter(
        label="Score from", method="keep", min_value=0
    )
    score_max = django_filters.NumberFilter(
        label="Score to", method="keep", min_value=0
    )
    flag = django_filters.ChoiceFilter(
        choices=FLAG_CHOICES, empty_label="No flag", label="Only", method="keep"
    )
    evidence = django_filters.ChoiceFilter(
        choices=[("yes", "With customer evidence"), ("no", "Without evidence")],
        empty_label="With or without evidence",
        label="Evidence",
        method="filter_evidence",
    )
    sort = django_filters.ChoiceFilter(
        choices=SORT_CHOICES, empty_label=None, label="Sort by", method="keep"
    )

    class Meta:
        model = Hypothesis
        fields: list[str] = []

    def __init__(self, *args, backlog_settings: BacklogSettings, **kwargs):
        super().__init__(*args, **kwargs)
        self.backlog_settings = backlog_settings
        self.form.fields["sort"].initial = "rank"
        for name in ("score_min", "score_max"):
            self.form.fields[name].widget.attrs["step"] = "any"

    def keep(self, queryset, name, value):
        """Filters applied together in `filter_queryset`, which needs them all."""
        return queryset

    def filter_text(self, queryset, name, value):
        return queryset.search(value)

    def filter_evidence(self, queryset, name, value):
        if value == "yes":
            return queryset.filter(evidence_items__gt=0)
        if value == "no":
            return queryset.filter(evidence_items=0)
        return queryset

    def _by_status(self, queryset, value):
        # The ranked list is a to-do list: without a choice it shows open work.
        value = value or OPEN
        if value == OPEN:
            return queryset.filter(status__in=Status.open())
        if value == ANY:
            return queryset
        return queryset.filter(status=value)

    @property
    def primary(self) -> Framework:
        return Framework(self.backlog_settings.primary_framework)

    def _value(self, name):
        if not hasattr(self.form, "cleaned_data"):
            return None
        return self.form.cleaned_data.get(name)

    @property
    def score_framework(self) -> Framework:
        return Framework(self._value("framework") or self.primary)

    @property
    def sort_key(self) -> str:
        return self._value("sort") or "rank"

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if "status" in self.filters:
            queryset = self._by_status(queryset, self._value("status"))
        field = SCORE_FIELDS[self.score_framework]
        if self._value("score_min") is not None:
            queryset = queryset.filter(**{f"{field}__gte": self._value("score_min")})
        if self._value("score_max") is not None:
            queryset = queryset.filter(**{f"{field}__lte": self._value("score_max")})
        queryset = self._flagged(queryset, self._value("flag"))
        return self._sorted(queryset, self.sort_key)

    def _flagged(self, queryset, flag):
        primary = self.primary
        if flag == "disagreement":
            return queryset.filter(**{f"{primary}_disagreement": True})
        if flag == "unscored":
            return queryset.filter(ice_count=0, pie_count=0, pxl_count=0)
        if flag == "not-scored-by-me":
            mine = Score.objects.filter(
                hypothesis=OuterRef("pk"),
                scorer=self.request.user,
                framework=primary,
            )
            return queryset.exclude(Exists(mine))
        if flag == "too-long":
            pages = Page.objects.for_org(self.request.organisation)
            slow = [p.pk for p in pages if self.backlog_settings.too_long_for(p)]
            return queryset.filter(
                page_id__in=slow, kind=Kind.TEST, status__in=Status.open()
            )
        return queryset

    def _sorted(self, queryset, key):
        if key == "rank":
            return queryset.ranked(self.primary)
        if key in Framework.values:
            return queryset.ranked(Framework(key))
        orderings = {
            "-created": ["-created_at", "-pk"],
            "created": ["created_at", "pk"],
            "-updated": ["-updated_at", "-pk"],
            "title": ["title", "pk"],
        }
        return queryset.order_by(*orderings[key])

    @property
    def status_label(self) -> str:
        value = self._value("status") or OPEN
        return dict(STATUS_CHOICES)[value]

    @property
    def is_filtered(self) -> bool:
        return any(
            self._value(name) not in (None, "", OPEN)
            for name in self.form.fields
            if name != "sort"
        )


class BoardFilter(HypothesisFilter):
    """The list's filters without status and sorting: columns are statuses."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("status", "sort", "framework", "score_min", "score_max"):
            self.filters.pop(name)
            self.form.fields.pop(name)


class LearningFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="Search", method="filter_text", max_length=200)
    result = django_filters.ChoiceFilter(
        choices=Result.choices, empty_label="Any outcome", label="Outcome"
    )
    step = django_filters.ModelChoiceFilter(
        field_name="page",
        queryset=_pages,
        empty_label="Any page",
        label="Page or step",
    )
    tag = django_filters.ModelChoiceFilter(
        field_name="tags", queryset=_tags, empty_label="Any tag"
    )
    kind = django_filters.ChoiceFilter(choices=Kind.choices, empty_label="Any kind")

    class Meta:
        model = Hypothesis
        fields: list[str] = []

    def filter_text(self, queryset, name, value):
        return queryset.search(value)

    def filter_queryset(self, queryset):
        return (
            super()
            .filter_queryset(queryset)
            .order_by(F("concluded_at").desc(nulls_last=True), "-pk")
        )

    @property
    def is_filtered(self) -> bool:
        data = getattr(self.form, "cleaned_data", {})
        return any(value not in (None, "") for value in data.values())


def style_filter_form(form: forms.Form) -> forms.Form:
    """Give every filter widget its small Bootstrap class."""
    for field in form.fields.values():
        small = (
            "form-select form-select-sm"
            if isinstance(field.widget, forms.Select)
            else "form-control form-control-sm"
        )
        field.widget.attrs.setdefault("class", small)
    return form


def filtered_hypotheses(request, backlog_settings, query=None) -> HypothesisFilter:
    """The list's filters bound to the query string (the request's unless given);
    `.qs` is what the page lists."""
    return HypothesisFilter(
        request.GET if query is None else query,
        queryset=Hypothesis.objects.for_org(request.organisation).for_list(),
        request=request,
        backlog_settings=backlog_settings,
    )
