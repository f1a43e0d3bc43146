"""An experiment's analysis: every metric against the control, and its decision.

On plain values (the models are read into them by ``reports``):

* every primary and secondary metric of every challenger is compared with the
  control — conversion goals by the pooled z-test, Wald interval and exact
  chance to beat (``statistics``), mean and count metrics by Welch's t-test
  and the delta-method uplift (``means``); a sequential experiment replaces
  the p-value and interval by the always-valid ones (``sequential``), tuned to
  the planned sample of both arms;
* that family's p-values are adjusted by the experiment's correction and the
  intervals widened to match (``corrections``);
* guardrails get the one-sided verdict against their margin (``guardrails``);
* the visitors per variant get the sample-ratio check;
* progress against the plan, and the recommendation (``decisions``).

Intervals are at the experiment's confidence, 1 − α.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from backlog.experiments import corrections, decisions, guardrails, means, sequential
from backlog.experiments import statistics as stats
from backlog.experiments.corrections import Correction
from backlog.experiments.guardrails import Direction, GuardrailResult, Verdict

CONVERSION, MEAN, COUNT = "conversion", "mean", "count"
PRIMARY, SECONDARY, GUARDRAIL = "primary", "secondary", "guardrail"
DAYS_PER_WEEK = 7


@dataclass(frozen=True)
class MetricPlan:
    key: str
    name: str
    kind: str  # conversion, mean or count
    direction: Direction
    role: str  # primary, secondary or guardrail
    margin: float | None = None  # guardrails: relative, 0.02 for 2 %
    value: float | None = None  # per conversion or unit


@dataclass(frozen=True)
class Numbers:
    """One variant's numbers on one metric."""

    visitors: int
    conversions: int | None = None
    sum: float | None = None
    sum_squares: float | None = None


@dataclass(frozen=True)
class VariantPlan:
    name: str
    is_control: bool
    planned_weight: float
    visitors: int  # assigned: the sample-ratio check counts them
    numbers: dict[str, Numbers] = field(default_factory=dict)  # by metric key


@dataclass(frozen=True)
class ExperimentPlan:
    alpha: float = 0.05
    correction: Correction = Correction.HOLM
    sequential: bool = False
    planned_visitors_per_variant: int | None = None
    minimum_weeks: int | None = None
    maximum_weeks: int | None = None
    started_on: date | None = None
    ended_on: date | None = None


@dataclass(frozen=True)
class Row:
    """One metric × one variant, in the API's keys; None where it does not apply."""

    variant: str
    is_control: bool
    visitors: int | None
    conversions: int | None
    sum: float | None
    sum_squares: float | None
    mean: float | None  # the rate for a conversion goal
    difference: float | None = None
    relative_uplift: float | None = None
    p_value: float | None = None
    adjusted_p_value: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    raw_ci_low: float | None = None
    raw_ci_high: float | None = None
    probability_to_beat: float | None = None
    guardrail: GuardrailResult | None = None
    problem: str | None = None  # why this row has no comparison

    @property
    def has_numbers(self) -> bool:
        return self.visitors is not None

    def significant(self, alpha: float) -> bool:
        p = self.adjusted_p_value
        return p is not None and p < alpha and bool(self.difference)


@dataclass(frozen=True)
class MetricAnalysis:
    metric: MetricPlan
    rows: tuple[Row, ...]

    @property
    def challengers(self) -> tuple[Row, ...]:
        return tuple(r for r in self.rows if not r.is_control)


@dataclass(frozen=True)
class ProgressReport:
    days_running: int
    visitors: int  # per variant, the smallest arm on the primary metric
    planned_visitors: int | None
    minimum_days: int
    maximum_days: int | None
    days_left: int | None  # at the observed traffic; None when unknown
    plan_reached: bool
    under_powered: bool
    looked_early: bool  # a fixed-horizon test read before its planned sample

    @property
    def share_of_plan(self) -> float | None:
        if not self.planned_visitors:
            return None
        return min(1.0, self.visitors / self.planned_visitors)


@dataclass(frozen=True)
class Analysis:
    plan: ExperimentPlan
    metrics: tuple[MetricAnalysis, ...]
    sample_ratio: stats.SampleRatioCheck | None
    progress: ProgressReport
    decision: decisions.Decision | None
    problems: tuple[str, ...] = ()

    @property
    def primary(self) -> MetricAnalysis | None:
        return next((m for m in self.metrics if m.metric.role == PRIMARY), None)

    @property
    def guardrails(self) -> tuple[MetricAnalysis, ...]:
        return tuple(m for m in self.metrics if m.metric.role == GUARDRAIL)

    @property
    def failed_guardrails(self) -> list[tuple[str, str]]:
        """(metric name, variant) of every failed guardrail."""
        return [
            (m.metric.name, r.variant)
            for m in self.guardrails
            for r in m.challengers
            if r.guardrail is not None and r.guardrail.verdict == Verdict.FAILED
        ]

    @property
    def sample_ratio_mismatch(self) -> bool:
        return self.sample_ratio is not None and self.sample_ratio.mismatch


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


class _MeanArms(dict[Numbers, means.MeanArm]):
    """Each variant's mean arm, built once per analysis.

    The control's arm is read by every challenger and a guardrail's twice more;
    its exact variance (fractions of 10⁹-visitor sums) is the costly part.
    """

    def __missing__(self, numbers: Numbers) -> means.MeanArm:
        arm = means.MeanArm(
            visitors=numbers.visitors,
            sum=numbers.sum or 0.0,
            sum_squares=numbers.sum_squares or 0.0,
        )
        self[numbers] = arm
        return arm


def _arm(numbers: Numbers) -> stats.Arm:
    return stats.Arm(visitors=numbers.visitors, conversions=numbers.conversions or 0)


def _numbers_problem(
    metric: MetricPlan, numbers: Numbers | None, mean_arms: _MeanArms
) -> str | None:
    if numbers is None:
        return "No results yet."
    if metric.kind == CONVERSION:
        if numbers.conversions is None:
            return "No conversions reported."
        if numbers.conversions > numbers.visitors:
            return "More conversions than visitors."
        return None
    if numbers.sum is None or numbers.sum_squares is None:
        return "No sum and sum of squares reported."
    try:
        mean_arms[numbers]
    except ValueError as error:
        return str(error)
    return None


@dataclass
class _Comparison:
    """A challenger's comparison before the correction."""

    difference: float | None
    relative_uplift: float | None
    p_value: float | None
    interval: tuple[float, float] | None
    degrees_of_freedom: float | None
    standard_error: float | None
    probability_to_beat: float | None


def _compare_conversions(
    control: Numbers, variant: Numbers, alpha: float
) -> _Comparison:
    c, v = _arm(control), _arm(variant)
    result = stats.compare(c, v)
    interval = stats.difference_interval(c, v, 1 - alpha)
    se = None
    if c.visitors and v.visitors:
        p_c, p_v = c.conversions / c.visitors, v.conversions / v.visitors
        se = math.sqrt(p_c * (1 - p_c) / c.visitors + p_v * (1 - p_v) / v.visitors)
    return _Comparison(
        difference=result.difference,
        relative_uplift=result.relative_uplift,
        p_value=result.p_value,
        interval=interval,
        degrees_of_freedom=None,
        standard_error=se,
        probability_to_beat=result.probability_to_beat,
    )


def _compare_means(c: means.MeanArm, v: means.MeanArm, alpha: float) -> _Comparison:
    result = means.compare_means(c, v, 1 - alpha)
    test = means.welch_test(c, v)
    interval = (
        (result.ci_low, result.ci_high)
        if result.ci_low is not None and result.ci_high is not None
        else None
    )
    return _Comparison(
        difference=result.difference,
        relative_uplift=result.relative_uplift,
        p_value=result.p_value,
        interval=interval,
        degrees_of_freedom=result.degrees_of_freedom,
        standard_error=test.standard_error if test else None,
        probability_to_beat=None,
    )


def _sequential(
    comparison: _Comparison, visitors: int, planned_sample: float, alpha: float
) -> _Comparison:
    if comparison.difference is None or not comparison.standard_error:
        return comparison
    result = sequential.sequential_test(
        comparison.difference,
        comparison.standard_error,
        visitors,
        planned_sample,
        alpha,
    )
    if result is None:
        return comparison
    return _Comparison(
        difference=comparison.difference,
        relative_uplift=comparison.relative_uplift,
        p_value=result.p_value,
        interval=(result.ci_low, result.ci_high),
        degrees_of_freedom=None,
        standard_error=comparison.standard_error,
        probability_to_beat=comparison.probability_to_beat,
    )


def _guardrail(
    metric: MetricPlan,
    control: Numbers,
    variant: Numbers,
    alpha: float,
    mean_arms: _MeanArms,
) -> GuardrailResult:
    margin = metric.margin or 0.0
    if metric.kind == CONVERSION:
        return guardrails.conversion_guardrail(
            _arm(control), _arm(variant), metric.direction, margin, alpha
        )
    return guardrails.mean_guardrail(
        mean_arms[control], mean_arms[variant], metric.direction, margin, alpha
    )


def _base_row(variant: VariantPlan, metric: MetricPlan, numbers: Numbers | None):
    if numbers is None:
        return dict(
            variant=variant.name,
            is_control=variant.is_control,
            visitors=None,
            conversions=None,
            sum=None,
            sum_squares=None,
            mean=None,
        )
    if metric.kind == CONVERSION:
        mean = (
            numbers.conversions / numbers.visitors
            if numbers.visitors and numbers.conversions is not None
            else None
        )
    else:
        mean = (
            numbers.sum / numbers.visitors
            if numbers.visitors and numbers.sum is not None
            else None
        )
    return dict(
        variant=variant.name,
        is_control=variant.is_control,
        visitors=numbers.visitors,
        conversions=numbers.conversions if metric.kind == CONVERSION else None,
        sum=numbers.sum if metric.kind != CONVERSION else None,
        sum_squares=numbers.sum_squares if metric.kind != CONVERSION else None,
        mean=mean,
    )


def _progress(
    plan: ExperimentPlan,
    variants: Sequence[VariantPlan],
    primary_key: str | None,
    today: date,
) -> ProgressReport:
    today = plan.ended_on or today
    days = (today - plan.started_on).days + 1 if plan.started_on else 0
    days = max(0, days)
    per_arm = []
    for v in variants:
        numbers = v.numbers.get(primary_key) if primary_key else None
        per_arm.append(numbers.visitors if numbers is not None else v.visitors)
    visitors = min(per_arm) if per_arm else 0
    planned = plan.planned_visitors_per_variant
    minimum_days = (plan.minimum_weeks or 0) * DAYS_PER_WEEK
    maximum_days = plan.maximum_weeks * DAYS_PER_WEEK if plan.maximum_weeks else None
    reached = (planned is None or visitors >= planned) and days >= minimum_days
    days_left: int | None = None
    if reached:
        days_left = 0
    elif planned is not None and visitors < planned:
        if days and visitors:
            daily = visitors / days
            days_left = max(math.ceil((planned - visitors) / daily), 0)
            days_left = max(days_left, minimum_days - days)
    else:
        days_left = max(minimum_days - days, 0)
    under_powered = (
        maximum_days is not None
        and days_left is not None
        and days + days_left > maximum_days
    )
    looked_early = (
        not plan.sequential
        and planned is not None
        and visitors < planned
        and plan.ended_on is None
    )
    return ProgressReport(
        days_running=days,
        visitors=visitors,
        planned_visitors=planned,
        minimum_days=minimum_days,
        maximum_days=maximum_days,
        days_left=days_left,
        plan_reached=reached,
        under_powered=under_powered,
        looked_early=looked_early,
    )


def analyse(
    plan: ExperimentPlan,
    metrics: Sequence[MetricPlan],
    variants: Sequence[VariantPlan],
    today: date,
) -> Analysis:
    """The whole analysis of an experiment from its plan and numbers, as of today."""
    alpha = plan.alpha
    control = next((v for v in variants if v.is_control), None)
    problems: list[str] = []
    if control is None:
        problems.append("No variant is marked as the control.")
    if len([v for v in variants if not v.is_control]) < 1:
        problems.append("There is no challenger to compare with the control.")

    # First pass: raw comparisons of the corrected family.
    raw: dict[tuple[str, str], _Comparison] = {}
    row_problems: dict[tuple[str, str], str] = {}
    guard: dict[tuple[str, str], GuardrailResult] = {}
    mean_arms = _MeanArms()
    planned_sample = (
        2 * plan.planned_visitors_per_variant
        if plan.planned_visitors_per_variant
        else None
    )
    for metric in metrics:
        for variant in variants:
            if control is None or variant is control:
                continue
            key = (metric.key, variant.name)
            c_numbers = control.numbers.get(metric.key)
            v_numbers = variant.numbers.get(metric.key)
            problem = _numbers_problem(
                metric, c_numbers, mean_arms
            ) or _numbers_problem(metric, v_numbers, mean_arms)
            if problem is not None or c_numbers is None or v_numbers is None:
                row_problems[key] = problem or "No results yet."
                continue
            if metric.role == GUARDRAIL:
                guard[key] = _guardrail(metric, c_numbers, v_numbers, alpha, mean_arms)
            if metric.kind == CONVERSION:
                comparison = _compare_conversions(c_numbers, v_numbers, alpha)
            else:
                comparison = _compare_means(
                    mean_arms[c_numbers], mean_arms[v_numbers], alpha
                )
            if plan.sequential and planned_sample:
                comparison = _sequential(
                    comparison,
                    c_numbers.visitors + v_numbers.visitors,
                    planned_sample,
                    alpha,
                )
            raw[key] = comparison

    family = [
        key
        for metric in metrics
        if metric.role in (PRIMARY, SECONDARY)
        for key in raw
        if key[0] == metric.key and raw[key].p_value is not None
    ]
    adjusted = dict(
        zip(
            family,
            corrections.adjust([raw[k].p_value or 0.0 for k in family], plan.correction)
            if family
            else [],
            strict=True,
        )
    )

    analyses = []
    for metric in metrics:
        rows = []
        for variant in variants:
            numbers = variant.numbers.get(metric.key)
            base = _base_row(variant, metric, numbers)
            key = (metric.key, variant.name)
            if variant is control or key not in raw:
                rows.append(Row(**base, problem=row_problems.get(key)))
                continue
            c = raw[key]
            p_adj = adjusted.get(key, c.p_value if metric.role == GUARDRAIL else None)
            interval = c.interval
            shown = interval
            # Only a p-value the correction raised widens its interval: without
            # a correction (or in a family of one) the interval is the test's
            # own, not one implied by the pooled z-test's p-value.
            if (
                interval is not None
                and c.difference is not None
                and key in adjusted
                and c.p_value is not None
                and adjusted[key] > c.p_value
            ):
                shown = corrections.widened_interval(
                    c.difference,
                    interval,
                    adjusted[key],
                    alpha,
                    c.degrees_of_freedom,
                )
            rows.append(
                Row(
                    **base,
                    difference=_finite(c.difference),
                    relative_uplift=_finite(c.relative_uplift),
                    p_value=c.p_value,
                    adjusted_p_value=p_adj,
                    ci_low=_finite(shown[0]) if shown else None,
                    ci_high=_finite(shown[1]) if shown else None,
                    raw_ci_low=_finite(interval[0]) if interval else None,
                    raw_ci_high=_finite(interval[1]) if interval else None,
                    probability_to_beat=c.probability_to_beat,
                    guardrail=guard.get(key),
                )
            )
        analyses.append(MetricAnalysis(metric=metric, rows=tuple(rows)))

    sample_ratio = None
    if len(variants) >= 2:
        sample_ratio = stats.sample_ratio_check(
            [v.visitors for v in variants], [v.planned_weight for v in variants]
        )
    primary = next((m for m in metrics if m.role == PRIMARY), None)
    progress = _progress(plan, variants, primary.key if primary else None, today)
    decision = None
    if primary is not None and control is not None and not problems:
        primary_rows = next(a for a in analyses if a.metric is primary).challengers
        evidence = []
        for row in primary_rows:
            verdicts = {
                a.metric.name: r.guardrail.verdict
                for a in analyses
                if a.metric.role == GUARDRAIL
                for r in a.challengers
                if r.variant == row.variant and r.guardrail is not None
            }
            evidence.append(
                decisions.ChallengerEvidence(
                    name=row.variant,
                    primary_adjusted_p=row.adjusted_p_value,
                    primary_difference=row.difference,
                    guardrails=verdicts,
                )
            )
        if evidence:
            decision = decisions.decide(
                evidence,
                primary.direction,
                decisions.Progress(
                    visitors=progress.visitors,
                    planned_visitors=progress.planned_visitors or 0,
                    days_running=progress.days_running,
                    minimum_days=progress.minimum_days,
                ),
                sample_ratio_mismatch=sample_ratio is not None
                and sample_ratio.mismatch,
                alpha=alpha,
            )
    elif primary is None:
        problems.append("No primary metric is registered.")
    return Analysis(
        plan=plan,
        metrics=tuple(analyses),
        sample_ratio=sample_ratio,
        progress=progress,
        decision=decision,
        problems=tuple(problems),
    )
