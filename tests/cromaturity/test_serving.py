"""Serving: the supervisor keeps the task workers running and stops everything.

The processes run for real, against the test database, and each test waits for
their log lines; every process a test starts is found afterwards through a
marker in its environment, so one left behind fails the test.
"""

import os
import secrets
import signal
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from hypothesis import given
from hypothesis import strategies as st

from cromaturity.backoff import backoff
from cromaturity.supervision import how_it_ended, worker_ids
from tests.cromaturity.worker_tasks import record_run, runs
from tests.processes import (
    Watched,
    app_environment,
    free_port,
    processes_marked,
    wait_until,
)

SUPERVISOR = [sys.executable, "-m", "cromaturity.supervision"]
# A stand-in for a web server that starts a process of its own, as gunicorn and
# runserver's autoreloader do.
WEB_WITH_A_CHILD = [
    sys.executable,
    "-c",
    "import subprocess, sys, time; "
    "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)']); "
    "print('web ready, child', child.pid, flush=True); time.sleep(600)",
]


@pytest.mark.parametrize(
    ("failures", "pause"),
    [(1, 1.0), (2, 2.0), (3, 4.0), (5, 16.0), (6, 30.0), (7, 30.0), (10_000, 30.0)],
)
def test_the_pause_after_failures_doubles_up_to_the_longest(failures, pause):
    assert backoff(failures, first=1.0, longest=30.0) == pause


@given(st.integers(min_value=1, max_value=10**6))
def test_the_pause_never_shrinks_nor_passes_the_longest(failures):
    pause = backoff(failures, first=0.5, longest=30.0)
    assert 0.5 <= pause <= 30.0
    assert backoff(failures + 1, first=0.5, longest=30.0) >= pause


def test_counting_failures_from_zero_is_refused():
    with pytest.raises(ValueError, match="counts from 1"):
        backoff(0, first=1.0, longest=30.0)


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("web-3.example.com", ["web-3-812-1", "web-3-812-2"]),
        ("x" * 80, ["x" * 40 + "-812-1", "x" * 40 + "-812-2"]),
        ("", ["host-812-1", "host-812-2"]),
    ],
)
def test_worker_ids_name_the_host_the_supervisor_and_the_slot(host, expected):
    ids = worker_ids(2, host=host, supervisor_pid=812)
    assert ids == expected
    assert all(len(worker_id) <= 64 for worker_id in ids)


@pytest.mark.parametrize(
    ("returncode", "said"),
    [
        (-9, "was killed by SIGKILL"),
        (-15, "was killed by SIGTERM"),
        (1, "exited with status 1"),
        (0, "exited with status 0"),
    ],
)
def test_how_a_process_ended_is_said_plainly(returncode, said):
    assert how_it_ended(returncode) == said


@pytest.fixture
def started():
    """Start commands as watched processes; kill whatever is left at the end."""
    watched: list[Watched] = []

    def start(command: list[str], **env: str) -> Watched:
        watched.append(Watched(command, env=app_environment(**env)))
        return watched[-1]

    yield start
    for process in watched:
        process.kill_everything()


@pytest.mark.django_db(transaction=True)
def test_a_worker_that_dies_is_started_again_after_a_pause_that_grows(
    started, settings, tmp_path
):
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    run_log = tmp_path / "runs.log"
    supervisor = started([*SUPERVISOR, "--workers", "1"], RUN_LOG=str(run_log))
    first = supervisor.wait_for(r"worker 1 \(id (\S+)\) started \(pid (\d+)\)")
    worker_id, first_pid = first[1], int(first[2])
    supervisor.wait_for(f"Starting worker worker_id={worker_id}")

    # The process running a long task dies, as under the out-of-memory killer.
    task = record_run.enqueue(1, pause=600)
    (_, task_pid), *_ = wait_until(lambda: runs(run_log), what="the task to start")
    os.kill(task_pid, signal.SIGKILL)
    supervisor.wait_for(
        rf"worker 1 \(pid {first_pid}\) (exited with status \d+|was killed by "
        r"SIGKILL) after [\d.]+ s; starting it again in 1 s"
    )
    second_pid = int(supervisor.wait_for(r"worker 1 started \(pid (\d+)\)")[1])
    assert second_pid != first_pid

    # Started again with its id, the worker records the task it left as failed.
    wait_until(
        lambda: DBTaskResult.objects.get(pk=task.id).status == TaskResultStatus.FAILED,
        what="the task left running to be recorded as failed",
    )
    left = DBTaskResult.objects.get(pk=task.id)
    assert left.exception_class_path == "cromaturity.task_worker.WorkerStopped"
    assert runs(run_log) == [(1, task_pid)]

    # Dying again soon after starting doubles the pause.
    seen = len(supervisor.lines)
    os.kill(second_pid, signal.SIGKILL)
    supervisor.wait_for(
        rf"worker 1 \(pid {second_pid}\) was killed by SIGKILL after [\d.]+ s; "
        r"starting it again in 2 s",
        after=seen,
    )
    third = supervisor.wait_for(r"worker 1 started \(pid (\d+)\)", after=seen)
    third_pid = int(third[1])
    assert third_pid not in {first_pid, second_pid}

    supervisor.signal(signal.SIGTERM)
    assert supervisor.wait() == 0
    assert processes_marked(supervisor.marker) == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_stopping_the_supervisor_stops_the_web_server_and_workers_leaving_nothing(
    started, signum
):
    supervisor = started([*SUPERVISOR, "--workers", "2", "--", *WEB_WITH_A_CHILD])
    supervisor.wait_for("web ready, child")
    for slot in (1, 2):
        supervisor.wait_for(rf"Starting worker worker_id=\S+-{slot}\b")
    assert len(processes_marked(supervisor.marker)) >= 5

    supervisor.signal(signum)
    assert supervisor.wait() == 0
    supervisor.wait_for(f"Received {signal.Signals(signum).name}")
    supervisor.wait_for(r"Stopping web \(pid \d+\), worker 1 .*, worker 2 ")
    supervisor.wait_for("Stopped")
    assert supervisor.count("SIGKILL") == 0
    assert processes_marked(supervisor.marker) == []


@pytest.mark.django_db(transaction=True)
def test_in_a_terminal_the_web_server_reads_it_and_ctrl_c_stops_everything():
    # Answers a question on the terminal, as a debugger does, and stops on Ctrl+C
    # with status 0, as runserver and gunicorn do.
    web = [
        sys.executable,
        "-c",
        "import sys, time\n"
        "try:\n"
        "    name = input('Who is there? ')\n"
        "    sys.stdout.write(f'Hello, {name}!\\n')\n"
        "    sys.stdout.flush()\n"
        "    time.sleep(600)\n"
        "except KeyboardInterrupt:\n"
        "    sys.stdout.write('web stopping\\n')\n",
    ]
    supervisor = Watched(
        [*SUPERVISOR, "--", *web], env=app_environment(), terminal=True
    )
    try:
        # The worker logs to the same terminal: it has started before the web
        # server is answered, so that their lines do not mix.
        supervisor.wait_for(r"Starting worker worker_id=\S+-1\b")
        supervisor.wait_for("Who is there?")
        supervisor.type(b"Ada\n")
        supervisor.wait_for("Hello, Ada!")
        supervisor.type(b"\x03")
        assert supervisor.wait() == 0, supervisor.output
        supervisor.wait_for("web stopping")
        supervisor.wait_for(
            r"web \(pid \d+\) exited with status 0; stopping the workers"
        )
        supervisor.wait_for("Stopped")
        assert processes_marked(supervisor.marker) == []
    finally:
        supervisor.kill_everything()


@pytest.mark.django_db(transaction=True)
def test_what_ignores_sigterm_is_killed_after_the_grace_period(started):
    stubborn = [
        sys.executable,
        "-c",
        "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
        "print('stubborn web ready', flush=True); time.sleep(600)",
    ]
    supervisor = started([*SUPERVISOR, "--grace", "1", "--", *stubborn])
    supervisor.wait_for("stubborn web ready")
    supervisor.wait_for(r"Starting worker worker_id=\S+-1\b")
    supervisor.signal(signal.SIGTERM)
    assert supervisor.wait() == 0
    supervisor.wait_for("Still running, stopped with SIGKILL: web$")
    assert processes_marked(supervisor.marker) == []


@pytest.mark.django_db(transaction=True)
def test_the_web_server_ending_stops_the_workers_with_its_exit_status(started):
    crashing = [sys.executable, "-c", "import sys; sys.exit(3)"]
    supervisor = started([*SUPERVISOR, "--", *crashing])
    assert supervisor.wait() == 3
    supervisor.wait_for(r"web \(pid \d+\) exited with status 3; stopping the workers")
    assert processes_marked(supervisor.marker) == []


def test_a_wrong_number_of_workers_is_refused_with_a_clear_message(started):
    supervisor = started(["bin/serve-dev", "127.0.0.1", "8000"], WORKERS="two")
    assert supervisor.wait() == 2
    supervisor.wait_for(
        r"the number of task workers \(WORKERS\) must be a whole number from 1 to "
        r"64, not 'two'"
    )
    assert processes_marked(supervisor.marker) == []


def answers(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310
            return response.status
    except (urllib.error.URLError, ConnectionError):
        return None


@pytest.mark.django_db(transaction=True)
def test_serve_dev_serves_the_app_with_several_workers_and_stops_cleanly(started):
    port = free_port()
    server = started(["bin/serve-dev", "127.0.0.1", str(port)], WORKERS="2")
    server.wait_for(f"cromaturity is running on http://127.0.0.1:{port}/")
    for slot in (1, 2):
        server.wait_for(rf"Starting worker worker_id=\S+-{slot}\b")
    assert wait_until(
        lambda: answers(f"http://127.0.0.1:{port}/healthz") == 200,
        what="the server to answer",
    )
    server.signal(signal.SIGTERM)
    assert server.wait() == 0
    assert processes_marked(server.marker) == []


@pytest.mark.django_db(transaction=True)
def test_gunicorn_and_the_workers_stop_cleanly_as_bin_serve_prod_runs_them(started):
    port = free_port()
    gunicorn = [
        str(Path(sys.executable).parent / "gunicorn"),
        "cromaturity.wsgi",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "2",
        "--graceful-timeout",
        "20",
    ]
    production = {
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
    }
    server = started([*SUPERVISOR, "--workers", "2", "--", *gunicorn], **production)
    server.wait_for(r"Starting worker worker_id=\S+-2\b")
    assert wait_until(
        lambda: answers(f"http://127.0.0.1:{port}/healthz") == 200,
        what="gunicorn to answer",
    )
    server.signal(signal.SIGINT)
    assert server.wait() == 0
    server.wait_for("Shutting down: Master")
    # Without the autoreloader a worker stops between tasks, never in one.
    assert server.count("shutting down gracefully") == 2
    assert processes_marked(server.marker) == []
