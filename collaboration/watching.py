"""Who follows a hypothesis."""

from collections.abc import Iterable

from django.db import transaction

from backlog.models import Hypothesis
from collaboration.models import Watch


def watch_automatically(hypothesis: Hypothesis, user_ids: Iterable[int | None]) -> None:
    """Start watching for these people, unless they chose to stop earlier."""
    ids = {pk for pk in user_ids if pk is not None}
    if ids:
        Watch.objects.bulk_create(
            [Watch(user_id=pk, hypothesis=hypothesis) for pk in sorted(ids)],
            ignore_conflicts=True,
        )


@transaction.atomic
def set_watching(hypothesis: Hypothesis, user, watching: bool) -> Watch:
    watch, _ = Watch.objects.update_or_create(
        user=user, hypothesis=hypothesis, defaults={"watching": watching}
    )
    return watch


def watcher_ids(hypothesis: Hypothesis) -> set[int]:
    return set(
        Watch.objects.filter(hypothesis=hypothesis, watching=True).values_list(
            "user_id", flat=True
        )
    )


def is_watching(hypothesis: Hypothesis, user) -> bool:
    return Watch.objects.filter(
        hypothesis=hypothesis, user=user, watching=True
    ).exists()
