"""Import a generated 200 000-row Zendesk-style export, as the app does.

    python -m bench.import_feedback [--rows N] [--database sqlite|postgres|both]

Each import runs in a fresh process through the same code as the browser and
`manage.py import_feedback` (prepare_import, then run_import): first into an
empty database, then the same file again. Prints rows per second and the peak
memory of the importing processes (the reader runs in a child process for large
files; the peak is the larger of the two), and records them in
bench/results.json.
"""

import argparse
import csv
import json
import random
import resource
import shutil
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.harness import (
    ROOT,
    WORK,
    print_table,
    run_phase,
    save_results,
    setup_django,
)

SAMPLE = ROOT / "tests" / "fixtures" / "samples" / "zendesk_tickets.csv"
DATABASE_NAME = "cromaturity_bench_import"
ORG_SLUG = "bench-import"


def generate(rows: int) -> Path:
    """A Zendesk-style export: BOM, commas, CRLF, ISO dates, one row per ticket."""
    path = WORK / f"zendesk-{rows}.csv"
    if path.exists():
        return path
    WORK.mkdir(parents=True, exist_ok=True)
    with SAMPLE.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        templates = list(reader)
    column = {name: i for i, name in enumerate(header)}
    rng = random.Random(rows)  # noqa: S311 - repeatable test data
    start = datetime(2025, 1, 1, tzinfo=UTC)
    partial = path.with_suffix(".partial")
    with partial.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(header)
        for n in range(rows):
            row = list(templates[n % len(templates)])
            created = start + timedelta(minutes=rng.randrange(0, 60 * 24 * 680))
            row[column["Id"]] = str(1_000_000 + n)
            customer = rng.randrange(60_000)
            row[column["Requester"]] = f"Customer {customer}"
            row[column["Requester email"]] = f"customer{customer}@example.org"
            row[column["Created at"]] = created.strftime("%Y-%m-%d %H:%M:%S")
            row[column["Updated at"]] = (created + timedelta(hours=5)).strftime(
                "%Y-%m-%d %H:%M:%S"
            )
            writer.writerow(row)
    partial.rename(path)
    return path


def reset_database(database: str) -> None:
    if database == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            (WORK / f"{DATABASE_NAME}.sqlite3{suffix}").unlink(missing_ok=True)
        return
    import psycopg

    from bench.harness import POSTGRES_SERVER

    with psycopg.connect(f"{POSTGRES_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE_NAME}" WITH (FORCE)')


def phase(database: str, path: Path) -> dict:
    """One import in this process; returns the measurements."""
    setup_django(
        database, DATABASE_NAME, UPLOAD_MAX_MB="2000", IMPORT_MAX_ROWS="10000000"
    )
    from django.contrib.auth import get_user_model
    from django.core.files import File

    from backlog.feedback_import.importing import prepare_import, run_import
    from backlog.models import FeedbackItem, ImportStatus
    from cromaturity.models import Organisation
    from cromaturity.workspaces import create_organisation

    organisation = Organisation.objects.filter(slug=ORG_SLUG).first()
    if organisation is None:
        user = get_user_model().objects.create_user("bench-importer")
        organisation = create_organisation(
            name="Import benchmark", slug=ORG_SLUG, creator=user
        )
    started = time.perf_counter()
    with path.open("rb") as handle:
        feedback_import = prepare_import(
            organisation,
            uploaded=File(handle, name=path.name),
            original_name=path.name,
            by=None,
        )
    feedback_import.status = ImportStatus.QUEUED
    feedback_import.save()
    summary = run_import(feedback_import)
    seconds = time.perf_counter() - started
    rows = summary.created + summary.updated + summary.unchanged + summary.rejected
    kib = max(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
    )
    return {
        "rows": rows,
        "seconds": round(seconds, 2),
        "rows_per_second": round(rows / seconds),
        "peak_memory_mb": round(kib / 1024),
        "summary": summary.line(),
        "items_stored": FeedbackItem.objects.filter(organisation=organisation).count(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument(
        "--database", choices=["sqlite", "postgres", "both"], default="both"
    )
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        print(json.dumps(phase(args.phase, Path(args.file))))
        return

    path = generate(args.rows)
    size_mb = path.stat().st_size / 1024 / 1024
    databases = ["sqlite", "postgres"] if args.database == "both" else [args.database]
    table = []
    for database in databases:
        reset_database(database)
        shutil.rmtree(WORK / "media", ignore_errors=True)
        for label in ("first import", "re-import"):
            result = run_phase(
                "bench.import_feedback", "--phase", database, "--file", str(path)
            )
            save_results(
                "import_feedback",
                f"{database} {label} {args.rows}",
                result | {"file_mb": round(size_mb, 1)},
            )
            table.append(
                [
                    database,
                    label,
                    f"{result['rows']:,}",
                    f"{result['seconds']:.1f}",
                    f"{result['rows_per_second']:,}",
                    result["peak_memory_mb"],
                    result["summary"],
                ]
            )
    print_table(
        f"Feedback import of {path.name} ({size_mb:.0f} MB)",
        ["database", "run", "rows", "seconds", "rows/s", "peak MB", "result"],
        table,
    )


if __name__ == "__main__":
    sys.exit(main())
