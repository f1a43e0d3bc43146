"""The task worker outlives failing tasks and database errors, and several workers
never run one task twice.

The first tests drive the worker in this process; the others start
`manage.py run_worker` as processes of their own against the test database, as
a server runs them, and wait for their log lines and for the task table.
"""

import signal
import sqlite3
import sys
from types import SimpleNamespace

import psycopg
import pytest
from django.db import connection
from django.db.utils import OperationalError
from django.tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult, DBTaskResultQuerySet

from cromaturity import task_worker
from cromaturity.task_worker import ResilientWorker
from tests.cromaturity.worker_tasks import fail, record_run, runs
from tests.processes import Watched, app_environment, database_url, wait_until

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _database_tasks(settings, tmp_path, monkeypatch):
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    monkeypatch.setenv("RUN_LOG", str(tmp_path / "runs.log"))


@pytest.fixture
def run_log(tmp_path):
    return tmp_path / "runs.log"


@pytest.fixture
def pauses(monkeypatch):
    """The worker's pauses between tries, recorded instead of slept."""
    slept: list[float] = []
    monkeypatch.setattr(task_worker, "time", SimpleNamespace(sleep=slept.append))
    return slept


def batch_worker(worker_id: str = "here-1") -> ResilientWorker:
    return ResilientWorker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=worker_id,
        excluded_queue_names=[],
    )


def status_of(task_result) -> str:
    return DBTaskResult.objects.get(pk=task_result.id).status


def test_a_task_that_raises_is_recorded_failed_and_the_next_task_still_runs(
    run_log,
):
    failing = fail.enqueue("the help desk export was empty")
    following = record_run.enqueue(1)
    batch_worker().run()
    failed = DBTaskResult.objects.get(pk=failing.id)
    assert failed.status == TaskResultStatus.FAILED
    assert failed.exception_class_path == "builtins.RuntimeError"
    assert "the help desk export was empty" in failed.traceback
    assert status_of(following) == TaskResultStatus.SUCCESSFUL
    assert [number for number, _ in runs(run_log)] == [1]


def test_a_database_error_while_claiming_is_waited_out_with_one_line_each(
    run_log, pauses, monkeypatch, caplog
):
    queued = record_run.enqueue(7)
    real_get_locked = DBTaskResultQuerySet.get_locked
    errors = [OperationalError("database is locked")] * 3

    def get_locked(queryset):
        if errors:
            raise errors.pop()
        return real_get_locked(queryset)

    monkeypatch.setattr(DBTaskResultQuerySet, "get_locked", get_locked)
    batch_worker().run()
    assert status_of(queued) == TaskResultStatus.SUCCESSFUL
    assert pauses == [0.5, 1.0, 2.0]
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert warnings == [
        "Database error while claiming a task (OperationalError: database is "
        f"locked); worker here-1 tries again in {pause:.1f} s"
        for pause in [0.5, 1.0, 2.0]
    ]


def test_a_result_that_cannot_be_saved_at_first_is_recorded_when_the_database_answers(
    run_log, pauses, monkeypatch
):
    queued = record_run.enqueue(3)
    real_save = DBTaskResult.save
    # The claim saves once; then four saves of the result fail: django_tasks_db's
    # own three quick tries, and one more after the worker's first pause.
    outcomes = ["claim", "down", "down", "down", "down"]

    def save(instance, *args, **kwargs):
        if outcomes and outcomes.pop(0) == "down":
            raise OperationalError("server closed the connection unexpectedly")
        return real_save(instance, *args, **kwargs)

    monkeypatch.setattr(DBTaskResult, "save", save)
    batch_worker().run()
    recorded = DBTaskResult.objects.get(pk=queued.id)
    assert (recorded.status, recorded.return_value) == (TaskResultStatus.SUCCESSFUL, 3)
    assert pauses == [0.5]
    assert [number for number, _ in runs(run_log)] == [3]


def test_a_restarted_worker_records_the_task_it_left_running_as_failed(run_log):
    left = record_run.enqueue(1)
    elsewhere = record_run.enqueue(2)
    for task_result, worker_id in [(left, "host-7-1"), (elsewhere, "host-7-2")]:
        DBTaskResult.objects.get(pk=task_result.id).claim(worker_id)
    batch_worker("host-7-1").run()
    failed = DBTaskResult.objects.get(pk=left.id)
    assert failed.status == TaskResultStatus.FAILED
    assert failed.exception_class_path == "cromaturity.task_worker.WorkerStopped"
    assert "The worker host-7-1 stopped while running this task" in failed.traceback
    # Another worker's task is that worker's business; neither is run again.
    assert status_of(elsewhere) == TaskResultStatus.RUNNING
    assert runs(run_log) == []


def start_worker(worker_id: str, **env: str) -> Watched:
    worker = Watched(
        [
            sys.executable,
            "manage.py",
            "run_worker",
            "--queue-name",
            "*",
            "--interval",
            "0.1",
            "--no-reload",
            "--no-startup-delay",
            "--worker-id",
            worker_id,
        ],
        env=app_environment(**env),
    )
    worker.wait_for(f"Starting worker worker_id={worker_id}")
    return worker


@pytest.fixture
def workers():
    started: list[Watched] = []

    def start(worker_id: str, **env: str) -> Watched:
        started.append(start_worker(worker_id, **env))
        return started[-1]

    yield start
    for worker in started:
        worker.kill_everything()


def finished(task_results) -> bool:
    ids = [task_result.id for task_result in task_results]
    return not DBTaskResult.objects.filter(
        pk__in=ids, status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING]
    ).exists()


def test_two_workers_run_each_of_twenty_tasks_exactly_once(workers, run_log):
    first = workers("pair-1", RUN_LOG=str(run_log))
    second = workers("pair-2", RUN_LOG=str(run_log))
    queued = [record_run.enqueue(number, pause=0.05) for number in range(20)]
    queued += [fail.enqueue("one of two bad rows"), fail.enqueue("the other")]
    wait_until(lambda: finished(queued), what="the 22 tasks to finish")

    numbers = sorted(number for number, _ in runs(run_log))
    assert numbers == list(range(20))
    assert {pid for _, pid in runs(run_log)} == {first.pid, second.pid}
    rows = DBTaskResult.objects.filter(pk__in=[t.id for t in queued])
    assert (
        sorted(row.status for row in rows)
        == [TaskResultStatus.FAILED] * 2 + [TaskResultStatus.SUCCESSFUL] * 20
    )
    # Each task was claimed once, by one of the two.
    assert all(row.worker_ids in (["pair-1"], ["pair-2"]) for row in rows)
    # The failing tasks stopped neither worker.
    assert first.process.poll() is None
    assert second.process.poll() is None
    for worker in (first, second):
        worker.signal(signal.SIGTERM)
        assert worker.wait() == 0


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's write lock")
def test_the_worker_outlives_a_sqlite_write_lock_held_past_its_busy_timeout(
    workers, run_log
):
    worker = workers(
        "patient-1",
        RUN_LOG=str(run_log),
        DJANGO_SETTINGS_MODULE="tests.cromaturity.impatient_settings",
    )
    holder = sqlite3.connect(connection.settings_dict["NAME"], isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        worker.wait_for(
            r"Database error while claiming a task \(OperationalError: database "
            r"is locked\); worker patient-1 tries again in 0\.5 s"
        )
        worker.wait_for(r"tries again in 1\.0 s")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    queued = record_run.enqueue(5)
    wait_until(lambda: finished([queued]), what="the task after the lock")
    assert status_of(queued) == TaskResultStatus.SUCCESSFUL
    assert runs(run_log) == [(5, worker.pid)]
    assert worker.count("Traceback") == 0, worker.output


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's server")
def test_the_worker_outlives_postgresql_dropping_and_refusing_its_connection(
    workers, run_log
):
    worker = workers("patient-2", RUN_LOG=str(run_log))
    connection.ensure_connection()
    name = connection.settings_dict["NAME"]
    # A database cannot refuse connections from a session inside it.
    maintenance = psycopg.connect(
        database_url().rsplit("/", 1)[0] + "/postgres", autocommit=True
    )
    try:
        maintenance.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false')
        maintenance.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> %s",
            [name, connection.connection.info.backend_pid],
        )
        # The outage may find the worker still looking for the tasks it left
        # running at its start, or already claiming: it waits it out either way.
        worker.wait_for(
            r"Database error while (claiming a task|looking for tasks it left "
            r"running) \(OperationalError: .*\); worker patient-2 tries again in "
            r"0\.5 s"
        )
        worker.wait_for(r"tries again in 1\.0 s")
    finally:
        maintenance.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true')
        maintenance.close()
    queued = record_run.enqueue(6)
    wait_until(lambda: finished([queued]), what="the task after the outage")
    assert status_of(queued) == TaskResultStatus.SUCCESSFUL
    assert runs(run_log) == [(6, worker.pid)]
    assert worker.count("Traceback") == 0, worker.output
