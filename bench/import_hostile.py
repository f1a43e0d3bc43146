"""Files built to hurt, read and imported as the app does, beside honest twins.

    python -m bench.import_hostile [--database sqlite|postgres|both] [--repeat R]

The two files of tests/fixtures/vendor_exports/hostile.py: a 5 KB workbook
whose worksheet declares every cell Excel has (A1:XFD1048576) around its three
rows, and a CSV of one row 100 000 columns wide, which the import refuses. Each
is read (``open_table`` and every record) and imported through
``manage.py import_feedback`` into an empty organisation. Beside each stands its
honest twin, measured in the same run through the same code: the same workbook
declaring A1:C4, and the same row cut to its first three columns. Each figure is
the best of R runs, and the file's time is stated as a ratio to its twin's. The
target: neither file takes more than 5 s, read or imported.
"""

import argparse
import io
import json
import sys
import time
import uuid
import zipfile
from collections.abc import Callable
from pathlib import Path

from bench.harness import (
    ROOT,
    WORK,
    print_table,
    reset_database,
    run_phase,
    save_results,
)

DATABASE_NAME = "cromaturity_bench_hostile"
TARGET_SECONDS = 5
FILES = WORK / "hostile"


def best_of(repeat: int, call: Callable[[], object]) -> float:
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        timings.append(time.perf_counter() - started)
    return min(timings)


def honest_workbook(content: bytes) -> bytes:
    """The same workbook declaring the range its rows fill."""
    from tests.fixtures.vendor_exports.hostile import HUGE_DIMENSION, HUGE_RANGE_ROWS

    honest = f'<dimension ref="A1:C{len(HUGE_RANGE_ROWS) + 1}"/>'
    edited = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(content)) as source,
        zipfile.ZipFile(edited, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for entry in source.infolist():
            data = source.read(entry)
            if entry.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(HUGE_DIMENSION.encode(), honest.encode())
            target.writestr(entry, data)
    return edited.getvalue()


def narrow_csv(content: bytes) -> bytes:
    """The same header and row, cut to their first three columns."""
    lines = content.decode().splitlines()
    return "".join(",".join(line.split(",")[:3]) + "\n" for line in lines).encode()


def files() -> dict[str, tuple[Path, Path, list[str]]]:
    """Each hostile file, its honest twin and the command's extra options."""
    from tests.fixtures.vendor_exports import huge_range_workbook, wide_csv

    FILES.mkdir(parents=True, exist_ok=True)
    workbook, wide = huge_range_workbook(), wide_csv()
    built = {}
    for label, name, hostile, twin, options in (
        ("workbook claiming every cell", "tickets.xlsx", workbook,
         honest_workbook(workbook), []),
        ("CSV 100 000 columns wide", "wide.csv", wide, narrow_csv(wide),
         ["--timezone", "UTC"]),
    ):  # fmt: skip
        paths = FILES / name, FILES / f"honest-{name}"
        for path, content in zip(paths, (hostile, twin), strict=True):
            path.write_bytes(content)
        built[label] = (*paths, options)
    return built


def phase(database: str, repeat: int) -> dict:
    """Read and import each file and its twin in this process; the figures."""
    from bench.harness import setup_django

    setup_django(database, DATABASE_NAME)
    from django.contrib.auth import get_user_model
    from django.core.management import CommandError, call_command

    from backlog.feedback.importing.problems import FileProblem
    from backlog.feedback.importing.reading import open_table
    from cromaturity.workspaces import create_organisation

    user, _ = get_user_model().objects.get_or_create(username="bench-hostile")

    def refused(problem: Exception, path: Path) -> str:
        """The refusal's first sentence, without the file's name."""
        return "refused: " + str(problem).removeprefix(f"{path}: ").split(";")[0]

    def read(path: Path) -> str:
        try:
            table = open_table(path)
            return f"{sum(1 for _ in table.records)} records"
        except FileProblem as problem:
            return refused(problem, path)

    def load(path: Path, options: list[str]) -> str:
        """Import into an organisation of its own, so every run is a first."""
        slug = f"bench-hostile-{uuid.uuid4().hex[:12]}"
        create_organisation(name="Hostile files", slug=slug, creator=user)
        out = io.StringIO()
        try:
            call_command(
                "import_feedback", str(path), *options, org=slug, stdout=out, stderr=out
            )
        except CommandError as problem:
            return refused(problem, path)
        return out.getvalue().strip().splitlines()[-1]

    results = {}
    for label, (hostile, twin, options) in files().items():
        for step, call in (
            ("read", read),
            ("import", lambda path, o=options: load(path, o)),
        ):
            figures = {}
            for role, path in (("file", hostile), ("twin", twin)):
                outcome = call(path)
                seconds = best_of(repeat, lambda p=path, c=call: c(p))
                figures[role] = {"seconds": seconds, "outcome": outcome}
            results[f"{label}, {step}"] = figures
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database", choices=["sqlite", "postgres", "both"], default="both"
    )
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    options = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    if options.phase:
        print(json.dumps(phase(options.phase, options.repeat)))
        return 0
    databases = (
        ["sqlite", "postgres"] if options.database == "both" else [options.database]
    )
    rows, slowest = [], 0.0
    for database in databases:
        reset_database(database, DATABASE_NAME)
        result = run_phase(
            "bench.import_hostile", "--phase", database, "--repeat", str(options.repeat)
        )
        for name, figures in result.items():
            save_results("import_hostile", f"{database}: {name}", figures)
            seconds, twin = figures["file"]["seconds"], figures["twin"]["seconds"]
            slowest = max(slowest, seconds)
            rows.append(
                [
                    database,
                    name,
                    f"{seconds * 1000:.1f}",
                    f"{twin * 1000:.1f}",
                    f"{seconds / twin:.2f}",
                    figures["file"]["outcome"],
                ]
            )
    print_table(
        f"Hostile feedback files, best of {options.repeat} "
        f"(target: under {TARGET_SECONDS} s each)",
        ["database", "file", "ms", "honest twin ms", "× twin", "outcome"],
        rows,
    )
    print(
        f"Slowest: {slowest * 1000:.1f} ms (target {TARGET_SECONDS} s); × twin: the "
        "file's time as a multiple of the same rows in an honest file, same run."
    )
    return 0 if slowest < TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
