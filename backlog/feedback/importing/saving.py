"""Writing cleaned feedback rows: create new items, update changed ones.

Rows are first staged in temporary tables of the import's own database
connection, as they are cleaned and before any write transaction opens. Applying
them is then a handful of set-based statements inside the caller's transaction —
new items inserted from the staging table, changed ones updated from it, their
themes linked by a join — so the database does in one pass what a loop over rows
would do row by row, and the write lock is held for as short a time as it can be.
"""

import json
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from django.db import connection
from django.utils import timezone

from backlog.evidence import refresh_evidence_of_items
from backlog.feedback.capture import theme_ids
from backlog.feedback.importing.rows import CleanRow
from cromaturity.bulk_writes import datetime_storage, insert_rows

STAGED_ITEMS = "feedback_staging"
STAGED_THEMES = "feedback_staging_themes"
# Staged as the items table stores them (types copied from it).
STAGED_COLUMNS = [
    "external_id",
    "source",
    "received_at",
    "text",
    "page",
    "product_area",
    "customer_ref",
    "sentiment",
    "digest",
    "attributes",
]


@dataclass
class FeedbackImportSummary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0

    def line(self) -> str:
        return (
            f"created={self.created} updated={self.updated} "
            f"unchanged={self.unchanged} rejected={self.rejected}"
        )


@dataclass
class Staging:
    """Clean rows kept on this database connection until they are applied."""

    now: datetime = field(default_factory=timezone.now)
    themes: set[str] = field(default_factory=set)
    rows: int = 0

    def __enter__(self) -> "Staging":
        with connection.cursor() as cursor:
            self._drop(cursor)
            if connection.vendor == "sqlite" and not connection.in_atomic_block:
                # A large import is staged on disk, not in memory (the setting
                # cannot change inside a transaction; API batches are small).
                cursor.execute("PRAGMA temp_store = FILE")
            columns = ", ".join(STAGED_COLUMNS)
            cursor.execute(
                f"CREATE TEMPORARY TABLE {STAGED_ITEMS} AS "  # noqa: S608 - our names
                f"SELECT id AS line, {columns} FROM backlog_feedbackitem WHERE 1 = 0"
            )
            cursor.execute(
                f"CREATE TEMPORARY TABLE {STAGED_THEMES} "
                "(external_id varchar(200), name varchar(50))"
            )
        return self

    def __exit__(self, *exc) -> None:
        with connection.cursor() as cursor:
            self._drop(cursor)
            if connection.vendor == "sqlite" and not connection.in_atomic_block:
                cursor.execute("PRAGMA temp_store = MEMORY")

    @staticmethod
    def _drop(cursor) -> None:
        cursor.execute(f"DROP TABLE IF EXISTS {STAGED_ITEMS}")
        cursor.execute(f"DROP TABLE IF EXISTS {STAGED_THEMES}")

    def index(self) -> None:
        """Index the staged rows by id, so that joining them with the items
        never scans one table for each row of the other."""
        with connection.cursor() as cursor:
            for table in (STAGED_ITEMS, STAGED_THEMES):
                cursor.execute(
                    f"CREATE INDEX IF NOT EXISTS {table}_id ON {table} (external_id)"
                )
                if connection.vendor == "postgresql":
                    # Temporary tables have no statistics until analysed.
                    cursor.execute(f"ANALYZE {table}")

    def add(self, items: list[tuple], links: list[tuple[str, str]]) -> None:
        """Stage rows (as staged_values gives them) and their (id, theme) links."""
        with _temporary_writes():
            insert_rows(STAGED_ITEMS, ["line", *STAGED_COLUMNS], items)
            insert_rows(STAGED_THEMES, ["external_id", "name"], links)
        self.themes.update(theme for _, theme in links)
        self.rows += len(items)

    def add_rows(self, rows: list[CleanRow]) -> None:
        self.add(
            staged_values(rows, self.now),
            [(row.external_id, theme) for row in rows for theme in row.themes],
        )


def staged_values(rows: Iterable[CleanRow], now: datetime) -> list[tuple]:
    """Clean rows as staged: "line" and STAGED_COLUMNS, as the items table
    stores them. A row without a date (a file confirmed to have none) is dated
    `now`, the moment of the import."""
    stored = _received_storage(now)
    return [
        (
            row.line,
            row.external_id,
            row.source,
            stored(row),
            row.text,
            row.page,
            row.product_area,
            row.customer,
            row.sentiment,
            row.digest[:40],
            json.dumps(row.attributes, ensure_ascii=False) if row.attributes else "{}",
        )
        for row in rows
    ]


def _received_storage(now: datetime) -> Callable[[CleanRow], object]:
    """A row's date as the items table stores it; SQLite's text is taken from
    the text the cleaning wrote (`str` of the naive UTC datetime is its ISO
    text with a space), without formatting the date again."""
    stored = datetime_storage()
    if connection.vendor != "sqlite":
        return lambda row: stored(row.received_at or now)
    return lambda row: (
        row.received_text.replace("T", " ")
        if row.received_text
        else stored(row.received_at or now)
    )


@contextmanager
def _temporary_writes():
    """Group the writes of one chunk to temporary tables.

    On SQLite, outside the import's transaction, a plain BEGIN (unlike the
    IMMEDIATE transactions of the ORM) takes no lock on the database itself,
    because temporary tables live apart from it.
    """
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        yield
        return
    connection.ensure_connection()
    raw = connection.connection
    raw.execute("BEGIN DEFERRED")
    try:
        yield
    except BaseException:
        raw.execute("ROLLBACK")
        raise
    raw.execute("COMMIT")


# New items from which the items table's statistics are refreshed (PostgreSQL).
ANALYZE_FROM_ROWS = 1000
_MATCH = (
    "i.organisation_id = %s AND i.source_system = %s AND i.external_id = s.external_id"
)


def _staged_order() -> str:
    """The staged rows in the order of their lines, for new items' ids.

    Rows are staged in the order of their lines (chunk after chunk of the
    file), so on SQLite the order they were staged in is that order, read
    without sorting every staged row through a temporary file.
    """
    return "s.rowid" if connection.vendor == "sqlite" else "s.line"


def _theme_links() -> str:
    """The staged link's theme by name, and the links the items have left out.

    On SQLite the theme is found through the index of its lower-cased name
    (implied by the equal names, so the same themes), not by reading every
    theme of the organisation for each link.
    """
    same_name = "t.name = s.name"
    if connection.vendor == "sqlite":
        same_name = "lower(t.name) = lower(s.name) AND t.name = s.name"
    return (
        f"{same_name} WHERE NOT EXISTS (SELECT 1 FROM backlog_feedbacktheme x "  # noqa: S608 - our names
        "WHERE x.item_id = i.id AND x.theme_id = t.id)"
    )


def apply_staged(
    staging: Staging,
    organisation_id: int,
    system: str,
    summary: FeedbackImportSummary,
    *,
    feedback_import_id: int | None = None,
    want_ids: bool = False,
) -> dict[str, int]:
    """Write the staged rows as items of `system`; runs in the caller's
    transaction. Items whose content is unchanged are left alone. Returns the item
    id of every staged external id when `want_ids`."""
    if not staging.rows:
        return {}
    staging.index()
    now = connection.ops.adapt_datetimefield_value(staging.now)
    key: list[int | str] = [organisation_id, system]
    # Themes first: the links below join them by name.
    theme_ids(organisation_id, staging.themes)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT i.id FROM {STAGED_ITEMS} s JOIN backlog_feedbackitem i "  # noqa: S608
            f"ON {_MATCH} WHERE i.digest <> s.digest",
            key,
        )
        changed = [pk for (pk,) in cursor.fetchall()]
        cursor.execute(
            f"SELECT COUNT(*) FROM {STAGED_ITEMS} s JOIN backlog_feedbackitem i "  # noqa: S608
            f"ON {_MATCH} WHERE i.digest = s.digest",
            key,
        )
        summary.unchanged += cursor.fetchone()[0]
        if changed:
            cursor.execute(
                "DELETE FROM backlog_feedbacktheme WHERE item_id IN ("  # noqa: S608
                f"SELECT i.id FROM {STAGED_ITEMS} s JOIN backlog_feedbackitem i "
                f"ON {_MATCH} WHERE i.digest <> s.digest)",
                key,
            )
            # A changed item's version grows, so that an edit form opened before
            # the import is refused instead of overwriting the new text.
            cursor.execute(
                "UPDATE backlog_feedbackitem AS i SET feedback_import_id = %s, "  # noqa: S608
                "source = s.source, received_at = s.received_at, text = s.text, "
                "page = s.page, product_area = s.product_area, "
                "customer_ref = s.customer_ref, sentiment = s.sentiment, "
                "digest = s.digest, attributes = s.attributes, updated_at = %s, "
                f"version = i.version + 1 FROM {STAGED_ITEMS} s "
                f"WHERE {_MATCH} AND i.digest <> s.digest",
                [feedback_import_id, now, *key],
            )
        cursor.execute(
            "INSERT INTO backlog_feedbackitem (organisation_id, source_system, "  # noqa: S608
            "external_id, feedback_import_id, created_at, updated_at, version, "
            "source, received_at, text, page, product_area, customer_ref, "
            "sentiment, digest, attributes) "
            "SELECT %s, %s, s.external_id, %s, %s, %s, 1, s.source, s.received_at, "
            "s.text, s.page, s.product_area, s.customer_ref, s.sentiment, "
            f"s.digest, s.attributes FROM {STAGED_ITEMS} s WHERE NOT EXISTS ("
            f"SELECT 1 FROM backlog_feedbackitem i WHERE {_MATCH}) "
            f"ORDER BY {_staged_order()}",
            [*key, feedback_import_id, now, now, *key],
        )
        created = cursor.rowcount
        summary.created += created
        summary.updated += len(changed)
        if connection.vendor == "postgresql" and created >= ANALYZE_FROM_ROWS:
            # The planner's statistics predate the rows just inserted: without
            # fresh ones it takes the new items for a handful and joins the
            # staged links to them one by one, for minutes. ANALYZE in this
            # transaction counts its own uncommitted rows.
            cursor.execute("ANALYZE backlog_feedbackitem")
        # New and changed items get their themes; unchanged ones have them.
        cursor.execute(
            "INSERT INTO backlog_feedbacktheme (item_id, theme_id) "  # noqa: S608
            f"SELECT i.id, t.id FROM {STAGED_THEMES} s "
            f"JOIN backlog_feedbackitem i ON {_MATCH} "
            f"JOIN backlog_theme t ON t.organisation_id = %s AND {_theme_links()}",
            [*key, organisation_id],
        )
        ids = {}
        if want_ids:
            cursor.execute(
                f"SELECT s.external_id, i.id FROM {STAGED_ITEMS} s "  # noqa: S608
                f"JOIN backlog_feedbackitem i ON {_MATCH}",
                key,
            )
            ids = dict(cursor.fetchall())
    # Changed items may be evidence: their hypotheses' strength may change too.
    refresh_evidence_of_items(changed)
    return ids


def upsert_feedback(
    organisation_id: int,
    system: str,
    chunks: Iterable[list[CleanRow]],
    summary: FeedbackImportSummary,
    *,
    feedback_import_id: int | None = None,
) -> dict[str, int]:
    """Stage and write rows in the caller's transaction (for batches that are
    already in memory); returns the item id of every external id."""
    with Staging() as staging:
        for rows in chunks:
            staging.add_rows(rows)
        return apply_staged(
            staging,
            organisation_id,
            system,
            summary,
            feedback_import_id=feedback_import_id,
            want_ids=True,
        )
