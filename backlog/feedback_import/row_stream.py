"""The cleaned rows of an uploaded file, chunk by chunk, with rejects on the side.

Nothing here touches the database: reading and cleaning happen before the
import's write transaction opens, so a slow or hostile file never holds the
database's write lock.
"""

import csv
import io
import multiprocessing
from collections import deque
from collections.abc import Iterator
from datetime import datetime
from itertools import chain, islice
from operator import attrgetter
from pathlib import Path

from django.conf import settings

from backlog.feedback_import.dates import header_says_utc
from backlog.feedback_import.mapping import mapping_problems
from backlog.feedback_import.problems import ImportRefused
from backlog.feedback_import.progress import write_progress
from backlog.feedback_import.reading import Layout, Table, open_table
from backlog.feedback_import.rows import (
    CleanOptions,
    CleanRow,
    RejectedRow,
    clean_records,
)
from backlog.feedback_import.tools import TOOLS_BY_KEY
from backlog.feedback_import.values import rating_scale
from backlog.feedback_import.zones import zone
from backlog.models import FeedbackImport
from backlog.privacy import contact_region, pseudonym_key

__all__ = ["CHUNK_ROWS", "ImportRefused", "RowStream", "date_zone_of"]

CHUNK_ROWS = 5000
CLEANERS = 2
_row_values = attrgetter(*CleanRow.__slots__)


def date_zone_of(table: Table, column: str | None, chosen: str) -> tuple[str, str]:
    """The zone a date column's local times are read in, and why.

    The column's header saying UTC wins, then a zone the file names for the
    column, then the zone chosen for the import.
    """
    if column and header_says_utc(column):
        return "UTC", "header"
    aliases = dict(zip(table.header, table.aliases, strict=False)).get(column, [])
    if column and any(header_says_utc(alias) for alias in aliases):
        return "UTC", "header"
    if column and column in table.zones:
        return table.zones[column], "file"
    return chosen, "chosen"


def _default_channel(tool: str, source_name: str) -> str:
    """The channel of the tool, or of the tool a source is named after."""
    if tool in TOOLS_BY_KEY:
        return TOOLS_BY_KEY[tool].channel
    named = source_name.split(":")[0].strip().lower()
    for known in TOOLS_BY_KEY.values():
        if named in {known.key, known.name.lower()}:
            return known.channel
    return "ticket"


class RowStream:
    """Reads and cleans the file, writes rejected rows, yields clean chunks."""

    def __init__(self, feedback_import: FeedbackImport, now: datetime):
        self.feedback_import = feedback_import
        self.rejected = 0
        self.rows_read = 0
        organisation = feedback_import.organisation
        self.options = CleanOptions(
            mapping=feedback_import.mapping,
            date_format=feedback_import.date_format,
            tz=zone(feedback_import.time_zone),
            now=now,
            default_source=_default_channel(
                feedback_import.tool, feedback_import.source_system
            ),
            pseudonym_key=pseudonym_key(organisation),
            mask_contacts=feedback_import.mask_contacts,
            source_name=feedback_import.source_system,
            attribute_columns=list(feedback_import.attribute_columns),
            html_columns=list(feedback_import.html_columns),
            phone_region=contact_region(organisation),
        )

    def chunks(self, rejects, *, parallel: bool = False) -> Iterator[list[CleanRow]]:
        """The file's clean rows chunk by chunk; rejected rows go to `rejects`.

        With `parallel`, rows are cleaned by other processes while this one
        reads the file, so that every processor core works on a large import.
        """
        feedback_import = self.feedback_import
        table = open_table(
            Path(feedback_import.file.path), Layout(**feedback_import.layout)
        )
        if table.header != feedback_import.header:
            raise ImportRefused("The file changed since it was uploaded.")
        mapping = feedback_import.mapping
        problems = mapping_problems(mapping, table.header)
        if problems:
            raise ImportRefused(" ".join(problems))
        zone_name, _ = date_zone_of(
            table, mapping.get("received_at"), feedback_import.time_zone
        )
        self.options.tz = zone(zone_name)
        text_rejects = io.TextIOWrapper(rejects, encoding="utf-8", newline="")
        writer = csv.writer(text_rejects)
        writer.writerow(["line", *table.header, "reason"])
        records = table.records
        if "sentiment" in mapping:
            position = table.header.index(mapping["sentiment"])
            head = list(islice(records, CHUNK_ROWS))
            self.options.rating_scale = rating_scale(
                [cells[position] for _, cells in head if len(cells) > position]
            )
            records = chain(head, records)
        seen = _SeenRows()
        raw = self._counted(_chunks(records))
        if parallel:
            cleaned = _clean_in_processes(table.header, raw, self.options)
        else:
            cleaned = (
                (chunk, *clean_records(table.header, chunk, self.options))
                for chunk in raw
            )
        for chunk, clean, refused in cleaned:
            cells_by_line = dict(chunk)
            kept = []
            for row in clean:
                problem = seen.admit(row, cells_by_line[row.line])
                if problem:
                    refused.append(
                        RejectedRow(row.line, cells_by_line[row.line], problem)
                    )
                else:
                    kept.append(row)
            for row in sorted(refused, key=lambda r: r.line):
                writer.writerow([row.line, *row.cells, row.reason])
            self.rejected += len(refused)
            text_rejects.flush()
            write_progress(feedback_import.pk, self.rows_read)
            yield kept
        text_rejects.detach()

    def _counted(self, chunks: Iterator[list]) -> Iterator[list]:
        for chunk in chunks:
            self.rows_read += len(chunk)
            if self.rows_read > settings.IMPORT_MAX_ROWS:
                raise ImportRefused(
                    f"The file has more than {settings.IMPORT_MAX_ROWS:,} rows; "
                    "split it into smaller files."
                )
            yield chunk


def _clean_in_processes(header: list[str], chunks, options: CleanOptions):
    """Clean chunks in forked processes while this one reads the next ones.

    Results come back in the file's order; at most a few chunks wait at a
    time, so memory stays bounded whatever the size of the file.
    """
    context = multiprocessing.get_context("fork")
    with context.Pool(CLEANERS) as pool:
        pending: deque = deque()
        for chunk in chunks:
            job = pool.apply_async(_clean_chunk, (header, chunk, options))
            pending.append((chunk, job))
            if len(pending) > 2 * CLEANERS:
                yield _collected(*pending.popleft())
        while pending:
            yield _collected(*pending.popleft())


def _clean_chunk(header, chunk, options) -> tuple[list[tuple], list[tuple]]:
    clean, refused = clean_records(header, chunk, options)
    # Tuples cross between processes several times faster than dataclasses.
    return [_row_values(row) for row in clean], [
        (row.line, row.cells, row.reason) for row in refused
    ]


def _collected(chunk, job) -> tuple[list, list[CleanRow], list[RejectedRow]]:
    clean, refused = job.get()
    return (
        chunk,
        [CleanRow(*values) for values in clean],
        [RejectedRow(*values) for values in refused],
    )


class _SeenRows:
    """The ids met so far in one file, to tell a repeated row from a clash.

    A row repeated whole is a duplicate. Two different rows with the same
    fingerprint (same source, date, respondent and text, differing elsewhere)
    are two items: the later gets the fingerprint with its occurrence number.
    Two different rows with the same id from the file are a clash.
    """

    def __init__(self):
        self._first: dict[str, tuple[int, int]] = {}
        self._occurrences: dict[str, int] = {}

    def admit(self, row: CleanRow, cells: list[str]) -> str | None:
        content = hash(tuple(cells))
        first = self._first.get(row.external_id)
        if first is None:
            self._first[row.external_id] = (row.line, content)
            return None
        line, first_content = first
        if content == first_content:
            return f"repeats line {line} (duplicate row)"
        if not row.fingerprinted:
            return f"same id “{row.external_id}” as line {line}, with other content"
        base = row.external_id
        number = self._occurrences.get(base, 1)
        while True:
            number += 1
            candidate = f"{base}-{number}"
            if candidate not in self._first:
                break
        self._occurrences[base] = number
        row.external_id = candidate
        self._first[candidate] = (row.line, content)
        return None


def _chunks(records) -> Iterator[list]:
    chunk = []
    for record in records:
        chunk.append(record)
        if len(chunk) >= CHUNK_ROWS:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
