"""Preparing an upload: keep the file, read its layout and columns, propose
what each column is, the source, the date format and the time zone.

Nothing is imported here, and the file is read before anything is written, so
a slow file holds no lock.
"""

import hashlib
from pathlib import Path

from django.core.files.base import File

from backlog.configuration import settings_for
from backlog.feedback.importing.dates import detect_date_format
from backlog.feedback.importing.json_files import count_records
from backlog.feedback.importing.mapping import suggest
from backlog.feedback.importing.reading import XLSX_MAGIC, Layout, open_table
from backlog.feedback.importing.row_stream import date_zone_of
from backlog.feedback.importing.sources import propose_source
from backlog.feedback.importing.workbooks import count_rows
from backlog.feedback.importing.zones import zone
from backlog.models import FeedbackImport, ImportMapping
from cromaturity.models import Organisation

SAMPLE_ROWS = 200


def header_signature(header: list[str]) -> str:
    joined = "\x1f".join(name.strip().lower() for name in header)
    return hashlib.sha256(joined.encode()).hexdigest()


def estimate_rows(path: Path, layout: Layout, sample: list[tuple[int, list]]) -> int:
    """Rows to expect, for the progress bar.

    For CSV, the lines of the file scaled by how many lines the first records
    take (text with line breaks spans several).
    """
    if layout.kind == "xlsx":
        return max(0, count_rows(path, layout.sheet) - layout.header_rows)
    if layout.kind == "json":
        return count_records(path, layout.records_prefix)
    newline = "\n".encode(layout.encoding.replace("-sig", ""))
    newline = newline.lstrip(b"\xff\xfe\xfe\xff")
    count = 0
    with path.open("rb") as handle:
        while block := handle.read(1024 * 1024):
            count += block.count(newline)
    if len(sample) >= 2:
        lines_per_record = (sample[-1][0] - sample[0][0]) / (len(sample) - 1)
        return max(1, round(count / max(1.0, lines_per_record)) - layout.header_rows)
    return max(1, count - layout.header_rows)


def prepare_import(
    organisation: Organisation,
    *,
    uploaded: File,
    original_name: str,
    by,
    mask_contacts: bool = True,
) -> FeedbackImport:
    """Keep the uploaded file and detect its layout and columns; nothing is
    imported yet.

    The file is read before anything is written, so a slow file holds no lock.
    Raises FileProblem (and keeps nothing) when the file cannot be read at all.
    """
    feedback_import = FeedbackImport(
        organisation=organisation,
        uploaded_by=by,
        original_name=original_name[:255],
        size=uploaded.size or 0,
        mask_contacts=mask_contacts,
        time_zone=settings_for(organisation).import_time_zone,
    )
    # The stored name is the server's, its extension from the content: what
    # the file was called says nothing about what it is.
    head = uploaded.read(len(XLSX_MAGIC))
    uploaded.seek(0)
    stored_as = "upload.xlsx" if head == XLSX_MAGIC else "upload.csv"
    feedback_import.file.save(stored_as, uploaded, save=False)
    try:
        _detect(feedback_import)
        feedback_import.save()
    except BaseException:
        # A file that cannot be imported is not kept, whatever went wrong.
        feedback_import.file.delete(save=False)
        raise
    return feedback_import


def _detect(feedback_import: FeedbackImport) -> None:
    organisation = feedback_import.organisation
    path = Path(feedback_import.file.path)
    table = open_table(path, preview=SAMPLE_ROWS)
    samples = [cells for _, cells in table.preview]
    feedback_import.rows_total = estimate_rows(path, table.layout, table.preview)
    feedback_import.layout = table.layout.as_dict()
    feedback_import.header = table.header
    suggestion = suggest(table.header, table.aliases, samples)
    feedback_import.tool = suggestion.tool.key if suggestion.tool else ""
    saved = (
        ImportMapping.objects.for_org(organisation)
        .filter(header_signature=header_signature(table.header))
        .order_by("-updated_at")
        .first()
    )
    if saved:
        feedback_import.mapping = {
            k: v for k, v in saved.mapping.items() if v in table.header
        }
        feedback_import.attribute_columns = [
            c for c in saved.attribute_columns if c in table.header
        ]
        feedback_import.html_columns = [
            c for c in saved.html_columns if c in table.header
        ]
        feedback_import.source_system = saved.source_system
        feedback_import.date_format = saved.date_format
        feedback_import.time_zone = saved.time_zone or feedback_import.time_zone
    else:
        feedback_import.mapping = suggestion.mapping
        feedback_import.attribute_columns = suggestion.attribute_columns
        feedback_import.html_columns = suggestion.html_columns
        feedback_import.source_system = propose_source(
            organisation,
            suggestion.tool,
            feedback_import.original_name,
            table.header,
        )
        feedback_import.date_format = _date_format_of(table, samples, feedback_import)
    column = feedback_import.mapping.get("received_at")
    zone_name, reason = date_zone_of(table, column, feedback_import.time_zone)
    if reason == "file":
        feedback_import.time_zone = zone_name


def _date_format_of(table, samples, feedback_import) -> str:
    column = feedback_import.mapping.get("received_at")
    if not column:
        return "iso"
    position = table.header.index(column)
    values = [row[position] for row in samples if len(row) > position]
    date_format, _ = detect_date_format(values, zone(feedback_import.time_zone))
    return date_format
