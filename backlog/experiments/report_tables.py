"""An experiment's analysis laid out for its page and its share link.

The numbers are :func:`backlog.experiments.reports.analysis_of`'s, untouched:
this module only groups them into one table per metric (primary, then
secondary, then guardrails), says for each challenger whether its change is
significant and for the better, and draws its interval as an SVG bar on a
scale shared by the metric's challengers.
"""

from dataclasses import dataclass

from django.utils.safestring import SafeString, mark_safe

from backlog.experiments import interval_charts
from backlog.experiments.analysis import (
    CONVERSION,
    GUARDRAIL,
    PRIMARY,
    SECONDARY,
    Analysis,
    MetricAnalysis,
    Row,
)
from backlog.experiments.decisions import Recommendation
from backlog.experiments.guardrails import Direction, Verdict
from backlog.experiments.reports import analysis_of
from backlog.models import ChangeKind, CorrectionMethod, Experiment, ExperimentChange

ROLE_ORDER = {PRIMARY: 0, SECONDARY: 1, GUARDRAIL: 2}


@dataclass(frozen=True)
class ResultLine:
    row: Row
    significant: bool
    good: bool | None  # the change is in the metric's good direction; None: no change
    chart: SafeString | None

    @property
    def verdict(self) -> str | None:
        guardrail = self.row.guardrail
        return guardrail.verdict.value if guardrail is not None else None


@dataclass(frozen=True)
class MetricTable:
    analysis: MetricAnalysis
    lines: tuple[ResultLine, ...]
    margin_difference: float | None  # a guardrail's margin as a difference

    @property
    def metric(self):
        return self.analysis.metric

    @property
    def is_conversion(self) -> bool:
        return self.metric.kind == CONVERSION

    @property
    def is_guardrail(self) -> bool:
        return self.metric.role == GUARDRAIL

    @property
    def control(self) -> Row | None:
        return next((r for r in self.analysis.rows if r.is_control), None)

    @property
    def comparison_columns(self) -> int:
        """The table's columns after the rate or mean."""
        return 6 + self.is_conversion + self.is_guardrail

    @property
    def failed(self) -> bool:
        return any(line.verdict == Verdict.FAILED for line in self.lines)


@dataclass(frozen=True)
class VariantProgress:
    name: str
    visitors: int | None
    planned: int | None

    @property
    def percent(self) -> int | None:
        if not self.planned or self.visitors is None:
            return None
        return min(100, round(self.visitors / self.planned * 100))


@dataclass(frozen=True)
class Report:
    experiment: Experiment
    analysis: Analysis
    tables: tuple[MetricTable, ...]
    variants: tuple[VariantProgress, ...]

    @property
    def decision(self):
        return self.analysis.decision

    @property
    def recommendation(self) -> Recommendation | None:
        decision = self.analysis.decision
        return decision.recommendation if decision is not None else None

    @property
    def confidence(self) -> float:
        return 1 - self.analysis.plan.alpha

    @property
    def failed_guardrails(self) -> list[tuple[str, str]]:
        return self.analysis.failed_guardrails

    @property
    def correction_label(self) -> str:
        return str(CorrectionMethod(self.analysis.plan.correction.value).label)


def _good(difference: float | None, direction: Direction) -> bool | None:
    if not difference:
        return None
    return difference > 0 if direction == Direction.UP_IS_GOOD else difference < 0


def _margin_difference(metric_analysis: MetricAnalysis) -> float | None:
    """The guardrail's margin, relative to the control, as a difference of means."""
    metric = metric_analysis.metric
    control = next((r for r in metric_analysis.rows if r.is_control), None)
    if metric.role != GUARDRAIL or not metric.margin or control is None:
        return None
    if control.mean is None:
        return None
    allowed = metric.margin * abs(control.mean)
    return -allowed if metric.direction == Direction.UP_IS_GOOD else allowed


def _describe(row: Row, metric_name: str, confidence: float) -> str:
    if row.ci_low is None or row.ci_high is None:
        return f"{row.variant} against the control on {metric_name}: no interval."
    return (
        f"{row.variant} minus the control on {metric_name}: "
        f"{row.difference:.6g}, {confidence:.0%} interval from {row.ci_low:.6g} "
        f"to {row.ci_high:.6g}."
    )


def _table(
    metric_analysis: MetricAnalysis, experiment_pk: int, analysis: Analysis
) -> MetricTable:
    metric = metric_analysis.metric
    alpha = analysis.plan.alpha
    margin = _margin_difference(metric_analysis)
    challengers = metric_analysis.challengers
    scale = interval_charts.scale_for(
        [v for r in challengers for v in (r.ci_low, r.ci_high, r.difference)] + [margin]
    )
    lines = []
    for position, row in enumerate(metric_analysis.rows):
        if row.is_control:
            lines.append(ResultLine(row, significant=False, good=None, chart=None))
            continue
        good = _good(row.difference, metric.direction)
        if metric.role == GUARDRAIL:
            verdict = row.guardrail.verdict if row.guardrail else None
            significant = verdict in (Verdict.PASSED, Verdict.FAILED)
            colour = interval_charts.colour_for(
                significant=significant, good=verdict == Verdict.PASSED
            )
        else:
            significant = row.significant(alpha)
            colour = interval_charts.colour_for(significant=significant, good=good)
        chart = None
        if row.difference is not None:
            chart = mark_safe(  # noqa: S308 - interval_charts escapes every text
                interval_charts.interval_bar(
                    low=row.ci_low,
                    high=row.ci_high,
                    estimate=row.difference,
                    scale=scale,
                    colour=colour,
                    title=f"{row.variant}: {metric.name}",
                    description=_describe(row, metric.name, 1 - alpha),
                    chart_id=f"ci-{experiment_pk}-{metric.key}-{position}",
                    margin=margin,
                )
            )
        lines.append(ResultLine(row, significant=significant, good=good, chart=chart))
    return MetricTable(metric_analysis, tuple(lines), margin)


def report_of(experiment: Experiment) -> Report:
    """The experiment's report (prefetch with ``reports.with_analysis_data``)."""
    analysis = analysis_of(experiment)
    ordered = sorted(analysis.metrics, key=lambda m: ROLE_ORDER.get(m.metric.role, 3))
    tables = tuple(_table(m, experiment.pk, analysis) for m in ordered)
    planned = analysis.plan.planned_visitors_per_variant
    primary = analysis.primary
    variants = tuple(
        VariantProgress(row.variant, row.visitors, planned)
        for row in (primary.rows if primary is not None else ())
    )
    return Report(experiment, analysis, tables, variants)


@dataclass(frozen=True)
class ChangedValue:
    name: str
    before: str
    after: str


@dataclass(frozen=True)
class HistoryEntry:
    change: ExperimentChange
    values: tuple[ChangedValue, ...]


def _plain(value) -> str:
    if value is None or value == "" or value == []:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return "; ".join(_plain(item) for item in value)
    if isinstance(value, dict):
        return ", ".join(
            f"{key.replace('_', ' ')} {_plain(item)}" for key, item in value.items()
        )
    return str(value)


def history_of(experiment: Experiment) -> list[HistoryEntry]:
    """The experiment's history, newest first; a plan change with what changed."""
    entries = []
    for change in experiment.changes.select_related("changed_by"):
        values: list[ChangedValue] = []
        if change.kind == ChangeKind.PLAN:
            values = [
                ChangedValue(
                    key.replace("_", " "),
                    _plain(change.before.get(key)),
                    _plain(value),
                )
                for key, value in change.after.items()
                if change.before.get(key) != value
            ]
        entries.append(HistoryEntry(change, tuple(values)))
    return entries
