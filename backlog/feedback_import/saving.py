"""Writing cleaned feedback rows: create new items, update changed ones."""

import json
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import chain

from django.utils import timezone

from backlog.evidence import refresh_evidence_of_items
from backlog.feedback_capture import theme_ids
from backlog.feedback_import.rows import CleanRow
from backlog.feedback_import.writing import (
    bulk_insert,
    bulk_update,
    insert_returning_ids,
)
from backlog.models import FeedbackItem, FeedbackTheme


@dataclass
class Summary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0

    def line(self) -> str:
        return (
            f"created={self.created} updated={self.updated} "
            f"unchanged={self.unchanged} rejected={self.rejected}"
        )


ITEM_FIELDS = [
    "organisation",
    "source_system",
    "external_id",
    "feedback_import",
    "created_at",
    "source",
    "received_at",
    "text",
    "page",
    "product_area",
    "customer_ref",
    "sentiment",
    "digest",
    "updated_at",
    "attributes",
]
CHANGING_FIELDS = ITEM_FIELDS[3:4] + ITEM_FIELDS[5:]
# New items start at version 1; a changed item's version grows, so that an edit
# form opened before the import is refused instead of overwriting the new text.
INSERTED_FIELDS = [*ITEM_FIELDS, "version"]


def upsert_feedback(
    organisation_id: int,
    system: str,
    chunks: Iterable[list[CleanRow]],
    summary: Summary,
    *,
    feedback_import_id: int | None = None,
) -> dict[str, int]:
    """Create or update the items of `system` with the given external ids.

    Items whose content is unchanged are left alone. Runs inside the caller's
    transaction. Returns the item id of every external id written or matched.
    """
    now = timezone.now()
    ids: dict[str, int] = {}
    changed_ids: list[int] = []
    # One read of what this source already has, instead of a lookup per row.
    existing = {
        external_id: (pk, digest)
        for external_id, pk, digest in FeedbackItem.objects.filter(
            organisation_id=organisation_id, source_system=system
        )
        .order_by()
        .values_list("external_id", "pk", "digest")
        .iterator(chunk_size=20_000)
    }
    for rows in chunks:
        if not rows:
            continue
        themes = theme_ids(
            organisation_id, {theme for row in rows for theme in row.themes}
        )
        new, changed = [], []
        for row in rows:
            match = existing.get(row.external_id)
            if match is None:
                new.append(row)
            elif match[1] != row.digest:
                changed.append((match[0], row))
            else:
                summary.unchanged += 1
                ids[row.external_id] = match[0]
        new_ids = insert_returning_ids(
            FeedbackItem,
            INSERTED_FIELDS,
            [
                new_item_values(organisation_id, system, feedback_import_id, row, now)
                for row in new
            ],
        )
        bulk_update(
            FeedbackItem,
            CHANGING_FIELDS,
            [(feedback_import_id, *_values(row, now), pk) for pk, row in changed],
            increment=["version"],
        )
        if changed:
            FeedbackTheme.objects.filter(item_id__in=[pk for pk, _ in changed]).delete()
        summary.created += len(new)
        summary.updated += len(changed)
        links = [
            (pk, themes[theme])
            for pk, row in chain(zip(new_ids, new, strict=True), changed)
            for theme in row.themes
        ]
        bulk_insert(FeedbackTheme, ["item", "theme"], links)
        ids.update(zip((row.external_id for row in new), new_ids, strict=True))
        ids.update((row.external_id, pk) for pk, row in changed)
        changed_ids.extend(pk for pk, _ in changed)
    # Changed items may be evidence: their hypotheses' strength may change too.
    refresh_evidence_of_items(changed_ids)
    return ids


def new_item_values(
    organisation_id: int, system: str, feedback_import_id, row: CleanRow, now
) -> tuple:
    """The values of INSERTED_FIELDS for a new item, as the columns store them."""
    return (
        (organisation_id, system, row.external_id, feedback_import_id, now)
        + _values(row, now)
        + (1,)
    )


def _values(row: CleanRow, now) -> tuple:
    return (
        row.source,
        row.received_at or now,
        row.text,
        row.page,
        row.product_area,
        row.customer,
        row.sentiment,
        row.digest[:40],
        now,
        json.dumps(row.attributes, ensure_ascii=False) if row.attributes else "{}",
    )
