"""A full-text index of feedback text, kept in step by the database itself, so
that every write (the forms, the API, the import's set-based INSERT … SELECT and
UPDATE … FROM) is indexed without the code remembering to.

PostgreSQL: a stored generated tsvector column (English and German stems) with a
GIN index. SQLite: an FTS5 table over the items' text with triggers (see
backlog/feedback/search.py, which also puts back triggers that a later table
rebuild by the schema editor drops)."""

from django.db import migrations

from backlog.feedback.search import (
    create_postgresql_index,
    create_sqlite_index,
    drop_postgresql_index,
    drop_sqlite_index,
)


def create_index(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        create_postgresql_index(connection)
    elif connection.vendor == "sqlite":
        create_sqlite_index(connection)


def drop_index(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        drop_postgresql_index(connection)
    elif connection.vendor == "sqlite":
        drop_sqlite_index(connection)


class Migration(migrations.Migration):
    dependencies = [("backlog", "0014_exact_score_means")]

    operations = [migrations.RunPython(create_index, drop_index, elidable=False)]
