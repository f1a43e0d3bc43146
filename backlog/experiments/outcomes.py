"""What a hypothesis's experiments say where the hypothesis is only listed.

A failed guardrail is red everywhere the experiment appears, so the list's rows
and the board's cards need each hypothesis's failed guardrails. They are read
for a whole page of hypotheses at once: one query for the experiments that
register a guardrail, and (only when there are any) one for each of their
variants, results and registered metrics, however many hypotheses are shown.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Prefetch, prefetch_related_objects

from backlog.experiments.reports import analysis_of, with_analysis_data
from backlog.models import Experiment, Hypothesis, MetricRole


@dataclass(frozen=True)
class FailedGuardrail:
    experiment: str
    metric: str
    variant: str

    def __str__(self) -> str:
        return f"{self.metric} failed for {self.variant} in {self.experiment}"


def failed_guardrails_of(experiment: Experiment) -> list[FailedGuardrail]:
    return [
        FailedGuardrail(experiment.name, metric, variant)
        for metric, variant in analysis_of(experiment).failed_guardrails
    ]


def attach_failed_guardrails(hypotheses: Sequence[Hypothesis]) -> None:
    """Set ``failed_guardrails`` on each hypothesis: those of all its experiments."""
    guarded = Experiment.objects.filter(
        pk__in=Experiment.objects.filter(
            registered_metrics__role=MetricRole.GUARDRAIL
        ).values("pk")
    ).order_by("-created_at", "-pk")
    prefetch_related_objects(
        list(hypotheses),
        # Only the experiments with a guardrail: the rows and cards read no other.
        Prefetch("experiments", queryset=with_analysis_data(guarded)),
    )
    for hypothesis in hypotheses:
        hypothesis.failed_guardrails = [
            failed
            for experiment in hypothesis.experiments.all()
            for failed in failed_guardrails_of(experiment)
        ]
