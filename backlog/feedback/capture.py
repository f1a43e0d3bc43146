"""Filing, editing and removing feedback items by hand."""

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from backlog.conflicts import Difference, EditConflict, differences, field_rows
from backlog.evidence import refresh_evidence, refresh_evidence_of_items
from backlog.feedback.importing.cells import split_themes
from backlog.feedback.privacy import contact_region, mask_contact_details, pseudonymise
from backlog.models import FeedbackItem, FeedbackTheme, Theme
from cromaturity.models import Organisation, Team


def theme_ids(organisation_id: int, names: set[str]) -> dict[str, int]:
    """Ids of the organisation's themes called `names`, creating missing ones."""
    if not names:
        return {}
    existing = dict(
        Theme.objects.filter(organisation_id=organisation_id, name__in=names)
        .order_by()
        .values_list("name", "pk")
    )
    missing = names - existing.keys()
    if missing:
        Theme.objects.bulk_create(
            [Theme(organisation_id=organisation_id, name=name) for name in missing],
            ignore_conflicts=True,
        )
        existing.update(
            Theme.objects.filter(organisation_id=organisation_id, name__in=missing)
            .order_by()
            .values_list("name", "pk")
        )
    return existing


@dataclass
class FeedbackInput:
    text: str
    source: str
    page: str = ""
    themes: str = ""
    sentiment: str = ""
    product_area: str = ""
    customer: str = ""
    received_at: datetime | None = None


def _clean_text(text: str, region: str | None) -> str:
    """The text tidied and, unless `region` is None, masked as read there."""
    text = text.strip().replace("\x00", "")
    return text if region is None else mask_contact_details(text, region)


def _set_themes(item: FeedbackItem, themes: str) -> None:
    names = split_themes(themes)
    ids = theme_ids(item.organisation_id, set(names))
    FeedbackTheme.objects.filter(item=item).delete()
    FeedbackTheme.objects.bulk_create(
        [FeedbackTheme(item=item, theme_id=ids[name]) for name in names]
    )


@transaction.atomic
def record_feedback(
    organisation: Organisation,
    data: FeedbackInput,
    *,
    by,
    team: Team | None,
    mask_contacts: bool,
    pseudonym_key: bytes,
) -> FeedbackItem:
    now = timezone.now()
    region = contact_region(organisation) if mask_contacts else None
    item = FeedbackItem.objects.create(
        organisation=organisation,
        source=data.source,
        received_at=data.received_at or now,
        text=_clean_text(data.text, region),
        page=data.page.strip(),
        product_area=data.product_area.strip(),
        customer_ref=pseudonymise(data.customer, pseudonym_key),
        sentiment=data.sentiment,
        submitted_by=by,
        team=team,
        created_at=now,
        updated_at=now,
    )
    _set_themes(item, data.themes)
    return item


EDITED_FIELDS = [
    "text",
    "source",
    "page",
    "product_area",
    "customer_ref",
    "sentiment",
    "received_at",
]


def _edit_differences(
    stored: FeedbackItem, submitted: FeedbackItem, themes: list[str]
) -> list[Difference]:
    stored_themes = sorted(stored.themes.values_list("name", flat=True))
    return differences(
        [
            *field_rows(stored, submitted, EDITED_FIELDS),
            ("Themes", stored_themes, sorted(themes)),
        ]
    )


@transaction.atomic
def update_feedback(
    item: FeedbackItem,
    data: FeedbackInput,
    *,
    mask_contacts: bool,
    pseudonym_key: bytes,
    expected_version: int | None = None,
) -> FeedbackItem:
    """Save an edited item; see save_hypothesis for `expected_version`."""
    stored = FeedbackItem.objects.select_for_update().get(pk=item.pk)
    item.source = data.source
    item.received_at = data.received_at or stored.received_at
    region = contact_region(item.organisation) if mask_contacts else None
    item.text = _clean_text(data.text, region)
    item.page = data.page.strip()
    item.product_area = data.product_area.strip()
    item.customer_ref = (
        pseudonymise(data.customer, pseudonym_key)
        if data.customer.strip()
        else stored.customer_ref
    )
    item.sentiment = data.sentiment
    if expected_version is not None and stored.version != expected_version:
        found = _edit_differences(stored, item, split_themes(data.themes))
        if found:
            raise EditConflict(stored, found)
        return stored
    item.version = stored.version + 1
    item.updated_at = timezone.now()
    item.save(update_fields=[*EDITED_FIELDS, "version", "updated_at"])
    _set_themes(item, data.themes)
    refresh_evidence_of_items([item.pk])
    return item


@transaction.atomic
def delete_feedback(item: FeedbackItem) -> None:
    """Delete an item; the hypotheses it supported lose it as evidence."""
    supported = list(item.evidence.values_list("hypothesis_id", flat=True))
    FeedbackTheme.objects.filter(item=item).delete()
    item.delete()
    refresh_evidence(supported)
