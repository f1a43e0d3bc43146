"""Reading help-desk exports as they come: any common encoding, delimiter and layout.

A file is turned into a header and a stream of ``(line, cells)`` records, where
``line`` is where the record starts in the file (the row number for XLSX), so that
every rejected row can be pointed at.
"""

import codecs
import csv
import io
import zipfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

DELIMITERS = [",", ";", "\t", "|"]
SNIFF_BYTES = 256 * 1024
SNIFF_RECORDS = 60
XLSX_MAGIC = b"PK\x03\x04"
# A spreadsheet cell may hold a whole ticket thread; the csv module's default cap
# (128 KiB) would stop the import at the first long field.
csv.field_size_limit(16 * 1024 * 1024)


class FileProblem(Exception):
    """The file cannot be imported at all; the message says why, for people."""


@dataclass
class Layout:
    """How a file is laid out, detected from its beginning and editable by people."""

    kind: str  # "csv" or "xlsx"
    encoding: str = "utf-8"
    delimiter: str = ","
    header_row: int = 0  # index among the non-blank records of the file
    sheet: str | None = None

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "encoding": self.encoding,
            "delimiter": self.delimiter,
            "header_row": self.header_row,
            "sheet": self.sheet,
        }


@dataclass
class Table:
    header: list[str]
    records: Iterator[tuple[int, list[str]]]
    layout: Layout
    preview: list[tuple[int, list[str]]] = field(default_factory=list)


def detect_encoding(head: bytes) -> str:
    """Name the encoding of a file from its first bytes (and all of them for UTF-8)."""
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


def _confirm_utf8(path: Path) -> str:
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


def looks_binary(head: bytes, encoding: str) -> bool:
    """True when the text, decoded, is full of control or undecodable characters."""
    text = _decode_sample(head[:8192], encoding)
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


def find_header_row(records: list[list[str]]) -> int:
    """Index of the header among the first non-blank records.

    Some exports start with a title or a "generated on" line. The header is the
    first record as wide as the table whose cells are all filled and not numbers.
    """
    if not records:
        return 0
    width = Counter(len(r) for r in records).most_common(1)[0][0]
    for index, record in enumerate(records[:10]):
        cells = [c.strip() for c in record]
        filled = [c for c in cells if c]
        if len(record) >= width and len(filled) >= max(2, int(0.6 * width)):
            if not any(_is_number(c) for c in filled):
                return index
    return 0


def _is_number(value: str) -> bool:
    try:
        float(value.replace(",", "."))
    except ValueError:
        return False
    return True


def _csv_records(
    path: Path, encoding: str, delimiter: str
) -> Iterator[tuple[int, list[str]]]:
    """Yield non-blank records with the line where each starts."""
    with path.open("r", encoding=encoding, errors="strict", newline="") as handle:
        reader = csv.reader(handle, delimiter=delimiter)
        start = 1
        try:
            for record in reader:
                if any(cell.strip() for cell in record):
                    yield start, record
                start = reader.line_num + 1
        except csv.Error as error:
            raise FileProblem(
                f"The file could not be read as CSV near line {reader.line_num}: "
                f"{error}."
            ) from None
        except UnicodeDecodeError:
            raise FileProblem(
                f"The file is not valid {encoding} text near line "
                f"{reader.line_num}. Save it again as UTF-8 CSV and retry."
            ) from None


def _xlsx_records(path: Path, sheet: str | None) -> Iterator[tuple[int, list[str]]]:
    from openpyxl import load_workbook

    from backlog.feedback_import.xlsx_guard import check_xlsx

    check_xlsx(path)
    # Opened from a file object: openpyxl judges a path by its extension, and
    # a workbook is a workbook whatever its name.
    with path.open("rb") as handle:
        try:
            workbook = load_workbook(handle, read_only=True, data_only=True)
            try:
                worksheet = workbook[sheet] if sheet else workbook.worksheets[0]
                rows = worksheet.iter_rows(values_only=True)
                for number, values in enumerate(rows, 1):
                    record = ["" if v is None else _cell_text(v) for v in values]
                    while record and not record[-1].strip():
                        record.pop()
                    if any(cell.strip() for cell in record):
                        yield number, record
            finally:
                workbook.close()
        except FileProblem:
            raise
        except Exception as error:  # noqa: BLE001 - any parser failure on a damaged file
            raise FileProblem(
                "The XLSX file is damaged and cannot be read "
                f"({type(error).__name__}). Open it in Excel, save it again and "
                "retry."
            ) from None


def _cell_text(value) -> str:
    if hasattr(value, "isoformat"):
        return value.isoformat(sep=" ") if hasattr(value, "hour") else value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


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
            "This is not a CSV, TSV or XLSX file (it contains binary data). "
            "Export the tickets as CSV or XLSX and upload that."
        )
    if encoding == "utf-8":
        encoding = _confirm_utf8(path)
    text = _decode_sample(head, encoding)
    return Layout(kind="csv", encoding=encoding, delimiter=detect_delimiter(text))


def _decode_sample(head: bytes, encoding: str) -> str:
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    return decoder.decode(head, final=False)


def _records(path: Path, layout: Layout) -> Iterator[tuple[int, list[str]]]:
    if layout.kind == "xlsx":
        return _without_nul(_xlsx_records(path, layout.sheet))
    return _without_nul(_csv_records(path, layout.encoding, layout.delimiter))


def _without_nul(
    records: Iterator[tuple[int, list[str]]],
) -> Iterator[tuple[int, list[str]]]:
    # Databases refuse NUL characters in text (PostgreSQL even inside JSON, where
    # the header is kept), and they carry no meaning in an export.
    for line, cells in records:
        if any("\x00" in cell for cell in cells):
            cells = [cell.replace("\x00", "") for cell in cells]
        yield line, cells


def open_table(path: Path, layout: Layout | None = None, preview: int = 0) -> Table:
    """Open `path` as a table, detecting its layout unless one is given.

    With ``layout.header_row`` unset by a person, the header row is detected among
    the first records.
    """
    detected = layout is None
    layout = layout or detect_layout(path)
    records = _records(path, layout)
    head: list[tuple[int, list[str]]] = []
    for item in records:
        head.append(item)
        if len(head) >= max(SNIFF_RECORDS, preview + 10):
            break
    if not head:
        raise FileProblem("The file has no rows.")
    if detected:
        layout.header_row = find_header_row([cells for _, cells in head])
    if layout.header_row >= len(head):
        raise FileProblem(
            f"The file has only {len(head)} non-empty rows; there is no row "
            f"{layout.header_row + 1} to use as the header."
        )
    header = [cell.strip() for cell in head[layout.header_row][1]]
    if not any(header):
        raise FileProblem("The header row is empty.")
    header = _unique_names(header)
    rest = head[layout.header_row + 1 :]

    def stream():
        yield from rest
        yield from records

    return Table(header=header, records=stream(), layout=layout, preview=rest[:preview])


def _unique_names(names: list[str]) -> list[str]:
    seen: Counter = Counter()
    unique = []
    for position, name in enumerate(names, 1):
        name = name or f"Column {position}"
        seen[name] += 1
        unique.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return unique
