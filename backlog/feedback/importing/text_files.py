"""Reading delimited text exports: encodings, delimiters and broken quotes.

Records are read with the csv module in strict mode, line by line from a source
that can go back: when a quote opened in one row is never closed (the csv module
would otherwise swallow the rows after it into one field), that row is given back
as a BrokenRecord naming its line, and reading resumes on the next line.
"""

import codecs
import csv
import io
from collections import Counter, deque
from collections.abc import Iterator
from pathlib import Path

from backlog.feedback.importing.problems import BrokenRecord, FileProblem

DELIMITERS = [",", ";", "\t", "|"]
SNIFF_RECORDS = 60
# A spreadsheet cell may hold a whole ticket thread; the csv module's default cap
# (128 KiB) would stop the import at the first long field.
csv.field_size_limit(16 * 1024 * 1024)


def detect_encoding(head: bytes) -> str:
    """Name the encoding of a file from its first bytes."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    sample = head[:4096]
    if sample:
        even_nuls = sample[0::2].count(0) / max(1, len(sample[0::2]))
        odd_nuls = sample[1::2].count(0) / max(1, len(sample[1::2]))
        if odd_nuls > 0.3 and even_nuls < 0.05:
            return "utf-16-le"
        if even_nuls > 0.3 and odd_nuls < 0.05:
            return "utf-16-be"
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(head, final=False)
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8"


def confirm_utf8(path: Path) -> str:
    """Check the whole file is UTF-8; exports saved by Excel often are not."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as handle:
        try:
            while chunk := handle.read(1024 * 1024):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1252"
    return "utf-8"


class UndecodableText(ValueError):
    """Bytes that claim an encoding they do not hold; the message is for people."""


def decode_whole(data: bytes, name: str, sniff: int = 64 * 1024) -> str:
    """A whole small file as text: UTF-8 (with or without a BOM), UTF-16 by its
    BOM or its zero bytes, else cp1252. Raises UndecodableText."""
    encoding = detect_encoding(data[:sniff])
    if encoding == "utf-8":
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            encoding = "cp1252"
    if encoding == "cp1252":
        return data.decode("cp1252", errors="replace")
    try:
        return data.decode(encoding).lstrip("\ufeff")
    except UnicodeDecodeError:
        raise UndecodableText(
            f"{name} looks like {encoding.upper()} text but is not valid "
            "UTF-16. Save it again as CSV (UTF-8) and retry."
        ) from None


def decode_sample(head: bytes, encoding: str) -> str:
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    return decoder.decode(head, final=False)


def looks_binary(head: bytes, encoding: str) -> bool:
    """True when the text, decoded, is full of control or undecodable characters."""
    text = decode_sample(head[:8192], encoding)
    if not text:
        return False
    odd = sum(
        1
        for ch in text
        if ch == "\ufffd" or (ord(ch) < 32 and ch not in "\t\r\n") or ch == "\x7f"
    )
    return odd / len(text) > 0.02


def detect_delimiter(text: str) -> str:
    """Pick the delimiter that splits the first records into the most stable columns."""
    best, best_score = ",", (-1, -1)
    for delimiter in DELIMITERS:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        widths = []
        try:
            for record in reader:
                if any(cell.strip() for cell in record):
                    widths.append(len(record))
                if len(widths) >= SNIFF_RECORDS:
                    break
        except csv.Error:
            continue
        if not widths:
            continue
        common_width, frequency = Counter(widths).most_common(1)[0]
        if common_width < 2:
            continue
        score = (frequency, common_width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


class _NumberedLines:
    """The lines of a file, numbered from 1; a record's lines can be re-read."""

    def __init__(self, handle):
        self._handle = handle
        self._again: deque[tuple[int, str]] = deque()
        self._next_number = 1
        self._record: list[tuple[int, str]] = []
        self.number = 0

    def __iter__(self):
        return self

    def __next__(self) -> str:
        if self._again:
            number, line = self._again.popleft()
        else:
            line = next(self._handle)
            number = self._next_number
            self._next_number += 1
        self.number = number
        self._record.append((number, line))
        return line

    def start_record(self) -> None:
        self._record.clear()

    def record_start(self) -> int:
        return self._record[0][0]

    def give_up_record(self) -> tuple[int, str]:
        """Drop the record being read but its first line; its other lines will
        be read again. Returns the first line and its number."""
        first, *rest = self._record
        self._again.extendleft(reversed(rest))
        self._record.clear()
        return first


def csv_records(
    path: Path, encoding: str, delimiter: str
) -> Iterator[tuple[int, list[str]]]:
    """Yield non-blank records with the line where each starts."""
    with path.open("r", encoding=encoding, errors="strict", newline="") as handle:
        lines = _NumberedLines(handle)
        try:
            yield from _records(lines, delimiter)
        except UnicodeDecodeError:
            raise FileProblem(
                f"The file is not valid {encoding} text near line "
                f"{lines.number + 1}. Save it again as UTF-8 CSV and retry."
            ) from None


def text_records(text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """Yield the non-blank records of text already in memory, as csv_records does
    for a file: with the line where each starts, a broken quote as a BrokenRecord."""
    yield from _records(_NumberedLines(io.StringIO(text, newline="")), delimiter)


def _records(lines: _NumberedLines, delimiter: str):
    while True:
        reader = csv.reader(lines, delimiter=delimiter, strict=True)
        try:
            while True:
                lines.start_record()
                try:
                    record = next(reader)
                except StopIteration:
                    return
                # Not blank: some cell holds more than white space (one join
                # and strip cost less than a generator over the cells).
                if "".join(record).strip():
                    yield lines.record_start(), record
        except csv.Error:
            # A fresh reader resumes on the line after the broken one.
            number, text = lines.give_up_record()
            yield number, BrokenRecord([text.rstrip("\r\n")], _quote_problem(number))


def _quote_problem(number: int) -> str:
    return (
        f'line {number} opens a quote (") that is not closed where the row ends, '
        "so it would run into the rows after it; correct the quotes of this row "
        "and import it again"
    )
