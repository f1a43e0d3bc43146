"""An experiment's stored plan and numbers, read into its analysis.

One function, :func:`analysis_of`, serves the experiment page, its share link,
the API, the conclude form and the learnings library, so all of them state the
same numbers and the same recommendation. An experiment recorded before
metrics existed (no registered metric) is read as one conversion goal, its
variants' visitors and conversions, as the primary metric.
"""

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from backlog.experiments.analysis import (
    CONVERSION,
    PRIMARY,
    Analysis,
    ExperimentPlan,
    MetricPlan,
    Numbers,
    VariantPlan,
    analyse,
)
from backlog.experiments.corrections import Correction
from backlog.experiments.guardrails import Direction
from backlog.models import Experiment, ExperimentMetric, MetricResult, Variant

LEGACY_METRIC_KEY = "conversions"


def with_analysis_data(experiments: QuerySet[Experiment]) -> QuerySet[Experiment]:
    """The experiments queryset with what :func:`analysis_of` reads, prefetched."""
    return experiments.prefetch_related(
        Prefetch(
            "variants",
            queryset=Variant.objects.prefetch_related(
                Prefetch(
                    "metric_results",
                    queryset=MetricResult.objects.select_related("metric"),
                )
            ),
        ),
        Prefetch(
            "registered_metrics",
            queryset=ExperimentMetric.objects.select_related("metric"),
        ),
    )


def _percent(value) -> float | None:
    return float(value) / 100 if value is not None else None


def plan_of(experiment: Experiment) -> ExperimentPlan:
    return ExperimentPlan(
        alpha=_percent(experiment.significance) or 0.05,
        correction=Correction(experiment.correction),
        sequential=experiment.sequential,
        planned_visitors_per_variant=experiment.planned_visitors_per_variant,
        minimum_weeks=experiment.minimum_weeks,
        maximum_weeks=experiment.maximum_weeks,
        started_on=experiment.started_on,
        ended_on=experiment.ended_on,
    )


def metric_plans(experiment: Experiment) -> list[MetricPlan]:
    registered = list(experiment.registered_metrics.all())
    if not registered:
        return [
            MetricPlan(
                key=LEGACY_METRIC_KEY,
                name="Conversions",
                kind=CONVERSION,
                direction=Direction.UP_IS_GOOD,
                role=PRIMARY,
            )
        ]
    return [
        MetricPlan(
            key=r.metric.key,
            name=r.metric.name,
            kind=r.metric.kind,
            direction=Direction(r.metric.direction),
            role=r.role,
            margin=_percent(r.margin),
            value=float(r.metric.value) if r.metric.value is not None else None,
        )
        for r in registered
    ]


def variant_plans(experiment: Experiment, legacy: bool) -> list[VariantPlan]:
    plans = []
    for variant in experiment.variants.all():
        if legacy:
            numbers = {
                LEGACY_METRIC_KEY: Numbers(
                    visitors=variant.visitors, conversions=variant.conversions
                )
            }
        else:
            numbers = {
                result.metric.key: Numbers(
                    visitors=result.visitors,
                    conversions=result.conversions,
                    sum=result.sum,
                    sum_squares=result.sum_squares,
                )
                for result in variant.metric_results.all()
            }
        plans.append(
            VariantPlan(
                name=variant.name,
                is_control=variant.is_control,
                planned_weight=variant.planned_weight,
                visitors=variant.visitors,
                numbers=numbers,
            )
        )
    return plans


def analysis_of(experiment: Experiment) -> Analysis:
    """The analysis of one experiment (prefetch with :func:`with_analysis_data`)."""
    metrics = metric_plans(experiment)
    legacy = metrics[0].key == LEGACY_METRIC_KEY and len(metrics) == 1
    legacy = legacy and not experiment.registered_metrics.all()
    return analyse(
        plan_of(experiment),
        metrics,
        variant_plans(experiment, legacy),
        timezone.localdate(),
    )
