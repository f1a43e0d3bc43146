"""Importing a help-desk export into feedback items, all or nothing.

An import runs in two phases. Reading cleans the file chunk by chunk, writes the
rejected rows (with reasons) next to the upload and stages the clean ones in a
temporary file, committing progress as it goes. Applying then writes every staged
row in ONE transaction: an import that fails midway leaves nothing behind, and can
be retried because the uploaded file is kept.
"""

import hashlib
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.files.base import ContentFile, File
from django.db import transaction
from django.utils import timezone

from backlog.feedback_import.mapping import (
    guess_source_system,
    mapping_problems,
    suggest_mapping,
)
from backlog.feedback_import.progress import (
    clear_progress,
    write_progress,
)
from backlog.feedback_import.reading import (
    XLSX_MAGIC,
    FileProblem,
    Layout,
    detect_layout,
    open_table,
)
from backlog.feedback_import.row_stream import ImportRefused, RowStream
from backlog.feedback_import.saving import Summary, upsert_feedback
from backlog.feedback_import.values import (
    detect_date_format,
)
from backlog.models import (
    FeedbackImport,
    ImportMapping,
    ImportStatus,
)
from collaboration import events
from cromaturity.models import Organisation

# Below this many rows a second process costs more than it saves.
SEPARATE_READER_FROM_ROWS = 20_000
PREVIEW_ROWS = 8
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
        from openpyxl import load_workbook

        with path.open("rb") as handle:
            workbook = load_workbook(handle, read_only=True)
            try:
                sheet = (
                    workbook[layout.sheet] if layout.sheet else workbook.worksheets[0]
                )
                return max(0, (sheet.max_row or 1) - 1)
            finally:
                workbook.close()
    newline = "\n".encode(layout.encoding.replace("-sig", ""))
    newline = newline.lstrip(b"\xff\xfe\xfe\xff")
    count = 0
    with path.open("rb") as handle:
        while block := handle.read(1024 * 1024):
            count += block.count(newline)
    if len(sample) >= 2:
        lines_per_record = (sample[-1][0] - sample[0][0]) / (len(sample) - 1)
        return max(1, round(count / max(1.0, lines_per_record)) - 1)
    return max(1, count - 1)


@dataclass
class Preview:
    header: list[str]
    rows: list[list[str]]
    mapping: dict[str, str]
    source_system: str
    date_format: str
    date_format_ambiguous: bool
    saved_mapping: ImportMapping | None


def prepare_import(
    organisation: Organisation,
    *,
    uploaded: File,
    original_name: str,
    by,
    mask_contacts: bool = True,
) -> FeedbackImport:
    """Keep the uploaded file and detect its layout; nothing is imported yet.

    Raises FileProblem (and keeps nothing) when the file cannot be read at all.
    """
    feedback_import = FeedbackImport(
        organisation=organisation,
        uploaded_by=by,
        original_name=original_name[:255],
        size=uploaded.size or 0,
        mask_contacts=mask_contacts,
        time_zone=settings.TIME_ZONE,
    )
    # The stored name is the server's, its extension from the content: what
    # the file was called says nothing about what it is.
    head = uploaded.read(len(XLSX_MAGIC))
    uploaded.seek(0)
    stored_as = "upload.xlsx" if head == XLSX_MAGIC else "upload.csv"
    feedback_import.file.save(stored_as, uploaded, save=False)
    try:
        with transaction.atomic():
            _detect_and_save(feedback_import)
    except BaseException:
        # A file that cannot be imported is not kept, whatever went wrong.
        feedback_import.file.delete(save=False)
        raise
    return feedback_import


def _detect_and_save(feedback_import: FeedbackImport) -> None:
    organisation = feedback_import.organisation
    path = Path(feedback_import.file.path)
    layout = detect_layout(path)
    table = open_table(path, layout, preview=SAMPLE_ROWS)
    feedback_import.rows_total = estimate_rows(path, layout, table.preview)
    signature = header_signature(table.header)
    saved = (
        ImportMapping.objects.for_org(organisation)
        .filter(header_signature=signature)
        .order_by("-updated_at")
        .first()
    )
    feedback_import.layout = table.layout.as_dict()
    feedback_import.header = table.header
    if saved:
        feedback_import.mapping = {
            k: v for k, v in saved.mapping.items() if v in table.header
        }
        feedback_import.source_system = saved.source_system
        feedback_import.date_format = saved.date_format
    else:
        feedback_import.mapping = suggest_mapping(table.header)
        feedback_import.source_system = guess_source_system(table.header)
        feedback_import.date_format = _detect_dates(
            table.header, [cells for _, cells in table.preview], feedback_import
        )
    feedback_import.save()


def _detect_dates(header, rows, feedback_import) -> str:
    column = feedback_import.mapping.get("received_at")
    if not column:
        return "iso"
    position = header.index(column)
    samples = [row[position] for row in rows if len(row) > position]
    date_format, _ = detect_date_format(samples, ZoneInfo(feedback_import.time_zone))
    return date_format


def preview(feedback_import: FeedbackImport) -> Preview:
    path = Path(feedback_import.file.path)
    table = open_table(path, Layout(**feedback_import.layout), preview=200)
    sample_rows = [cells for _, cells in table.preview]
    column = feedback_import.mapping.get("received_at")
    ambiguous = False
    if column in table.header:
        position = table.header.index(column)
        _, ambiguous = detect_date_format(
            [row[position] for row in sample_rows if len(row) > position],
            ZoneInfo(feedback_import.time_zone),
        )
    saved = (
        ImportMapping.objects.for_org(feedback_import.organisation_id)
        .filter(header_signature=header_signature(table.header))
        .first()
    )
    return Preview(
        header=table.header,
        rows=[
            (row + [""] * len(table.header))[: len(table.header)]
            for row in sample_rows[:PREVIEW_ROWS]
        ],
        mapping=feedback_import.mapping,
        source_system=feedback_import.source_system,
        date_format=feedback_import.date_format,
        date_format_ambiguous=ambiguous,
        saved_mapping=saved,
    )


@transaction.atomic
def confirm_import(
    feedback_import: FeedbackImport,
    *,
    mapping: dict[str, str],
    source_system: str,
    date_format: str,
    save_as: str = "",
    by=None,
) -> FeedbackImport:
    """Fix the mapping and queue the import to run in the background."""
    feedback_import = FeedbackImport.objects.select_for_update().get(
        pk=feedback_import.pk
    )
    if feedback_import.status != ImportStatus.UPLOADED:
        raise ImportRefused("This import has already been started.")
    mapping = {field: column for field, column in mapping.items() if column}
    problems = mapping_problems(mapping, feedback_import.header)
    if problems:
        raise ImportRefused(" ".join(problems))
    feedback_import.mapping = mapping
    feedback_import.source_system = source_system.strip().lower()[:40]
    feedback_import.date_format = date_format
    feedback_import.status = ImportStatus.QUEUED
    feedback_import.save(
        update_fields=["mapping", "source_system", "date_format", "status"]
    )
    if save_as:
        ImportMapping.objects.update_or_create(
            organisation=feedback_import.organisation,
            name=save_as[:80],
            defaults={
                "source_system": feedback_import.source_system,
                "header_signature": header_signature(feedback_import.header),
                "mapping": mapping,
                "date_format": date_format,
                "created_by": by,
                "updated_at": timezone.now(),
            },
        )
    queue_import(feedback_import)
    return feedback_import


def queue_import(feedback_import: FeedbackImport) -> None:
    from backlog.tasks import run_feedback_import

    import_id = feedback_import.pk
    transaction.on_commit(lambda: run_feedback_import.enqueue(import_id=import_id))


@transaction.atomic
def retry_import(feedback_import: FeedbackImport) -> FeedbackImport:
    """Queue a failed (or stalled) import again; its file was kept."""
    feedback_import = FeedbackImport.objects.select_for_update().get(
        pk=feedback_import.pk
    )
    if feedback_import.status == ImportStatus.SUCCEEDED:
        raise ImportRefused("This import has already succeeded.")
    if feedback_import.status == ImportStatus.UPLOADED:
        raise ImportRefused("Confirm the column mapping first.")
    feedback_import.status = ImportStatus.QUEUED
    feedback_import.error = ""
    feedback_import.save(update_fields=["status", "error"])
    queue_import(feedback_import)
    return feedback_import


def run_import(
    feedback_import: FeedbackImport, *, now: datetime | None = None
) -> Summary:
    """Read, clean and apply an import. Never leaves a half-written import.

    All rows are written in one transaction. For a large file a child process
    reads and cleans while this one writes, so both processor cores work.
    """
    FeedbackImport.objects.filter(pk=feedback_import.pk).update(
        status=ImportStatus.RUNNING,
        started_at=timezone.now(),
        attempts=feedback_import.attempts + 1,
        rows_read=0,
        error="",
    )
    feedback_import.refresh_from_db()
    write_progress(feedback_import.pk, 0)
    reading = RowStream(feedback_import, now or timezone.now())
    try:
        with tempfile.TemporaryFile() as rejects:
            summary = Summary()
            with transaction.atomic():
                if feedback_import.rows_total > SEPARATE_READER_FROM_ROWS:
                    chunks = reading.in_child_process(rejects)
                else:
                    chunks = reading.chunks(rejects)
                upsert_feedback(
                    feedback_import.organisation_id,
                    feedback_import.source_system,
                    chunks,
                    summary,
                    feedback_import_id=feedback_import.pk,
                )
                summary.rejected = reading.rejected
                feedback_import.rows_read = reading.rows_read
                _finish(feedback_import, summary, rejects)
    except (FileProblem, ImportRefused) as problem:
        _fail(feedback_import, str(problem))
        raise
    except Exception as error:
        _fail(
            feedback_import,
            "The import stopped with an unexpected error and nothing was saved "
            f"({type(error).__name__}). You can retry it.",
        )
        raise
    finally:
        clear_progress(feedback_import.pk)
    return summary


def _fail(feedback_import: FeedbackImport, message: str) -> None:
    FeedbackImport.objects.filter(pk=feedback_import.pk).update(
        status=ImportStatus.FAILED, error=message, finished_at=timezone.now()
    )


def _finish(feedback_import: FeedbackImport, summary: Summary, rejects) -> None:
    rejects.seek(0)
    if summary.rejected:
        name = Path(feedback_import.original_name).stem[:80] + ".rejected.csv"
        feedback_import.rejected_file.save(
            name, ContentFile(b"\xef\xbb\xbf" + rejects.read()), save=False
        )
    feedback_import.status = ImportStatus.SUCCEEDED
    feedback_import.created = summary.created
    feedback_import.updated = summary.updated
    feedback_import.unchanged = summary.unchanged
    feedback_import.rejected = summary.rejected
    feedback_import.finished_at = timezone.now()
    feedback_import.error = ""
    feedback_import.save(
        update_fields=[
            "rejected_file",
            "rows_read",
            "status",
            "created",
            "updated",
            "unchanged",
            "rejected",
            "finished_at",
            "error",
        ]
    )
    events.feedback_imported(feedback_import)
