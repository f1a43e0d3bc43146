"""Reading JSON exports (Zendesk's full export, Intercom's conversations) as tables.

A file is either NDJSON (one object per line) or one JSON document whose records
are the first array of objects in it (``[...]``, ``{"conversations": [...]}``).
Each record is flattened into columns named by path: ``via.channel``,
``satisfaction_rating.score``, ``tags`` (a list of words, joined by commas),
``tags.tags[].name`` (a field of every object in a list) and
``comments[0].plain_body`` (a field of the first one). The columns are those
found in the first records, in the order they first appear.
"""

import json
from collections.abc import Iterator
from decimal import Decimal
from itertools import islice
from pathlib import Path

import ijson

from backlog.feedback.importing.problems import BrokenRecord, FileProblem

HEADER_FROM_RECORDS = 500
MAX_COLUMNS = 400
# Lists of objects longer than this are still joined whole under ``[]``; only
# their first element also gets columns of its own.
FIRST_ONLY = "[0]"


def json_kind(head: bytes) -> str | None:
    """ "ndjson", "json", or None when the text does not start like JSON."""
    text = head.decode("utf-8-sig", errors="replace").lstrip()
    if not text or text[0] not in "[{":
        return None
    if text[0] == "[":
        return "json"
    first, _, rest = text.partition("\n")
    try:
        json.loads(first)
    except ValueError:
        return "json"
    # One object per line; a single line is a document like any other.
    return "ndjson" if rest.lstrip()[:1] == "{" else "json"


def records_prefix(path: Path) -> str:
    """The ijson prefix of the records of a JSON document ("" for one record)."""
    with path.open("rb") as handle:
        try:
            for prefix, event, _ in ijson.parse(handle):
                if event == "start_map" and (
                    prefix == "item" or prefix.endswith(".item")
                ):
                    return prefix
        except ijson.JSONError as error:
            raise FileProblem(f"The file is not valid JSON: {error}.") from None
    return ""


def count_records(path: Path, prefix: str) -> int:
    """How many records a JSON document holds, counted without building them."""
    count = 0
    with path.open("rb") as handle:
        try:
            for event_prefix, event, _ in ijson.parse(handle):
                if event == "start_map" and event_prefix == prefix:
                    count += 1
        except ijson.JSONError:
            pass
    return count


def json_objects(path: Path, kind: str, prefix: str) -> Iterator[tuple[int, object]]:
    """Yield each record with its number (the line, for NDJSON)."""
    if kind == "ndjson":
        with path.open("r", encoding="utf-8-sig") as handle:
            for number, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                try:
                    yield number, json.loads(line)
                except ValueError as error:
                    yield (
                        number,
                        BrokenRecord(
                            [line.strip()[:200]], f"line {number} is not JSON ({error})"
                        ),
                    )
        return
    with path.open("rb") as handle:
        try:
            items = ijson.items(handle, prefix, use_float=True)
            for number, item in enumerate(items, 1):
                yield number, item
        except ijson.JSONError as error:
            raise FileProblem(f"The file is not valid JSON: {error}.") from None


def flatten(record: object) -> dict[str, str]:
    """The record's values by path, as text."""
    flat: dict[str, str] = {}
    if isinstance(record, dict):
        _flatten_into(flat, record, "")
    else:
        flat["value"] = _scalar(record)
    return flat


def _flatten_into(flat: dict[str, str], value: object, path: str) -> None:
    if isinstance(value, dict):
        for key, child in value.items():
            _flatten_into(flat, child, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        if all(not isinstance(item, dict | list) for item in value):
            flat[path] = ", ".join(_scalar(item) for item in value if item is not None)
            return
        objects = [item for item in value if isinstance(item, dict)]
        if objects:
            _flatten_into(flat, objects[0], path + FIRST_ONLY)
        every: dict[str, list[str]] = {}
        for item in objects:
            inner: dict[str, str] = {}
            _flatten_into(inner, item, "")
            for key, text in inner.items():
                if text:
                    every.setdefault(key, []).append(text)
        for key, texts in every.items():
            joiner = "\n\n" if any(len(t) > 40 or "\n" in t for t in texts) else ", "
            flat[f"{path}[].{key}"] = joiner.join(texts)
    else:
        flat[path] = _scalar(value)


def _scalar(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float | Decimal) and value == int(value):
        return str(int(value))
    return str(value)


def json_table(
    path: Path, kind: str, prefix: str
) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """The columns found in the first records, and every record as cells."""
    objects = json_objects(path, kind, prefix)
    head = list(islice(objects, HEADER_FROM_RECORDS))
    if not head:
        raise FileProblem("The file holds no records.")
    header: dict[str, None] = {}
    for _, record in head:
        if isinstance(record, BrokenRecord):
            continue
        for key in flatten(record):
            header.setdefault(key, None)
    columns = _bounded([key for key in header if key])
    if not columns:
        raise FileProblem("The records of this file have no fields.")

    def cells() -> Iterator[tuple[int, list[str]]]:
        for number, record in _chain(head, objects):
            if isinstance(record, BrokenRecord):
                yield number, record
                continue
            flat = flatten(record)
            yield number, [flat.get(column, "") for column in columns]

    return columns, cells()


def _bounded(columns: list[str]) -> list[str]:
    """At most MAX_COLUMNS columns, dropping first-element copies first."""
    if len(columns) <= MAX_COLUMNS:
        return columns
    kept = [c for c in columns if FIRST_ONLY not in c]
    return kept[:MAX_COLUMNS]


def _chain(
    head: list[tuple[int, object]], rest: Iterator[tuple[int, object]]
) -> Iterator[tuple[int, object]]:
    yield from head
    yield from rest
