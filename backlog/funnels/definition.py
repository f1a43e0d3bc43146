"""Defining a funnel: its name and its steps, kept with their counts."""

from django.db import transaction

from backlog.funnels.measured import refresh_measured_pages
from backlog.models import Funnel, FunnelCount, FunnelStep


class StepInUse(ValueError):
    """A step with counts cannot be taken out; the message is for people."""


def save_funnel(funnel: Funnel, step_names: list[str]) -> Funnel:
    """Save the funnel with these steps in this order. A step keeps its counts
    when its name stays (moved or not) or when it is renamed in its place; a
    step left out is deleted, unless it holds counts."""
    with transaction.atomic():
        creating = funnel.pk is None
        funnel.save()
        if creating:
            old: list[FunnelStep] = []
        else:
            Funnel.objects.select_for_update().get(pk=funnel.pk)
            old = list(funnel.steps.order_by("position"))
        by_name = {step.name.casefold(): step for step in old}
        chosen: list[FunnelStep | None] = [
            by_name.pop(n.casefold(), None) for n in step_names
        ]
        unmatched = {step.position: step for step in by_name.values()}
        for index in range(len(step_names)):
            if chosen[index] is None and index in unmatched:
                chosen[index] = unmatched.pop(index)
        counted = set(
            FunnelCount.objects.filter(step__in=list(unmatched.values()))
            .values_list("step_id", flat=True)
            .distinct()
        )
        if counted:
            names = ", ".join(
                f"“{s.name}”" for s in unmatched.values() if s.pk in counted
            )
            raise StepInUse(
                f"{names} holds counts: keep the step, or rename it in its place."
            )
        FunnelStep.objects.filter(pk__in=[s.pk for s in unmatched.values()]).delete()
        # Moved out of the way first: positions are unique within a funnel.
        keep = [step for step in chosen if step is not None]
        for offset, kept in enumerate(keep):
            kept.position = 1000 + offset
        FunnelStep.objects.bulk_update(keep, ["position"])
        for index, (name, found) in enumerate(zip(step_names, chosen, strict=True)):
            if found is None:
                FunnelStep.objects.create(funnel=funnel, position=index, name=name)
            else:
                found.position, found.name = index, name
                found.save(update_fields=["position", "name"])
        refresh_measured_pages(funnel)
    return funnel


def link_step_pages(funnel: Funnel, chosen: dict[int, int | None]) -> int:
    """Set the page each step counts (ids of the funnel's steps and of pages of
    its organisation); the pages' measured traffic follows. Returns how many
    steps changed."""
    with transaction.atomic():
        steps = {step.pk: step for step in funnel.steps.select_for_update()}
        changed = []
        for step_id, page_id in chosen.items():
            step = steps[step_id]
            if step.page_id != page_id:
                step.page_id = page_id
                changed.append(step)
        FunnelStep.objects.bulk_update(changed, ["page"])
        refresh_measured_pages(funnel)
    return len(changed)
