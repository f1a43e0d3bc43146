"""Reading exports as they come: CSV and TSV in any common encoding and
delimiter, XLSX, JSON and NDJSON.

A file is turned into a header and a stream of ``(line, cells)`` records, where
``line`` is where the record starts in the file (the row number for XLSX, the
record number for JSON), so that every rejected row can be pointed at. Reading
is bounded: by the cells a file really holds, a number of cells, and a time.
"""

import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from backlog.feedback.importing.headers import (
    MAX_COLUMNS,
    count_header_rows,
    find_header_row,
    read_header,
)
from backlog.feedback.importing.json_files import json_kind, json_table, records_prefix
from backlog.feedback.importing.problems import BrokenRecord, FileProblem
from backlog.feedback.importing.text_files import (
    SNIFF_RECORDS,
    confirm_utf8,
    csv_records,
    decode_sample,
    detect_delimiter,
    detect_encoding,
    looks_binary,
)
from backlog.feedback.importing.workbooks import xlsx_records

__all__ = [
    "XLSX_MAGIC",
    "BrokenRecord",
    "FileProblem",
    "Layout",
    "Table",
    "detect_delimiter",
    "detect_encoding",
    "detect_layout",
    "find_header_row",
    "open_table",
]

SNIFF_BYTES = 256 * 1024
XLSX_MAGIC = b"PK\x03\x04"
BUDGET_CHECK_EVERY = 1000


@dataclass
class Layout:
    """How a file is laid out, detected from its beginning and editable by people."""

    kind: str  # "csv", "xlsx", "json" or "ndjson"
    encoding: str = "utf-8"
    delimiter: str = ","
    header_row: int = 0  # index among the non-blank records of the file
    header_rows: int = 1  # records the header spans (survey tools write 2 or 3)
    sheet: str | None = None
    records_prefix: str = ""  # where a JSON document keeps its records

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "encoding": self.encoding,
            "delimiter": self.delimiter,
            "header_row": self.header_row,
            "header_rows": self.header_rows,
            "sheet": self.sheet,
            "records_prefix": self.records_prefix,
        }

    @property
    def is_tabular(self) -> bool:
        return self.kind in {"csv", "xlsx"}


@dataclass
class Table:
    header: list[str]
    records: Iterator[tuple[int, list[str]]]
    layout: Layout
    preview: list[tuple[int, list[str]]] = field(default_factory=list)
    # Every header row's text of each column, to recognise it by any of them.
    aliases: list[list[str]] = field(default_factory=list)
    # The time zone the file itself names for a column (Qualtrics does).
    zones: dict[str, str] = field(default_factory=dict)


def detect_layout(path: Path) -> Layout:
    size = path.stat().st_size
    if size == 0:
        raise FileProblem("The file is empty.")
    with path.open("rb") as handle:
        head = handle.read(SNIFF_BYTES)
    if head.startswith(XLSX_MAGIC):
        if not zipfile.is_zipfile(path):
            raise FileProblem("The file looks like XLSX but is damaged.")
        return Layout(kind="xlsx")
    encoding = detect_encoding(head)
    if looks_binary(head, encoding):
        raise FileProblem(
            "This is not a CSV, TSV, XLSX or JSON file (it contains binary data). "
            "Export the tickets as CSV, XLSX or JSON and upload that."
        )
    kind = json_kind(head) if encoding.startswith("utf-8") else None
    if kind:
        prefix = records_prefix(path) if kind == "json" else ""
        return Layout(kind=kind, encoding="utf-8-sig", records_prefix=prefix)
    if encoding == "utf-8":
        encoding = confirm_utf8(path)
    text = decode_sample(head, encoding)
    return Layout(kind="csv", encoding=encoding, delimiter=detect_delimiter(text))


def _records(path: Path, layout: Layout) -> Iterator[tuple[int, list[str]]]:
    if layout.kind == "xlsx":
        return xlsx_records(path, layout.sheet)
    return csv_records(path, layout.encoding, layout.delimiter)


def _bounded(
    records: Iterator[tuple[int, list[str]]],
) -> Iterator[tuple[int, list[str]]]:
    """The records without NUL characters, stopping at the cell and time budget.

    Databases refuse NUL characters in text (PostgreSQL even inside JSON, where
    the header is kept), and they carry no meaning in an export.
    """
    deadline = time.monotonic() + settings.IMPORT_MAX_SECONDS
    max_cells = settings.IMPORT_MAX_CELLS
    cells = 0
    for count, (line, record) in enumerate(records, 1):
        cells += len(record)
        if count % BUDGET_CHECK_EVERY == 0 or len(record) > MAX_COLUMNS:
            if cells > max_cells:
                raise FileProblem(
                    f"The file holds more than {max_cells:,} cells; split it into "
                    "smaller files."
                )
            if time.monotonic() > deadline:
                raise FileProblem(
                    f"Reading the file took longer than "
                    f"{settings.IMPORT_MAX_SECONDS} seconds (it had reached line "
                    f"{line}); split it into smaller files."
                )
        if "\x00" in "".join(record):
            cleaned = [cell.replace("\x00", "") for cell in record]
            if isinstance(record, BrokenRecord):
                cleaned = BrokenRecord(cleaned, record.problem)
            record = cleaned
        yield line, record


def open_table(path: Path, layout: Layout | None = None, preview: int = 0) -> Table:
    """Open `path` as a table, detecting its layout unless one is given.

    With no layout given, the header's first row and the rows it spans are
    detected among the first records.
    """
    detected = layout is None
    layout = layout or detect_layout(path)
    if layout.kind in {"json", "ndjson"}:
        return _open_json(path, layout, preview)
    records = _bounded(_records(path, layout))
    head: list[tuple[int, list[str]]] = []
    for item in records:
        head.append(item)
        if len(head) >= max(SNIFF_RECORDS, preview + 10):
            break
    if not head:
        raise FileProblem("The file has no rows.")
    cells = [cells for _, cells in head]
    if detected:
        layout.header_row = find_header_row(cells)
        layout.header_rows = count_header_rows(cells, layout.header_row)
    end = layout.header_row + layout.header_rows
    if end > len(head):
        raise FileProblem(
            f"The file has only {len(head)} non-empty rows; there is no row "
            f"{layout.header_row + 1} to use as the header."
        )
    header = _header(cells[layout.header_row : end])
    rest = head[end:]

    def stream():
        yield from rest
        yield from records

    return Table(
        header=header.names,
        records=stream(),
        layout=layout,
        preview=rest[:preview],
        aliases=header.aliases,
        zones=header.zones,
    )


def _header(rows: list[list[str]]):
    if not any(cell.strip() for row in rows for cell in row):
        raise FileProblem("The header row is empty.")
    try:
        header = read_header(rows)
    except ValueError as error:
        raise FileProblem(
            f"The header has {error.args[0]:,} columns; at most {MAX_COLUMNS:,} can "
            "be imported. Remove the empty or unneeded columns and retry."
        ) from None
    return header


def _open_json(path: Path, layout: Layout, preview: int) -> Table:
    header, records = json_table(path, layout.kind, layout.records_prefix)
    records = _bounded(records)
    head = []
    for item in records:
        head.append(item)
        if len(head) >= preview:
            break

    def stream():
        yield from head
        yield from records

    return Table(
        header=header,
        records=stream(),
        layout=layout,
        preview=head[:preview],
        aliases=[[name] for name in header],
    )
