"""On PostgreSQL, a trigram index so that searching feedback text (a case-blind
"contains") does not read every item. SQLite has no such index and skips this."""

import logging

from django.db import DatabaseError, migrations, transaction

logger = logging.getLogger(__name__)

INDEX = "backlog_feedbackitem_text_trgm"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    try:
        with transaction.atomic(using=schema_editor.connection.alias):
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            schema_editor.execute(
                f"CREATE INDEX IF NOT EXISTS {INDEX} ON backlog_feedbackitem "
                'USING gin (UPPER("text") gin_trgm_ops)'
            )
    except DatabaseError as error:
        # pg_trgm ships with PostgreSQL and is trusted since version 13; where a
        # restricted role cannot install it, text search still works, slower.
        logger.warning("Feedback text search index not created: %s", error)


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("backlog", "0006_edit_versions")]

    operations = [migrations.RunPython(create_index, drop_index, elidable=False)]
