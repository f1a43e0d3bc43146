"""Writing many rows fast, inside the caller's transaction.

Building a model instance per row costs more than the write itself when an import
brings hundreds of thousands of rows, so imports write plain tuples: with COPY on
PostgreSQL and a prepared, repeated INSERT or UPDATE on SQLite. Values must already
be what the column stores.
"""

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from itertools import batched, chain

from django.db import connection
from django.db.models import Field, Model

from cromaturity import freshness

# Rows in one INSERT on SQLite: enough that the cost of each statement is lost
# in its rows, few enough that its parameters stay a short list.
ROWS_PER_STATEMENT = 2000


def _field(model: type[Model], name: str) -> Field:
    found = model._meta.get_field(name)
    if not isinstance(found, Field):
        raise TypeError(f"{model.__name__}.{name} is the other side of a relation")
    return found


def _column(field: Field) -> str:
    if field.column is None:
        raise TypeError(f"{field} is stored in no column of its own")
    return field.column


def _max_query_params() -> int:
    # Every SQLite connection has a limit; None means none on other backends.
    limit = connection.features.max_query_params
    if limit is None:
        raise TypeError(f"{connection.vendor} sets no limit on query parameters")
    return limit


def _columns(model: type[Model], fields: Sequence[str]) -> list[str]:
    quote = connection.ops.quote_name
    return [quote(_column(_field(model, name))) for name in fields]


def _adapt_datetime(value: datetime) -> str | None:
    # SQLite stores datetimes as naive UTC text; values in UTC convert directly.
    if value.tzinfo is UTC:
        return str(value.replace(tzinfo=None))
    return connection.ops.adapt_datetimefield_value(value)


def stored_datetime(value: datetime) -> datetime | str | None:
    """`value` as the database stores it (SQLite: naive UTC text)."""
    if connection.vendor == "sqlite":
        return _adapt_datetime(value)
    return value


def _as_it_is(value: datetime) -> datetime:
    return value


def datetime_storage() -> Callable[[datetime], object]:
    """stored_datetime for many values, the database's kind looked up once."""
    if connection.vendor == "sqlite":
        return _adapt_datetime
    return _as_it_is


def _adapt(rows: Sequence[Sequence]) -> Iterable[Sequence]:
    """Adapt the datetime columns (found in the first row) of every row."""
    if not rows:
        return rows
    dated = [i for i, value in enumerate(rows[0]) if isinstance(value, datetime)]
    if not dated:
        return rows
    return _adapted(rows, dated)


def _adapted(rows: Sequence[Sequence], dated: list[int]) -> Iterable[Sequence]:
    # Columns such as created_at hold one moment for every row of an import:
    # each column remembers its last value and adapts it once.
    last = dict.fromkeys(dated)
    adapted = dict.fromkeys(dated)
    for row in rows:
        row = list(row)
        for i in dated:
            value = row[i]
            if value is not None:
                if value is not last[i]:
                    last[i], adapted[i] = value, _adapt_datetime(value)
                row[i] = adapted[i]
        yield row


def bulk_insert(
    model: type[Model], fields: Sequence[str], rows: Sequence[Sequence]
) -> None:
    insert_rows(model._meta.db_table, _columns(model, fields), rows, quoted=True)


def insert_rows(
    table: str,
    columns: Sequence[str],
    rows: Sequence[Sequence],
    *,
    quoted: bool = False,
) -> None:
    """Insert plain rows into `table` (a model's, or a temporary one)."""
    if not rows:
        return
    connection.ensure_connection()
    quote = connection.ops.quote_name
    table = quote(table)
    names = ", ".join(columns if quoted else [quote(c) for c in columns])
    if connection.vendor == "postgresql":
        with connection.connection.cursor() as cursor:
            with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        return
    # Many rows per statement: each statement has a cost of its own, which a
    # full-text index kept by triggers makes large (FTS5 writes out its pending
    # terms at the end of every statement).
    per_statement = max(1, min(ROWS_PER_STATEMENT, _max_query_params() // len(columns)))
    row_marks = "(" + ", ".join(["?"] * len(columns)) + ")"
    sql = f"INSERT INTO {table} ({names}) VALUES "  # noqa: S608
    cursor = connection.connection.cursor()
    try:
        for batch in batched(_adapt(rows), per_statement):
            cursor.execute(
                sql + ", ".join([row_marks] * len(batch)),
                list(chain.from_iterable(batch)),
            )
    finally:
        cursor.close()


def bulk_update(
    model: type[Model],
    fields: Sequence[str],
    rows: Sequence[Sequence],
    *,
    increment: Sequence[str] = (),
) -> None:
    """Update `fields` of the rows whose primary key is the LAST value of each row.

    Each column of `increment` (a counter such as `version`) grows by one.
    """
    if not rows:
        return
    connection.ensure_connection()
    table = connection.ops.quote_name(model._meta.db_table)
    pk = connection.ops.quote_name(_column(model._meta.pk))
    mark = "%s" if connection.vendor == "postgresql" else "?"
    assignments = ", ".join(
        [f"{c} = {mark}" for c in _columns(model, fields)]
        + [f"{c} = {c} + 1" for c in _columns(model, increment)]
    )
    sql = f"UPDATE {table} SET {assignments} WHERE {pk} = {mark}"  # noqa: S608
    cursor = connection.connection.cursor()
    try:
        values = rows if connection.vendor == "postgresql" else _adapt(rows)
        cursor.executemany(sql, values)
    finally:
        cursor.close()


def update_objects(objects: Sequence[Model], fields: Sequence[str]) -> None:
    """Save `fields` of many loaded objects with one prepared UPDATE per row.

    Django's bulk_update builds one CASE expression per field over every row,
    which grows with the square of the rows on SQLite; this stays linear.
    """
    if not objects:
        return
    model = type(objects[0])
    columns = [_field(model, name).attname for name in fields]
    bulk_update(
        model,
        fields,
        [(*(getattr(obj, c) for c in columns), obj.pk) for obj in objects],
    )
    # No model signals fire here: say that these organisations' content changed.
    freshness.touch(
        *{obj.organisation_id for obj in objects if hasattr(obj, "organisation_id")}
    )


def insert_returning_ids(
    model: type[Model], fields: Sequence[str], rows: Sequence[Sequence]
) -> list[int]:
    """Insert rows and return their new primary keys, in the order of `rows`."""
    if not rows:
        return []
    connection.ensure_connection()
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(_columns(model, fields))
    if connection.vendor == "postgresql":
        # Take the keys from the table's sequence first, then COPY the rows with
        # them: much faster than INSERT ... RETURNING with the values as arrays.
        pk = _column(model._meta.pk)
        with connection.connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) "
                "FROM generate_series(1, %s)",
                [model._meta.db_table, pk, len(rows)],
            )
            ids = [row[0] for row in cursor.fetchall()]
            quoted_pk = connection.ops.quote_name(pk)
            with cursor.copy(
                f"COPY {table} ({quoted_pk}, {columns}) FROM STDIN"
            ) as copy:
                for key, row in zip(ids, rows, strict=True):
                    copy.write_row((key, *row))
        return ids
    bulk_insert(model, fields, rows)
    cursor = connection.connection.cursor()
    try:
        last = cursor.execute("SELECT last_insert_rowid()").fetchone()[0]
    finally:
        cursor.close()
    # The write lock is held for the whole transaction and AUTOINCREMENT keys only
    # grow, so the rows just inserted got the consecutive keys ending at `last`.
    return list(range(last - len(rows) + 1, last + 1))
