"""Pre-registering an experiment, changing its plan, and storing its results.

The plan (metrics with roles and margins, variants with planned shares, the
minimum detectable effect, significance, power, correction, sequential or not,
planned sample and runtime) is registered before the test starts. Once the
test has started, a change to the plan needs a reason, and the history keeps
what it was before and after. Results replace the stored numbers as a whole;
an equal set changes nothing, a different one is kept in the history too.
"""

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from backlog.experiments.statistics import MAX_VISITORS
from backlog.models import (
    ChangeKind,
    CorrectionMethod,
    Experiment,
    ExperimentChange,
    ExperimentMetric,
    Hypothesis,
    Metric,
    MetricKind,
    MetricResult,
    MetricRole,
    Variant,
)
from backlog.models.experiments import PLAN_FIELDS
from cromaturity import freshness

# The most a plan may register: every analysis of that many stays quick.
MAX_VARIANTS = 10
MAX_METRICS = 20


class RegistrationError(ValueError):
    """A plan or a set of results that cannot stand; the message is for people."""


@dataclass(frozen=True)
class PlannedVariant:
    name: str
    is_control: bool = False
    planned_weight: int = 1


@dataclass(frozen=True)
class RegisteredMetric:
    metric: Metric
    role: str
    margin: Decimal | None = None  # percent, guardrails only


@dataclass(frozen=True)
class PlanSettings:
    baseline_rate: Decimal | None = None  # percent, what the sample was sized from
    minimum_detectable_effect: Decimal | None = None
    significance: Decimal | None = None
    power: Decimal | None = None
    sequential: bool = False
    correction: str = CorrectionMethod.HOLM
    planned_visitors_per_variant: int | None = None
    minimum_weeks: int | None = None
    maximum_weeks: int | None = None


@dataclass(frozen=True)
class ResultInput:
    """One variant's numbers on one metric, as a tool or a person reports them."""

    variant: str
    metric: str  # the metric's key
    visitors: int
    conversions: int | None = None
    sum: float | None = None
    sum_squares: float | None = None


@dataclass(frozen=True)
class RunDetails:
    """What an experiment is called, when it ran, and notes on it: facts of the
    run, not of its plan, so changing them needs no reason."""

    name: str
    started_on: date | None
    ended_on: date | None
    notes: str = ""


RUN_FIELDS = ("name", "started_on", "ended_on", "notes")


def _run_snapshot(experiment: Experiment) -> dict:
    values = {name: getattr(experiment, name) for name in RUN_FIELDS}
    return {
        name: value.isoformat() if isinstance(value, date) else value
        for name, value in values.items()
    }


@transaction.atomic
def update_run(
    experiment: Experiment, details: RunDetails, *, by, today: date | None = None
) -> bool:
    """Rename the experiment, set when it started and ended, or its notes.
    True when something changed; the history keeps before and after."""
    today = today or timezone.localdate()
    name = " ".join(details.name.split())
    if not name:
        raise RegistrationError("Give the test a name.")
    if details.ended_on is not None:
        if details.started_on is None:
            raise RegistrationError("Give the start date of a test that has ended.")
        if details.ended_on < details.started_on:
            raise RegistrationError("The test cannot end before it started.")
        if details.ended_on > today:
            raise RegistrationError(
                "The end date is in the future: set it once the test has ended."
            )
    experiment = Experiment.objects.select_for_update().get(pk=experiment.pk)
    before = _run_snapshot(experiment)
    experiment.name = name
    experiment.started_on = details.started_on
    experiment.ended_on = details.ended_on
    experiment.notes = details.notes.strip()
    after = _run_snapshot(experiment)
    if after == before:
        return False
    try:
        experiment.full_clean(exclude=["hypothesis", "created_by"])
    except ValidationError as error:
        raise RegistrationError(
            " ".join(" ".join(m) for m in error.message_dict.values())
        ) from error
    experiment.save(update_fields=[*RUN_FIELDS, "updated_at"])
    labels = {
        "name": "name",
        "started_on": "start date",
        "ended_on": "end date",
        "notes": "notes",
    }
    ExperimentChange.objects.create(
        experiment=experiment,
        kind=ChangeKind.RUN,
        summary="Changed: "
        + ", ".join(labels[k] for k in RUN_FIELDS if after[k] != before[k]),
        before=before,
        after=after,
        changed_by=by,
    )
    return True


def has_started(experiment: Experiment, today: date | None = None) -> bool:
    today = today or timezone.localdate()
    return experiment.started_on is not None and experiment.started_on <= today


def check_plan(
    variants: Sequence[PlannedVariant],
    metrics: Sequence[RegisteredMetric],
    settings: PlanSettings,
    organisation,
) -> None:
    if len(variants) < 2:
        raise RegistrationError(
            "A test needs at least two variants: a control and one more."
        )
    if len(variants) > MAX_VARIANTS:
        raise RegistrationError(
            f"A test has at most {MAX_VARIANTS} variants, the control included."
        )
    if sum(1 for v in variants if v.is_control) != 1:
        raise RegistrationError("Mark exactly one variant as the control.")
    names = [v.name.strip().lower() for v in variants]
    if any(not n for n in names):
        raise RegistrationError("Give every variant a name.")
    if len(set(names)) != len(names):
        raise RegistrationError("Give every variant a different name.")
    if any(v.planned_weight < 1 for v in variants):
        raise RegistrationError("Every variant's planned share must be at least 1.")
    if not metrics:
        raise RegistrationError("Register at least the primary metric.")
    if len(metrics) > MAX_METRICS:
        raise RegistrationError(f"Register at most {MAX_METRICS} metrics.")
    primaries = [m for m in metrics if m.role == MetricRole.PRIMARY]
    if len(primaries) != 1:
        raise RegistrationError("Choose exactly one primary metric.")
    keys = [m.metric.pk for m in metrics]
    if len(set(keys)) != len(keys):
        raise RegistrationError("Register each metric once.")
    for m in metrics:
        if m.metric.organisation_id != organisation.pk:
            raise RegistrationError(f"The metric “{m.metric}” is not yours.")
        if m.role not in MetricRole.values:
            raise RegistrationError(f"“{m.role}” is not a metric role.")
        if m.role == MetricRole.GUARDRAIL:
            if m.margin is None or not 0 < m.margin <= 100:
                raise RegistrationError(
                    f"Give the guardrail “{m.metric}” a non-inferiority margin "
                    "between 0.1 % and 100 %."
                )
        elif m.margin is not None:
            raise RegistrationError(
                f"Only guardrails have a margin; “{m.metric}” is "
                f"{MetricRole(m.role).label.lower()}."
            )
    if settings.correction not in CorrectionMethod.values:
        raise RegistrationError("Choose Holm–Bonferroni, Benjamini–Hochberg or none.")
    if (
        settings.minimum_weeks is not None
        and settings.maximum_weeks is not None
        and settings.maximum_weeks < settings.minimum_weeks
    ):
        raise RegistrationError(
            "The maximum runtime cannot be shorter than the minimum runtime."
        )
    if settings.sequential and not settings.planned_visitors_per_variant:
        raise RegistrationError(
            "A sequential test is tuned to its planned sample: give the planned "
            "visitors per variant."
        )


def plan_snapshot(experiment: Experiment) -> dict:
    """The registered plan as plain JSON, for the history."""
    values = {}
    for name in PLAN_FIELDS:
        value = getattr(experiment, name)
        values[name] = str(value) if isinstance(value, Decimal) else value
    values["metrics"] = [
        {
            "metric": r.metric.key,
            "role": r.role,
            "margin": str(r.margin) if r.margin is not None else None,
        }
        for r in experiment.registered_metrics.select_related("metric")
    ]
    values["variants"] = [
        {"name": v.name, "control": v.is_control, "planned_share": v.planned_weight}
        for v in experiment.variants.all()
    ]
    return values


def _label(name: str) -> str:
    field = Experiment._meta.get_field(name)
    return str(getattr(field, "verbose_name", name)).capitalize()


def _apply_plan(
    experiment: Experiment,
    variants: Sequence[PlannedVariant],
    metrics: Sequence[RegisteredMetric],
    settings: PlanSettings,
) -> None:
    for name, value in asdict(settings).items():
        setattr(experiment, name, value)
    try:
        experiment.full_clean(exclude=["hypothesis", "created_by"])
    except ValidationError as error:
        raise RegistrationError(
            " ".join(
                f"{_label(name)}: {' '.join(messages)}"
                if name in PLAN_FIELDS
                else " ".join(messages)
                for name, messages in error.message_dict.items()
            )
        ) from error
    experiment.save()
    # As stored: 5 becomes 5.0, so that an equal plan compares equal.
    experiment.refresh_from_db(fields=PLAN_FIELDS)
    experiment.registered_metrics.all().delete()
    ExperimentMetric.objects.bulk_create(
        ExperimentMetric(
            experiment=experiment,
            metric=m.metric,
            role=m.role,
            margin=m.margin if m.role == MetricRole.GUARDRAIL else None,
            position=position,
        )
        for position, m in enumerate(metrics)
    )
    # Variants keep their rows (and results) by name; new ones are added and
    # the ones no longer planned removed.
    existing = {v.name.lower(): v for v in experiment.variants.all()}
    keep = set()
    for position, planned in enumerate(variants):
        name = planned.name.strip()
        variant = existing.get(name.lower())
        if variant is None:
            variant = Variant(experiment=experiment, name=name)
        variant.name = name
        variant.is_control = False
        variant.planned_weight = planned.planned_weight
        variant.position = position
        variant.save()
        keep.add(variant.pk)
    experiment.variants.exclude(pk__in=keep).delete()
    control = next(v for v in variants if v.is_control)
    experiment.variants.filter(name__iexact=control.name.strip()).update(
        is_control=True
    )


@transaction.atomic
def register_experiment(
    hypothesis: Hypothesis,
    *,
    name: str,
    variants: Sequence[PlannedVariant],
    metrics: Sequence[RegisteredMetric],
    settings: PlanSettings,
    by,
    started_on: date | None = None,
    notes: str = "",
) -> Experiment:
    """A new experiment with its pre-registered plan."""
    check_plan(variants, metrics, settings, hypothesis.organisation)
    experiment = Experiment(
        hypothesis=hypothesis,
        name=name.strip() or "A/B test",
        started_on=started_on,
        notes=notes,
        created_by=by,
        registered_at=timezone.now(),
    )
    _apply_plan(experiment, variants, metrics, settings)
    ExperimentChange.objects.create(
        experiment=experiment,
        kind=ChangeKind.REGISTERED,
        summary="Plan registered"
        + (" after the start" if has_started(experiment) else " before the start"),
        after=plan_snapshot(experiment),
        changed_by=by,
    )
    return experiment


@transaction.atomic
def change_plan(
    experiment: Experiment,
    *,
    variants: Sequence[PlannedVariant],
    metrics: Sequence[RegisteredMetric],
    settings: PlanSettings,
    by,
    reason: str = "",
) -> bool:
    """Change the plan; True when something changed. Running: a reason is needed."""
    check_plan(variants, metrics, settings, experiment.hypothesis.organisation)
    experiment = Experiment.objects.select_for_update().get(pk=experiment.pk)
    before = plan_snapshot(experiment)
    started = has_started(experiment)
    with transaction.atomic():
        _apply_plan(experiment, variants, metrics, settings)
        after = plan_snapshot(experiment)
        if after == before:
            return False
        if started and not reason.strip():
            raise RegistrationError(
                "The test is running: say why its plan changes. The reason is "
                "kept in the experiment's history."
            )
    if experiment.registered_at is None:
        experiment.registered_at = timezone.now()
        experiment.save(update_fields=["registered_at"])
    changed = sorted(k for k in after if after[k] != before.get(k))
    ExperimentChange.objects.create(
        experiment=experiment,
        kind=ChangeKind.PLAN,
        summary="Changed: " + ", ".join(k.replace("_", " ") for k in changed),
        reason=reason.strip(),
        before=before,
        after=after,
        changed_by=by,
    )
    return True


def check_results(experiment: Experiment, results: Sequence[ResultInput]) -> None:
    variants = {v.name.lower(): v for v in experiment.variants.all()}
    metrics = {
        r.metric.key: r.metric
        for r in experiment.registered_metrics.select_related("metric")
    }
    seen = set()
    for r in results:
        where = f"{r.variant} · {r.metric}"
        if r.variant.strip().lower() not in variants:
            raise RegistrationError(f"“{r.variant}” is not a variant of this test.")
        metric = metrics.get(r.metric)
        if metric is None:
            raise RegistrationError(
                f"“{r.metric}” is not a metric registered for this test."
            )
        key = (r.variant.strip().lower(), r.metric)
        if key in seen:
            raise RegistrationError(f"{where} is given twice.")
        seen.add(key)
        if not 0 <= r.visitors <= MAX_VISITORS:
            raise RegistrationError(
                f"{where}: visitors must be between 0 and {MAX_VISITORS:,}."
            )
        if metric.kind == MetricKind.CONVERSION:
            if r.conversions is None:
                raise RegistrationError(f"{where}: give the conversions.")
            if not 0 <= r.conversions <= r.visitors:
                raise RegistrationError(
                    f"{where}: conversions must be between 0 and the visitors."
                )
            if r.sum is not None or r.sum_squares is not None:
                raise RegistrationError(
                    f"{where}: a conversion goal has conversions, not a sum."
                )
        else:
            if r.sum is None or r.sum_squares is None:
                raise RegistrationError(f"{where}: give the sum and sum of squares.")
            if r.conversions is not None:
                raise RegistrationError(
                    f"{where}: a {metric.get_kind_display().lower()} metric has a "
                    "sum and sum of squares, not conversions."
                )
            if r.sum_squares < 0:
                raise RegistrationError(
                    f"{where}: the sum of squares cannot be negative."
                )
            if r.visitors and r.sum_squares < r.sum**2 / r.visitors * (1 - 1e-9):
                raise RegistrationError(
                    f"{where}: the sum of squares is too small for the sum; "
                    "check the export."
                )
            if not r.visitors and (r.sum or r.sum_squares):
                raise RegistrationError(f"{where}: no visitors but a sum.")


def results_snapshot(experiment: Experiment) -> list[dict]:
    """The stored results as plain JSON, in a stable order."""
    return sorted(
        (
            {
                "variant": r.variant.name,
                "metric": r.metric.key,
                "visitors": r.visitors,
                "conversions": r.conversions,
                "sum": r.sum,
                "sum_squares": r.sum_squares,
            }
            for r in MetricResult.objects.filter(
                variant__experiment=experiment
            ).select_related("variant", "metric")
        ),
        key=lambda row: (row["variant"].lower(), row["metric"]),
    )


@transaction.atomic
def record_results(
    experiment: Experiment,
    results: Sequence[ResultInput],
    *,
    by,
    source: str,
) -> bool:
    """Replace the experiment's results; False when they equal the stored ones.

    Variants and metrics not in the new set lose their numbers too: a results
    file or API call states the whole picture. Each variant's assigned
    visitors (for the sample-ratio check) become its primary metric's
    visitors, or the largest reported for it.
    """
    experiment = Experiment.objects.select_for_update().get(pk=experiment.pk)
    check_results(experiment, results)
    variants = {v.name.lower(): v for v in experiment.variants.all()}
    metrics = {
        r.metric.key: r for r in experiment.registered_metrics.select_related("metric")
    }
    before = results_snapshot(experiment)
    new = sorted(
        (
            ResultInput(
                variant=variants[r.variant.strip().lower()].name,
                metric=r.metric,
                visitors=r.visitors,
                conversions=r.conversions,
                sum=float(r.sum) if r.sum is not None else None,
                sum_squares=float(r.sum_squares) if r.sum_squares is not None else None,
            )
            for r in results
        ),
        key=lambda row: (row.variant.lower(), row.metric),
    )
    if [asdict(row) for row in new] == before:
        return False
    MetricResult.objects.filter(variant__experiment=experiment).delete()
    MetricResult.objects.bulk_create(
        MetricResult(
            variant=variants[row.variant.lower()],
            metric=metrics[row.metric].metric,
            visitors=row.visitors,
            conversions=row.conversions,
            sum=row.sum,
            sum_squares=row.sum_squares,
        )
        for row in new
    )
    primary = next(
        (k for k, r in metrics.items() if r.role == MetricRole.PRIMARY), None
    )
    for variant in variants.values():
        rows = [row for row in new if row.variant == variant.name]
        on_primary = [row for row in rows if row.metric == primary]
        visitors = (
            on_primary[0].visitors
            if on_primary
            else max((row.visitors for row in rows), default=0)
        )
        conversions = on_primary[0].conversions if on_primary else None
        variant.visitors = visitors
        variant.conversions = min(conversions or 0, visitors)
        variant.save(update_fields=["visitors", "conversions"])
    ExperimentChange.objects.create(
        experiment=experiment,
        kind=ChangeKind.RESULTS,
        summary=f"Results from {source}"
        + (" replaced the earlier ones" if before else ""),
        before={"results": before},
        after={"results": [asdict(row) for row in new]},
        changed_by=by,
    )
    Experiment.objects.filter(pk=experiment.pk).update(updated_at=timezone.now())
    # Bulk writes send no signals: the cached list flags failed guardrails.
    freshness.touch(experiment.hypothesis.organisation_id)
    return True
