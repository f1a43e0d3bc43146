"""The background task worker, kept running through database errors.

django_tasks_db's `db_worker` ends at the first database error outside a task.
Its loop opens the transaction that claims a task (`BEGIN EXCLUSIVE` on SQLite)
before the `try` that forgives a locked database, so a SQLite file whose write
lock another process holds for longer than the busy timeout (a large import, a
backup) ends the worker with "database is locked"; any other error while
claiming, such as a PostgreSQL server that refuses or drops the connection, is
raised again on purpose. Saving a task's result is tried three times a tenth of
a second apart, and when that fails too the worker ends and the task stays
"running". Nothing starts the worker again, so every later task waits forever.

`ResilientWorker` runs the same loop, with the same claim (a row lock with SKIP
LOCKED on PostgreSQL, an exclusive transaction on SQLite, so two workers never
take one task), but waits and tries each database step again, pausing longer
after each failure in a row and logging one line each time. A task that raises
is recorded as failed, as before, and the worker goes on to the next one.
"""

import logging
import random
import time
from collections.abc import Callable
from functools import partial
from time import monotonic
from typing import TypeVar

from django.core.exceptions import SuspiciousOperation
from django.db import DatabaseError, close_old_connections, connections
from django.tasks import TaskContext
from django.tasks.signals import task_finished, task_started
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction

from cromaturity import housekeeping
from cromaturity.backoff import backoff

logger = logging.getLogger(__name__)

T = TypeVar("T")

# Pauses between tries of a database step that failed: 0.5 s, then 1, 2, 4 ...,
# never more than 30 s, so a worker resumes soon after the database does.
FIRST_PAUSE = 0.5
LONGEST_PAUSE = 30.0


class WorkerStopped(Exception):
    """The worker running a task stopped before the task finished."""


def first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


def close_connections() -> None:
    """Drop every database connection, so the next query opens a fresh one."""
    for connection in connections.all(initialized_only=True):
        try:
            connection.close()
        except DatabaseError:
            # A broken connection may fail to close; it is discarded all the same.
            pass


class ResilientWorker(Worker):
    """django_tasks_db's worker, whose database steps wait out database errors.

    Between tasks it also does the hourly housekeeping chores.
    """

    next_housekeeping: float | None = None

    def run(self) -> None:
        logger.info(
            "Starting worker worker_id=%s queues=%s",
            self.worker_id,
            ",".join(self.queue_names),
        )
        if self.startup_delay and self.interval:
            # Workers started together spread their first polls.
            time.sleep(random.random())  # noqa: S311 - not for security
        self.keep_trying("looking for tasks it left running", self.fail_left_tasks)
        while self.running:
            self.housekeep_when_due()
            task_result = self.keep_trying("claiming a task", self.claim_next)
            if task_result is not None:
                self.run_task(task_result)
            elif self.batch:
                logger.info(
                    "No more tasks to run for worker_id=%s - exiting gracefully.",
                    self.worker_id,
                )
                return
            if self.max_tasks is not None and self._run_tasks >= self.max_tasks:
                logger.info(
                    "Run maximum tasks (%d) on worker=%s - exiting gracefully.",
                    self._run_tasks,
                    self.worker_id,
                )
                return
            if self.running and task_result is None:
                time.sleep(self.interval)

    def housekeep_when_due(self) -> None:
        now = monotonic()
        if self.next_housekeeping is not None and now < self.next_housekeeping:
            return
        self.next_housekeeping = now + housekeeping.INTERVAL
        if not housekeeping.reached_the_database(housekeeping.run_chores()):
            close_connections()
            self.next_housekeeping = now + housekeeping.DATABASE_RETRY

    def keep_trying(self, doing: str, step: Callable[[], T]) -> T:
        """Run `step` until it gets past the database, pausing after each error."""
        failures = 0
        while True:
            try:
                return step()
            except DatabaseError as error:
                if not self.running:
                    # Stopping: the time the supervisor allows for that is not
                    # spent waiting for a database; a task left running is
                    # recorded as failed when this worker starts again.
                    logger.error(
                        "Database error while %s (%s: %s); worker %s is stopping",
                        doing,
                        type(error).__name__,
                        first_line(error),
                        self.worker_id,
                    )
                    raise
                failures += 1
                pause = backoff(failures, first=FIRST_PAUSE, longest=LONGEST_PAUSE)
                logger.warning(
                    "Database error while %s (%s: %s); worker %s tries again in %.1f s",
                    doing,
                    type(error).__name__,
                    first_line(error),
                    self.worker_id,
                    pause,
                )
                close_connections()
                time.sleep(pause)

    def claim_next(self) -> DBTaskResult | None:
        """Mark the next ready task as this worker's, as db_worker does."""
        # Drops a connection the server closed while the worker slept.
        close_old_connections()
        tasks = DBTaskResult.objects.ready().filter(backend_name=self.backend_name)
        if not self.process_all_queues:
            tasks = tasks.filter(queue_name__in=self.queue_names)
        if self.excluded_queue_names:
            tasks = tasks.exclude(queue_name__in=self.excluded_queue_names)
        with exclusive_transaction(tasks.db):
            task_result = tasks.get_locked()
            if task_result is not None:
                task_result.claim(self.worker_id)
        return task_result

    def fail_left_tasks(self) -> None:
        """Record as failed the tasks this worker id claimed and never finished.

        A supervised worker keeps its id when it is started again, so what it
        finds here was running when it died. Such a task is not run again: it
        may have done part of its work (an email may have gone out).
        """
        running = DBTaskResult.objects.running().filter(backend_name=self.backend_name)
        for task_result in running.iterator():
            if task_result.worker_ids[-1:] != [self.worker_id]:
                continue
            task_result.set_failed(
                WorkerStopped(
                    f"The worker {self.worker_id} stopped while running this task "
                    f"(started {task_result.started_at:%Y-%m-%d %H:%M:%S %Z}); "
                    "it was not run again."
                )
            )
            logger.warning(
                "Task id=%s path=%s was running when worker %s stopped; "
                "recorded as failed",
                task_result.id,
                task_result.task_path,
                self.worker_id,
            )

    def run_task(self, db_task_result: DBTaskResult) -> None:
        """Run the task and record how it ended, however long the database takes."""
        recording = f"recording task {db_task_result.id}"
        try:
            self.running_task = True
            try:
                task = db_task_result.task
                task_result = db_task_result.task_result
                task_started.send(
                    sender=type(task.get_backend()), task_result=task_result
                )
                args = list(task_result.args)
                if task.takes_context:
                    args.insert(0, TaskContext(task_result=task_result))
                value = task.call(*args, **task_result.kwargs)
                # Saved inside the `try`, so that a value that cannot be stored
                # (not JSON) is recorded as the task's failure.
                self.keep_trying(
                    recording, partial(db_task_result.set_successful, value)
                )
                self._announce_finished(db_task_result)
            except BaseException as error:
                self.keep_trying(recording, partial(db_task_result.set_failed, error))
                self._announce_finished(db_task_result)
        finally:
            self.running_task = False
            self._run_tasks += 1

    def _announce_finished(self, db_task_result: DBTaskResult) -> None:
        try:
            sender = type(db_task_result.task.get_backend())
            task_result = db_task_result.task_result
        except (ImportError, SuspiciousOperation):
            logger.exception("Task id=%s failed unexpectedly", db_task_result.id)
        else:
            task_finished.send(sender=sender, task_result=task_result)
