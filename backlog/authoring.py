"""Writing hypotheses, their tags and the pages they target."""

from collections.abc import Iterable

from django.db import IntegrityError, transaction

from backlog.models import Hypothesis, Page, Tag
from collaboration import events
from cromaturity.models import Organisation

TAG_MAX_LENGTH = Tag._meta.get_field("name").max_length


def split_tag_names(text: str) -> list[str]:
    """Tag names from comma-separated text: trimmed, de-duplicated ignoring case."""
    names, seen = [], set()
    for raw in text.split(","):
        name = " ".join(raw.split())
        if name and name.lower() not in seen:
            seen.add(name.lower())
            names.append(name)
    return names


def tags_named(organisation: Organisation, names: Iterable[str]) -> list[Tag]:
    """The organisation's tags with these names, creating the missing ones."""
    tags = []
    for name in names:
        tag = Tag.objects.for_org(organisation).filter(name__iexact=name).first()
        if tag is None:
            try:
                with transaction.atomic():
                    tag = Tag.objects.create(organisation=organisation, name=name)
            except IntegrityError:
                # Someone created the same tag a moment ago.
                tag = Tag.objects.for_org(organisation).get(name__iexact=name)
        tags.append(tag)
    return tags


@transaction.atomic
def save_hypothesis(
    hypothesis: Hypothesis,
    *,
    by,
    tags: Iterable[Tag] = (),
    new_tag_names: Iterable[str] = (),
) -> Hypothesis:
    """Create or update a hypothesis (unsaved changes already set) with its tags."""
    created = hypothesis.pk is None
    if created:
        hypothesis.created_by = by
        hypothesis.status_changed_by = by
        previous_owner_id = None
    else:
        previous_owner_id = (
            Hypothesis.objects.filter(pk=hypothesis.pk)
            .values_list("owner_id", flat=True)
            .first()
        )
    hypothesis.save()
    chosen = {tag.pk: tag for tag in tags}
    for tag in tags_named(hypothesis.organisation, new_tag_names):
        chosen[tag.pk] = tag
    hypothesis.tags.set(chosen.values())
    events.hypothesis_saved(
        hypothesis, by=by, created=created, previous_owner_id=previous_owner_id
    )
    return hypothesis


@transaction.atomic
def delete_hypothesis(hypothesis: Hypothesis) -> None:
    """Delete a hypothesis with its scores and experiments."""
    hypothesis.delete()


@transaction.atomic
def save_page(page: Page) -> Page:
    page.save()
    return page


@transaction.atomic
def delete_page(page: Page) -> int:
    """Delete a page; its hypotheses stay, without a page. Returns how many."""
    affected = page.hypotheses.count()
    page.delete()
    return affected
