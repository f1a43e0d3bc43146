"""Importing backlog sheets in tests: the sample files and one call that runs an
import through its steps."""

import io
from pathlib import Path

from django.core.files.base import ContentFile
from openpyxl import Workbook

from backlog.backlog_import.importing import confirm_columns, prepare_import
from backlog.backlog_import.running import run_import
from backlog.models import BacklogImportStatus

SHEETS = Path(__file__).resolve().parents[2] / "fixtures" / "backlog_sheets"


def sheet(name: str) -> bytes:
    return (SHEETS / name).read_bytes()


def workbook(rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def import_sheet(
    organisation,
    by,
    name,
    data,
    *,
    mapping=None,
    changes=None,
    status_map=None,
    pages=False,
    tags=False,
    time_zone="Europe/Berlin",
    date_format=None,
    source=None,
):
    """Upload, confirm the columns (the suggested ones, with `changes`) and the
    status table (the suggested one, with `status_map`), and run the import."""
    backlog_import = prepare_import(
        organisation,
        uploaded=ContentFile(data, name=name),
        original_name=name,
        by=by,
    )
    chosen = dict(backlog_import.mapping if mapping is None else mapping)
    chosen.update(changes or {})
    backlog_import = confirm_columns(
        backlog_import,
        mapping=chosen,
        source=source or backlog_import.source,
        date_format=date_format or backlog_import.date_format,
        time_zone=time_zone,
        create_missing_pages=pages,
        create_missing_tags=tags,
    )
    backlog_import.status_map.update(status_map or {})
    backlog_import.status = BacklogImportStatus.QUEUED
    backlog_import.save()
    summary = run_import(backlog_import)
    backlog_import.refresh_from_db()
    return backlog_import, summary
