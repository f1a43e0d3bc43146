"""Reading XLSX workbooks by the cells that exist, not by what the file claims.

A worksheet declares its size (``<dimension ref="A1:XFD1048576"/>``) and openpyxl
fills every cell of that range in read-only mode, so a 5 KB file could make it
produce seventeen billion empty cells. The declared size is discarded and rows
are read as they are stored; zip bombs are refused before anything is unpacked.
"""

import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

from openpyxl import load_workbook

from backlog.feedback.importing.problems import FileProblem

MAX_UNCOMPRESSED = 600 * 1024 * 1024
MAX_RATIO = 120
MAX_MEMBERS = 2000
ROW_TAG = re.compile(rb"<(?:\w+:)?row[\s>]")


def check_xlsx(path: Path) -> None:
    """Refuse XLSX files that would expand to far more than they weigh."""
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise FileProblem("The XLSX file is damaged and cannot be opened.") from None
    with archive:
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            raise FileProblem("The XLSX file has too many parts to be a spreadsheet.")
        names = {member.filename for member in members}
        if "[Content_Types].xml" not in names or not any(
            name.startswith("xl/") for name in names
        ):
            raise FileProblem("This ZIP file is not an Excel workbook (XLSX).")
        total = sum(member.file_size for member in members)
        packed = sum(member.compress_size for member in members) or 1
        if total > MAX_UNCOMPRESSED or total / packed > MAX_RATIO:
            raise FileProblem(
                "The XLSX file expands to far more data than it holds "
                f"({total // (1024 * 1024)} MB); it was refused."
            )


def xlsx_records(path: Path, sheet: str | None) -> Iterator[tuple[int, list[str]]]:
    """Yield the non-blank rows of a sheet with their row numbers."""
    check_xlsx(path)
    # Opened from a file object: openpyxl judges a path by its extension, and
    # a workbook is a workbook whatever its name.
    with path.open("rb") as handle:
        try:
            workbook = load_workbook(handle, read_only=True, data_only=True)
            try:
                worksheet = _sheet(workbook, sheet)
                worksheet.reset_dimensions()
                for number, values in enumerate(
                    worksheet.iter_rows(values_only=True), 1
                ):
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


def _sheet(workbook, name: str | None):
    if name:
        if name not in workbook.sheetnames:
            raise FileProblem(f"The workbook has no sheet called “{name}”.")
        return workbook[name]
    return workbook.worksheets[0]


def _cell_text(value) -> str:
    if hasattr(value, "isoformat"):
        return value.isoformat(sep=" ") if hasattr(value, "hour") else value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def count_rows(path: Path, sheet: str | None) -> int:
    """The rows stored in a sheet (not its declared size), counted in its XML."""
    with path.open("rb") as handle:
        workbook = load_workbook(handle, read_only=True)
        try:
            worksheet = _sheet(workbook, sheet)
            count, tail = 0, b""
            with worksheet._get_source() as xml:  # noqa: SLF001 - the sheet's XML
                while block := xml.read(1024 * 1024):
                    data = tail + block
                    # A tag cut by the previous block's end is counted now.
                    count += sum(
                        1 for tag in ROW_TAG.finditer(data) if tag.end() > len(tail)
                    )
                    tail = data[-32:]
            return count
        finally:
            workbook.close()
