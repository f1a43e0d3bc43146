"""The hypothesis list and the feedback list as CSV or XLSX.

The rows come from the querysets the list pages build with their filters, so an
export holds what the page shows, in the page's order, on every page of it.
Rows are read in chunks (a constant number of queries per chunk, whatever the
number of rows) and written as they come: a CSV streams to the browser and an
XLSX is assembled in a temporary file, so 100 000 rows never sit in memory.
"""

from collections.abc import Iterator

from django.db.models import (
    Count,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    TextChoices,
)
from django.db.models.functions import Coalesce
from django.http import HttpResponseBase

from backlog.models import Evidence
from backlog.prioritization import Framework
from cromaturity.models import Organisation
from cromaturity.spreadsheets import (
    Sheet,
    csv_response,
    export_filename,
    xlsx_response,
)

CHUNK_SIZE = 2000
SCORE_FORMAT = "0.00"


class ListFormat(TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "Excel workbook"


def _name(user) -> str:
    return user.display_name if user is not None else ""


HYPOTHESIS_HEADER = [
    "position",
    "id",
    "title",
    "kind",
    "status",
    "result",
    "because we saw",
    "we expect that",
    "for",
    "will cause",
    "measured by",
    "page or step",
    "owner",
    "team",
    "tags",
    "ICE score",
    "ICE scorers",
    "ICE disagreement",
    "PIE score",
    "PIE scorers",
    "PIE disagreement",
    "PXL score",
    "PXL scorers",
    "PXL disagreement",
    "feedback linked",
    "distinct customers",
    "channels",
    "latest feedback",
    "learning",
    "created",
    "updated",
]
HYPOTHESIS_WIDTHS = [8, 7, 48, 12, 11, 12, 48, 48, 24, 36, 24, 20, 18, 16, 24]
HYPOTHESIS_SCORES = {15: SCORE_FORMAT, 18: SCORE_FORMAT, 21: SCORE_FORMAT}


def hypothesis_rows(hypotheses: QuerySet) -> Iterator[list]:
    """One row per hypothesis, in the queryset's order.

    `hypotheses` must select its page, owner and team and prefetch its tags
    (``Hypothesis.objects.for_list()``), so the queries stay per chunk.
    """
    chunks = hypotheses.iterator(chunk_size=CHUNK_SIZE)
    for position, h in enumerate(chunks, start=1):
        scores = []
        for framework in Framework:
            scores += [
                h.score_of(framework),
                h.count_of(framework),
                "yes" if h.disagreement_in(framework) else "no",
            ]
        yield [
            position,
            h.pk,
            h.title,
            h.get_kind_display(),
            h.get_status_display(),
            h.get_result_display() if h.result else "",
            h.observation,
            h.change,
            h.audience,
            h.impact,
            h.metric,
            h.page.name if h.page else "",
            _name(h.owner),
            h.team.name if h.team else "",
            [tag.name for tag in h.tags.all()],
            *scores,
            h.evidence_items,
            h.evidence_customers,
            h.evidence_channels,
            h.evidence_latest,
            h.learning,
            h.created_at,
            h.updated_at,
        ]


FEEDBACK_HEADER = [
    "id",
    "received",
    "channel",
    "source system",
    "external id",
    "text",
    "page or URL",
    "product area",
    "customer (pseudonym)",
    "sentiment",
    "themes",
    "team",
    "submitted by",
    "linked hypotheses",
]
FEEDBACK_WIDTHS = [8, 17, 10, 14, 14, 80, 30, 16, 20, 10, 24, 16, 18, 10]


def feedback_for_export(items: QuerySet) -> QuerySet:
    """The filtered items with what a row shows, read without a query per row."""
    linked = (
        Evidence.objects.active()
        .filter(feedback_item=OuterRef("pk"))
        .order_by()
        .values("feedback_item")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        items.select_related("team", "submitted_by")
        .prefetch_related("themes")
        .annotate(
            linked_hypotheses=Coalesce(Subquery(linked, output_field=IntegerField()), 0)
        )
    )


def feedback_rows(items: QuerySet) -> Iterator[list]:
    for item in items.iterator(chunk_size=CHUNK_SIZE):
        yield [
            item.pk,
            item.received_at,
            item.get_source_display(),
            item.source_system,
            item.external_id or "",
            item.text,
            item.page,
            item.product_area,
            item.customer_ref,
            item.get_sentiment_display() if item.sentiment else "",
            [theme.name for theme in item.themes.all()],
            item.team.name if item.team else "",
            _name(item.submitted_by),
            item.linked_hypotheses,
        ]


def hypothesis_export(
    organisation: Organisation, hypotheses: QuerySet, export_format: str
) -> HttpResponseBase:
    filename = export_filename(organisation.slug, "backlog", export_format)
    rows = hypothesis_rows(hypotheses)
    if export_format == ListFormat.CSV:
        return csv_response(filename, HYPOTHESIS_HEADER, rows)
    return xlsx_response(
        filename,
        [
            Sheet(
                "Hypotheses",
                HYPOTHESIS_HEADER,
                rows,
                widths=HYPOTHESIS_WIDTHS,
                number_formats=HYPOTHESIS_SCORES,
            )
        ],
    )


def feedback_export(
    organisation: Organisation, items: QuerySet, export_format: str
) -> HttpResponseBase:
    filename = export_filename(organisation.slug, "feedback", export_format)
    rows = feedback_rows(feedback_for_export(items))
    if export_format == ListFormat.CSV:
        return csv_response(filename, FEEDBACK_HEADER, rows)
    return xlsx_response(
        filename,
        [Sheet("Feedback", FEEDBACK_HEADER, rows, widths=FEEDBACK_WIDTHS)],
    )
