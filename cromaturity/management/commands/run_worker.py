import logging
import os

from django.core.management.base import CommandError
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.management.commands import db_worker

from cromaturity import task_worker


class Command(db_worker.Command):
    help = (
        "Run the background task worker (db_worker's options). A database error "
        "while it claims or records a task is waited out, never fatal; a task "
        "that raises is recorded as failed. bin/serve-dev and bin/serve-prod "
        "start it through cromaturity.supervision, which restarts it if it dies."
    )
    # The system checks ask SQLite whether it supports JSON inside a write
    # transaction: while another process holds the write lock they report
    # every JSONField as unsupported and stop the worker before it starts. The
    # web server and `manage.py check` run them.
    requires_system_checks = []

    def handle(
        self,
        *,
        verbosity: int,
        queue_name: str,
        interval: float,
        batch: bool,
        backend_name: str,
        startup_delay: bool,
        reload: bool,
        max_tasks: int | None,
        worker_id: str,
        exclude_queues: str,
        **options,
    ) -> None:
        self.configure_logging(verbosity)
        logging.getLogger(task_worker.__name__).setLevel(
            logging.getLogger("django_tasks_db").level
        )
        queue_names = queue_name.split(",")
        excluded_queue_names = exclude_queues.split(",") if exclude_queues else []
        if excluded_queue_names and "*" not in queue_names:
            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        worker = task_worker.ResilientWorker(
            queue_names=queue_names,
            interval=interval,
            batch=batch,
            backend_name=backend_name,
            startup_delay=startup_delay,
            max_tasks=max_tasks,
            worker_id=worker_id,
            excluded_queue_names=excluded_queue_names,
        )
        if reload and not batch:
            # Only the reloaded child runs tasks, so only it handles signals.
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                worker.configure_signals()
            run_with_reloader(worker.run)
        else:
            worker.configure_signals()
            worker.run()
