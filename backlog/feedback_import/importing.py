"""Importing a help-desk or survey export into feedback items, all or nothing.

An import runs in two phases. Reading cleans the file chunk by chunk, writes the
rejected rows (with reasons) and stages the clean ones in temporary tables of
its own database connection, outside any transaction, reporting progress as it
goes. Writing then saves every staged row in ONE transaction: an import that
fails midway leaves nothing behind, and can be retried because the uploaded file
is kept.
"""

import hashlib
import tempfile
from datetime import datetime
from pathlib import Path

from django.core.files.base import ContentFile, File
from django.db import transaction
from django.utils import timezone

from backlog.configuration import settings_for
from backlog.feedback_import.dates import DATE_FORMATS_BY_KEY, detect_date_format
from backlog.feedback_import.json_files import count_records
from backlog.feedback_import.mapping import (
    mapping_problems,
    personal_columns,
    suggest,
)
from backlog.feedback_import.problems import FileProblem, ImportRefused
from backlog.feedback_import.progress import clear_progress, write_progress
from backlog.feedback_import.reading import (
    XLSX_MAGIC,
    Layout,
    open_table,
)
from backlog.feedback_import.row_stream import RowStream, date_zone_of
from backlog.feedback_import.saving import Staging, Summary, apply_staged
from backlog.feedback_import.sources import canonical_source, propose_source
from backlog.feedback_import.stale import keep_alive
from backlog.feedback_import.workbooks import count_rows
from backlog.feedback_import.zones import zone
from backlog.models import FeedbackImport, ImportMapping, ImportStatus
from collaboration import events
from cromaturity.models import Organisation

__all__ = [
    "FileProblem",
    "ImportRefused",
    "confirm_import",
    "prepare_import",
    "queue_import",
    "retry_import",
    "run_import",
    "save_choices",
]

SAMPLE_ROWS = 200
# Below this many rows, other processes cost more than they save.
PARALLEL_FROM_ROWS = 20_000
CLEANING_PROCESSES = 2


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


def _validated_choices(
    feedback_import: FeedbackImport,
    *,
    mapping: dict[str, str],
    source_system: str,
    date_format: str,
    time_zone: str,
    no_date: bool,
    attribute_columns: list[str] | None,
    html_columns: list[str] | None,
) -> None:
    header = feedback_import.header
    mapping = {field: column for field, column in mapping.items() if column}
    problems = mapping_problems(mapping, header, no_date=no_date)
    if date_format not in DATE_FORMATS_BY_KEY:
        problems.append(f"“{date_format}” is not a date format.")
    try:
        zone(time_zone)
    except ValueError as problem:
        problems.append(str(problem))
    source = canonical_source(feedback_import.organisation, source_system)
    if not source:
        problems.append("Name the source these items come from (for example Zendesk).")
    personal = personal_columns(header, [[column] for column in header])
    refused = sorted(set(attribute_columns or []) & personal)
    if refused:
        problems.append(
            "Columns about who the customer is are never kept as answers (they "
            f"are stored only as a pseudonym): {', '.join(refused)}."
        )
    extra = [*(attribute_columns or []), *(html_columns or [])]
    unknown = sorted({column for column in extra if column not in header})
    if unknown:
        problems.append(f"These columns are not in the file: {', '.join(unknown)}.")
    if problems:
        raise ImportRefused(" ".join(problems))
    feedback_import.mapping = mapping
    feedback_import.source_system = source
    feedback_import.date_format = date_format
    feedback_import.time_zone = time_zone
    feedback_import.no_date = no_date and not mapping.get("received_at")
    if attribute_columns is not None:
        used = set(mapping.values())
        feedback_import.attribute_columns = [
            column for column in attribute_columns if column not in used
        ]
    if html_columns is not None:
        feedback_import.html_columns = list(html_columns)


CHOICE_FIELDS = [
    "mapping",
    "source_system",
    "date_format",
    "time_zone",
    "no_date",
    "attribute_columns",
    "html_columns",
]


@transaction.atomic
def save_choices(feedback_import: FeedbackImport, **choices) -> FeedbackImport:
    """Keep the mapping people chose, to preview it again; nothing is imported."""
    feedback_import = FeedbackImport.objects.select_for_update().get(
        pk=feedback_import.pk
    )
    if feedback_import.status != ImportStatus.UPLOADED:
        raise ImportRefused("This import has already been started.")
    choices["time_zone"] = choices.get("time_zone") or feedback_import.time_zone
    _validated_choices(feedback_import, **choices)
    feedback_import.save(update_fields=CHOICE_FIELDS)
    return feedback_import


@transaction.atomic
def confirm_import(
    feedback_import: FeedbackImport,
    *,
    mapping: dict[str, str],
    source_system: str,
    date_format: str,
    time_zone: str | None = None,
    no_date: bool = False,
    attribute_columns: list[str] | None = None,
    html_columns: list[str] | None = None,
    save_as: str = "",
    by=None,
) -> FeedbackImport:
    """Fix the mapping and queue the import to run in the background."""
    feedback_import = FeedbackImport.objects.select_for_update().get(
        pk=feedback_import.pk
    )
    if feedback_import.status != ImportStatus.UPLOADED:
        raise ImportRefused("This import has already been started.")
    _validated_choices(
        feedback_import,
        mapping=mapping,
        source_system=source_system,
        date_format=date_format,
        time_zone=time_zone or feedback_import.time_zone,
        no_date=no_date,
        attribute_columns=attribute_columns,
        html_columns=html_columns,
    )
    feedback_import.status = ImportStatus.QUEUED
    feedback_import.save(update_fields=[*CHOICE_FIELDS, "status"])
    if save_as:
        ImportMapping.objects.update_or_create(
            organisation=feedback_import.organisation,
            name=save_as[:80],
            defaults={
                "source_system": feedback_import.source_system,
                "header_signature": header_signature(feedback_import.header),
                "mapping": feedback_import.mapping,
                "attribute_columns": feedback_import.attribute_columns,
                "html_columns": feedback_import.html_columns,
                "date_format": feedback_import.date_format,
                "time_zone": feedback_import.time_zone,
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
    """Read, clean and write an import. Never leaves a half-written import.

    The file is read, cleaned and staged before the write transaction opens;
    the staged rows are then written in that one transaction.
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
        with tempfile.TemporaryFile() as rejects, Staging() as staging:
            large = feedback_import.rows_total >= PARALLEL_FROM_ROWS
            processes = CLEANING_PROCESSES if large else 1
            for items, links in reading.chunks(rejects, processes=processes):
                staging.add(items, links)
            write_progress(feedback_import.pk, reading.rows_read, saving=True)
            summary = Summary(rejected=reading.rejected)
            feedback_import.rows_read = reading.rows_read
            _keep_rejected_rows(feedback_import, rejects, summary)
            try:
                # Reading reports progress chunk by chunk; writing is a few long
                # statements, during which a thread keeps the heartbeat.
                with keep_alive(feedback_import.pk), transaction.atomic():
                    apply_staged(
                        staging,
                        feedback_import.organisation_id,
                        feedback_import.source_system,
                        summary,
                        feedback_import_id=feedback_import.pk,
                    )
                    _finish(feedback_import, summary)
            except BaseException:
                if feedback_import.rejected_file:
                    feedback_import.rejected_file.delete(save=False)
                raise
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


def _keep_rejected_rows(feedback_import: FeedbackImport, rejects, summary) -> None:
    if not summary.rejected:
        return
    rejects.seek(0)
    name = Path(feedback_import.original_name).stem[:80] + ".rejected.csv"
    feedback_import.rejected_file.save(
        name, ContentFile(b"\xef\xbb\xbf" + rejects.read()), save=False
    )


def _finish(feedback_import: FeedbackImport, summary: Summary) -> None:
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
