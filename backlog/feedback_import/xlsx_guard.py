"""Refuse XLSX files that would expand to far more than they weigh (zip bombs)."""

import zipfile
from pathlib import Path

MAX_UNCOMPRESSED = 600 * 1024 * 1024
MAX_RATIO = 120
MAX_MEMBERS = 2000


def check_xlsx(path: Path) -> None:
    from backlog.feedback_import.reading import FileProblem

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
