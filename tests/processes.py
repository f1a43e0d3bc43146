"""Running the app's commands as processes of their own, as a server does.

`Watched` starts a command and reads its output (stdout and stderr together) in a
thread, so a test waits for a line such as "Starting worker" instead of
sleeping. Every process a test starts carries a marker in its environment,
inherited by whatever it starts in turn, so that `processes_marked` finds any
process left behind, however it was started.
"""

import fcntl
import os
import re
import signal
import socket
import subprocess
import termios
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parents[1]
MARKER = "CROMATURITY_TEST_PROCESS"
WAIT = 60.0


def database_url() -> str:
    """The address of the test database, for processes started by a test."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(settings['NAME']).resolve()}"
    credentials = settings["USER"] or ""
    if settings["PASSWORD"]:
        credentials += f":{settings['PASSWORD']}"
    host = settings["HOST"] or "127.0.0.1"
    port = settings["PORT"] or 5432
    return f"postgres://{credentials}@{host}:{port}/{settings['NAME']}"


def app_environment(**extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE", "TASKS_BACKEND"}
    }
    env.update(
        DEBUG="1",
        DJANGO_SETTINGS_MODULE="cromaturity.settings",
        DATABASE_URL=database_url(),
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def wait_until(check: Callable[[], object], *, timeout: float = WAIT, what: str):
    """Return `check()` as soon as it is true; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"Gave up after {timeout:.0f} s waiting for {what}")
        time.sleep(0.05)


class Watched:
    """A command running in a process group of its own, its output collected."""

    def __init__(
        self, command: Sequence[str], *, env: dict[str, str], terminal: bool = False
    ) -> None:
        """With `terminal`, the command runs in a session of its own whose
        controlling terminal is a pseudo-terminal the test types into."""
        self.marker = uuid.uuid4().hex
        self._terminal = None
        options: dict = {"stdout": subprocess.PIPE, "stderr": subprocess.STDOUT}
        if terminal:
            self._terminal, user_side = os.openpty()
            options = {
                "stdin": user_side,
                "stdout": user_side,
                "stderr": user_side,
                "start_new_session": True,
                "preexec_fn": _take_controlling_terminal,
            }
        else:
            options["process_group"] = 0
        self.process = subprocess.Popen(  # noqa: S603 - the test's own commands
            list(command), cwd=ROOT, env={**env, MARKER: self.marker}, **options
        )
        if terminal:
            os.close(user_side)
        self.lines: list[str] = []
        self._changed = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def output(self) -> str:
        with self._changed:
            return "\n".join(self.lines)

    def _chunks(self):
        if self._terminal is None:
            yield from iter(lambda: self.process.stdout.read1(4096), b"")
            return
        while True:
            try:
                chunk = os.read(self._terminal, 4096)
            except OSError:  # the terminal closes when the last process leaves
                return
            if not chunk:
                return
            yield chunk

    def _read(self) -> None:
        pending = b""
        for chunk in self._chunks():
            pending += chunk
            *complete, pending = pending.split(b"\n")
            with self._changed:
                self.lines.extend(
                    line.decode(errors="replace").rstrip("\r") for line in complete
                )
                self._changed.notify_all()
        with self._changed:
            if pending:
                self.lines.append(pending.decode(errors="replace").rstrip("\r"))
            self._changed.notify_all()

    def type(self, keys: bytes) -> None:
        """Type into the terminal (b"\x03" is Ctrl+C)."""
        os.write(self._terminal, keys)

    def wait_for(self, pattern: str, *, after: int = 0, timeout: float = WAIT):
        """The first match of `pattern` in a line from number `after` on."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for line in self.lines[after:]:
                    match = regex.search(line)
                    if match:
                        return match
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not self._reader.is_alive():
                    raise AssertionError(
                        f"No line matching {pattern!r} (exit status "
                        f"{self.process.poll()}); output:\n" + "\n".join(self.lines)
                    )
                self._changed.wait(remaining)

    def count(self, pattern: str) -> int:
        regex = re.compile(pattern)
        with self._changed:
            return sum(1 for line in self.lines if regex.search(line))

    def signal(self, signum: int) -> None:
        self.process.send_signal(signum)

    def wait(self, timeout: float = WAIT) -> int:
        returncode = self.process.wait(timeout)
        self._reader.join(timeout)
        if self._terminal is not None:
            os.close(self._terminal)
            self._terminal = None
        return returncode

    def kill_everything(self) -> None:
        """Leave nothing behind, whatever the test did (for a fixture's teardown)."""
        for pid in processes_marked(self.marker):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if self.process.poll() is None:
            self.process.kill()
        self.wait(10)


def _take_controlling_terminal() -> None:
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def processes_marked(marker: str) -> list[int]:
    """The live processes (not zombies) whose environment carries the marker."""
    needle = f"{MARKER}={marker}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes()
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if needle in environ.split(b"\0") and state != "Z":
            found.append(int(entry.name))
    return found


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
