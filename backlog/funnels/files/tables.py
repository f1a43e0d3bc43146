"""The text of a funnel export: encoding, delimiter, its preamble and its records.

Encodings and delimiters are read as for results and feedback files
(backlog.feedback.importing.text_files): UTF-8 with or without a BOM, UTF-16 as
Excel saves "Unicode text", cp1252 when the bytes are no UTF-8; comma,
semicolon, tab or bar. Lines starting with "#" are the preamble analytics tools
write above their tables (GA4's report name and date range): they are kept
apart, for the layouts that read them, and are never rows.
"""

from dataclasses import dataclass

from backlog.feedback.importing.problems import BrokenRecord
from backlog.feedback.importing.text_files import (
    UndecodableText,
    decode_whole,
    detect_delimiter,
    text_records,
)
from backlog.funnels.files.results import FunnelFileError, Rejection

SNIFF_CHARS = 64 * 1024

Record = tuple[int, list[str]]


@dataclass(frozen=True)
class Table:
    preamble: tuple[str, ...]  # the "#" lines, without the "#"
    records: tuple[Record, ...]  # every other non-blank record, with its line
    broken: tuple[Rejection, ...]  # records whose quote never closed
    delimiter: str


def decode(data: bytes, name: str) -> str:
    try:
        return decode_whole(data, name, SNIFF_CHARS)
    except UndecodableText as problem:
        raise FunnelFileError(str(problem)) from None


def read_table(text: str, max_records: int) -> Table:
    text = text.lstrip("\ufeff")
    preamble: list[str] = []
    body_lines: list[str] = []
    for text_line in text.split("\n"):
        if text_line.lstrip().startswith("#"):
            preamble.append(text_line.lstrip()[1:].strip())
            body_lines.append("")  # keeps the line numbers of the records
        else:
            body_lines.append(text_line)
    body = "\n".join(body_lines)
    delimiter = detect_delimiter(body[:SNIFF_CHARS])
    records: list[Record] = []
    broken: list[Rejection] = []
    for line, cells in text_records(body, delimiter):
        if isinstance(cells, BrokenRecord):
            broken.append(Rejection(line, cells.problem))
            continue
        if not any(cell.strip() for cell in cells):
            continue
        records.append((line, cells))
        if len(records) > max_records:
            raise FunnelFileError(
                f"The file has more than {max_records:,} rows; split it by period "
                "and import the parts."
            )
    return Table(tuple(preamble), tuple(records), tuple(broken), delimiter)
