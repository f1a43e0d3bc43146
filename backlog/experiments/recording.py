"""Recording the results of experiments: an experiment and its variants at once."""

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction

from backlog.experiments.statistics import MAX_VISITORS
from backlog.models import Experiment, Variant


@dataclass(frozen=True)
class VariantNumbers:
    name: str
    visitors: int
    conversions: int
    is_control: bool = False
    planned_weight: int = 1


class ResultsError(ValueError):
    """Variants that cannot describe a test; the message is for people."""


def check_variants(variants: Sequence[VariantNumbers]) -> None:
    if len(variants) < 2:
        raise ResultsError(
            "A test needs at least two variants: a control and one more."
        )
    controls = sum(1 for v in variants if v.is_control)
    if controls != 1:
        raise ResultsError("Mark exactly one variant as the control.")
    names = [v.name.strip().lower() for v in variants]
    if len(set(names)) != len(names):
        raise ResultsError("Give every variant a different name.")
    for v in variants:
        if v.visitors > MAX_VISITORS:
            raise ResultsError(
                f"{v.name} has more than {MAX_VISITORS:,} visitors, the most a "
                "variant can have."
            )
        if v.conversions > v.visitors:
            raise ResultsError(
                f"{v.name} has more conversions than visitors; check the numbers."
            )


@transaction.atomic
def record_experiment(
    experiment: Experiment, variants: Sequence[VariantNumbers], *, by
) -> Experiment:
    """Save the experiment (new or changed) and replace its variants."""
    check_variants(variants)
    if experiment.pk is None:
        experiment.created_by = by
    experiment.save()
    experiment.variants.all().delete()
    Variant.objects.bulk_create(
        Variant(
            experiment=experiment,
            name=v.name.strip(),
            visitors=v.visitors,
            conversions=v.conversions,
            is_control=v.is_control,
            planned_weight=v.planned_weight,
            position=position,
        )
        for position, v in enumerate(variants)
    )
    return experiment


@transaction.atomic
def delete_experiment(experiment: Experiment) -> None:
    experiment.delete()
