"""Cleaning the rows of a backlog sheet into hypotheses' values, or rejecting them.

Works on plain values only (the organisation's people and teams are given), so
it runs before the import's transaction and is tested without a database. A
row is rejected only when it cannot become a hypothesis (no title, no id, a
date that is not one, text too long for its field); anything else it gets wrong
is left out of the hypothesis and said in a note.
"""

import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo

import pandas as pd
from django.db import models

from backlog.backlog_import.columns import DATE_FIELDS, STRUCTURED, tag_columns
from backlog.backlog_import.dates import parse_sheet_dates
from backlog.backlog_import.people import People
from backlog.backlog_import.report import Note, RejectedRow
from backlog.backlog_import.sheet_scores import SheetScore, read_scores
from backlog.backlog_import.statements import split_statement
from backlog.backlog_import.statuses import (
    DEFAULT_CHOICE,
    normalise_word,
    parse_kind,
    parse_result,
    status_of,
)
from backlog.feedback.importing.dates import EARLIEST
from backlog.feedback.importing.problems import BrokenRecord
from backlog.feedback.privacy import mask_contact_details
from backlog.models import Hypothesis, Kind, Page, Tag
from cromaturity.spreadsheets import restore_cell


def _field(model: type[models.Model], name: str) -> models.Field:
    found = model._meta.get_field(name)
    if not isinstance(found, models.Field):
        raise TypeError(f"{model.__name__}.{name} is the other side of a relation")
    return found


def _max_length(model: type[models.Model], name: str) -> int:
    # Django's checks require a CharField's max_length (fields.E120).
    length = _field(model, name).max_length
    if length is None:
        raise TypeError(f"{model.__name__}.{name} has no max_length")
    return length


MAX_KEY = 255
TITLE_KEY = "title: "
TEXT_FIELDS = ["title", *STRUCTURED, "learning"]
MAX_LENGTHS = {
    name: _field(Hypothesis, name).max_length
    for name in TEXT_FIELDS
    if _field(Hypothesis, name).max_length
}
LABELS = {name: str(_field(Hypothesis, name).verbose_name) for name in TEXT_FIELDS}
PAGE_NAME_MAX = _max_length(Page, "name")
TAG_NAME_MAX = _max_length(Tag, "name")
# Trello writes a label with its colour: "Checkout (green)".
TRELLO_COLOUR = re.compile(
    r"\s*\((?:green|yellow|orange|red|purple|blue|sky|lime|pink|black|"
    r"green_dark|yellow_dark|orange_dark|red_dark|purple_dark|blue_dark|"
    r"sky_dark|lime_dark|pink_dark|black_dark|[a-z]+_light)\)$",
    re.IGNORECASE,
)
TAG_SEPARATORS = re.compile(r"[,;|\n]")


@dataclass
class CleanOptions:
    mapping: dict[str, str]
    status_map: dict[str, str]
    date_format: str
    tz: tzinfo
    now: datetime
    people: People
    teams: dict[str, int]
    mask_contacts: bool = True


@dataclass(slots=True)
class CleanRow:
    line: int
    key: str
    # The hypothesis's fields the sheet gives, as they are stored; a field the
    # mapping leaves out is not here, so it is never touched.
    values: dict[str, object]
    page: str | None = None
    tags: list[str] | None = None
    status: str = DEFAULT_CHOICE
    result: str = ""
    scores: list[SheetScore] = field(default_factory=list)
    scorer_id: int | None = None
    sheet_scores: dict[str, str] = field(default_factory=dict)
    notes: list[Note] = field(default_factory=list)
    digest: str = ""

    @property
    def title(self) -> str:
        return str(self.values["title"])


def title_key(title: str) -> str:
    return (TITLE_KEY + " ".join(title.casefold().split()))[:MAX_KEY]


class _Cells:
    """The cells of the kept records, by field name."""

    def __init__(
        self,
        header: list[str],
        kept: list[tuple[int, list[str]]],
        mapping: dict[str, str],
    ) -> None:
        self.kept = kept
        index = {name: position for position, name in enumerate(header)}
        self.column = {
            name: index[column] for name, column in mapping.items() if column in index
        }
        self.tag_positions = []
        if "tags" in mapping:
            self.tag_positions = [
                index[name] for name in tag_columns(header, mapping["tags"])
            ]

    def __contains__(self, name: str) -> bool:
        return name in self.column

    def of(self, name: str) -> list[str]:
        position = self.column.get(name)
        if position is None:
            return [""] * len(self.kept)
        return [cells[position].strip() for _, cells in self.kept]


def clean_records(
    header: list[str],
    records: list[tuple[int, list[str]]],
    options: CleanOptions,
) -> tuple[list[CleanRow], list[RejectedRow]]:
    """Clean one chunk of records; every record ends up clean or rejected."""
    width = len(header)
    rejected: list[RejectedRow] = []
    kept: list[tuple[int, list[str]]] = []
    for line, cells in records:
        if isinstance(cells, BrokenRecord):
            rejected.append(RejectedRow(line, list(cells), cells.problem))
            continue
        if len(cells) > width and any(c.strip() for c in cells[width:]):
            rejected.append(
                RejectedRow(
                    line,
                    cells,
                    f"{len(cells)} cells where the header has {width} (a delimiter "
                    "inside unquoted text?)",
                )
            )
            continue
        cells = [restore_cell(cell) for cell in (cells + [""] * width)[:width]]
        kept.append((line, cells))
    kept_cells = _Cells(header, kept, options.mapping)
    dates = {
        name: _dates(kept_cells.of(name), options)
        for name in DATE_FIELDS
        if name in kept_cells
    }
    clean = []
    for i, (line, row_cells) in enumerate(kept):
        row, reason = _clean_one(i, line, row_cells, kept_cells, dates, options)
        if reason:
            rejected.append(RejectedRow(line, row_cells, reason))
        else:
            clean.append(row)
    rejected.sort(key=lambda r: r.line)
    return clean, rejected


def _dates(
    texts: list[str], options: CleanOptions
) -> list[tuple[datetime | None, str]]:
    """Each date as a UTC datetime, or None with why ("" for an empty cell)."""
    raw = pd.Series(texts, dtype=object)
    parsed = parse_sheet_dates(raw, options.date_format, options.tz)
    late = options.now + timedelta(days=1)
    out: list[tuple[datetime | None, str]] = []
    for text, stamp in zip(texts, parsed.tolist(), strict=True):
        if not text:
            out.append((None, ""))
        elif pd.isna(stamp):
            out.append((None, f"impossible date “{text}”"))
        elif stamp < EARLIEST:
            out.append((None, f"date “{text}” is before {EARLIEST.year}"))
        elif stamp > late:
            out.append((None, f"date “{text}” is in the future"))
        else:
            out.append((stamp.to_pydatetime().astimezone(UTC), ""))
    return out


def _clean_one(i, line, row_cells, cells, dates, options):
    mapping = options.mapping
    notes: list[Note] = []

    def cell(name: str) -> str:
        position = cells.column.get(name)
        return "" if position is None else row_cells[position].strip()

    values: dict[str, object] = {}
    for name in TEXT_FIELDS:
        if name in cells:
            values[name] = cell(name)
    if "hypothesis" in cells and cell("hypothesis"):
        parts, matched = split_statement(cell("hypothesis"))
        if not matched:
            notes.append(
                Note(
                    "kept_whole",
                    "",
                    "the hypothesis follows no known template: kept whole in "
                    "“we expect that”",
                )
            )
        for name, text in parts.items():
            if not values.get(name):
                values[name] = text
    title = values.get("title", "")
    if not title:
        return None, "no title"
    for name, text in values.items():
        limit = MAX_LENGTHS.get(name)
        if limit and len(text) > limit:
            return None, f"“{LABELS[name]}” is longer than {limit} characters"
    if options.mask_contacts:
        values = {name: mask_contact_details(text) for name, text in values.items()}

    if "external_id" in cells:
        key = cell("external_id")
        if not key:
            return None, f"no id in column “{mapping['external_id']}”"
        if len(key) > MAX_KEY:
            return None, f"id longer than {MAX_KEY} characters"
    else:
        key = title_key(title)

    for name, column in dates.items():
        stamp, problem = column[i]
        if problem:
            return None, f"{problem} in column “{mapping[name]}”"
        if stamp is not None:
            # An empty cell gives no date: nothing is made up, nothing replaced.
            values[name] = stamp

    if "kind" in cells:
        kind = parse_kind(cell("kind"))
        if kind is None:
            notes.append(
                Note(
                    "not_understood",
                    f"kind “{cell('kind')}”",
                    f"kind “{cell('kind')}” not understood: imported as a test idea",
                )
            )
        values["kind"] = kind or Kind.TEST

    scorer_id = None
    for name in ("owner", "scorer"):
        if name not in cells:
            continue
        found = options.people.find(cell(name), name)
        if found.problem:
            text = found.problem
            if name == "scorer":
                text += ": its scores are kept as the importer’s"
            notes.append(Note("unknown_person", found.unknown, text))
        elif name == "owner":
            # Only a member found (or an empty cell) sets the owner: someone the
            # app does not know never clears the owner people chose.
            values["owner_id"] = found.user_id
        else:
            scorer_id = found.user_id

    if "team" in cells:
        team = cell("team")
        team_id = options.teams.get(" ".join(team.casefold().split()))
        if team and team_id is None:
            notes.append(Note("unknown_team", team, f"team “{team}” does not exist"))
        else:
            values["team_id"] = team_id

    row = CleanRow(line=line, key=key, values=values, scorer_id=scorer_id)
    if "page" in cells:
        row.page = " ".join(cell("page").split())
        if len(row.page) > PAGE_NAME_MAX:
            notes.append(
                Note(
                    "not_understood",
                    "page name too long",
                    f"page “{row.page[:40]}…” is longer than {PAGE_NAME_MAX} "
                    "characters: left out",
                )
            )
            row.page = ""
    if "tags" in cells:
        row.tags = _tags([row_cells[p] for p in cells.tag_positions], notes)

    row.status, choice_result = status_of(
        options.status_map.get(normalise_word(cell("status")), DEFAULT_CHOICE)
    )
    row.result = choice_result
    if "result" in cells:
        result = parse_result(cell("result"))
        if result is None:
            notes.append(
                Note(
                    "not_understood",
                    f"result “{cell('result')}”",
                    f"result “{cell('result')}” not understood (won, lost or "
                    "inconclusive)",
                )
            )
        elif result:
            if choice_result and result != choice_result:
                notes.append(
                    Note(
                        "result_not_kept",
                        "status and result disagree",
                        f"the status “{cell('status')}” says {choice_result} but "
                        f"the result column says {result}: {result} kept",
                    )
                )
            row.result = result

    row.scores, row.sheet_scores, score_notes = read_scores(
        lambda name: cell(name) if name in cells else None, mapping
    )
    notes.extend(score_notes)
    row.notes = notes
    row.digest = digest(row)
    return row, None


def _tags(texts: list[str], notes: list[Note]) -> list[str]:
    names, seen = [], set()
    for text in texts:
        for raw in TAG_SEPARATORS.split(text):
            name = TRELLO_COLOUR.sub("", " ".join(raw.split())).strip()
            if not name or name.casefold() in seen:
                continue
            if len(name) > TAG_NAME_MAX:
                notes.append(
                    Note(
                        "not_understood",
                        "tag name too long",
                        f"tag “{name[:30]}…” is longer than {TAG_NAME_MAX} "
                        "characters: left out",
                    )
                )
                continue
            seen.add(name.casefold())
            names.append(name)
    return names


def digest(row: CleanRow) -> str:
    """A fingerprint of what the row says, to tell unchanged rows at once."""
    values = [
        f"{name}={'' if value is None else value}"
        for name, value in sorted(row.values.items())
    ]
    payload = "\x1f".join(
        [
            *values,
            f"page={row.page}",
            f"tags={','.join(row.tags) if row.tags is not None else None}",
            f"status={row.status}:{row.result}",
            f"scorer={row.scorer_id}",
            *(
                f"{s.framework}={sorted(s.values.items())}"
                for s in sorted(row.scores, key=lambda s: s.framework)
            ),
            *(f"sheet {k}={v}" for k, v in sorted(row.sheet_scores.items())),
        ]
    )
    return hashlib.blake2b(payload.encode(), digest_size=20).hexdigest()
