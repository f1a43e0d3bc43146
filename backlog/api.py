"""API endpoints for help desks: push feedback in batches, read the backlog."""

from collections import Counter
from datetime import UTC, datetime

from django.db import transaction
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from pydantic import field_validator

from backlog.configuration import settings_for
from backlog.feedback.importing.cells import MAX_THEMES, split_themes, too_many_themes
from backlog.feedback.importing.rows import CleanRow, digest
from backlog.feedback.importing.saving import FeedbackImportSummary, upsert_feedback
from backlog.feedback.importing.sources import canonical_source
from backlog.feedback.privacy import (
    contact_region,
    mask_contact_details,
    masks_contacts,
    pseudonym_key,
    pseudonymise,
)
from backlog.models import (
    Evidence,
    FeedbackItem,
    FeedbackSource,
    Hypothesis,
    Kind,
    Sentiment,
)
from backlog.models import (
    Status as HypothesisStatus,
)
from backlog.scoring.frameworks import exported_score

router = Router()
MAX_BATCH = 1000
# Far beyond any organisation's list, and far below the 64-bit integers in which
# databases count rows, so that an offset never reaches a query as an overflow.
MAX_OFFSET = 1_000_000_000


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
    themes: list[str] = Field(
        default_factory=list,
        max_length=MAX_THEMES,
        description=f"At most {MAX_THEMES}, counted after splitting each at commas, "
        "semicolons and bars.",
    )

    @field_validator(
        "external_id", "text", "page", "product_area", "customer", mode="before"
    )
    @classmethod
    def _plain(cls, value):
        # Before the length checks, so that an id or a text of spaces is refused.
        return _plain_text(value)

    @field_validator("themes", mode="before")
    @classmethod
    def _plain_themes(cls, value):
        if isinstance(value, list):
            return [_plain_text(theme) for theme in value]
        return value

    @field_validator("themes")
    @classmethod
    def _few_themes(cls, value: list[str]) -> list[str]:
        problem = too_many_themes(_split(value))
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("received_at")
    @classmethod
    def _in_utc(cls, value: datetime) -> datetime:
        if timezone.is_naive(value):
            value = value.replace(tzinfo=UTC)
        try:
            return value.astimezone(UTC)
        except OverflowError:
            raise ValueError("is outside the range of dates") from None


def _split(themes: list[str]) -> list[str]:
    """The themes as stored: each split as the import splits a cell of them."""
    return split_themes(",".join(themes))


def _plain_text(value):
    """Text without surrounding spaces or NUL characters, which databases refuse
    and which carry no meaning; anything else is left to the type checks."""
    if isinstance(value, str):
        return value.replace("\x00", "").strip()
    return value


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
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


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


def _row(item: FeedbackIn, region: str | None, key: bytes) -> CleanRow:
    """The item as an import row; contacts masked unless `region` is None."""
    text, page = item.text, item.page
    if region is not None:
        text = mask_contact_details(text, region)
        page = mask_contact_details(page, region)
    row = CleanRow(
        line=0,
        external_id=item.external_id,
        received_at=item.received_at,
        text=text,
        source=item.source,
        customer=pseudonymise(item.customer, key),
        page=page,
        product_area=item.product_area,
        themes=_split(item.themes),
        sentiment=item.sentiment,
    )
    row.digest = digest(row)
    return row


@router.post(
    "/feedback/batch",
    tags=["feedback"],
    response={200: FeedbackBatchOut, 400: ProblemOut},
    summary="Create or update feedback items",
    description=(
        f"Up to {MAX_BATCH} items. An item is identified by `source_system` (the "
        "source, matched to an existing one whatever its case, so pushed items and "
        "imported exports of one feed are one source) and `external_id`: sending "
        "the same batch again changes nothing, and an item sent again with other "
        "content is updated. The whole batch is saved or, "
        "when any item is invalid, none of it. A body over the server's size "
        "limit (`DATA_UPLOAD_MAX_MEMORY_SIZE`, 2.5 MB by default) is refused with "
        "413 and the limit named."
    ),
)
def push_feedback(request, batch: FeedbackBatchIn):
    organisation = request.auth.organisation
    ids = [item.external_id.strip() for item in batch.items]
    duplicates = sorted(i for i, n in Counter(ids).items() if n > 1)
    if duplicates:
        return Status(
            400,
            {"detail": f"items: the same external_id appears twice: {duplicates[0]}"},
        )
    region = contact_region(organisation) if masks_contacts(organisation) else None
    key = pseudonym_key(organisation)
    rows = [_row(item, region, key) for item in batch.items]
    summary = FeedbackImportSummary()
    # "zendesk" pushed here and "Zendesk" imported from a file are one source.
    source = canonical_source(organisation, batch.source_system)
    with transaction.atomic():
        written = upsert_feedback(organisation.pk, source, [rows], summary)
    return {
        "created": summary.created,
        "updated": summary.updated,
        "unchanged": summary.unchanged,
        "items": [{"external_id": i, "id": written[i]} for i in ids],
    }


@router.get(
    "/feedback",
    tags=["feedback"],
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


class EvidenceOut(Schema):
    items: int = Field(description="Linked feedback items.")
    customers: int = Field(description="Distinct customers among them.")
    channels: int = Field(description="Distinct channels among them.")
    latest: datetime | None = Field(description="When the newest arrived.")
    suggested_confidence: int | None = Field(
        description="Suggested ICE Confidence / PIE Potential (1–10) from them."
    )


class HypothesisOut(Schema):
    id: int
    title: str
    kind: str
    status: str
    result: str
    owner: str | None
    team: str | None
    page: str | None
    ice_score: float | None
    pie_score: float | None
    pxl_score: float | None
    evidence: EvidenceOut
    created_at: datetime
    updated_at: datetime
    url: str


class LinkedFeedbackOut(Schema):
    id: int
    source_system: str
    external_id: str | None
    importance: int
    snippet: str


class HypothesisDetailOut(HypothesisOut):
    because_we_saw: str
    we_expect_that: str
    for_whom: str
    will_cause: str
    measured_by: str
    learning: str
    tags: list[str]
    feedback: list[LinkedFeedbackOut]


class HypothesisQuery(Schema):
    status: HypothesisStatus | None = None
    kind: Kind | None = None
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


def _hypothesis(request, hypothesis: Hypothesis) -> dict:
    return {
        "id": hypothesis.pk,
        "title": hypothesis.title,
        "kind": hypothesis.kind,
        "status": hypothesis.status,
        "result": hypothesis.result,
        "owner": hypothesis.owner.display_name if hypothesis.owner else None,
        "team": hypothesis.team.name if hypothesis.team else None,
        "page": hypothesis.page.name if hypothesis.page else None,
        "ice_score": exported_score(hypothesis.ice_score),
        "pie_score": exported_score(hypothesis.pie_score),
        "pxl_score": exported_score(hypothesis.pxl_score),
        "evidence": {
            "items": hypothesis.evidence_items,
            "customers": hypothesis.evidence_customers,
            "channels": hypothesis.evidence_channels,
            "latest": hypothesis.evidence_latest,
            "suggested_confidence": hypothesis.evidence_strength or None,
        },
        "created_at": hypothesis.created_at,
        "updated_at": hypothesis.updated_at,
        "url": request.build_absolute_uri(hypothesis.get_absolute_url()),
    }


def _hypotheses(request):
    return Hypothesis.objects.for_org(request.auth.organisation).select_related(
        "owner", "team", "page", "organisation"
    )


@router.get(
    "/hypotheses",
    response=list[HypothesisOut],
    tags=["hypotheses"],
    summary="The backlog, ranked",
    description=(
        "Ranked as the backlog list ranks them: by the organisation's primary "
        "framework, then by evidence from customer feedback, then by age."
    ),
)
def list_hypotheses(request, filters: Query[HypothesisQuery]):
    framework = settings_for(request.auth.organisation).primary_framework
    hypotheses = _hypotheses(request).ranked(framework)
    if filters.status:
        hypotheses = hypotheses.filter(status=filters.status)
    if filters.kind:
        hypotheses = hypotheses.filter(kind=filters.kind)
    page = hypotheses[filters.offset : filters.offset + filters.limit]
    return [_hypothesis(request, hypothesis) for hypothesis in page]


@router.get(
    "/hypotheses/{hypothesis_id}",
    response=HypothesisDetailOut,
    tags=["hypotheses"],
    summary="One hypothesis with the feedback linked to it",
)
def hypothesis_detail(request, hypothesis_id: int):
    hypothesis = get_object_or_404(_hypotheses(request), pk=hypothesis_id)
    links = (
        Evidence.objects.for_org(request.auth.organisation)
        .active()
        .filter(hypothesis=hypothesis)
        .select_related("feedback_item")
        .order_by("-importance", "-linked_at")
    )
    return _hypothesis(request, hypothesis) | {
        "because_we_saw": hypothesis.observation,
        "we_expect_that": hypothesis.change,
        "for_whom": hypothesis.audience,
        "will_cause": hypothesis.impact,
        "measured_by": hypothesis.metric,
        "learning": hypothesis.learning,
        "tags": sorted(tag.name for tag in hypothesis.tags.all()),
        "feedback": [
            {
                "id": link.feedback_item_id,
                "source_system": link.feedback_item.source_system,
                "external_id": link.feedback_item.external_id,
                "importance": link.importance,
                "snippet": link.snippet,
            }
            for link in links
        ],
    }
