"""Cleaning a file's records into staged chunks, in this process or in several.

A staged chunk carries, for each clean row, what the import keeps of it: the
values staged for writing, its themes, and the row's cells as one string (to
tell a repeated row from another with the same id, and to report it). Rows are
cleaned where they are read: with several processes, each one reads the whole
file (reading is cheap) and cleans every n-th chunk of it, so that no records
cross between processes, only their results.
"""

import gc
import multiprocessing
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from queue import Empty

from django.conf import settings

from backlog.feedback.importing.problems import (
    FileProblem,
    ImportRefused,
    too_many_rows,
)
from backlog.feedback.importing.reading import Layout, open_table
from backlog.feedback.importing.rows import CleanOptions, clean_records
from backlog.feedback.importing.saving import staged_values

CHUNK_ROWS = 5000
# Chunks a cleaning process may have ready before it waits for this one.
AHEAD = 3
# Joins a row's cells into one string; NUL never occurs in read records.
CELL_SEPARATOR = "\x00"


@dataclass
class StagedChunk:
    rows_read: int = 0
    lines: list[int] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    fingerprinted: list[bool] = field(default_factory=list)
    raw: list[str] = field(default_factory=list)
    items: list[tuple] = field(default_factory=list)
    themes: list[tuple[str, ...]] = field(default_factory=list)
    rejected: list[tuple[int, list[str], str]] = field(default_factory=list)


def chunks_of(records) -> Iterator[list]:
    chunk = []
    for record in records:
        chunk.append(record)
        if len(chunk) >= CHUNK_ROWS:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def clean_chunk(header: list[str], chunk: list, options: CleanOptions) -> StagedChunk:
    clean, refused = clean_records(header, chunk, options)
    cells_by_line = dict(chunk)
    staged = StagedChunk(rows_read=len(chunk))
    staged.rejected = [(row.line, row.cells, row.reason) for row in refused]
    staged.lines = [row.line for row in clean]
    staged.ids = [row.external_id for row in clean]
    staged.fingerprinted = [row.fingerprinted for row in clean]
    staged.raw = [CELL_SEPARATOR.join(cells_by_line[row.line]) for row in clean]
    staged.items = staged_values(clean, options.now)
    staged.themes = [tuple(row.themes) for row in clean]
    return staged


def cleaned_here(header, records, options) -> Iterator[StagedChunk]:
    for chunk in chunks_of(records):
        yield clean_chunk(header, chunk, options)


def cleaned_in_processes(
    path: Path, layout: Layout, options: CleanOptions, processes: int
) -> Iterator[StagedChunk]:
    """The file's staged chunks, in its order, cleaned by forked processes."""
    context = multiprocessing.get_context("fork")
    queues = [context.Queue(maxsize=AHEAD) for _ in range(processes)]
    workers = [
        context.Process(
            target=_clean_share,
            args=(path, layout, options, share, processes, queue),
            daemon=True,
        )
        for share, queue in enumerate(queues)
    ]
    for worker in workers:
        worker.start()
    try:
        index = 0
        while True:
            kind, payload = _next(queues[index % processes], workers[index % processes])
            if kind == "done":
                # The process whose turn it was has no more: the file has ended.
                return
            if kind != "chunk" or not isinstance(payload, StagedChunk):
                raise {"file": FileProblem, "refused": ImportRefused}.get(
                    kind, RuntimeError
                )(payload)
            yield payload
            index += 1
    finally:
        for worker in workers:
            if worker.is_alive():
                worker.terminate()
            worker.join(timeout=10)
        for queue in queues:
            queue.close()


def _next(queue, worker) -> tuple[str, object]:
    while True:
        try:
            return queue.get(timeout=5)
        except Empty:
            if not worker.is_alive():
                raise RuntimeError(
                    f"a cleaning process stopped (exit code {worker.exitcode})"
                ) from None


def _clean_share(path, layout, options, share, processes, queue) -> None:
    # A forked process starts with the importing process's whole heap (Django
    # and its apps). Frozen, it is no longer walked by every collection of
    # cycles that the rows allocated here set off, which cost a fifth of the
    # cleaning's time.
    gc.freeze()
    try:
        table = open_table(path, layout)
        seen = 0
        for index, chunk in enumerate(chunks_of(table.records)):
            seen += len(chunk)
            if index % processes != share:
                continue
            if seen > settings.IMPORT_MAX_ROWS:
                raise too_many_rows(settings.IMPORT_MAX_ROWS)
            queue.put(("chunk", clean_chunk(table.header, chunk, options)))
        queue.put(("done", None))
    except FileProblem as problem:
        queue.put(("file", str(problem)))
    except ImportRefused as problem:
        queue.put(("refused", str(problem)))
    except Exception as error:  # noqa: BLE001 - reported to the importing process
        queue.put(("error", f"{type(error).__name__}: {error}"))
    finally:
        queue.close()
        queue.join_thread()
