"""The cleaned rows of an uploaded file, chunk by chunk, with rejects on the side.

Nothing here touches the database: reading and cleaning happen before the
import's write transaction opens, so a slow or hostile file never holds the
database's write lock.
"""

import io
from collections.abc import Iterator
from datetime import datetime
from itertools import chain, islice
from pathlib import Path

from django.conf import settings

from backlog.feedback.importing.cells import rating_scale
from backlog.feedback.importing.cleaning import (
    CELL_SEPARATOR,
    CHUNK_ROWS,
    cleaned_here,
    cleaned_in_processes,
)
from backlog.feedback.importing.dates import header_says_utc
from backlog.feedback.importing.disclosure import cell_masker
from backlog.feedback.importing.mapping import mapping_problems
from backlog.feedback.importing.problems import ImportRefused, too_many_rows
from backlog.feedback.importing.progress import write_progress
from backlog.feedback.importing.reading import Layout, Table, open_table
from backlog.feedback.importing.rows import CleanOptions, padded
from backlog.feedback.importing.tools import TOOLS_BY_KEY
from backlog.feedback.importing.zones import zone
from backlog.feedback.privacy import contact_region, pseudonym_key
from backlog.models import FeedbackImport
from cromaturity.spreadsheets import csv_writer, neutralise_cell

__all__ = ["CHUNK_ROWS", "ImportRefused", "RowStream", "date_zone_of"]


def date_zone_of(table: Table, column: str | None, chosen: str) -> tuple[str, str]:
    """The zone a date column's local times are read in, and why.

    The column's header saying UTC wins, then a zone the file names for the
    column, then the zone chosen for the import.
    """
    if column and header_says_utc(column):
        return "UTC", "header"
    aliases = dict(zip(table.header, table.aliases, strict=False)).get(column or "", [])
    if column and any(header_says_utc(alias) for alias in aliases):
        return "UTC", "header"
    if column and column in table.zones:
        return table.zones[column], "file"
    return chosen, "chosen"


def _default_channel(tool: str, source_name: str) -> str:
    """The channel of the tool, or of the tool a source is named after."""
    if tool in TOOLS_BY_KEY:
        return TOOLS_BY_KEY[tool].channel
    named = source_name.split(":")[0].strip().lower()
    for known in TOOLS_BY_KEY.values():
        if named in {known.key, known.name.lower()}:
            return known.channel
    return "ticket"


class RowStream:
    """Reads and cleans the file, writes rejected rows, yields clean chunks."""

    def __init__(self, feedback_import: FeedbackImport, now: datetime):
        self.feedback_import = feedback_import
        self.rejected = 0
        self.rows_read = 0
        organisation = feedback_import.organisation
        self.options = CleanOptions(
            mapping=feedback_import.mapping,
            date_format=feedback_import.date_format,
            tz=zone(feedback_import.time_zone),
            now=now,
            default_source=_default_channel(
                feedback_import.tool, feedback_import.source_system
            ),
            pseudonym_key=pseudonym_key(organisation),
            mask_contacts=feedback_import.mask_contacts,
            source_name=feedback_import.source_system,
            attribute_columns=list(feedback_import.attribute_columns),
            html_columns=list(feedback_import.html_columns),
            phone_region=contact_region(organisation),
        )

    def chunks(
        self, rejects, *, processes: int = 1
    ) -> Iterator[tuple[list[tuple], list[tuple[str, str]]]]:
        """The file's clean rows chunk by chunk, as staged values and (id, theme)
        links; rejected rows go to `rejects`.

        With several `processes`, rows are cleaned by forked processes, each
        reading the file, so that every processor core works on a large import.
        """
        feedback_import = self.feedback_import
        path = Path(feedback_import.file.path)
        layout = Layout(**feedback_import.layout)
        table = open_table(path, layout)
        if table.header != feedback_import.header:
            raise ImportRefused("The file changed since it was uploaded.")
        mapping = feedback_import.mapping
        problems = mapping_problems(mapping, table.header)
        if problems:
            raise ImportRefused(" ".join(problems))
        zone_name, _ = date_zone_of(
            table, mapping.get("received_at"), feedback_import.time_zone
        )
        self.options.tz = zone(zone_name)
        records = table.records
        if "sentiment" in mapping:
            position = table.header.index(mapping["sentiment"])
            head = list(islice(records, CHUNK_ROWS))
            self.options.rating_scale = rating_scale(
                [cells[position] for _, cells in head if len(cells) > position]
            )
            records = chain(head, records)
        if processes > 1:
            cleaned = cleaned_in_processes(path, layout, self.options, processes)
        else:
            cleaned = cleaned_here(table.header, records, self.options)
        text_rejects = io.TextIOWrapper(rejects, encoding="utf-8", newline="")
        # Neutralised as exports are: the rows are opened in a spreadsheet to be
        # fixed, and the import reads the added quotes back off.
        writer = csv_writer(text_rejects)
        writer.writerow(["line", *map(neutralise_cell, table.header), "reason"])
        width = len(table.header)
        masked = cell_masker(
            table.header,
            mapping,
            key=self.options.pseudonym_key,
            mask=self.options.mask_contacts,
            region=self.options.phone_region,
        )
        seen = _SeenRows()
        for staged in cleaned:
            self.rows_read += staged.rows_read
            if self.rows_read > settings.IMPORT_MAX_ROWS:
                raise too_many_rows(settings.IMPORT_MAX_ROWS)
            refused = list(staged.rejected)
            items: list[tuple] = []
            kept_ids: list[str] = []
            kept_themes: list[tuple[str, ...]] = []
            for i, values in enumerate(staged.items):
                line, raw = staged.lines[i], staged.raw[i]
                problem, external_id = seen.admit(
                    line, staged.ids[i], staged.fingerprinted[i], raw
                )
                if problem:
                    refused.append((line, raw.split(CELL_SEPARATOR), problem))
                    continue
                if external_id != staged.ids[i]:
                    values = (values[0], external_id, *values[2:])
                items.append(values)
                kept_ids.append(external_id)
                kept_themes.append(staged.themes[i])
            links = [
                (external_id, theme)
                for external_id, themes in zip(kept_ids, kept_themes, strict=True)
                for theme in themes
            ]
            for line, cells, reason in sorted(refused, key=lambda r: r[0]):
                writer.writerow(
                    [
                        line,
                        *map(neutralise_cell, masked(padded(cells, width))),
                        reason,
                    ]
                )
            self.rejected += len(refused)
            text_rejects.flush()
            write_progress(feedback_import.pk, self.rows_read)
            yield items, links
        text_rejects.detach()


class _SeenRows:
    """The ids met so far in one file, to tell a repeated row from a clash.

    A row repeated whole is a duplicate. Two different rows with the same
    fingerprint (same source, date, respondent and text, differing elsewhere)
    are two items: the later gets the fingerprint with its occurrence number.
    Two different rows with the same id from the file are a clash.
    """

    def __init__(self):
        self._first: dict[str, tuple[int, int]] = {}
        self._occurrences: dict[str, int] = {}

    def admit(
        self, line: int, external_id: str, fingerprinted: bool, raw: str
    ) -> tuple[str | None, str]:
        """(why the row is refused or None, the id it is kept under)."""
        content = hash(raw)
        first = self._first.get(external_id)
        if first is None:
            self._first[external_id] = (line, content)
            return None, external_id
        first_line, first_content = first
        if content == first_content:
            return f"repeats line {first_line} (duplicate row)", external_id
        if not fingerprinted:
            return (
                f"same id “{external_id}” as line {first_line}, with other content",
                external_id,
            )
        number = self._occurrences.get(external_id, 1)
        while True:
            number += 1
            candidate = f"{external_id}-{number}"
            if candidate not in self._first:
                break
        self._occurrences[external_id] = number
        self._first[candidate] = (line, content)
        return None, candidate
