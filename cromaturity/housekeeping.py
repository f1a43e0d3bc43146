"""Chores the task workers do once an hour, such as deleting expired uploads.

Apps register their chores when they start (in `AppConfig.ready`), so that the
ground floor runs them without knowing the apps above it. A chore that fails
is logged and tried again at the next round; it never stops the worker. A
database that cannot be reached is an outage, not a fault of the chore: it is
logged in one line, and the worker tries again sooner (`DATABASE_RETRY`).
`manage.py housekeeping` runs them once, for a deployment that prefers cron.
"""

import logging
from collections.abc import Callable

from django.db import DatabaseError, OperationalError

logger = logging.getLogger(__name__)

# Seconds between two rounds in a running worker, and before the next one when
# a chore could not reach the database.
INTERVAL = 3600
DATABASE_RETRY = 60

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
        except OperationalError as error:
            lines = str(error).strip().splitlines()
            logger.warning(
                "Housekeeping chore %s could not reach the database (%s: %s)",
                name,
                type(error).__name__,
                lines[0] if lines else "",
            )
            outcome = error
        except Exception as error:
            logger.exception("Housekeeping chore %s failed", name)
            outcome = error
        else:
            logger.info("Housekeeping chore %s: %s", name, outcome)
        done.append((name, outcome))
    return done


def reached_the_database(done: list[tuple[str, object]]) -> bool:
    """Whether no chore of a round failed for want of the database."""
    return not any(isinstance(outcome, DatabaseError) for _, outcome in done)
