"""API endpoints for metrics and experiments: define, pre-register, report, read.

The experiment's numbers come from :func:`reports.analysis_of`, the one
analysis the experiment page, its share link and the learnings library read,
so every one of them states the same figures and the same recommendation.
Results go through :func:`registration.record_results`, so sending the same
results twice changes nothing.
"""

import math
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.shortcuts import get_object_or_404
from ninja import Body, Field, Router, Schema, Status
from ninja.errors import ValidationError as RequestValidationError
from pydantic import AfterValidator

from backlog.api import ProblemOut
from backlog.configuration import settings_for
from backlog.experiments.analysis import Analysis, MetricAnalysis, Row
from backlog.experiments.registration import (
    MAX_METRICS,
    MAX_VARIANTS,
    PlannedVariant,
    PlanSettings,
    RegisteredMetric,
    RegistrationError,
    ResultInput,
    RunDetails,
    record_results,
    register_experiment,
    update_run,
)
from backlog.experiments.reports import analysis_of, with_analysis_data
from backlog.experiments.sample_size import PlanError, plan_test
from backlog.experiments.statistics import MAX_VISITORS
from backlog.models import (
    CorrectionMethod,
    Experiment,
    GoalLevel,
    Hypothesis,
    Metric,
    MetricDirection,
    MetricKind,
    MetricRole,
)

router = Router()


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


# JSON has no Infinity or NaN: an unbounded interval or an undefined ratio is
# null, never a token that strict parsers refuse.
Number = Annotated[float | None, AfterValidator(_finite)]
# Finite numbers only on the way in; Python's JSON reader accepts NaN.
FiniteFloat = Annotated[float, Field(allow_inf_nan=False)]


def _number(value) -> float | None:
    return _finite(float(value)) if value is not None else None


class MetricIn(Schema):
    key: str = Field(
        min_length=1,
        max_length=60,
        pattern=r"^[a-z0-9][a-z0-9_-]*$",
        description="How results files and the API name it, e.g. add_to_cart. "
        "Unique in the organisation.",
    )
    name: str = Field(min_length=1, max_length=120)
    kind: MetricKind = MetricKind.CONVERSION
    goal_level: GoalLevel | None = Field(
        None, description="Conversion goals only: macro or micro."
    )
    direction: MetricDirection = MetricDirection.UP
    value: Decimal | None = Field(
        None,
        ge=0,
        max_digits=12,
        decimal_places=2,
        description="What one conversion (or unit) is worth.",
    )
    default_role: MetricRole = MetricRole.SECONDARY
    default_margin: Decimal | None = Field(
        None,
        ge=Decimal("0.1"),
        le=100,
        decimal_places=1,
        description="Non-inferiority margin in percent, used when the metric is "
        "registered as a guardrail without one.",
    )
    description: str = Field("", max_length=5000)


class MetricOut(Schema):
    id: int
    key: str
    name: str
    kind: str
    goal_level: str | None
    direction: str
    value: Number
    default_role: str
    default_margin: Number = Field(description="Percent.")
    description: str
    archived: bool


def _metric(metric: Metric) -> dict:
    return {
        "id": metric.pk,
        "key": metric.key,
        "name": metric.name,
        "kind": metric.kind,
        "goal_level": metric.goal_level or None,
        "direction": metric.direction,
        "value": _number(metric.value),
        "default_role": metric.default_role,
        "default_margin": _number(metric.default_margin),
        "description": metric.description,
        "archived": metric.archived_at is not None,
    }


@router.get(
    "/metrics",
    response=list[MetricOut],
    tags=["metrics"],
    summary="The organisation's metrics and goals",
)
def list_metrics(request):
    return [_metric(m) for m in Metric.objects.for_org(request.auth.organisation)]


def _refused(field_errors: dict[str, list[str]], where: str) -> RequestValidationError:
    """Model validation errors in the shape of the API's own (422, loc and msg)."""
    return RequestValidationError(
        [
            {
                "type": "value_error",
                "loc": ["body", where] + ([] if name == "__all__" else [name]),
                "msg": message,
            }
            for name, messages in field_errors.items()
            for message in messages
        ]
    )


@router.post(
    "/metrics",
    response={201: MetricOut, 409: ProblemOut},
    tags=["metrics"],
    summary="Define a metric or goal",
    description=(
        "A conversion goal (macro or micro), a mean or a count per visitor. "
        "A key that the organisation already uses, archived metrics included, "
        "is refused with 409."
    ),
)
def create_metric(request, metric: MetricIn):
    organisation = request.auth.organisation
    conflict = Status(
        409, {"detail": f"key: the organisation already has a metric “{metric.key}”."}
    )
    if Metric.objects.for_org(organisation).filter(key=metric.key).exists():
        return conflict
    new = Metric(
        organisation=organisation,
        key=metric.key,
        name=metric.name.strip(),
        kind=metric.kind,
        goal_level=metric.goal_level or "",
        direction=metric.direction,
        value=metric.value,
        default_role=metric.default_role,
        default_margin=metric.default_margin,
        description=metric.description.strip(),
    )
    if new.goal_level and new.kind != MetricKind.CONVERSION:
        raise _refused(
            {"goal_level": ["Only conversion goals have a goal level."]}, "metric"
        )
    try:
        new.full_clean(validate_constraints=False)
    except ValidationError as error:
        raise _refused(error.message_dict, "metric") from error
    try:
        with transaction.atomic():
            new.save()
    except IntegrityError:
        # Another request took the key between the check and the insert.
        return conflict
    return Status(201, _metric(new))


class VariantIn(Schema):
    name: str = Field(min_length=1, max_length=80)
    control: bool = False
    planned_share: int = Field(
        1, ge=1, le=1000, description="Relative share of traffic, 1 each for even."
    )


class RegisteredMetricIn(Schema):
    key: str = Field(min_length=1, max_length=60)
    role: MetricRole | None = Field(None, description="Default: the metric's.")
    margin: Decimal | None = Field(
        None,
        ge=Decimal("0.1"),
        le=100,
        decimal_places=1,
        description="Guardrails: non-inferiority margin in percent. Default: the "
        "metric's.",
    )


class ExperimentIn(Schema):
    name: str = Field("A/B test", min_length=1, max_length=120)
    started_on: date | None = None
    variants: list[VariantIn] = Field(min_length=2, max_length=MAX_VARIANTS)
    metrics: list[RegisteredMetricIn] = Field(min_length=1, max_length=MAX_METRICS)
    baseline_rate: Decimal | None = Field(
        None,
        ge=0,
        le=100,
        decimal_places=3,
        description="Percent: the primary metric's expected rate in the control, "
        "to size the sample. Default: the page's baseline.",
    )
    minimum_detectable_effect: Decimal | None = Field(
        None, ge=Decimal("0.1"), le=500, decimal_places=1, description="Percent."
    )
    significance: Decimal | None = Field(
        None, ge=Decimal("0.1"), le=20, decimal_places=1, description="Percent."
    )
    power: Decimal | None = Field(
        None, ge=50, le=Decimal("99.9"), decimal_places=1, description="Percent."
    )
    sequential: bool = False
    correction: CorrectionMethod | None = None
    planned_visitors_per_variant: int | None = Field(None, ge=1, le=MAX_VISITORS)
    minimum_weeks: int | None = Field(None, ge=1, le=52)
    maximum_weeks: int | None = Field(None, ge=1, le=52)


class PlanOut(Schema):
    baseline_rate: Number | None = Field(description="Percent.")
    minimum_detectable_effect: Number = Field(description="Percent.")
    significance: Number = Field(description="Percent.")
    power: Number = Field(description="Percent.")
    sequential: bool
    correction: str
    planned_visitors_per_variant: int | None
    minimum_weeks: int | None
    maximum_weeks: int | None


class VariantOut(Schema):
    name: str
    control: bool
    planned_share: int
    visitors: int


class ResultOut(Schema):
    visitors: int | None
    conversions: int | None
    sum: Number
    sum_squares: Number
    mean: Number = Field(description="The rate for a conversion goal.")
    difference: Number = Field(description="Against the control.")
    relative_uplift: Number
    p_value: Number
    adjusted_p_value: Number
    ci_low: Number = Field(description="Widened to match the adjusted p-value.")
    ci_high: Number
    probability_to_beat: Number = Field(description="Conversion goals only.")


class MetricResultsOut(Schema):
    key: str
    name: str
    kind: str
    direction: str
    role: str
    margin: Number = Field(description="Guardrails: percent.")
    results: dict[str, ResultOut] = Field(description="By variant name.")
    problems: list[str]


class GuardrailOut(Schema):
    metric: str
    variant: str
    verdict: str = Field(description="passed, failed or not_decided.")
    margin: Number = Field(description="Percent.")
    relative_change: Number
    p_non_inferior: Number
    p_inferior: Number


class SampleRatioOut(Schema):
    statistic: Number
    p_value: Number
    expected: list[Number]
    mismatch: bool


class ProgressOut(Schema):
    days_running: int
    visitors: int = Field(description="Per variant, the smallest arm.")
    planned_visitors: int | None
    minimum_days: int
    maximum_days: int | None
    days_left: int | None = Field(description="At the observed traffic.")
    plan_reached: bool
    under_powered: bool
    looked_early: bool


class ExperimentOut(Schema):
    id: int
    hypothesis_id: int
    name: str
    started_on: date | None
    ended_on: date | None
    registered_at: datetime | None
    plan: PlanOut
    control: str | None
    variants: list[VariantOut]
    metrics: list[MetricResultsOut]
    guardrails: list[GuardrailOut]
    sample_ratio: SampleRatioOut | None
    progress: ProgressOut
    recommendation: str | None = Field(
        description="ship, dont_ship, inconclusive or keep_running; null when the "
        "experiment cannot be decided (see problems)."
    )
    recommended_variant: str | None
    reasons: list[str]
    problems: list[str]
    url: str


RESULT_KEYS = list(ResultOut.model_fields)


def _result(row: Row) -> dict:
    return {key: getattr(row, key) for key in RESULT_KEYS}


def _metric_results(analysis: MetricAnalysis) -> dict:
    metric = analysis.metric
    return {
        "key": metric.key,
        "name": metric.name,
        "kind": metric.kind,
        "direction": metric.direction,
        "role": metric.role,
        "margin": metric.margin * 100 if metric.margin is not None else None,
        "results": {row.variant: _result(row) for row in analysis.rows},
        "problems": [
            f"{row.variant}: {row.problem}" for row in analysis.rows if row.problem
        ],
    }


def _guardrails(analysis: Analysis) -> list[dict]:
    return [
        {
            "metric": m.metric.key,
            "variant": row.variant,
            "verdict": row.guardrail.verdict,
            "margin": m.metric.margin * 100 if m.metric.margin is not None else None,
            "relative_change": row.guardrail.relative_change,
            "p_non_inferior": row.guardrail.p_non_inferior,
            "p_inferior": row.guardrail.p_inferior,
        }
        for m in analysis.guardrails
        for row in m.challengers
        if row.guardrail is not None
    ]


def _experiment(request, experiment: Experiment) -> dict:
    analysis = analysis_of(experiment)
    variants = list(experiment.variants.all())
    sample_ratio = analysis.sample_ratio
    progress = analysis.progress
    decision = analysis.decision
    return {
        "id": experiment.pk,
        "hypothesis_id": experiment.hypothesis_id,
        "name": experiment.name,
        "started_on": experiment.started_on,
        "ended_on": experiment.ended_on,
        "registered_at": experiment.registered_at,
        "plan": {
            "baseline_rate": _number(experiment.baseline_rate),
            "minimum_detectable_effect": _number(experiment.minimum_detectable_effect),
            "significance": _number(experiment.significance),
            "power": _number(experiment.power),
            "sequential": experiment.sequential,
            "correction": experiment.correction,
            "planned_visitors_per_variant": experiment.planned_visitors_per_variant,
            "minimum_weeks": experiment.minimum_weeks,
            "maximum_weeks": experiment.maximum_weeks,
        },
        "control": next((v.name for v in variants if v.is_control), None),
        "variants": [
            {
                "name": v.name,
                "control": v.is_control,
                "planned_share": v.planned_weight,
                "visitors": v.visitors,
            }
            for v in variants
        ],
        "metrics": [_metric_results(m) for m in analysis.metrics],
        "guardrails": _guardrails(analysis),
        "sample_ratio": {
            "statistic": sample_ratio.statistic,
            "p_value": sample_ratio.p_value,
            "expected": list(sample_ratio.expected),
            "mismatch": sample_ratio.mismatch,
        }
        if sample_ratio is not None
        else None,
        "progress": {
            "days_running": progress.days_running,
            "visitors": progress.visitors,
            "planned_visitors": progress.planned_visitors,
            "minimum_days": progress.minimum_days,
            "maximum_days": progress.maximum_days,
            "days_left": progress.days_left,
            "plan_reached": progress.plan_reached,
            "under_powered": progress.under_powered,
            "looked_early": progress.looked_early,
        },
        "recommendation": decision.recommendation if decision else None,
        "recommended_variant": decision.challenger if decision else None,
        "reasons": list(decision.reasons) if decision else [],
        "problems": list(analysis.problems),
        "url": request.build_absolute_uri(
            experiment.hypothesis.get_absolute_url() + "#results"
        ),
    }


def _experiments(request):
    return with_analysis_data(
        Experiment.objects.for_org(request.auth.organisation).select_related(
            "hypothesis__organisation"
        )
    )


def _registered_metrics(organisation, wanted: list[RegisteredMetricIn]):
    metrics = {
        m.key: m
        for m in Metric.objects.for_org(organisation).filter(
            key__in=[w.key for w in wanted]
        )
    }
    registered = []
    for w in wanted:
        metric = metrics.get(w.key)
        if metric is None:
            raise RegistrationError(f"metrics: “{w.key}” is not one of your metrics.")
        if metric.archived_at is not None:
            raise RegistrationError(f"metrics: “{w.key}” is archived.")
        role = w.role or metric.default_role
        margin = w.margin
        if margin is None and role == MetricRole.GUARDRAIL:
            margin = metric.default_margin
        registered.append(RegisteredMetric(metric, role, margin))
    return registered


def _plan_settings(hypothesis: Hypothesis, plan: ExperimentIn) -> PlanSettings:
    """The plan as sent, the organisation's defaults where it is silent.

    Without a planned sample and minimum runtime, the planner sizes the test
    from the page's traffic and baseline rate, as the planner page does.
    """
    defaults = settings_for(hypothesis.organisation)
    mde = plan.minimum_detectable_effect or defaults.minimum_detectable_effect
    significance = plan.significance or defaults.significance
    power = plan.power or defaults.power
    correction = plan.correction or defaults.correction
    maximum_weeks = plan.maximum_weeks or defaults.maximum_weeks
    planned, minimum_weeks = plan.planned_visitors_per_variant, plan.minimum_weeks
    page = hypothesis.page
    baseline = plan.baseline_rate
    if planned is None and minimum_weeks is None and page is not None:
        if baseline is None:
            baseline = page.conversion_rate
        if page.visitors_per_day and baseline is not None:
            try:
                sized = plan_test(
                    baseline_rate=float(baseline) / 100,
                    relative_mde=float(mde) / 100,
                    alpha=float(significance) / 100,
                    power=float(power) / 100,
                    variants=len(plan.variants),
                    daily_visitors=page.visitors_per_day,
                    correct_for_comparisons=correction != CorrectionMethod.NONE,
                )
            except PlanError:
                sized = None
            if sized is not None and sized.visitors_per_variant <= MAX_VISITORS:
                planned = sized.visitors_per_variant
                # A plan longer than the maximum runtime is under-powered,
                # which the progress says; the minimum cannot exceed it.
                minimum_weeks = min(sized.weeks or 1, maximum_weeks)
    return PlanSettings(
        baseline_rate=baseline,
        minimum_detectable_effect=mde,
        significance=significance,
        power=power,
        sequential=plan.sequential,
        correction=correction,
        planned_visitors_per_variant=planned,
        minimum_weeks=minimum_weeks,
        maximum_weeks=maximum_weeks,
    )


@router.post(
    "/hypotheses/{hypothesis_id}/experiments",
    response={201: ExperimentOut, 400: ProblemOut},
    tags=["experiments"],
    summary="Pre-register an experiment",
    description=(
        f"Variants ({MAX_VARIANTS} at most, exactly one the control) and metrics by "
        f"key ({MAX_METRICS} at most, exactly one primary; a metric's role and a "
        "guardrail's margin default to the metric's). The minimum detectable "
        "effect, significance, power, correction and maximum runtime default to "
        "the organisation's backlog settings; without a planned sample and minimum "
        "runtime they are sized from the hypothesis's page traffic when it has "
        "one. A plan that cannot stand is refused with 400 and the reason."
    ),
)
def create_experiment(request, hypothesis_id: int, experiment: ExperimentIn):
    organisation = request.auth.organisation
    hypothesis = get_object_or_404(
        Hypothesis.objects.for_org(organisation).select_related("organisation", "page"),
        pk=hypothesis_id,
    )
    try:
        registered = register_experiment(
            hypothesis,
            name=experiment.name,
            started_on=experiment.started_on,
            variants=[
                PlannedVariant(v.name, v.control, v.planned_share)
                for v in experiment.variants
            ],
            metrics=_registered_metrics(organisation, experiment.metrics),
            settings=_plan_settings(hypothesis, experiment),
            by=request.auth.created_by,
        )
    except RegistrationError as error:
        return Status(400, {"detail": str(error)})
    return Status(
        201, _experiment(request, _experiments(request).get(pk=registered.pk))
    )


@router.get(
    "/experiments/{experiment_id}",
    response=ExperimentOut,
    tags=["experiments"],
    summary="An experiment's analysis and recommendation",
    description=(
        "For every metric and variant the same numbers as the experiment page: "
        "`visitors, conversions, sum, sum_squares, mean, difference, "
        "relative_uplift, p_value, adjusted_p_value, ci_low, ci_high, "
        "probability_to_beat`, null where they do not apply (and an interval "
        "without bounds as nulls); each guardrail's verdict, the sample-ratio "
        "check, progress against the plan and the recommendation with its reasons."
    ),
)
def experiment_detail(request, experiment_id: int):
    experiment = get_object_or_404(_experiments(request), pk=experiment_id)
    return _experiment(request, experiment)


class RunIn(Schema):
    name: str | None = Field(None, min_length=1, max_length=120)
    started_on: date | None = None
    ended_on: date | None = None
    notes: str | None = Field(None, max_length=5000)


@router.patch(
    "/experiments/{experiment_id}",
    response={200: ExperimentOut, 400: ProblemOut},
    tags=["experiments"],
    summary="Rename an experiment, or set when it started and ended",
    description=(
        "Only the fields sent change; `null` clears a date. The dates drive the "
        "progress, the minimum runtime and the recommendation; they are facts of "
        "the run, not of its plan, so no reason is needed, and the history keeps "
        "what they were. An end before the start, or in the future, is refused "
        "with 400."
    ),
)
def update_experiment_run(request, experiment_id: int, run: RunIn):
    experiment = get_object_or_404(_experiments(request), pk=experiment_id)
    sent = run.model_fields_set
    details = RunDetails(
        name=run.name if "name" in sent and run.name else experiment.name,
        started_on=run.started_on if "started_on" in sent else experiment.started_on,
        ended_on=run.ended_on if "ended_on" in sent else experiment.ended_on,
        notes=run.notes
        if "notes" in sent and run.notes is not None
        else experiment.notes,
    )
    try:
        update_run(experiment, details, by=request.auth.created_by)
    except RegistrationError as error:
        return Status(400, {"detail": str(error)})
    return _experiment(request, _experiments(request).get(pk=experiment.pk))


class ResultIn(Schema):
    variant: str = Field(min_length=1, max_length=80)
    metric: str = Field(min_length=1, max_length=60, description="The metric's key.")
    visitors: int = Field(ge=0, le=MAX_VISITORS)
    conversions: int | None = Field(
        None, ge=0, le=MAX_VISITORS, description="Conversion goals."
    )
    sum: FiniteFloat | None = Field(None, description="Mean and count metrics.")
    sum_squares: FiniteFloat | None = Field(
        None, ge=0, description="Mean and count metrics."
    )


class ResultsOut(Schema):
    changed: bool = Field(description="False when the results equal the stored ones.")
    experiment: ExperimentOut


@router.put(
    "/experiments/{experiment_id}/results",
    response={200: ResultsOut, 400: ProblemOut},
    tags=["experiments"],
    summary="Replace an experiment's results",
    description=(
        "The whole picture, one entry per variant and metric: visitors and "
        "conversions for a conversion goal, visitors, sum and sum_squares for a "
        "mean or count metric. Numbers left out are removed. Sending the same "
        "results again changes nothing (`changed: false`); different ones "
        "replace the stored ones, which the experiment's history keeps."
    ),
)
def put_results(
    request,
    experiment_id: int,
    results: Annotated[list[ResultIn], Body(max_length=MAX_VARIANTS * MAX_METRICS)],
):
    experiment = get_object_or_404(_experiments(request), pk=experiment_id)
    try:
        changed = record_results(
            experiment,
            [
                ResultInput(
                    variant=r.variant,
                    metric=r.metric,
                    visitors=r.visitors,
                    conversions=r.conversions,
                    sum=r.sum,
                    sum_squares=r.sum_squares,
                )
                for r in results
            ],
            by=request.auth.created_by,
            source=f"the API (key “{request.auth.name}”)",
        )
    except RegistrationError as error:
        return Status(400, {"detail": str(error)})
    fresh = _experiments(request).get(pk=experiment.pk)
    return {"changed": changed, "experiment": _experiment(request, fresh)}
