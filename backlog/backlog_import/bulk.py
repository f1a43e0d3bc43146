"""Model instances as the plain rows a bulk write takes, and their history.

Django's bulk_create and bulk_update build their SQL value by value, which for a
10 000-row sheet costs many times the write itself; simple-history's
bulk_history_create goes through bulk_create too. An import writes the same rows
through the raw writers the feedback import uses (`cromaturity.bulk_writes`: a
prepared INSERT or UPDATE repeated, or COPY on PostgreSQL), with each value already what
its column stores: datetimes adapted by the database backend, JSON as text,
foreign keys as ids. Large updates on PostgreSQL go through a copied temporary
table instead. The history rows are the ones simple-history writes: the
fields it tracks, plus who, when, why and the kind of change.
"""

import json
from collections.abc import Sequence
from datetime import datetime
from typing import TypedDict

from django.db import connection, models

from cromaturity.bulk_writes import (
    bulk_insert,
    bulk_update,
    insert_returning_ids,
)

HISTORY_FIELDS = [
    "history_date",
    "history_user",
    "history_change_reason",
    "history_type",
]


def _converter(field: models.Field):
    if isinstance(field, models.JSONField):
        return lambda value: None if value is None else json.dumps(value)
    if isinstance(field, models.DateTimeField):
        adapt = connection.ops.adapt_datetimefield_value
        return lambda value: None if value is None else adapt(value)
    return None


def values_of(model, objects: Sequence, fields: Sequence[str]) -> list[Sequence]:
    """Each object's (or dict's, by attribute name) `fields` as its columns
    store them."""
    if not objects:
        return []
    columns = [model._meta.get_field(name) for name in fields]
    attnames = [field.attname for field in columns]
    converters = [(i, c) for i, f in enumerate(columns) if (c := _converter(f))]
    rows: list[Sequence] = []
    for obj in objects:
        if isinstance(obj, dict):
            row = [obj[name] for name in attnames]
        else:
            row = [getattr(obj, name) for name in attnames]
        for i, convert in converters:
            row[i] = convert(row[i])
        rows.append(row)
    return rows


def insert(model, objects: Sequence[dict], fields: Sequence[str]) -> None:
    """Insert new rows (dicts by attribute name) and add their primary keys."""
    ids = insert_returning_ids(model, fields, values_of(model, objects, fields))
    for obj, pk in zip(objects, ids, strict=True):
        obj[model._meta.pk.attname] = pk


def insert_plain(model, objects: Sequence, fields: Sequence[str]) -> None:
    """Insert rows whose keys nobody needs (link tables, sheet rows)."""
    bulk_insert(model, fields, values_of(model, objects, fields))


def update(model, objects: Sequence[models.Model], fields: Sequence[str]) -> None:
    """Write `fields` of stored objects."""
    rows = values_of(model, objects, fields)
    pairs = zip(rows, objects, strict=True)
    rows = [[*row, obj.pk] for row, obj in pairs]
    if connection.vendor == "postgresql" and len(rows) > COPY_UPDATE_FROM:
        _update_through_copy(model, fields, rows)
    else:
        bulk_update(model, fields, rows)


# Above this many rows PostgreSQL updates faster from a copied temporary table
# than row by row (10 000 hypotheses: 4.6 s -> well under a second).
COPY_UPDATE_FROM = 200


def _update_through_copy(model, fields: Sequence[str], rows: list[Sequence]) -> None:
    """COPY the new values into a temporary table, then one UPDATE … FROM it."""
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    pk = quote(model._meta.pk.column)
    columns = [quote(model._meta.get_field(name).column) for name in fields]
    staging = quote(f"import_update_{model._meta.db_table}")
    listed = ", ".join([*columns, pk])
    connection.ensure_connection()
    with connection.connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE {staging} ON COMMIT DROP AS "  # noqa: S608
            f"SELECT {listed} FROM {table} WITH NO DATA"
        )
        with cursor.copy(f"COPY {staging} ({listed}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        assignments = ", ".join(f"{c} = {staging}.{c}" for c in columns)
        cursor.execute(
            f"UPDATE {table} SET {assignments} FROM {staging} "  # noqa: S608
            f"WHERE {table}.{pk} = {staging}.{pk}"
        )
        cursor.execute(f"DROP TABLE {staging}")


class HistoryStamp(TypedDict):
    """Who wrote a set of history records, why and when."""

    user_id: int | None
    reason: str
    when: datetime


def insert_history(
    model,
    objects: Sequence[models.Model | dict],
    *,
    changed: bool,
    user_id: int | None,
    reason: str,
    when: datetime,
) -> None:
    """One history record per object, as simple-history would write it."""
    if not objects:
        return
    historical = model.history.model
    tracked = [field.name for field in historical.tracked_fields]
    extra = [
        connection.ops.adapt_datetimefield_value(when),
        user_id,
        reason[:100],
        "~" if changed else "+",
    ]
    rows: list[Sequence] = [
        [*row, *extra] for row in values_of(model, objects, tracked)
    ]
    bulk_insert(historical, [*tracked, *HISTORY_FIELDS], rows)
