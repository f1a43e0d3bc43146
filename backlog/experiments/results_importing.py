"""Bringing a testing tool's results file into one experiment.

An upload is read at once (results files are small) and kept as a preview:
the rows read, the lines rejected with their reasons and a proposed mapping of
the file's names to the experiment's variants and metrics; the file itself is
not kept. Applying the confirmed mapping records the mapped rows as the
experiment's results (backlog.experiments.registration.record_results): the
same numbers again change nothing, other numbers replace the stored ones and
the history keeps those. Either the whole import is applied or nothing is.
"""

import hashlib
from dataclasses import asdict, dataclass
from pathlib import PurePath

from django.db import transaction
from django.utils import timezone

from backlog.experiments import results_mapping
from backlog.experiments.registration import (
    RegistrationError,
    ResultInput,
    record_results,
)
from backlog.experiments.results_files import (
    TOOLS,
    ResultRow,
    ResultsFileError,
    read_results,
)
from backlog.experiments.results_mapping import Choices, Target
from backlog.models import (
    Experiment,
    MetricResult,
    ResultsImport,
    ResultsImportStatus,
)

# An experiment has a handful of variants and metrics; a file naming hundreds
# is not one experiment's results (and would make a mapping form of hundreds).
MAX_VARIANT_NAMES = 50
MAX_METRIC_NAMES = 200
DONE = (ResultsImportStatus.APPLIED, ResultsImportStatus.UNCHANGED)


class ResultsImportRefused(ValueError):
    """The import cannot be applied as it stands; the messages are for people."""

    def __init__(self, problems: list[str]):
        super().__init__(" ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Outcome:
    results_import: ResultsImport
    changed: bool

    def line(self) -> str:
        report = self.results_import.report
        return (
            f"applied={report['applied']} ignored={report['ignored']} "
            f"rejected={len(report['rejected'])} "
            f"results={'replaced' if self.changed else 'unchanged'}"
        )


def tool_label(key: str) -> str:
    return TOOLS.get(key, key)


def variant_targets(experiment: Experiment) -> list[Target]:
    return [
        Target(value=v.name, label=v.name, names=(v.name,), is_control=v.is_control)
        for v in experiment.variants.all()
    ]


def metric_targets(experiment: Experiment) -> list[Target]:
    return [
        Target(
            value=r.metric.key,
            label=r.metric.name,
            names=(r.metric.name, r.metric.key),
            conversions=r.metric.is_conversion,
            kind_label=r.metric.get_kind_display(),
        )
        for r in experiment.registered_metrics.select_related("metric")
    ]


def last_applied(experiment: Experiment) -> ResultsImport | None:
    """The import whose numbers the experiment holds, if any did."""
    return (
        experiment.results_imports.filter(status__in=DONE)
        .order_by("-applied_at", "-pk")
        .first()
    )


def stored_rows(results_import: ResultsImport) -> list[ResultRow]:
    return [ResultRow(**row) for row in results_import.rows]


def names_in(rows: list[ResultRow]) -> tuple[list[str], list[str]]:
    """The file's variant and metric names, each once, in file order."""
    return (
        list(dict.fromkeys(row.variant for row in rows)),
        list(dict.fromkeys(row.metric for row in rows)),
    )


def prepare_results_import(
    experiment: Experiment,
    data: bytes,
    *,
    filename: str,
    tool: str | None = None,
    by,
) -> ResultsImport:
    """Read a results file into a preview with a proposed mapping.

    Raises ResultsFileError when the file cannot be read as a whole.
    """
    filename = PurePath(filename.replace("\\", "/")).name[:255]
    parsed = read_results(data, filename, tool)
    variants, metrics = parsed.variants, parsed.metrics
    for names, limit, what in (
        (variants, MAX_VARIANT_NAMES, "variants"),
        (metrics, MAX_METRIC_NAMES, "metrics"),
    ):
        if len(names) > limit:
            raise ResultsFileError(
                f"“{filename}” names {len(names):,} {what}; one experiment's "
                f"results have at most {limit}. Export this test's results only."
            )
    earlier = last_applied(experiment)
    remembered = earlier.mapping if earlier else {}
    return ResultsImport.objects.create(
        experiment=experiment,
        tool=parsed.tool,
        filename=filename,
        digest=hashlib.sha256(data).hexdigest(),
        rows=[asdict(row) for row in parsed.rows],
        mapping={
            "variants": results_mapping.propose(
                variants, variant_targets(experiment), remembered.get("variants", {})
            ),
            "metrics": results_mapping.propose(
                metrics, metric_targets(experiment), remembered.get("metrics", {})
            ),
        },
        report={
            "rejected": [{"line": r.line, "reason": r.reason} for r in parsed.rejected],
        },
        uploaded_by=by,
    )


def same_file_applied(results_import: ResultsImport) -> ResultsImport | None:
    """The last applied import, when it was this very file."""
    earlier = last_applied(results_import.experiment)
    if (
        earlier is not None
        and earlier.pk != results_import.pk
        and earlier.digest == results_import.digest
    ):
        return earlier
    return None


@dataclass(frozen=True)
class LeftOut:
    """The experiment's variants and metrics that a mapping gives nothing."""

    names: list[str]  # in words: the variant “B”, the metric “Revenue”
    losing_numbers: bool  # some of them have stored numbers, which go


def left_out(experiment: Experiment, variants: Choices, metrics: Choices) -> LeftOut:
    """What the mapping leaves without numbers.

    Results are replaced as a whole, so stored numbers of a variant or metric
    that nothing maps to are removed when the import is applied.
    """
    mapped_variants = {v.casefold() for v in variants.values() if v}
    mapped_metrics = {m for m in metrics.values() if m}
    stored = MetricResult.objects.filter(variant__experiment=experiment)
    with_numbers = {
        name.casefold() for name in stored.values_list("variant__name", flat=True)
    }
    keys_with_numbers = set(stored.values_list("metric__key", flat=True))
    names, losing = [], False
    for target in variant_targets(experiment):
        if target.value.casefold() not in mapped_variants:
            names.append(f"the variant “{target.label}”")
            losing = losing or target.value.casefold() in with_numbers
    for target in metric_targets(experiment):
        if target.value not in mapped_metrics:
            names.append(f"the metric “{target.label}”")
            losing = losing or target.value in keys_with_numbers
    return LeftOut(names, losing)


def mapping_problems(
    results_import: ResultsImport, variants: Choices, metrics: Choices
) -> list[str]:
    experiment = results_import.experiment
    return results_mapping.problems(
        stored_rows(results_import),
        variants,
        metrics,
        variant_targets(experiment),
        metric_targets(experiment),
    )


@transaction.atomic
def apply_results_import(
    results_import: ResultsImport, variants: Choices, metrics: Choices, *, by
) -> Outcome:
    """Record the mapped rows as the experiment's results.

    Raises ResultsImportRefused, and stores nothing, when the import was
    already applied, the mapping does not stand or the numbers do not.
    """
    locked = (
        ResultsImport.objects.select_for_update()
        .select_related("experiment")
        .get(pk=results_import.pk)
    )
    if locked.status != ResultsImportStatus.PREVIEW:
        raise ResultsImportRefused(
            [f"This file was already imported ({locked.get_status_display()})."]
        )
    rows = stored_rows(locked)
    variant_names, metric_names = names_in(rows)
    variants = {name: variants.get(name) or None for name in variant_names}
    metrics = {name: metrics.get(name) or None for name in metric_names}
    if not rows:
        raise ResultsImportRefused(
            ["No row of this file could be read, so there is nothing to import."]
        )
    problems = mapping_problems(locked, variants, metrics)
    if problems:
        raise ResultsImportRefused(problems)
    inputs = [
        ResultInput(
            variant=variant,
            metric=metric,
            visitors=row.visitors,
            conversions=row.conversions,
            sum=row.sum,
            sum_squares=row.sum_squares,
        )
        for row in rows
        if (variant := variants[row.variant]) and (metric := metrics[row.metric])
    ]
    try:
        changed = record_results(
            locked.experiment,
            inputs,
            by=by,
            source=f"{tool_label(locked.tool)} file {locked.filename}",
        )
    except RegistrationError as error:
        raise ResultsImportRefused([str(error)]) from error
    locked.status = (
        ResultsImportStatus.APPLIED if changed else ResultsImportStatus.UNCHANGED
    )
    locked.mapping = {"variants": variants, "metrics": metrics}
    locked.report = {
        **locked.report,
        "applied": len(inputs),
        "ignored": len(rows) - len(inputs),
        "ignored_variants": [n for n, v in variants.items() if v is None],
        "ignored_metrics": [n for n, m in metrics.items() if m is None],
    }
    # The rows were kept for the mapping only; the numbers are now the
    # experiment's results, and the history has them.
    locked.rows = []
    locked.applied_at = timezone.now()
    locked.save(update_fields=["status", "mapping", "report", "rows", "applied_at"])
    return Outcome(locked, changed)
