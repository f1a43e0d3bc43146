"""Running a confirmed backlog import, all or nothing.

The run has two phases. Reading cleans the whole file row by row, outside any
transaction, so that a large sheet never holds the database's write lock while
it is parsed (on SQLite that lock would stop everyone else). Writing then saves
every clean row in ONE transaction: an import that fails midway leaves nothing
behind, says why, and can be retried, because the uploaded file is kept.
"""

from datetime import datetime
from pathlib import Path

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models.fields.files import FieldFile
from django.urls import reverse
from django.utils import timezone

from backlog.backlog_import.columns import mapping_problems
from backlog.backlog_import.people import Member, People
from backlog.backlog_import.progress import (
    WRITING,
    clear_progress,
    write_progress,
)
from backlog.backlog_import.reading import max_rows, open_sheet
from backlog.backlog_import.report import (
    BacklogImportSummary,
    Note,
    RejectedRow,
    RowReport,
    rejected_csv,
    report_csv,
)
from backlog.backlog_import.rows import CleanOptions, CleanRow, clean_records
from backlog.backlog_import.writing import Written, write_rows
from backlog.configuration import settings_for
from backlog.feedback.importing.problems import ImportRefused
from backlog.feedback.importing.reading import FileProblem
from backlog.feedback.importing.zones import zone
from backlog.feedback.privacy import masks_contacts
from backlog.models import BacklogImport, BacklogImportStatus
from backlog.scoring.frameworks import IceMode
from collaboration import events
from cromaturity.models import Membership, Team

CHUNK_ROWS = 2000
# The report page lists this many subjects of each kind of note; the rest are
# counted and in the downloadable report.
SUBJECTS_KEPT = 50


def _options(backlog_import: BacklogImport, now: datetime) -> CleanOptions:
    organisation = backlog_import.organisation
    members = Membership.objects.filter(organisation=organisation).values_list(
        "user_id",
        "user__username",
        "user__email",
        "user__first_name",
        "user__last_name",
    )
    return CleanOptions(
        mapping=backlog_import.mapping,
        status_map=backlog_import.status_map,
        date_format=backlog_import.date_format,
        tz=zone(backlog_import.time_zone),
        now=now,
        people=People(
            Member(pk, username, email, f"{first} {last}".strip())
            for pk, username, email, first, last in members
        ),
        teams={
            " ".join(name.casefold().split()): pk
            for pk, name in Team.objects.for_org(organisation).values_list("pk", "name")
        },
        mask_contacts=masks_contacts(organisation),
    )


def _chunks(records):
    chunk = []
    for record in records:
        chunk.append(record)
        if len(chunk) >= CHUNK_ROWS:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def read_rows(
    backlog_import: BacklogImport, now: datetime
) -> tuple[list[CleanRow], list[RejectedRow], int]:
    """Every row of the file, cleaned or rejected with its reason; touches the
    database only to read who the members and teams are."""
    table = open_sheet(Path(backlog_import.file.path), backlog_import.layout)
    if table.header != backlog_import.header:
        raise ImportRefused("The file changed since it was uploaded.")
    problems = mapping_problems(backlog_import.mapping, table.header)
    if problems:
        raise ImportRefused(" ".join(problems))
    options = _options(backlog_import, now)
    by_title = "external_id" not in backlog_import.mapping
    clean: list[CleanRow] = []
    rejected: list[RejectedRow] = []
    first_line: dict[str, int] = {}
    rows_read = 0
    for chunk in _chunks(table.records):
        rows_read += len(chunk)
        if rows_read > max_rows():
            raise ImportRefused(
                f"The file has more than {max_rows():,} rows; split it into "
                "smaller files."
            )
        kept, refused = clean_records(table.header, chunk, options)
        cells_of = dict(chunk)
        for row in kept:
            seen = first_line.setdefault(row.key, row.line)
            if seen == row.line:
                clean.append(row)
            else:
                same = "title" if by_title else "id"
                refused.append(
                    RejectedRow(
                        row.line,
                        cells_of[row.line],
                        f"same {same} as line {seen} (a row imports once)",
                    )
                )
        rejected.extend(refused)
        write_progress(backlog_import.pk, rows_read)
    rejected.sort(key=lambda r: r.line)
    return clean, rejected, rows_read


def run_import(
    backlog_import: BacklogImport, *, now: datetime | None = None
) -> BacklogImportSummary:
    """Read, clean and write a queued import. Never leaves half an import."""
    BacklogImport.objects.filter(pk=backlog_import.pk).update(
        status=BacklogImportStatus.RUNNING,
        started_at=timezone.now(),
        attempts=backlog_import.attempts + 1,
        rows_read=0,
        error="",
    )
    backlog_import.refresh_from_db()
    write_progress(backlog_import.pk, 0)
    now = now or timezone.now()
    saved_files: list[FieldFile] = []
    try:
        clean, rejected, rows_read = read_rows(backlog_import, now)
        write_progress(backlog_import.pk, rows_read, WRITING)
        with transaction.atomic():
            written = write_rows(
                backlog_import,
                clean,
                importer=backlog_import.uploaded_by,
                now=now,
                ice_mode=IceMode(settings_for(backlog_import.organisation).ice_mode),
            )
            backlog_import.rows_read = rows_read
            _finish(backlog_import, written, rejected, saved_files)
    except (FileProblem, ImportRefused) as problem:
        _discard(saved_files)
        _fail(backlog_import, str(problem))
        raise
    except Exception as error:
        _discard(saved_files)
        _fail(
            backlog_import,
            "The import stopped with an unexpected error and nothing was saved "
            f"({type(error).__name__}). You can retry it.",
        )
        raise
    finally:
        clear_progress(backlog_import.pk)
    return written.summary


def _discard(saved_files) -> None:
    for stored in saved_files:
        stored.delete(save=False)


def _fail(backlog_import: BacklogImport, message: str) -> None:
    BacklogImport.objects.filter(pk=backlog_import.pk).update(
        status=BacklogImportStatus.FAILED, error=message, finished_at=timezone.now()
    )


def _rejected_reports(backlog_import, rejected) -> list[RowReport]:
    header = backlog_import.header
    mapping = backlog_import.mapping

    def cell(row, name):
        column = mapping.get(name)
        if column in header and header.index(column) < len(row.cells):
            return row.cells[header.index(column)].strip()
        return ""

    return [
        RowReport(
            row.line,
            cell(row, "external_id"),
            cell(row, "title"),
            "rejected",
            notes=[Note("rejected", "", row.reason)],
        )
        for row in rejected
    ]


def _kept_notes(summary: BacklogImportSummary) -> dict:
    """The notes by kind for the report page: the most frequent subjects, and
    how many rows and subjects there are in all."""
    kept = {}
    for kind, subjects in summary.grouped().items():
        items = list(subjects.items())
        kept[kind] = {
            "rows": summary.rows_with[kind],
            "subjects": [[s, n] for s, n in items[:SUBJECTS_KEPT]],
            "more": max(0, len(items) - SUBJECTS_KEPT),
        }
    return kept


def _finish(backlog_import, written: Written, rejected, saved_files) -> None:
    summary = written.summary
    summary.rejected = len(rejected)
    slug = backlog_import.organisation.slug
    stem = Path(backlog_import.original_name).stem[:80]
    if rejected:
        backlog_import.rejected_file.save(
            f"{stem}.rejected.csv",
            ContentFile(rejected_csv(backlog_import.header, rejected)),
            save=False,
        )
        saved_files.append(backlog_import.rejected_file)
    reports = written.reports + _rejected_reports(backlog_import, rejected)
    backlog_import.report_file.save(
        f"{stem}.report.csv",
        ContentFile(
            report_csv(
                reports,
                # One reverse for all rows: the path differs only by the id.
                reverse("backlog:hypothesis-detail", args=[slug, 0])
                .replace("/0/", "/{}/")
                .format,
            )
        ),
        save=False,
    )
    saved_files.append(backlog_import.report_file)
    backlog_import.status = BacklogImportStatus.SUCCEEDED
    backlog_import.created = summary.created
    backlog_import.updated = summary.updated
    backlog_import.unchanged = summary.unchanged
    backlog_import.rejected = summary.rejected
    backlog_import.noted = summary.noted
    backlog_import.notes = _kept_notes(summary)
    backlog_import.finished_at = timezone.now()
    backlog_import.error = ""
    backlog_import.save(
        update_fields=[
            "rejected_file",
            "report_file",
            "rows_read",
            "status",
            "created",
            "updated",
            "unchanged",
            "rejected",
            "noted",
            "notes",
            "finished_at",
            "error",
        ]
    )
    events.backlog_imported(
        backlog_import,
        owned=written.owned,
        newly_concluded=written.newly_concluded,
    )
