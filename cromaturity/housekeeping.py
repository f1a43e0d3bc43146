"""Chores the task workers do once an hour, such as deleting expired uploads.

Apps register their chores when they start (in `AppConfig.ready`), so that the
ground floor runs them without knowing the apps above it. A chore that fails
is logged and tried again at the next round; it never stops the worker.
`manage.py housekeeping` runs them once, for a deployment that prefers cron.
"""

import logging
from collections.abc import Callable

logger = logging.getLogger(__name__)

# Seconds between two rounds in a running worker.
INTERVAL = 3600

_chores: list[Callable[[], object]] = []


def register(chore: Callable[[], object]) -> Callable[[], object]:
    if chore not in _chores:
        _chores.append(chore)
    return chore


def chores() -> list[Callable[[], object]]:
    return list(_chores)


def run_chores() -> list[tuple[str, object]]:
    """Run every chore once; each one's name with what it returned (or raised)."""
    done: list[tuple[str, object]] = []
    for chore in _chores:
        name = f"{chore.__module__}.{chore.__qualname__}"
        try:
            outcome = chore()
        except Exception as error:
            logger.exception("Housekeeping chore %s failed", name)
            outcome = error
        else:
            logger.info("Housekeeping chore %s: %s", name, outcome)
        done.append((name, outcome))
    return done
