"""On PostgreSQL, indexes in the orders the backlog is ranked in, per scoring
framework: the ranked list's (so that a page of it is read from the index instead
of sorting every open hypothesis of the organisation) and the board's (each
column's best cards, status by status). SQLite sorts a workspace's backlog in a
few milliseconds and its indexes cannot say NULLS LAST; it skips this."""

from django.db import migrations

FRAMEWORKS = ["ice", "pie", "pxl"]



def indexes() -> dict[str, str]:
    """Each index's name and columns."""
    made = {}
    for framework in FRAMEWORKS:
        score = f"{framework}_score DESC NULLS LAST"
        made[f"backlog_hypothesis_rank_{framework}"] = (
            f"organisation_id, {score}, evidence_strength DESC, "
            "evidence_items DESC, created_at, id"
        )
        made[f"backlog_hypothesis_board_{framework}"] = (
            f"organisation_id, status, {score}, created_at, id"
        )
    return made


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, columns in indexes().items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON backlog_hypothesis ({columns})"
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in indexes():
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("backlog", "0007_feedback_text_trigram_index")]

    operations = [migrations.RunPython(create_indexes, drop_indexes, elidable=False)]
