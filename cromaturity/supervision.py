"""Keep the task workers running beside the web server.

    python -m cromaturity.supervision [--workers N] [--grace SECONDS] [-- WEB ...]

starts the web command, if one is given, and N task workers (`manage.py
run_worker --queue-name '*'`), each in a process group of its own. A worker that
ends for any reason (an error, the out-of-memory killer, `kill -9`) is started
again, with the same worker id, after a pause that doubles with each quick death
in a row (1, 2, 4 ... 30 s); each death and restart is one line in the log.

Started in a terminal, the supervisor makes the web command the terminal's
foreground job, as a shell would: Ctrl+C reaches the web server, and a debugger
in it can read the terminal. When the web command ends, or the supervisor gets
SIGINT or SIGTERM, every group gets SIGTERM: the web server stops gracefully
and a worker finishes the task it is running. What is still there after the
grace period, or at once on a second Ctrl+C, gets SIGKILL, so no process
outlives the supervisor. The exit status is the web command's when it ended on
its own, 0 after a signal.

Only the standard library is used: this runs before, and apart from, Django.
"""

import argparse
import logging
import os
import select
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cromaturity.backoff import backoff

logger = logging.getLogger("cromaturity.supervision")

MANAGE = Path(__file__).resolve().parent.parent / "manage.py"
# A worker that dies sooner than this after starting counts as dying quickly:
# the pause before the next start doubles, up to LONGEST_RESTART.
QUICK_DEATH = 30.0
FIRST_RESTART = 1.0
LONGEST_RESTART = 30.0
# gunicorn's graceful timeout in bin/serve-prod is 20 s.
GRACE = 30.0
MOST_WORKERS = 64


def worker_command(worker_id: str) -> list[str]:
    return [
        sys.executable,
        str(MANAGE),
        "run_worker",
        "--queue-name",
        "*",
        "--worker-id",
        worker_id,
    ]


def worker_ids(count: int, *, host: str, supervisor_pid: int) -> list[str]:
    """One id per worker slot, kept across restarts and unique on the network.

    A restarted worker recognises, by its id, the tasks it left running.
    db_worker allows at most 64 characters.
    """
    host = host.split(".")[0][:40] or "host"
    return [f"{host}-{supervisor_pid}-{slot}" for slot in range(1, count + 1)]


def how_it_ended(returncode: int) -> str:
    if returncode < 0:
        try:
            return f"was killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"was killed by signal {-returncode}"
    return f"exited with status {returncode}"


def exit_status(returncode: int) -> int:
    """The status a shell reports for a command that ended so."""
    return 128 - returncode if returncode < 0 else returncode


def group_is_running(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def signal_group(pgid: int, signum: int) -> None:
    try:
        os.killpg(pgid, signum)
    except ProcessLookupError:
        pass


class Terminal:
    """The terminal the supervisor was started in the foreground of, if any."""

    def __init__(self) -> None:
        try:
            self.fd = sys.stdin.fileno()
            self.ours = os.isatty(self.fd) and os.tcgetpgrp(self.fd) == os.getpgrp()
        except (OSError, ValueError):
            self.ours = False

    def give_to(self, pgid: int) -> None:
        """Make `pgid` the terminal's foreground group, as a shell does a job's."""
        if not self.ours:
            return
        # A process outside the foreground group is stopped by SIGTTOU when it
        # changes the terminal, unless it ignores the signal.
        previous = signal.signal(signal.SIGTTOU, signal.SIG_IGN)
        try:
            os.tcsetpgrp(self.fd, pgid)
        except OSError:
            pass
        finally:
            signal.signal(signal.SIGTTOU, previous)


@dataclass
class Child:
    """A command the supervisor runs, the leader of its own process group."""

    name: str
    command: list[str]
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    quick_deaths: int = 0
    start_at: float = 0.0

    def start(self) -> None:
        # A group of its own: the terminal's Ctrl+C reaches the supervisor only,
        # and stopping the group stops whatever the command started too (the
        # autoreloader's child, an import's reading process).
        self.process = subprocess.Popen(self.command, process_group=0)  # noqa: S603
        self.started_at = time.monotonic()

    @property
    def started_process(self) -> subprocess.Popen:
        if self.process is None:
            raise RuntimeError(f"{self.name} has not been started")
        return self.process

    @property
    def pid(self) -> int:
        return self.started_process.pid

    def ended(self) -> bool:
        return self.process is not None and self.process.poll() is not None


class Supervisor:
    def __init__(
        self, web_command: Sequence[str], workers: int, grace: float = GRACE
    ) -> None:
        self.web = Child("web", list(web_command)) if web_command else None
        ids = worker_ids(workers, host=socket.gethostname(), supervisor_pid=os.getpid())
        self.workers = [
            Child(f"worker {slot}", worker_command(worker_id))
            for slot, worker_id in enumerate(ids, start=1)
        ]
        self.grace = grace
        self.stop_signal: int | None = None
        self.force = False
        self._wakeup_read, self._wakeup_write = os.pipe()
        self.terminal = Terminal()

    @property
    def children(self) -> list[Child]:
        return ([self.web] if self.web else []) + self.workers

    def run(self) -> int:
        self._listen_for_signals()
        for child in self.children:
            child.start()
            logger.info("%s started (pid %d)", self._describe(child), child.pid)
        if self.web is not None:
            # In a terminal, the web server is the job in front: Ctrl+C reaches it
            # (it stops, then the workers are stopped), and a debugger in it reads
            # the terminal instead of being stopped for trying.
            self.terminal.give_to(self.web.pid)
        status = 0
        while self.stop_signal is None:
            if self.web is not None and self.web.ended():
                returncode = self.web.started_process.returncode
                logger.info(
                    "web (pid %d) %s; stopping the workers",
                    self.web.pid,
                    how_it_ended(returncode),
                )
                status = exit_status(returncode)
                break
            self._look_after_workers()
            self._sleep(self._until_next_start())
        if self.stop_signal is not None:
            logger.info("Received %s", signal.Signals(self.stop_signal).name)
        self._stop_all()
        return status

    def _describe(self, child: Child) -> str:
        if child in self.workers:
            return f"{child.name} (id {child.command[-1]})"
        return child.name

    def _look_after_workers(self) -> None:
        now = time.monotonic()
        for worker in self.workers:
            if worker.process is None:
                if now >= worker.start_at:
                    worker.start()
                    logger.info("%s started (pid %d)", worker.name, worker.pid)
            elif worker.ended():
                self._plan_restart(worker, now)

    def _plan_restart(self, worker: Child, now: float) -> None:
        lived = now - worker.started_at
        worker.quick_deaths = worker.quick_deaths + 1 if lived < QUICK_DEATH else 1
        pause = backoff(
            worker.quick_deaths, first=FIRST_RESTART, longest=LONGEST_RESTART
        )
        # Whatever the worker had started (a reloader's child, an import's reading
        # process) goes with it, so that no process is left without its worker.
        signal_group(worker.pid, signal.SIGKILL)
        logger.warning(
            "%s (pid %d) %s after %.1f s; starting it again in %.0f s",
            worker.name,
            worker.pid,
            how_it_ended(worker.started_process.returncode),
            lived,
            pause,
        )
        worker.process = None
        worker.start_at = now + pause

    def _until_next_start(self) -> float | None:
        waiting = [w.start_at for w in self.workers if w.process is None]
        if not waiting:
            return None
        return max(0.0, min(waiting) - time.monotonic())

    def _listen_for_signals(self) -> None:
        # Each signal writes a byte to the pipe, which wakes `_sleep`: a child's
        # death (SIGCHLD) or a request to stop is handled at once.
        os.set_blocking(self._wakeup_write, False)
        os.set_blocking(self._wakeup_read, False)
        signal.set_wakeup_fd(self._wakeup_write)
        signal.signal(signal.SIGCHLD, lambda signum, frame: None)
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, self._on_stop_signal)

    def _on_stop_signal(self, signum: int, frame: object) -> None:
        if self.stop_signal is not None:
            self.force = True
        self.stop_signal = signum

    def _sleep(self, timeout: float | None) -> None:
        select.select([self._wakeup_read], [], [], timeout)
        try:
            while os.read(self._wakeup_read, 512):
                pass
        except BlockingIOError:
            pass

    def _stop_all(self) -> None:
        # A second Ctrl+C is the supervisor's again.
        self.terminal.give_to(os.getpgrp())
        started = [child for child in self.children if child.process is not None]
        if not started:
            return
        logger.info(
            "Stopping %s with SIGTERM; waiting up to %.0f s (Ctrl+C again stops "
            "them at once)",
            ", ".join(f"{child.name} (pid {child.pid})" for child in started),
            self.grace,
        )
        for child in started:
            signal_group(child.pid, signal.SIGTERM)
        if not self._wait_for(started, time.monotonic() + self.grace):
            running = [c for c in started if group_is_running(c.pid)]
            logger.warning(
                "Still running, stopped with SIGKILL: %s",
                ", ".join(child.name for child in running),
            )
            for child in running:
                signal_group(child.pid, signal.SIGKILL)
            self.force = False
            self._wait_for(running, time.monotonic() + 5)
        logger.info("Stopped")

    def _wait_for(self, children: list[Child], deadline: float) -> bool:
        """Whether every process of these groups ended before the deadline."""
        while True:
            for child in children:
                child.started_process.poll()
            if not any(group_is_running(child.pid) for child in children):
                return True
            if self.force or time.monotonic() >= deadline:
                return False
            self._sleep(0.1)


def _workers(value: str) -> int:
    try:
        count = int(value)
    except ValueError:
        count = 0
    if not 1 <= count <= MOST_WORKERS:
        raise argparse.ArgumentTypeError(
            f"the number of task workers (WORKERS) must be a whole number from 1 to "
            f"{MOST_WORKERS}, not {value!r}"
        )
    return count


def _grace(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds <= 3600:
        raise argparse.ArgumentTypeError(
            f"the grace period is a number of seconds from 0 to 3600, not {value!r}"
        )
    return seconds


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m cromaturity.supervision",
        description="Run the web command and task workers; restart a worker "
        "that dies; stop everything on SIGINT or SIGTERM.",
    )
    parser.add_argument("--workers", type=_workers, default=1, metavar="N")
    parser.add_argument(
        "--grace",
        type=_grace,
        default=GRACE,
        metavar="SECONDS",
        help="how long to wait for the processes to stop before SIGKILL",
    )
    parser.add_argument("web", nargs=argparse.REMAINDER, help="-- WEB COMMAND ...")
    options = parser.parse_args(argv)
    web = options.web[1:] if options.web[:1] == ["--"] else options.web
    logging.basicConfig(
        format="%(asctime)s %(levelname)s %(name)s %(message)s", level=logging.INFO
    )
    return Supervisor(web, options.workers, options.grace).run()


if __name__ == "__main__":
    sys.exit(main())
