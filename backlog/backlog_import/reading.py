"""Reading a backlog sheet with the feedback import's reader: its header, its
first rows, how many rows it has, and the words of its status column."""

import hashlib
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from backlog.backlog_import.statuses import normalise_word
from backlog.feedback.importing.reading import FileProblem, Layout, Table, open_table

# A backlog of more rows than this is not a backlog; it is refused with a message.
MAX_ROWS = 50_000
# More different words than this and the column is not a status column.
MAX_STATUS_WORDS = 200


def max_rows() -> int:
    return min(MAX_ROWS, settings.IMPORT_MAX_ROWS)


def header_signature(header: list[str]) -> str:
    """The same for every export of one sheet, whatever its rows."""
    joined = "\x1f".join(" ".join(name.casefold().split()) for name in header)
    return hashlib.sha256(joined.encode()).hexdigest()


def open_sheet(path: Path, layout: dict | None = None, preview: int = 0) -> Table:
    return open_table(path, Layout(**layout) if layout else None, preview=preview)


def count_rows(path: Path, layout: dict) -> int:
    """The rows after the header (blank ones are not rows); refuses too many."""
    table = open_sheet(path, layout)
    limit = max_rows()
    count = 0
    for _ in table.records:
        count += 1
        if count > limit:
            raise FileProblem(
                f"The file has more than {limit:,} rows; a backlog that size "
                "should be split into several files."
            )
    return count


@dataclass(frozen=True)
class StatusWord:
    word: str  # as first written in the file; "" for empty cells
    count: int


def status_words(path: Path, layout: dict, column: str | None) -> list[StatusWord]:
    """The different words of the status column (spelled as first seen), most
    used first; one empty word for all rows when there is no status column."""
    table = open_sheet(path, layout)
    if column is None:
        return [StatusWord("", sum(1 for _ in table.records))]
    position = table.header.index(column)
    counts: Counter = Counter()
    spelling: dict[str, str] = {}
    for _, cells in table.records:
        text = cells[position].strip() if len(cells) > position else ""
        key = normalise_word(text)
        spelling.setdefault(key, " ".join(text.split()))
        counts[key] += 1
        if len(counts) > MAX_STATUS_WORDS:
            raise FileProblem(
                f"The column “{column}” has more than {MAX_STATUS_WORDS} different "
                "values: it does not look like a status column."
            )
    return [StatusWord(spelling[key], n) for key, n in counts.most_common()]


def column_samples(table: Table, column: str, limit: int = 200) -> list[str]:
    position = table.header.index(column)
    return [
        cells[position]
        for _, cells in table.preview[:limit]
        if len(cells) > position and cells[position].strip()
    ]


COPY_SUFFIX = re.compile(r"\s*\(\d+\)$")
DATE_SUFFIX = re.compile(r"[\s_-]*\d{4}-\d{2}-\d{2}.*$")


def source_from_name(original_name: str, tool_name: str) -> str:
    """A name for the sheet from its file name ("Growth backlog (2).csv" is
    "Growth backlog"), with the tool it came from."""
    stem = Path(original_name).stem
    stem = DATE_SUFFIX.sub("", COPY_SUFFIX.sub("", stem))
    stem = " ".join(stem.replace("_", " ").split()) or "Spreadsheet"
    if tool_name and tool_name.casefold() not in stem.casefold():
        stem = f"{tool_name}: {stem}"
    return stem[:100]
