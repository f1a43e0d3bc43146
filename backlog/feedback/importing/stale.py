"""An import whose worker died: the heartbeat it keeps, and telling it from a slow one.

A worker can die without a word (the out-of-memory killer, `kill -9`, a machine
going down) and leave its import "running" for ever. While an import runs, its
progress file is renewed with every chunk it reads, and every BEAT_SECONDS by a
thread of its own while it writes and commits.
A running import whose file has not been renewed for STALLED_AFTER is shown as
failed, with the Retry button: nothing of it was saved, because an import
writes in one transaction, which the database rolls back when its connection
goes.
"""

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.utils import timezone

from backlog.feedback.importing.progress import progress_touched_at, touch_progress
from backlog.models import FeedbackImport, ImportStatus

BEAT_SECONDS = 10.0
# Twelve missed beats: longer than a shared volume (NFS) may cache a file's
# time, so a live import is never taken for a dead one.
STALLED_AFTER = timedelta(minutes=2)
STALLED_MESSAGE = (
    "The importer stopped before it finished: it has given no sign of life for "
    "more than two minutes. You can retry the import."
)


@contextmanager
def keep_alive(import_id: int, *, every: float = BEAT_SECONDS) -> Iterator[None]:
    """Renew the import's heartbeat every `every` seconds while the block runs."""
    done = threading.Event()

    def beat() -> None:
        while not done.wait(every):
            touch_progress(import_id)

    heart = threading.Thread(target=beat, name=f"import-{import_id}", daemon=True)
    heart.start()
    try:
        yield
    finally:
        done.set()
        heart.join()


def is_stalled(feedback_import: FeedbackImport, *, now: datetime | None = None) -> bool:
    """Whether a running import's process has stopped giving signs of life.

    The sign is the progress file's time, or the start of the attempt before the
    file is written.
    """
    if feedback_import.status != ImportStatus.RUNNING:
        return False
    last_sign = progress_touched_at(feedback_import.pk) or feedback_import.started_at
    if last_sign is None:
        return True
    return (now or timezone.now()) - last_sign > STALLED_AFTER


def show_stalled_as_failed(
    feedback_import: FeedbackImport, *, now: datetime | None = None
) -> bool:
    """Mark a stalled import as failed, with the reason, for display only.

    Its row stays "running" until it is retried: writing it from a page would
    wait for SQLite's write lock whenever another import holds it.
    """
    if not is_stalled(feedback_import, now=now):
        return False
    feedback_import.status = ImportStatus.FAILED
    feedback_import.error = STALLED_MESSAGE
    return True
