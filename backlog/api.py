"""API endpoints for help desks: push feedback in batches, read the backlog."""

from datetime import UTC, datetime

from django.db import transaction
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from backlog.feedback_import.rows import CleanRow, digest
from backlog.feedback_import.saving import Summary, upsert_feedback
from backlog.feedback_import.values import split_themes
from backlog.models import FeedbackItem, FeedbackSource, Sentiment
from backlog.privacy import (
    mask_contact_details,
    masks_contacts,
    pseudonym_key,
    pseudonymise,
)

router = Router(tags=["feedback"])
MAX_BATCH = 1000


class FeedbackIn(Schema):
    external_id: str = Field(
        min_length=1, max_length=200, description="The ticket or conversation id."
    )
    text: str = Field(min_length=1, max_length=20_000)
    received_at: datetime = Field(
        description="ISO 8601; without a time zone it is read as UTC."
    )
    source: FeedbackSource = FeedbackSource.TICKET
    page: str = Field("", max_length=2000)
    product_area: str = Field("", max_length=100)
    customer: str = Field(
        "",
        max_length=200,
        description="Email or customer number; stored pseudonymised.",
    )
    sentiment: Sentiment = Sentiment.UNKNOWN
    themes: list[str] = Field(default_factory=list, max_length=30)


class FeedbackBatchIn(Schema):
    source_system: str = Field(
        min_length=1,
        max_length=40,
        pattern=r"^[a-z0-9][a-z0-9._-]*$",
        description="The sending tool, e.g. zendesk. Ids are unique within it.",
    )
    items: list[FeedbackIn] = Field(min_length=1, max_length=MAX_BATCH)


class ItemResult(Schema):
    external_id: str
    id: int


class FeedbackBatchOut(Schema):
    created: int
    updated: int
    unchanged: int
    items: list[ItemResult]


class ProblemOut(Schema):
    detail: str


class Paging(Schema):
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0)


class FeedbackOut(Schema):
    id: int
    source_system: str
    external_id: str | None
    source: str
    received_at: datetime
    text: str
    page: str
    product_area: str
    sentiment: str
    themes: list[str]


def _row(item: FeedbackIn, mask: bool, key: bytes) -> CleanRow:
    received_at = item.received_at
    if timezone.is_naive(received_at):
        received_at = received_at.replace(tzinfo=UTC)
    text = item.text.strip().replace("\x00", "")
    page = item.page.strip()
    row = CleanRow(
        line=0,
        external_id=item.external_id.strip(),
        received_at=received_at.astimezone(UTC),
        text=mask_contact_details(text) if mask else text,
        source=item.source,
        customer=pseudonymise(item.customer, key),
        page=mask_contact_details(page) if mask else page,
        product_area=item.product_area.strip(),
        themes=split_themes(",".join(item.themes)),
        sentiment=item.sentiment,
    )
    row.digest = digest(row)
    return row


@router.post(
    "/feedback/batch",
    response={200: FeedbackBatchOut, 400: ProblemOut},
    summary="Create or update feedback items",
    description=(
        f"Up to {MAX_BATCH} items. An item is identified by `source_system` and "
        "`external_id`: sending the same batch again changes nothing, and an item "
        "sent again with other content is updated. The whole batch is saved or, "
        "when any item is invalid, none of it."
    ),
)
def push_feedback(request, batch: FeedbackBatchIn):
    organisation = request.auth.organisation
    ids = [item.external_id.strip() for item in batch.items]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        return Status(
            400,
            {"detail": f"items: the same external_id appears twice: {duplicates[0]}"},
        )
    mask = masks_contacts(organisation)
    key = pseudonym_key(organisation)
    rows = [_row(item, mask, key) for item in batch.items]
    summary = Summary()
    with transaction.atomic():
        written = upsert_feedback(organisation.pk, batch.source_system, [rows], summary)
    return {
        "created": summary.created,
        "updated": summary.updated,
        "unchanged": summary.unchanged,
        "items": [{"external_id": i, "id": written[i]} for i in ids],
    }


@router.get(
    "/feedback",
    response=list[FeedbackOut],
    summary="The newest feedback items",
)
def list_feedback(request, paging: Query[Paging]):
    limit, offset = paging.limit, paging.offset
    items = (
        FeedbackItem.objects.for_org(request.auth.organisation)
        .prefetch_related("themes")
        .order_by("-received_at", "-pk")[offset : offset + limit]
    )
    return [
        {
            "id": item.pk,
            "source_system": item.source_system,
            "external_id": item.external_id,
            "source": item.source,
            "received_at": item.received_at,
            "text": item.text,
            "page": item.page,
            "product_area": item.product_area,
            "sentiment": item.sentiment,
            "themes": [theme.name for theme in item.themes.all()],
        }
        for item in items
    ]
