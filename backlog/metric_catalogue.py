"""The organisation's metrics and goals: defining, archiving and deleting them.

A metric that an experiment is registered with, or has results for, stays: it
can be archived (new experiments no longer offer it; registered ones keep it)
but not deleted, and what its numbers mean (key, kind, direction) is fixed.
"""

from django.db import transaction
from django.db.models import Count, QuerySet
from django.utils import timezone

from backlog.models import Metric
from cromaturity.models import Organisation

# What the numbers of a metric mean; fixed once an experiment uses it.
FIXED_WHEN_USED = ("key", "kind", "direction")


class MetricInUse(Exception):
    """The metric is part of an experiment and cannot be deleted."""


def catalogue(organisation: Organisation) -> QuerySet[Metric]:
    """The organisation's metrics, each with the number of experiments using it."""
    return Metric.objects.for_org(organisation).annotate(
        experiment_count=Count("registrations__experiment", distinct=True)
    )


def experiment_count(metric: Metric) -> int:
    """How many experiments are registered with the metric or hold its results."""
    registered = set(metric.registrations.values_list("experiment", flat=True))
    measured = set(metric.results.values_list("variant__experiment", flat=True))
    return len(registered | measured)


def save_metric(metric: Metric) -> Metric:
    metric.save()
    return metric


def archive_metric(metric: Metric) -> bool:
    """Stop offering the metric to new experiments. False if it already was."""
    if metric.archived_at is not None:
        return False
    metric.archived_at = timezone.now()
    metric.save(update_fields=["archived_at", "updated_at"])
    return True


def restore_metric(metric: Metric) -> bool:
    """Offer an archived metric again. False if it was not archived."""
    if metric.archived_at is None:
        return False
    metric.archived_at = None
    metric.save(update_fields=["archived_at", "updated_at"])
    return True


@transaction.atomic
def delete_metric(metric: Metric) -> None:
    """Delete a metric no experiment uses; refuse one that is used."""
    metric = Metric.objects.select_for_update().get(pk=metric.pk)
    used = experiment_count(metric)
    if used:
        raise MetricInUse(
            f"“{metric.name}” is part of {used} experiment{'s' if used != 1 else ''}"
            ", whose plans and results keep it: archive it instead, and new "
            "experiments will no longer offer it."
        )
    metric.delete()
