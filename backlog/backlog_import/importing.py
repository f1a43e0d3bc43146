"""The steps a person takes through a backlog import: upload, columns, status
words, and the run queued for the background worker (`running`).

Each step checks what it is given and says what is wrong in words for people.
A sheet imported before (the same columns) starts from the choices made then:
its mapping, its source, its status table and its options.
"""

from dataclasses import dataclass
from pathlib import Path

from django.core.files import File
from django.db import transaction

from backlog.backlog_import.columns import (
    DATE_FIELDS,
    FIELDS_BY_NAME,
    TOOL_NAMES,
    mapping_problems,
    recognise_tool,
    suggest_mapping,
)
from backlog.backlog_import.dates import (
    FORMAT_KEYS,
    detect_sheet_date_format,
    share_read,
)
from backlog.backlog_import.reading import (
    column_samples,
    count_rows,
    header_signature,
    open_sheet,
    source_from_name,
    status_words,
)
from backlog.backlog_import.statuses import (
    CHOICE_VALUES,
    DEFAULT_CHOICE,
    normalise_word,
    suggest_choice,
)
from backlog.configuration import settings_for
from backlog.feedback.importing.problems import ImportRefused, refuse_without_file
from backlog.feedback.importing.reading import XLSX_MAGIC, FileProblem
from backlog.feedback.importing.zones import zone
from backlog.models import BacklogImport, BacklogImportStatus
from backlog.tasks import run_backlog_import
from cromaturity.models import Organisation

PREVIEW_ROWS = 8
SAMPLE_ROWS = 200
# Below this share of a column's values reading as dates, it holds no dates.
DATES_AT_LEAST = 0.5


def previous_import(organisation, header: list[str]) -> BacklogImport | None:
    """The latest import of a sheet with the same columns, whose choices start
    this one."""
    signature = header_signature(header)
    for candidate in (
        BacklogImport.objects.for_org(organisation)
        .exclude(status=BacklogImportStatus.UPLOADED)
        .order_by("-created_at", "-pk")[:50]
    ):
        if header_signature(candidate.header) == signature:
            return candidate
    return None


def prepare_import(
    organisation: Organisation, *, uploaded: File, original_name: str, by
) -> BacklogImport:
    """Keep the uploaded file and read its layout, header and size; nothing is
    imported yet. Raises FileProblem (and keeps nothing) for an unreadable file."""
    backlog_import = BacklogImport(
        organisation=organisation,
        uploaded_by=by,
        original_name=original_name[:255],
        size=uploaded.size or 0,
        time_zone=settings_for(organisation).import_time_zone,
    )
    # The stored name is the server's, its extension from the content.
    head = uploaded.read(len(XLSX_MAGIC))
    uploaded.seek(0)
    stored_as = "upload.xlsx" if head == XLSX_MAGIC else "upload.csv"
    backlog_import.file.save(stored_as, uploaded, save=False)
    try:
        _detect(backlog_import)
        backlog_import.save()
    except BaseException:
        backlog_import.file.delete(save=False)
        raise
    return backlog_import


def _detect(backlog_import: BacklogImport) -> None:
    path = Path(backlog_import.file.path)
    table = open_sheet(path, preview=SAMPLE_ROWS)
    backlog_import.layout = table.layout.as_dict()
    backlog_import.header = table.header
    backlog_import.rows_total = count_rows(path, backlog_import.layout)
    if not backlog_import.rows_total:
        raise FileProblem("The file has a header but no rows below it.")
    backlog_import.tool = recognise_tool(table.header)
    earlier = previous_import(backlog_import.organisation, table.header)
    if earlier:
        backlog_import.mapping = dict(earlier.mapping)
        backlog_import.source = earlier.source
        backlog_import.date_format = earlier.date_format
        backlog_import.time_zone = earlier.time_zone
        backlog_import.status_map = dict(earlier.status_map)
        backlog_import.create_missing_pages = earlier.create_missing_pages
        backlog_import.create_missing_tags = earlier.create_missing_tags
        return
    backlog_import.source = source_from_name(
        backlog_import.original_name, TOOL_NAMES.get(backlog_import.tool, "")
    )
    mapping = suggest_mapping(table.header)
    tz = zone(backlog_import.time_zone)
    dated = [mapping[name] for name in DATE_FIELDS if name in mapping]
    if dated:
        samples = column_samples(table, dated[0])
        backlog_import.date_format, _ = detect_sheet_date_format(samples, tz)
    for name in DATE_FIELDS:
        # A "Completed" checkbox is not a date: such a suggestion is dropped.
        if name in mapping:
            samples = column_samples(table, mapping[name])
            if share_read(samples, backlog_import.date_format, tz) < DATES_AT_LEAST:
                del mapping[name]
    backlog_import.mapping = mapping


@dataclass
class Preview:
    header: list[str]
    rows: list[list[str]]
    date_format_ambiguous: bool
    earlier: BacklogImport | None


def preview(backlog_import: BacklogImport) -> Preview:
    table = open_sheet(
        Path(backlog_import.file.path), backlog_import.layout, preview=SAMPLE_ROWS
    )
    width = len(table.header)
    ambiguous = False
    tz = zone(backlog_import.time_zone)
    for name in DATE_FIELDS:
        column = backlog_import.mapping.get(name)
        if column in table.header:
            _, unsure = detect_sheet_date_format(column_samples(table, column), tz)
            ambiguous = ambiguous or unsure
    return Preview(
        header=table.header,
        rows=[
            (cells + [""] * width)[:width] for _, cells in table.preview[:PREVIEW_ROWS]
        ],
        date_format_ambiguous=ambiguous,
        earlier=previous_import(backlog_import.organisation_id, table.header),
    )


def columns_problems(
    backlog_import: BacklogImport, mapping: dict[str, str], date_format: str, tz
) -> list[str]:
    """What is wrong with a mapping for this file, the dates' format included."""
    problems = mapping_problems(mapping, backlog_import.header)
    if problems:
        return problems
    if date_format not in FORMAT_KEYS:
        return [f"“{date_format}” is not a date format."]
    table = open_sheet(
        Path(backlog_import.file.path), backlog_import.layout, preview=SAMPLE_ROWS
    )
    for name in DATE_FIELDS:
        if name not in mapping:
            continue
        samples = column_samples(table, mapping[name])
        if share_read(samples, date_format, tz) < DATES_AT_LEAST:
            example = samples[0] if samples else ""
            problems.append(
                f"The column “{mapping[name]}” chosen for "
                f"{FIELDS_BY_NAME[name].label} does not hold dates written this "
                f"way (it reads “{example}”): choose another column or another "
                "date format."
            )
    return problems


@transaction.atomic
def confirm_columns(
    backlog_import: BacklogImport,
    *,
    mapping: dict[str, str],
    source: str,
    date_format: str,
    time_zone: str,
    create_missing_pages: bool,
    create_missing_tags: bool,
) -> BacklogImport:
    """Fix the mapping and read the words of the status column for the next step.

    May be done again while the status table is not confirmed.
    """
    backlog_import = BacklogImport.objects.select_for_update().get(pk=backlog_import.pk)
    if backlog_import.status not in {
        BacklogImportStatus.UPLOADED,
        BacklogImportStatus.MAPPED,
    }:
        raise ImportRefused("This import has already been started.")
    refuse_without_file(backlog_import)
    mapping = {name: column for name, column in mapping.items() if column}
    source = " ".join(source.split())[:100]
    if not source:
        raise ImportRefused(
            "Name the sheet, so that importing it again finds its rows."
        )
    try:
        tz = zone(time_zone)
    except ValueError as problem:
        raise ImportRefused(str(problem)) from None
    problems = columns_problems(backlog_import, mapping, date_format, tz)
    if problems:
        raise ImportRefused(" ".join(problems))
    words = status_words(
        Path(backlog_import.file.path), backlog_import.layout, mapping.get("status")
    )
    chosen = backlog_import.status_map
    backlog_import.status_words = [[w.word, w.count] for w in words]
    backlog_import.status_map = {
        normalise_word(w.word): chosen.get(normalise_word(w.word))
        or suggest_choice(w.word)
        or DEFAULT_CHOICE
        for w in words
    }
    backlog_import.mapping = mapping
    backlog_import.source = source
    backlog_import.date_format = date_format
    backlog_import.time_zone = time_zone
    backlog_import.create_missing_pages = create_missing_pages
    backlog_import.create_missing_tags = create_missing_tags
    backlog_import.status = BacklogImportStatus.MAPPED
    backlog_import.save()
    return backlog_import


def status_table(backlog_import: BacklogImport) -> list[dict]:
    """The rows of the status table: each word, its rows, the choice and whether
    the word was recognised."""
    return [
        {
            "word": word,
            "key": normalise_word(word),
            "count": count,
            "choice": backlog_import.status_map.get(
                normalise_word(word), DEFAULT_CHOICE
            ),
            "recognised": not word or suggest_choice(word) is not None,
        }
        for word, count in backlog_import.status_words
    ]


def status_map_problems(
    backlog_import: BacklogImport, status_map: dict[str, str]
) -> list[str]:
    """What is wrong with the chosen statuses of the file's words."""
    problems = []
    words = {normalise_word(word) for word, _ in backlog_import.status_words}
    unknown = sorted(set(status_map) - words)
    if unknown:
        problems.append(f"These words are not in the file: {', '.join(unknown)}.")
    wrong = sorted(v for v in status_map.values() if v not in CHOICE_VALUES)
    if wrong:
        problems.append(f"These are not statuses: {', '.join(wrong)}.")
    return problems


@transaction.atomic
def confirm_statuses(
    backlog_import: BacklogImport, status_map: dict[str, str]
) -> BacklogImport:
    """Fix the status of each word and queue the import for the worker."""
    backlog_import = BacklogImport.objects.select_for_update().get(pk=backlog_import.pk)
    if backlog_import.status != BacklogImportStatus.MAPPED:
        if backlog_import.status == BacklogImportStatus.UPLOADED:
            raise ImportRefused("Confirm the columns first.")
        raise ImportRefused("This import has already been started.")
    refuse_without_file(backlog_import)
    problems = status_map_problems(backlog_import, status_map)
    if problems:
        raise ImportRefused(" ".join(problems))
    backlog_import.status_map = {**backlog_import.status_map, **status_map}
    backlog_import.status = BacklogImportStatus.QUEUED
    backlog_import.save(update_fields=["status_map", "status"])
    queue_import(backlog_import)
    return backlog_import


def queue_import(backlog_import: BacklogImport) -> None:
    import_id = backlog_import.pk
    transaction.on_commit(lambda: run_backlog_import.enqueue(import_id=import_id))


@transaction.atomic
def retry_import(backlog_import: BacklogImport) -> BacklogImport:
    """Queue a failed (or stalled) import again; its file was kept."""
    backlog_import = BacklogImport.objects.select_for_update().get(pk=backlog_import.pk)
    if backlog_import.status == BacklogImportStatus.SUCCEEDED:
        raise ImportRefused("This import has already succeeded.")
    if backlog_import.status in {
        BacklogImportStatus.UPLOADED,
        BacklogImportStatus.MAPPED,
    }:
        raise ImportRefused("Confirm the columns and the status table first.")
    refuse_without_file(backlog_import)
    backlog_import.status = BacklogImportStatus.QUEUED
    backlog_import.error = ""
    backlog_import.save(update_fields=["status", "error"])
    queue_import(backlog_import)
    return backlog_import
