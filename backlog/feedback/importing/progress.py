"""How far a running import has read, visible to other processes at once.

The import writes its rows in one database transaction, so progress cannot be
kept in the database while it runs (SQLite would even make such a write wait for
the import to finish). It is kept in a small file next to the uploads, which the
web and worker processes share anyway.
"""

import json
import os
from contextlib import suppress
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings


def _path(import_id: int) -> Path:
    return Path(settings.MEDIA_ROOT) / "imports" / "progress" / f"{import_id}.json"


def write_progress(import_id: int, rows_read: int, *, saving: bool = False) -> None:
    """Say how many rows were read, and whether reading is over and the rows
    are being saved."""
    path = _path(import_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".tmp")
    partial.write_text(json.dumps({"rows_read": rows_read, "saving": saving}))
    os.replace(partial, path)


def read_progress(import_id: int) -> int | None:
    """The rows read so far, or None when the import is not running here."""
    progress = read_progress_state(import_id)
    return None if progress is None else progress[0]


def read_progress_state(import_id: int) -> tuple[int, bool] | None:
    """(rows read, whether the rows are being saved), or None."""
    try:
        state = json.loads(_path(import_id).read_text())
        return int(state["rows_read"]), bool(state.get("saving"))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def clear_progress(import_id: int) -> None:
    _path(import_id).unlink(missing_ok=True)


def touch_progress(import_id: int) -> None:
    """Renew the time of a running import's progress file: its heartbeat."""
    with suppress(FileNotFoundError):
        os.utime(_path(import_id))


def progress_touched_at(import_id: int) -> datetime | None:
    try:
        return datetime.fromtimestamp(_path(import_id).stat().st_mtime, tz=UTC)
    except OSError:
        return None
