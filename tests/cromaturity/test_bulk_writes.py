"""Plain rows written in bulk: every row lands as given, in as few statements as
the database allows."""

from datetime import UTC, datetime

import pytest
from django.db import connection

from backlog.models import FeedbackItem
from cromaturity import bulk_writes
from cromaturity.bulk_writes import bulk_insert, stored_datetime

pytestmark = pytest.mark.django_db

COLUMNS = [
    "organisation",
    "source_system",
    "external_id",
    "created_at",
    "updated_at",
    "version",
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


def rows(org, count):
    when = stored_datetime(datetime(2026, 8, 1, 10, tzinfo=UTC))
    return [
        (org.pk, "Feed", str(n), when, when, 1, "ticket", when, f"Text {n}")
        + ("", "", "", "", f"d{n}", "{}")
        for n in range(count)
    ]


def test_many_rows_land_as_given_whatever_the_statement_size(org, monkeypatch):
    monkeypatch.setattr(bulk_writes, "ROWS_PER_STATEMENT", 7)
    bulk_insert(FeedbackItem, COLUMNS, rows(org, 30))
    stored = list(FeedbackItem.objects.order_by("pk"))
    assert [item.external_id for item in stored] == [str(n) for n in range(30)]
    assert [item.text for item in stored[-2:]] == ["Text 28", "Text 29"]
    assert stored[0].received_at == datetime(2026, 8, 1, 10, tzinfo=UTC)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite writes by INSERT")
def test_sqlite_writes_several_rows_per_statement(org, monkeypatch):
    monkeypatch.setattr(bulk_writes, "ROWS_PER_STATEMENT", 7)
    connection.ensure_connection()
    inserts = []

    def trace(sql):
        # Triggers (the full-text index's) report their statement's text again.
        if sql.startswith('INSERT INTO "backlog_feedbackitem"') and (
            not inserts or inserts[-1] != sql
        ):
            inserts.append(sql)

    connection.connection.set_trace_callback(trace)
    try:
        bulk_insert(FeedbackItem, COLUMNS, rows(org, 30))
    finally:
        connection.connection.set_trace_callback(None)
    # 30 rows in statements of 7: four full ones and one of 2 rows.
    assert [sql.count("), (") + 1 for sql in inserts] == [7, 7, 7, 7, 2]
    assert FeedbackItem.objects.count() == 30
