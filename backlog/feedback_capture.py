"""Filing, editing and removing feedback items by hand."""

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from backlog.evidence import refresh_evidence, refresh_evidence_of_items
from backlog.feedback_import.values import split_themes
from backlog.models import FeedbackItem, FeedbackTheme, Theme
from backlog.privacy import mask_contact_details, pseudonymise
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


def _clean_text(text: str, mask: bool) -> str:
    text = text.strip().replace("\x00", "")
    return mask_contact_details(text) if mask else text


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
    item = FeedbackItem.objects.create(
        organisation=organisation,
        source=data.source,
        received_at=data.received_at or now,
        text=_clean_text(data.text, mask_contacts),
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


@transaction.atomic
def update_feedback(
    item: FeedbackItem,
    data: FeedbackInput,
    *,
    mask_contacts: bool,
    pseudonym_key: bytes,
) -> FeedbackItem:
    item.source = data.source
    item.received_at = data.received_at or item.received_at
    item.text = _clean_text(data.text, mask_contacts)
    item.page = data.page.strip()
    item.product_area = data.product_area.strip()
    if data.customer.strip():
        item.customer_ref = pseudonymise(data.customer, pseudonym_key)
    item.sentiment = data.sentiment
    item.updated_at = timezone.now()
    item.save(
        update_fields=[
            "source",
            "received_at",
            "text",
            "page",
            "product_area",
            "customer_ref",
            "sentiment",
            "updated_at",
        ]
    )
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
