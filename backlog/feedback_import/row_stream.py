"""The cleaned rows of an uploaded file, chunk by chunk, with rejects on the side.

A large file is read and cleaned in a forked child process while the parent
writes what it receives, so both processor cores work on an import.
"""

import csv
import io
import multiprocessing
from collections.abc import Iterator
from datetime import datetime
from itertools import chain, islice
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings

from backlog.feedback_import.mapping import mapping_problems
from backlog.feedback_import.progress import write_progress
from backlog.feedback_import.reading import FileProblem, Layout, open_table
from backlog.feedback_import.rows import (
    CleanOptions,
    CleanRow,
    RejectedRow,
    clean_records,
)
from backlog.feedback_import.values import SYSTEM_DEFAULT_SOURCE, rating_scale
from backlog.models import FeedbackImport
from backlog.privacy import pseudonym_key

CHUNK_ROWS = 5000


class ImportRefused(Exception):
    """The import cannot go ahead as asked; the message says why, for people."""


class RowStream:
    """Reads and cleans the file, writes rejected rows, yields clean chunks.

    It never touches the database, so it can run in a child process.
    """

    def __init__(self, feedback_import: FeedbackImport, now: datetime):
        self.feedback_import = feedback_import
        self.rejected = 0
        self.rows_read = 0
        self.options = CleanOptions(
            mapping=feedback_import.mapping,
            date_format=feedback_import.date_format,
            tz=ZoneInfo(feedback_import.time_zone),
            now=now,
            default_source=SYSTEM_DEFAULT_SOURCE.get(
                feedback_import.source_system, "ticket"
            ),
            pseudonym_key=pseudonym_key(feedback_import.organisation),
            mask_contacts=feedback_import.mask_contacts,
        )

    def chunks(self, rejects) -> Iterator[list[CleanRow]]:
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
        first_line: dict[str, int] = {}
        for chunk in _chunks(records):
            self.rows_read += len(chunk)
            if self.rows_read > settings.IMPORT_MAX_ROWS:
                raise ImportRefused(
                    f"The file has more than {settings.IMPORT_MAX_ROWS:,} rows; "
                    "split it into smaller files."
                )
            clean, refused = clean_records(table.header, chunk, self.options)
            kept = []
            for row in clean:
                seen = first_line.setdefault(row.external_id, row.line)
                if seen != row.line:
                    refused.append(_duplicate(row, seen, chunk))
                else:
                    kept.append(row)
            for row in sorted(refused, key=lambda r: r.line):
                writer.writerow([row.line, *row.cells, row.reason])
            self.rejected += len(refused)
            text_rejects.flush()
            write_progress(feedback_import.pk, self.rows_read)
            yield kept
        text_rejects.detach()

    def in_child_process(self, rejects) -> Iterator[list[CleanRow]]:
        """The same chunks, read and cleaned by a forked child process."""
        receiver, sender = multiprocessing.Pipe(duplex=False)
        child = multiprocessing.get_context("fork").Process(
            target=self._send_chunks, args=(rejects, sender), daemon=True
        )
        child.start()
        sender.close()
        try:
            while True:
                kind, *payload = receiver.recv()
                if kind == "chunk":
                    yield [CleanRow(*values) for values in payload[0]]
                elif kind == "done":
                    self.rows_read, self.rejected = payload
                    return
                else:
                    error_class = {"file": FileProblem, "refused": ImportRefused}
                    raise error_class.get(kind, RuntimeError)(payload[0])
        finally:
            receiver.close()
            child.join(timeout=10)
            if child.is_alive():
                child.kill()

    def _send_chunks(self, rejects, sender) -> None:
        try:
            for kept in self.chunks(rejects):
                # Tuples cross the pipe several times faster than dataclasses.
                sender.send(("chunk", [_as_tuple(row) for row in kept]))
            sender.send(("done", self.rows_read, self.rejected))
        except FileProblem as problem:
            sender.send(("file", str(problem)))
        except ImportRefused as problem:
            sender.send(("refused", str(problem)))
        except Exception as error:  # noqa: BLE001 - reported to the parent
            sender.send(("error", f"{type(error).__name__}: {error}"))
        finally:
            sender.close()


def _as_tuple(row: CleanRow) -> tuple:
    return tuple(getattr(row, name) for name in CleanRow.__slots__)


def _duplicate(row: CleanRow, first: int, chunk):
    cells = next((cells for line, cells in chunk if line == row.line), [])
    return RejectedRow(row.line, cells, f"same id as line {first} (duplicate row)")


def _chunks(records) -> Iterator[list]:
    chunk = []
    for record in records:
        chunk.append(record)
        if len(chunk) >= CHUNK_ROWS:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
