"""What an upload will do, shown before anything is imported.

The preview reads the first rows as the import would: how each date is read
(in which zone, what moment in UTC), and how many rows would update items the
source already holds, so that a wrong source or zone shows before it matters.
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
from django.utils import timezone

from backlog.feedback.importing.dates import (
    carries_zone,
    detect_date_format,
    parse_dates,
)
from backlog.feedback.importing.disclosure import cell_masker
from backlog.feedback.importing.preparing import header_signature
from backlog.feedback.importing.reading import Layout, Table, open_table
from backlog.feedback.importing.row_stream import RowStream, date_zone_of
from backlog.feedback.importing.rows import clean_records, padded
from backlog.feedback.importing.sources import source_names
from backlog.feedback.importing.zones import local_time_kind, zone
from backlog.feedback.privacy import contact_region, pseudonym_key
from backlog.models import FeedbackImport, FeedbackItem, ImportMapping

PREVIEW_ROWS = 8
DATE_EXAMPLES = 5
CHECKED_ROWS = 2000


@dataclass
class DateReading:
    raw: str
    local: str
    zone: str
    utc: str
    note: str = ""


@dataclass
class Preview:
    header: list[str]
    rows: list[list[str]]
    mapping: dict[str, str]
    source_system: str
    date_format: str
    date_format_ambiguous: bool
    saved_mapping: ImportMapping | None
    date_zone: str = ""
    date_zone_reason: str = ""
    dates: list[DateReading] = field(default_factory=list)
    rows_checked: int = 0
    checked_whole_file: bool = False
    updates: int = 0
    sources: list[dict] = field(default_factory=list)

    @property
    def source_exists(self) -> bool:
        name = self.source_system.lower()
        return any(s["source_system"].lower() == name for s in self.sources)


def preview(feedback_import: FeedbackImport) -> Preview:
    path = Path(feedback_import.file.path)
    table = open_table(path, Layout(**feedback_import.layout), preview=CHECKED_ROWS)
    sample = table.preview
    sample_rows = [cells for _, cells in sample]
    width = len(table.header)
    organisation = feedback_import.organisation
    masked = cell_masker(
        table.header,
        feedback_import.mapping,
        key=pseudonym_key(organisation),
        mask=feedback_import.mask_contacts,
        region=contact_region(organisation),
    )
    result = Preview(
        header=table.header,
        rows=[masked(padded(row, width)[:width]) for row in sample_rows[:PREVIEW_ROWS]],
        mapping=feedback_import.mapping,
        source_system=feedback_import.source_system,
        date_format=feedback_import.date_format,
        date_format_ambiguous=False,
        saved_mapping=_saved_mapping(feedback_import, table.header),
        sources=source_names(feedback_import.organisation_id),
    )
    column = feedback_import.mapping.get("received_at")
    result.date_zone, result.date_zone_reason = date_zone_of(
        table, column, feedback_import.time_zone
    )
    if column in table.header:
        position = table.header.index(column)
        values = [row[position] for row in sample_rows if len(row) > position]
        _, result.date_format_ambiguous = detect_date_format(
            values[:200], zone(result.date_zone)
        )
        result.dates = read_dates(values, feedback_import.date_format, result.date_zone)
    result.rows_checked = len(sample)
    result.checked_whole_file = next(iter(table.records), None) is None
    result.updates = _updates(feedback_import, table, sample)
    return result


def _saved_mapping(
    feedback_import: FeedbackImport, header: list[str]
) -> ImportMapping | None:
    return (
        ImportMapping.objects.for_org(feedback_import.organisation_id)
        .filter(header_signature=header_signature(header))
        .first()
    )


def read_dates(
    values: list[str], date_format: str, zone_name: str
) -> list[DateReading]:
    """How the first dates, and any the clocks' changes make unclear, are read."""
    tz = zone(zone_name)
    filled = pd.Series([value for value in values if value.strip()], dtype=object)
    moments = parse_dates(filled, date_format, tz).tolist()
    # The same values read as UTC give the wall time each one says.
    walls = parse_dates(filled, date_format, UTC).tolist()
    readings: list[DateReading] = []
    unclear: list[DateReading] = []
    for raw, moment, wall in zip(filled.tolist(), moments, walls, strict=True):
        if pd.isna(moment):
            reading = DateReading(raw, "", zone_name, "", "cannot be read")
        elif carries_zone(raw):
            instant = moment.to_pydatetime()
            reading = DateReading(
                raw,
                instant.strftime("%d.%m.%Y %H:%M"),
                "UTC, as the value says",
                instant.strftime("%d.%m.%Y %H:%M UTC"),
            )
        else:
            said = wall.to_pydatetime().replace(tzinfo=None)
            reading = DateReading(
                raw,
                said.strftime("%d.%m.%Y %H:%M"),
                zone_name,
                moment.to_pydatetime().strftime("%d.%m.%Y %H:%M UTC"),
                _clock_note(said, tz),
            )
        if len(readings) < DATE_EXAMPLES:
            readings.append(reading)
        elif reading.note and len(unclear) < 3:
            unclear.append(reading)
    return readings + unclear


def _clock_note(said: datetime, tz) -> str:
    kind = local_time_kind(said, tz)
    if kind == "gap":
        return (
            "this local time does not exist (the clocks went forward); read with "
            "the offset before the change"
        )
    if kind == "overlap":
        return "this local time occurs twice (the clocks went back); the first is used"
    return ""


def _updates(
    feedback_import: FeedbackImport, table: Table, sample: list[tuple[int, list[str]]]
) -> int:
    """How many of the sample's rows match items the source already holds."""
    if not feedback_import.source_system or not feedback_import.mapping.get("text"):
        return 0
    stream = RowStream(feedback_import, timezone.now())
    stream.options.tz = zone(
        date_zone_of(
            table, feedback_import.mapping.get("received_at"), feedback_import.time_zone
        )[0]
    )
    try:
        clean, _ = clean_records(table.header, list(sample), stream.options)
    except (KeyError, ValueError):
        return 0
    ids = [row.external_id for row in clean]
    found = 0
    for start in range(0, len(ids), 500):
        found += (
            FeedbackItem.objects.for_org(feedback_import.organisation_id)
            .filter(
                source_system=feedback_import.source_system,
                external_id__in=ids[start : start + 500],
            )
            .count()
        )
    return found
