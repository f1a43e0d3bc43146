"""Cleaning the records of an export into feedback rows, or rejecting them."""

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo

import numpy as np
import pandas as pd

from backlog.feedback.importing.cells import (
    html_to_text,
    parse_sentiment,
    parse_source,
    split_themes,
    too_many_themes,
)
from backlog.feedback.importing.dates import EARLIEST, parse_dates
from backlog.feedback.importing.problems import BrokenRecord
from backlog.feedback.privacy import mask_contact_details, pseudonymise
from cromaturity.spreadsheets import restore_cell

MAX_EXTERNAL_ID = 200
MAX_PAGE = 2000
MAX_PRODUCT_AREA = 100
MAX_ATTRIBUTE = 5000
# Ids of rows a file does not identify: a fingerprint of what the row says.
FINGERPRINT_PREFIX = "fp-"
# A cell that starts with a quote, in a row's cells joined by CELL_START (a NUL
# inside a cell can only make the check look at every cell, as without it).
CELL_START = "\x00"
NEUTRALISED = CELL_START + "'"


@dataclass
class CleanOptions:
    mapping: dict[str, str]
    date_format: str
    tz: tzinfo  # the zone of the date column's local times
    now: datetime
    default_source: str
    pseudonym_key: bytes
    mask_contacts: bool = True
    rating_scale: int = 5
    source_name: str = ""
    attribute_columns: list[str] = field(default_factory=list)
    html_columns: list[str] = field(default_factory=list)
    phone_region: str | None = None


@dataclass(slots=True)
class CleanRow:
    line: int
    external_id: str
    received_at: datetime | None
    text: str
    source: str
    customer: str
    page: str
    product_area: str
    themes: list[str] = field(default_factory=list)
    sentiment: str = ""
    digest: str = ""
    attributes: dict[str, str] = field(default_factory=dict)
    # Whether the id is a fingerprint of the row, the file having none.
    fingerprinted: bool = False
    # received_at in UTC as ISO text without the offset, when the cleaning wrote
    # it for a whole chunk at once (formatting dates one by one costs more).
    received_text: str = ""


@dataclass
class RejectedRow:
    line: int
    cells: list[str]
    reason: str


def clean_records(
    header: list[str],
    records: list[tuple[int, list[str]]],
    options: CleanOptions,
) -> tuple[list[CleanRow], list[RejectedRow]]:
    """Clean one chunk of records; every record ends up clean or rejected."""
    width = len(header)
    index = {name: position for position, name in enumerate(header)}
    column = {
        name: index[options.mapping[name]]
        for name in options.mapping
        if options.mapping[name] in index
    }
    attribute_positions = [
        (name, index[name]) for name in options.attribute_columns if name in index
    ]
    html = {index[name] for name in options.html_columns if name in index}
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
        if len(cells) != width:
            cells = (cells + [""] * width)[:width]
        # A rejected-rows file of an earlier import comes back with the quotes
        # that kept its formulas out. One search of the joined row finds whether
        # any cell starts with a quote, cheaper than looking at every cell.
        if NEUTRALISED in CELL_START + CELL_START.join(cells):
            cells = [restore_cell(cell) for cell in cells]
        kept.append((line, cells))

    def values(name: str) -> list[str]:
        position = column.get(name)
        if position is None:
            return [""] * len(kept)
        if position in html:
            return [html_to_text(cells[position]) for _, cells in kept]
        return [cells[position] for _, cells in kept]

    stamps: list = [None] * len(kept)
    stamp_texts: list[str | None] = [None] * len(kept)
    date_problems: list[str | None] = [None] * len(kept)
    if "received_at" in column:
        raw = pd.Series(values("received_at"), dtype=object)
        dates = parse_dates(raw, options.date_format, options.tz)
        date_problems = date_problems_of(raw, dates, options.now)
        stamps = python_datetimes(dates)
        stamp_texts = utc_texts(dates)
    texts, subjects = values("text"), values("subject")
    ids, sources = values("external_id"), values("source")
    customers, pages = values("customer"), values("page")
    areas, themes = values("product_area"), values("themes")
    ratings = values("sentiment")
    date_column = options.mapping.get("received_at", "")
    mask = options.mask_contacts
    region = options.phone_region
    clean: list[CleanRow] = []
    for i, (line, cells) in enumerate(kept):
        text = texts[i].strip() or subjects[i].strip()
        external_id = ids[i].strip()
        page = pages[i].strip()
        area = areas[i].strip()
        row_themes = split_themes(themes[i])
        themes_problem = too_many_themes(row_themes)
        reason = None
        if not text:
            reason = "no text"
        elif "external_id" in column and not external_id:
            reason = f"no id in column “{options.mapping['external_id']}”"
        elif len(external_id) > MAX_EXTERNAL_ID:
            reason = f"id longer than {MAX_EXTERNAL_ID} characters"
        elif len(page) > MAX_PAGE:
            reason = f"page longer than {MAX_PAGE} characters"
        elif len(area) > MAX_PRODUCT_AREA:
            reason = f"product area longer than {MAX_PRODUCT_AREA} characters"
        elif date_problems[i]:
            reason = f"{date_problems[i]} in column “{date_column}”"
        elif themes_problem:
            reason = f"{themes_problem} in column “{options.mapping['themes']}”"
        if reason:
            rejected.append(RejectedRow(line, cells, reason))
            continue
        if mask:
            text = mask_contact_details(text, region)
            page = mask_contact_details(page, region)
        row = CleanRow(
            line=line,
            external_id=external_id,
            received_at=stamps[i],
            received_text=stamp_texts[i] or "",
            text=text,
            source=parse_source(sources[i], options.default_source),
            customer=pseudonymise(customers[i], options.pseudonym_key),
            page=page,
            product_area=area,
            themes=row_themes,
            sentiment=parse_sentiment(ratings[i], options.rating_scale),
            attributes=_attributes(cells, attribute_positions, html, mask, region),
        )
        row.digest = digest(row)
        if not row.external_id:
            row.external_id = fingerprint(options.source_name, row)
            row.fingerprinted = True
        clean.append(row)
    rejected.sort(key=lambda r: r.line)
    return clean, rejected


def python_datetimes(dates: pd.Series) -> list[datetime | None]:
    """A column of UTC dates as aware datetimes (None where missing).

    Converted as one array: a Timestamp per value costs more than the rest of
    the row's dates.
    """
    naive = dates.dt.tz_localize(None).to_numpy("datetime64[us]").tolist()
    return [None if value is None else value.replace(tzinfo=UTC) for value in naive]


def utc_texts(dates: pd.Series) -> list[str | None]:
    """A column of UTC dates as ISO text without the offset, as
    `datetime.isoformat` writes them (microseconds only when there are some);
    None where missing."""
    naive = dates.dt.tz_localize(None).to_numpy("datetime64[us]")
    texts = np.datetime_as_string(naive, unit="us")
    whole = naive.astype("int64") % 1_000_000 == 0
    texts = np.where(whole, texts.astype("<U19"), texts).astype(object)
    texts[np.isnat(naive)] = None
    return texts.tolist()


def received_iso(row: CleanRow) -> str:
    """The row's date as `isoformat` writes it ("" without one)."""
    if row.received_text:
        return row.received_text + "+00:00"
    return row.received_at.isoformat() if row.received_at else ""


def _attributes(cells, positions, html, mask: bool, region) -> dict[str, str]:
    attributes = {}
    for name, position in positions:
        value = cells[position]
        if position in html:
            value = html_to_text(value)
        value = value.strip()[:MAX_ATTRIBUTE]
        if value:
            attributes[name] = mask_contact_details(value, region) if mask else value
    return attributes


def padded(cells: list[str], width: int) -> list[str]:
    """A rejected row's cells under the header (a broken row may have fewer)."""
    return cells + [""] * (width - len(cells))


def date_problems_of(
    raw: pd.Series, dates: pd.Series, now: datetime
) -> list[str | None]:
    """The reason each date cannot be used, or None (computed for a whole chunk)."""
    text = raw.fillna("").astype(str).str.strip()
    empty = (text == "").tolist()
    missing = dates.isna().tolist()
    early = (dates < EARLIEST).fillna(False).tolist()
    late = (dates > now + timedelta(days=1)).fillna(False).tolist()
    problems: list[str | None] = []
    for i, value in enumerate(text.tolist()):
        if empty[i]:
            problems.append("no date")
        elif missing[i]:
            problems.append(f"impossible date “{value}”")
        elif early[i]:
            problems.append(f"date “{value}” is before 1990")
        elif late[i]:
            problems.append(f"date “{value}” is in the future")
        else:
            problems.append(None)
    return problems


def digest(row: CleanRow) -> str:
    """A fingerprint of the row's content, to tell updated from unchanged items."""
    payload = "\x1f".join(
        (
            row.text,
            received_iso(row),
            row.source,
            row.customer,
            row.page,
            row.product_area,
            ",".join(row.themes),
            row.sentiment,
            json.dumps(row.attributes, sort_keys=True) if row.attributes else "",
        )
    )
    return hashlib.blake2b(payload.encode(), digest_size=20).hexdigest()


def fingerprint(source_name: str, row: CleanRow) -> str:
    """The id of a row the file does not identify: its source, date, respondent
    and text, so that two people writing the same words are two items."""
    payload = "\x1f".join(
        (
            source_name.strip().lower(),
            received_iso(row),
            row.customer,
            row.text,
        )
    )
    return (
        FINGERPRINT_PREFIX
        + hashlib.blake2b(payload.encode(), digest_size=16).hexdigest()
    )
