"""The pre-registration of an experiment, a change to its plan, and its results
entered by hand.

The forms only read what was typed; what a plan or a set of results must be
is checked by `backlog.experiments.registration`, whose messages the views show.
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.db import models
from django.http import QueryDict

from backlog.experiments.registration import (
    PlannedVariant,
    PlanSettings,
    RegisteredMetric,
    ResultInput,
)
from backlog.experiments.sample_size import (
    Plan,
    PlanError,
    days_to_reach,
    plan_test,
    weeks_of,
)
from backlog.forms.experiments import BaseRowFormSet, ControlForm
from backlog.models import (
    BacklogSettings,
    CorrectionMethod,
    Experiment,
    ExperimentMetric,
    Metric,
    MetricKind,
    MetricResult,
    MetricRole,
    Variant,
)
from backlog.models.experiments import PLAN_FIELDS
from backlog.models.pages import Page

# Buttons that show the form again without saving anything.
ADD_ROW = "add_variant"
RECOMPUTE = "recompute"

DEFAULT_VARIANTS = [
    {"name": "Control", "planned_weight": 1},
    {"name": "Variant B", "planned_weight": 1},
]

SEQUENTIAL_HELP = (
    "Always-valid p-values and confidence sequences, tuned to the planned sample: "
    "the results may be read at any time and the test stopped early without "
    "inflating false positives. It costs some power, and it is chosen before the "
    "start. Without it, read the results only once the planned sample is reached."
)


def _model_field(model: type[models.Model], name: str, **kwargs: Any) -> forms.Field:
    # django-stubs types get_field() as any field or relation; these are fields.
    field = cast(models.Field, model._meta.get_field(name))
    return cast(forms.Field, field.formfield(**kwargs))


class PlanForm(forms.Form):
    """The plan's settings; the planned sample and runtime may follow the planner."""

    name = _model_field(Experiment, "name")
    started_on = _model_field(
        Experiment,
        "started_on",
        label="Start date",
        help_text="Optional, and may be in the future: the plan is registered "
        "before the test starts.",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    baseline = forms.DecimalField(
        label="Baseline rate of the primary metric (%)",
        max_digits=7,
        decimal_places=3,
        required=False,
    )
    minimum_detectable_effect = _model_field(
        Experiment,
        "minimum_detectable_effect",
        required=True,
        label="Minimum detectable effect (% relative)",
        help_text="The smallest relative change worth detecting: 10 means "
        "3.2 % → 3.52 %.",
    )
    significance = _model_field(
        Experiment, "significance", required=True, help_text="Two-sided; 5 is usual."
    )
    power = _model_field(Experiment, "power", required=True, help_text="80 is usual.")
    correction = _model_field(
        Experiment,
        "correction",
        help_text="Applied to the primary and secondary metrics of every challenger.",
    )
    sequential = _model_field(Experiment, "sequential", help_text=SEQUENTIAL_HELP)
    planned_visitors_per_variant = _model_field(
        Experiment,
        "planned_visitors_per_variant",
        label="Planned visitors per variant",
        help_text="Computed by the planner; type another number to override it.",
    )
    minimum_weeks = _model_field(
        Experiment,
        "minimum_weeks",
        help_text="Whole weeks, so every weekday counts equally. Computed from the "
        "planned sample and the page's traffic; type another number to override it.",
    )
    maximum_weeks = _model_field(
        Experiment,
        "maximum_weeks",
        help_text="A plan that cannot reach its sample by then is under-powered.",
    )
    # What the planner proposed when the form was shown: a number sent back
    # unchanged follows the planner, another one overrides it.
    planner_visitors = forms.IntegerField(required=False, widget=forms.HiddenInput)
    planner_weeks = forms.IntegerField(required=False, widget=forms.HiddenInput)
    reason = forms.CharField(
        label="Why does the plan change?",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="The test has started: a change to its plan needs a reason, kept "
        "in the experiment's history.",
    )

    def __init__(
        self,
        *args: Any,
        needs_reason: bool = False,
        with_identity: bool = True,
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        if not needs_reason:
            del self.fields["reason"]
        if not with_identity:
            # A registered test's name and start are not part of its plan.
            del self.fields["name"]
            del self.fields["started_on"]

    def value_of(self, name: str) -> Any:
        """The cleaned value of a field, or None while it is missing or wrong."""
        if not hasattr(self, "cleaned_data"):
            self.is_valid()
        return self.cleaned_data.get(name)


def page_rate(page: Page | None) -> str | None:
    """The page's baseline as people write it: 3.2, not 3.200."""
    if page is None or page.conversion_rate is None:
        return None
    return format(page.conversion_rate.normalize(), "f")


def plan_initial(backlog_settings: BacklogSettings, page: Page | None) -> dict:
    """A new plan's fields: the organisation's defaults and the page's baseline."""
    return {
        "name": "A/B test",
        "baseline": page_rate(page),
        "minimum_detectable_effect": backlog_settings.minimum_detectable_effect,
        "significance": backlog_settings.significance,
        "power": backlog_settings.power,
        "correction": backlog_settings.correction,
        "sequential": False,
        "maximum_weeks": backlog_settings.maximum_weeks,
    }


def registered_initial(experiment: Experiment, page: Page | None) -> dict:
    """The plan as registered."""
    initial = {name: getattr(experiment, name) for name in PLAN_FIELDS}
    initial["name"] = experiment.name
    initial["started_on"] = experiment.started_on
    initial.pop("baseline_rate")
    initial["baseline"] = (
        format(experiment.baseline_rate.normalize(), "f")
        if experiment.baseline_rate is not None
        else page_rate(page)
    )
    return initial


class PlannedVariantForm(forms.Form):
    name = forms.CharField(max_length=80, required=False)
    planned_weight = _model_field(Variant, "planned_weight")


class BasePlannedVariantFormSet(BaseRowFormSet):
    row_fields = ("name", "planned_weight")

    def filled(self) -> list[tuple[int, dict]]:
        """(row index, values) of the rows that describe a variant."""
        return [
            (index, form.cleaned_data)
            for index, form in enumerate(self.forms)
            if getattr(form, "cleaned_data", None)
        ]

    def planned(self, control_index: int | None) -> list[PlannedVariant]:
        return [
            PlannedVariant(
                name=row.get("name") or "",
                is_control=index == control_index,
                planned_weight=row.get("planned_weight") or 0,
            )
            for index, row in self.filled()
        ]

    def shares(self) -> list[int]:
        return [row.get("planned_weight") or 1 for _, row in self.filled()]


# django-stubs types the factory's class as BaseFormSet, whatever `formset` is.
PlannedVariantFormSet: type[BasePlannedVariantFormSet] = forms.formset_factory(  # type: ignore[assignment]
    PlannedVariantForm,
    formset=BasePlannedVariantFormSet,
    extra=0,
    min_num=2,
    max_num=10,
    validate_max=True,
)


def variants_initial(experiment: Experiment) -> tuple[list[dict], int]:
    """The registered variants as rows, and the control's row."""
    current = list(experiment.variants.all())
    rows = [{"name": v.name, "planned_weight": v.planned_weight} for v in current]
    control = next((i for i, v in enumerate(current) if v.is_control), 0)
    return rows, control


NOT_IN_TEST = ""
ROLE_CHOICES = [(NOT_IN_TEST, "Not in this test"), *MetricRole.choices]
ROLE_ORDER = [MetricRole.PRIMARY, MetricRole.SECONDARY, MetricRole.GUARDRAIL]


@dataclass(frozen=True)
class MetricRow:
    metric: Metric
    role: forms.BoundField
    margin: forms.BoundField


class MetricRolesForm(forms.Form):
    """One row per metric of the organisation: its role in this test and margin."""

    def __init__(self, *args: Any, metrics: list[Metric], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.metrics = metrics
        for metric in metrics:
            self.fields[f"role_{metric.pk}"] = forms.ChoiceField(
                label=f"Role of {metric.name}",
                choices=ROLE_CHOICES,
                required=False,
                widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
            )
            self.fields[f"margin_{metric.pk}"] = forms.DecimalField(
                label=f"Non-inferiority margin of {metric.name} (%)",
                max_digits=5,
                decimal_places=1,
                required=False,
                widget=forms.NumberInput(
                    attrs={"class": "form-control form-control-sm", "step": "0.1"}
                ),
            )

    @property
    def rows(self) -> list[MetricRow]:
        return [
            MetricRow(m, self[f"role_{m.pk}"], self[f"margin_{m.pk}"])
            for m in self.metrics
        ]

    def registered(self) -> list[RegisteredMetric]:
        """The metrics given a role, primary first; margins for guardrails only."""
        chosen = []
        for metric in self.metrics:
            role = self.cleaned_data.get(f"role_{metric.pk}") or NOT_IN_TEST
            if role == NOT_IN_TEST:
                continue
            margin = self.cleaned_data.get(f"margin_{metric.pk}")
            chosen.append(
                RegisteredMetric(
                    metric, role, margin if role == MetricRole.GUARDRAIL else None
                )
            )
        return sorted(chosen, key=lambda m: ROLE_ORDER.index(MetricRole(m.role)))

    def primary(self) -> Metric | None:
        if not self.is_valid():
            return None
        return next(
            (m.metric for m in self.registered() if m.role == MetricRole.PRIMARY),
            None,
        )


def metrics_initial_from_defaults(metrics: list[Metric]) -> dict:
    """Each metric in its default role, with its default margin; one primary."""
    initial: dict[str, Any] = {}
    primary_taken = False
    for metric in metrics:
        role = metric.default_role
        if role == MetricRole.PRIMARY:
            if primary_taken:
                role = MetricRole.SECONDARY
            primary_taken = True
        initial[f"role_{metric.pk}"] = role
        if role == MetricRole.GUARDRAIL:
            initial[f"margin_{metric.pk}"] = metric.default_margin
    return initial


def metrics_initial_from_registration(experiment: Experiment) -> dict:
    initial: dict[str, Any] = {}
    for registration in experiment.registered_metrics.all():
        initial[f"role_{registration.metric_id}"] = registration.role
        initial[f"margin_{registration.metric_id}"] = registration.margin
    return initial


def metrics_for_plan(organisation, experiment: Experiment | None) -> list[Metric]:
    """The organisation's metrics in use, and any archived one the test registered."""
    metrics = Metric.objects.for_org(organisation)
    if experiment is None or experiment.pk is None:
        return list(metrics.in_use())
    return list(
        metrics.filter(
            models.Q(archived_at__isnull=True)
            | models.Q(registrations__experiment=experiment)
        ).distinct()
    )


@dataclass(frozen=True)
class Proposal:
    """What the planner proposes for the plan as typed, and what is used."""

    plan: Plan | None  # from the baseline, effect, significance, power, variants
    problem: str  # why the planner proposes no sample, or ""
    baseline_from_page: bool
    computed_visitors: int | None
    visitors: int | None  # what is used: the planner's or the editor's
    visitors_overridden: bool
    computed_weeks: int | None
    weeks: int | None
    weeks_overridden: bool
    daily_visitors: int | None
    days_needed: int | None  # for `visitors` at the page's traffic
    maximum_weeks: int | None

    @property
    def under_powered(self) -> bool:
        return (
            self.days_needed is not None
            and self.maximum_weeks is not None
            and self.days_needed > self.maximum_weeks * 7
        )


def _followed(
    sent: int | None, proposed_before: int | None, computed: int | None
) -> tuple[int | None, bool]:
    """The value to use and whether it overrides the planner."""
    if sent is None:
        return computed, False
    if computed is None:
        return sent, False
    if sent in (proposed_before, computed):
        return computed, False
    return sent, True


def _percent(value: Decimal | None) -> float | None:
    return float(value) / 100 if value is not None else None


def propose(
    form: PlanForm, primary: Metric | None, shares: list[int], page: Page | None
) -> Proposal:
    """The planner's sample and runtime for the plan as typed (which is checked)."""
    value = form.value_of
    daily = page.visitors_per_day if page is not None else None
    baseline = value("baseline")
    page_rate = page.conversion_rate if page is not None else None
    from_page = page_rate is not None and baseline in (None, page_rate)
    if baseline is None:
        baseline = page_rate
    plan = None
    problem = ""
    needed = {
        "baseline": baseline,
        "minimum_detectable_effect": value("minimum_detectable_effect"),
        "significance": value("significance"),
        "power": value("power"),
    }
    wrong = [form[name].label for name in needed if form.errors.get(name)]
    if primary is not None and primary.kind != MetricKind.CONVERSION:
        problem = (
            f"The planner sizes conversion goals; “{primary}” is a "
            f"{primary.get_kind_display().lower()} metric: give its planned "
            "visitors per variant yourself."
        )
    elif wrong:
        problem = "Correct " + ", ".join(str(label) for label in wrong) + " first."
    elif baseline is None:
        problem = "Give the baseline rate of the primary metric."
    elif any(v is None for v in needed.values()):
        problem = "Give the minimum detectable effect, significance and power."
    elif len(shares) < 2:
        problem = "Name at least two variants."
    else:
        try:
            plan = plan_test(
                baseline_rate=_percent(baseline) or 0.0,
                relative_mde=_percent(needed["minimum_detectable_effect"]) or 0.0,
                alpha=_percent(needed["significance"]) or 0.0,
                power=_percent(needed["power"]) or 0.0,
                variants=len(shares),
                correct_for_comparisons=value("correction") != CorrectionMethod.NONE,
            )
        except PlanError as error:
            problem = str(error)
    computed_visitors = plan.visitors_per_variant if plan is not None else None
    visitors, visitors_overridden = _followed(
        value("planned_visitors_per_variant"),
        value("planner_visitors"),
        computed_visitors,
    )
    days_needed = computed_weeks = None
    if visitors is not None and daily and len(shares) >= 2 and min(shares) >= 1:
        days_needed = days_to_reach(visitors, shares, daily)
        computed_weeks = weeks_of(days_needed)
    weeks, weeks_overridden = _followed(
        value("minimum_weeks"), value("planner_weeks"), computed_weeks
    )
    return Proposal(
        plan=plan,
        problem=problem,
        baseline_from_page=from_page,
        computed_visitors=computed_visitors,
        visitors=visitors,
        visitors_overridden=visitors_overridden,
        computed_weeks=computed_weeks,
        weeks=weeks,
        weeks_overridden=weeks_overridden,
        daily_visitors=daily,
        days_needed=days_needed,
        maximum_weeks=value("maximum_weeks"),
    )


def with_proposal(data: QueryDict, proposal: Proposal, sent: PlanForm) -> QueryDict:
    """The data as sent, with the planned sample and runtime that are used.

    A number that is no number stays as typed, to be shown with its error.
    """
    data = data.copy()
    for name, number in (
        ("planned_visitors_per_variant", proposal.visitors),
        ("minimum_weeks", proposal.weeks),
        ("planner_visitors", proposal.computed_visitors),
        ("planner_weeks", proposal.computed_weeks),
    ):
        if name not in sent.errors:
            data[sent.add_prefix(name)] = "" if number is None else str(number)
    return data


def plan_settings(form: PlanForm) -> PlanSettings:
    data = form.cleaned_data
    return PlanSettings(
        baseline_rate=data["baseline"],
        minimum_detectable_effect=data["minimum_detectable_effect"],
        significance=data["significance"],
        power=data["power"],
        sequential=data["sequential"],
        correction=data["correction"],
        planned_visitors_per_variant=data["planned_visitors_per_variant"],
        minimum_weeks=data["minimum_weeks"],
        maximum_weeks=data["maximum_weeks"],
    )


def as_initial(form: forms.Form) -> dict:
    """A bound form's values as typed, to show them again without its errors."""
    return {name: form[name].value() for name in form.fields}


SUM_HELP = (
    "For a mean or count metric, give per variant the visitors, the sum of the "
    "metric over them (the revenue, the number of items) and the sum of each "
    "visitor's value squared. Visitors without the event count as 0. In SQL or "
    "BigQuery, per variant: COUNT(*), SUM(value), SUM(value * value) over one row "
    "per visitor; most testing tools' exports give them as sum and sum of squares."
)


@dataclass(frozen=True)
class ResultCell:
    variant: Variant
    fields: list[tuple[str, forms.BoundField]]  # (short label, field)


@dataclass(frozen=True)
class ResultRow:
    metric: Metric
    role: str  # its role in this test, as people read it
    cells: list[ResultCell]


class ResultsForm(forms.Form):
    """Visitors and conversions, or visitors, sum and sum of squares, per cell."""

    def __init__(
        self,
        *args: Any,
        variants: list[Variant],
        registrations: list[ExperimentMetric],
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        self.variants = variants
        self.metrics = [r.metric for r in registrations]
        self.roles = {r.metric_id: r.get_role_display() for r in registrations}
        for variant in variants:
            for metric in self.metrics:
                for part, label in self.parts(metric):
                    field: forms.Field = (
                        forms.IntegerField(required=False)
                        if part in ("visitors", "conversions")
                        else forms.FloatField(required=False)
                    )
                    field.label = f"{label} of {variant.name} on {metric.name}"
                    self.fields[self.key(variant, metric, part)] = field

    @staticmethod
    def parts(metric: Metric) -> list[tuple[str, str]]:
        if metric.kind == MetricKind.CONVERSION:
            return [("visitors", "Visitors"), ("conversions", "Conversions")]
        return [
            ("visitors", "Visitors"),
            ("sum", "Sum"),
            ("sum_squares", "Sum of squares"),
        ]

    @staticmethod
    def key(variant: Variant, metric: Metric, part: str) -> str:
        return f"r{variant.pk}_{metric.pk}_{part}"

    @property
    def grid(self) -> list[ResultRow]:
        """One row per metric, one cell per variant."""
        return [
            ResultRow(
                metric,
                self.roles[metric.pk],
                [
                    ResultCell(
                        variant,
                        [
                            (label, self[self.key(variant, metric, part)])
                            for part, label in self.parts(metric)
                        ],
                    )
                    for variant in self.variants
                ],
            )
            for metric in self.metrics
        ]

    @property
    def has_means(self) -> bool:
        return any(m.kind != MetricKind.CONVERSION for m in self.metrics)

    def clean(self):
        cleaned = super().clean()
        for variant in self.variants:
            for metric in self.metrics:
                values = [
                    cleaned.get(self.key(variant, metric, p))
                    for p, _ in self.parts(metric)
                ]
                if values[0] is None and any(v is not None for v in values[1:]):
                    self.add_error(
                        self.key(variant, metric, "visitors"), "Give the visitors."
                    )
        return cleaned

    def results(self) -> list[ResultInput]:
        """The cells filled in; an empty cell is no result."""
        found = []
        for variant in self.variants:
            for metric in self.metrics:
                values = {
                    p: self.cleaned_data.get(self.key(variant, metric, p))
                    for p, _ in self.parts(metric)
                }
                visitors = values.pop("visitors")
                if visitors is None:
                    continue
                found.append(
                    ResultInput(
                        variant=variant.name,
                        metric=metric.key,
                        visitors=visitors,
                        **values,
                    )
                )
        return found


def results_initial(experiment: Experiment) -> dict:
    initial = {}
    stored = MetricResult.objects.filter(variant__experiment=experiment)
    for result in stored:
        for part in ("visitors", "conversions", "sum", "sum_squares"):
            initial[f"r{result.variant_id}_{result.metric_id}_{part}"] = getattr(
                result, part
            )
    return initial


def _as_data(prefix: str, values: dict, data: QueryDict) -> None:
    for name, value in values.items():
        if value is None or value is False:
            continue
        data[f"{prefix}-{name}"] = "on" if value is True else str(value)


class PlanForms:
    """The forms of a plan page, bound to what was sent, with the planner's numbers.

    The planned sample and runtime sent back as the planner proposed them
    follow the planner; the data is rewritten with the numbers that are used,
    so that the page shows what would be saved.
    """

    def __init__(
        self,
        data: QueryDict,
        *,
        metrics: list[Metric],
        page: Page | None,
        needs_reason: bool = False,
        with_identity: bool = True,
    ):
        self.page = page
        self.options = {"needs_reason": needs_reason, "with_identity": with_identity}
        self.metric_list = metrics
        sent = PlanForm(data, prefix="plan", **self.options)
        variants = PlannedVariantFormSet(data, prefix="variants")
        variants.is_valid()
        roles = MetricRolesForm(data, prefix="metrics", metrics=metrics)
        self.proposal = propose(sent, roles.primary(), variants.shares(), page)
        self.data = with_proposal(data, self.proposal, sent)
        self.plan = PlanForm(self.data, prefix="plan", **self.options)
        self.variants = PlannedVariantFormSet(self.data, prefix="variants")
        self.control = ControlForm(self.data)
        self.metrics = MetricRolesForm(self.data, prefix="metrics", metrics=metrics)

    @staticmethod
    def data_of(
        plan: dict, rows: list[dict], control_index: int, metric_roles: dict
    ) -> QueryDict:
        """The data a plan page sends when nothing is changed on it."""
        data = QueryDict(mutable=True)
        _as_data("plan", plan, data)
        data["variants-TOTAL_FORMS"] = str(len(rows))
        data["variants-INITIAL_FORMS"] = "0"
        for index, row in enumerate(rows):
            _as_data(f"variants-{index}", row, data)
        data["control"] = str(control_index)
        _as_data("metrics", metric_roles, data)
        return data

    def is_valid(self) -> bool:
        return all(
            [
                self.plan.is_valid(),
                self.variants.is_valid(),
                self.control.is_valid(),
                self.metrics.is_valid(),
            ]
        )

    @property
    def control_index(self) -> int | None:
        if self.control.is_valid():
            return self.control.cleaned_data["control"]
        return None

    def arguments(self) -> dict:
        """What register_experiment and change_plan take, from valid forms."""
        return {
            "variants": self.variants.planned(self.control_index),
            "metrics": self.metrics.registered(),
            "settings": plan_settings(self.plan),
        }

    def refuse(self, message: str) -> None:
        self.plan.add_error(None, message)

    def shown(self, *, one_more_row: bool = False) -> dict:
        """The page's context: the forms as typed, without errors, nothing saved."""
        rows = (
            self.variants.rows_with_one_more()
            if one_more_row
            else self.variants.rows_as_sent()
        )
        added = one_more_row and len(rows) > self.variants.total_form_count()
        return {
            "plan": PlanForm(
                initial=as_initial(self.plan), prefix="plan", **self.options
            ),
            "variants": PlannedVariantFormSet(initial=rows, prefix="variants"),
            "control_index": self.control_index or 0,
            "metrics": MetricRolesForm(
                initial=as_initial(self.metrics),
                prefix="metrics",
                metrics=self.metric_list,
            ),
            "proposal": self.proposal,
            "new_row": len(rows) - 1 if added else None,
        }

    def bound(self) -> dict:
        """The page's context with the forms as checked, errors and all."""
        return {
            "plan": self.plan,
            "variants": self.variants,
            "control_index": self.control_index or 0,
            "metrics": self.metrics,
            "proposal": self.proposal,
            "new_row": None,
        }
