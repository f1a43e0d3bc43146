"""How far a running backlog import has got, visible to other processes at once.

The rows are written in one transaction, so progress cannot be kept in the
database while the import runs; it is kept in a small file next to the uploads,
which the web and worker processes share.
"""

import json
import os
from pathlib import Path

from django.conf import settings

READING, WRITING = "reading", "writing"


def _path(import_id: int) -> Path:
    return (
        Path(settings.MEDIA_ROOT) / "backlog-imports" / "progress" / f"{import_id}.json"
    )


def write_progress(import_id: int, rows_read: int, phase: str = READING) -> None:
    path = _path(import_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".tmp")
    partial.write_text(json.dumps({"rows_read": rows_read, "phase": phase}))
    os.replace(partial, path)


def read_progress(import_id: int) -> tuple[int, str] | None:
    """Rows read and the phase ("reading" or "writing"), or None."""
    try:
        data = json.loads(_path(import_id).read_text())
        return int(data["rows_read"]), str(data["phase"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def clear_progress(import_id: int) -> None:
    _path(import_id).unlink(missing_ok=True)
