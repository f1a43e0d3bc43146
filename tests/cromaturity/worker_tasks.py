"""Tasks the worker tests queue; each run is one line in the file RUN_LOG names."""

import os
import time
from pathlib import Path

from django.tasks import task


def runs(path: Path) -> list[tuple[int, int]]:
    """(number, process id) of each run recorded in the log, in order."""
    if not path.exists():
        return []
    lines = path.read_text().splitlines()
    return [(int(number), int(pid)) for number, pid in (line.split() for line in lines)]


@task()
def record_run(number: int, pause: float = 0.0) -> int:
    # One short write with O_APPEND: lines from several processes never mix.
    line = f"{number} {os.getpid()}\n".encode()
    descriptor = os.open(os.environ["RUN_LOG"], os.O_WRONLY | os.O_APPEND | os.O_CREAT)
    try:
        os.write(descriptor, line)
    finally:
        os.close(descriptor)
    time.sleep(pause)
    return number


@task()
def fail(message: str) -> None:
    raise RuntimeError(message)
