"""The hypothesis list and the feedback list as CSV or XLSX.

The rows come from the querysets the list pages build with their filters, so an
export holds what the page shows, in the page's order, on every page of it.
Rows are read in chunks (a constant number of queries per chunk, whatever the
number of rows) and written as they come: a CSV streams to the browser and an
XLSX is assembled in a temporary file, so 100 000 rows never sit in memory.
"""

from collections import defaultdict
from collections.abc import Iterator
from itertools import batched

from django.contrib.auth import get_user_model
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

from backlog.models import Evidence, Hypothesis, Kind, Result, Status
from backlog.scoring.frameworks import Framework, exported_score
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


# What a row reads, as plain values (no model instance is built per row).
HYPOTHESIS_VALUES = [
    "pk",
    "title",
    "kind",
    "status",
    "result",
    "observation",
    "change",
    "audience",
    "impact",
    "metric",
    "page__name",
    "owner_id",
    "team__name",
    *(
        f"{framework}_{part}"
        for framework in Framework
        for part in ("score", "count", "disagreement")
    ),
    "evidence_items",
    "evidence_customers",
    "evidence_channels",
    "evidence_latest",
    "learning",
    "created_at",
    "updated_at",
]


def _tags_of(ids: list[int]) -> dict[int, list[str]]:
    tags = defaultdict(list)
    links = (
        Hypothesis.tags.through.objects.filter(hypothesis_id__in=ids)
        .order_by("tag__name")
        .values_list("hypothesis_id", "tag__name")
    )
    for hypothesis_id, name in links:
        tags[hypothesis_id].append(name)
    return tags


def _names_of(user_ids: set[int]) -> dict[int, str]:
    users = get_user_model().objects.filter(pk__in=user_ids)
    return {user.pk: user.display_name for user in users}


def hypothesis_rows(hypotheses: QuerySet) -> Iterator[list]:
    """One row per hypothesis, in the queryset's order.

    Rows are read as values, CHUNK_SIZE at a time; each chunk's tags and owners'
    names take one query each, so the queries grow per chunk, not per row.
    """
    kinds, statuses, results = (
        dict(choices.choices) for choices in (Kind, Status, Result)
    )
    rows = (
        hypotheses.prefetch_related(None)
        .values(*HYPOTHESIS_VALUES)
        .iterator(chunk_size=CHUNK_SIZE)
    )
    position = 0
    for chunk in batched(rows, CHUNK_SIZE):
        tags = _tags_of([h["pk"] for h in chunk])
        names = _names_of({h["owner_id"] for h in chunk} - {None})
        for h in chunk:
            position += 1
            scores = []
            for framework in Framework:
                scores += [
                    exported_score(h[f"{framework}_score"]),
                    h[f"{framework}_count"],
                    "yes" if h[f"{framework}_disagreement"] else "no",
                ]
            yield [
                position,
                h["pk"],
                h["title"],
                kinds[h["kind"]],
                statuses[h["status"]],
                results.get(h["result"], ""),
                h["observation"],
                h["change"],
                h["audience"],
                h["impact"],
                h["metric"],
                h["page__name"] or "",
                names.get(h["owner_id"], ""),
                h["team__name"] or "",
                tags.get(h["pk"], []),
                *scores,
                h["evidence_items"],
                h["evidence_customers"],
                h["evidence_channels"],
                h["evidence_latest"],
                h["learning"],
                h["created_at"],
                h["updated_at"],
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


def export_query(request) -> str:
    """The current filters as a query string, for the export links."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()
