"""Import a generated 200 000-row Zendesk-style export, as the app does.

    python -m bench.import_feedback [--rows N] [--database sqlite|postgres|both]

Each import runs in a fresh process through the same code as the browser and
`manage.py import_feedback` (prepare_import, then run_import): first into an
empty database, then the same file again. Between them, in a database of its
own, the same rows (cleaned beforehand) are written by a plain bulk insert into
the same table: the database's own limit, measured in the same run, which the
first import's speed is stated against. Prints rows per second and the peak
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
    reset_database,
    run_phase,
    save_results,
    setup_django,
)

SAMPLE = ROOT / "tests" / "fixtures" / "samples" / "zendesk_tickets.csv"
DATABASE_NAME = "cromaturity_bench_import"
BULK_DATABASE_NAME = "cromaturity_bench_bulk_insert"
# The columns an import fills, in the order of the bulk insert's rows.
ITEM_COLUMNS = [
    "organisation",
    "source_system",
    "external_id",
    "created_at",
    "updated_at",
    "version",
    "source",
    "received_at",
    "text",
    "page",
    "product_area",
    "customer_ref",
    "sentiment",
    "digest",
    "attributes",
]
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


def phase(database: str, path: Path) -> dict:
    """One import in this process; returns the measurements."""
    setup_django(
        database, DATABASE_NAME, UPLOAD_MAX_MB="2000", IMPORT_MAX_ROWS="10000000"
    )
    from django.contrib.auth import get_user_model
    from django.core.files import File

    from backlog.feedback.importing.run import prepare_import, run_import
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


def bulk_phase(database: str, path: Path) -> dict:
    """The same rows, cleaned beforehand, written by a plain bulk insert into the
    same (empty) table: the database's own limit for this table."""
    setup_django(database, BULK_DATABASE_NAME)
    import tempfile

    from django.contrib.auth import get_user_model
    from django.core.files import File
    from django.db import transaction
    from django.utils import timezone

    from backlog.feedback.importing.cleaning import CHUNK_ROWS
    from backlog.feedback.importing.row_stream import RowStream
    from backlog.feedback.importing.run import prepare_import
    from backlog.models import FeedbackItem
    from cromaturity.bulk_writes import bulk_insert, stored_datetime
    from cromaturity.workspaces import create_organisation

    user = get_user_model().objects.create_user("bench-bulk")
    organisation = create_organisation(name="Bulk", slug="bench-bulk", creator=user)
    with path.open("rb") as handle:
        feedback_import = prepare_import(
            organisation,
            uploaded=File(handle, name=path.name),
            original_name=path.name,
            by=None,
        )
    now = timezone.now()
    stamp = stored_datetime(now)
    with tempfile.TemporaryFile() as rejects:
        rows = [
            (organisation.pk, "Zendesk", staged[1], stamp, stamp, 1, *staged[2:])
            for items, _ in RowStream(feedback_import, now).chunks(rejects)
            for staged in items
        ]
    started = time.perf_counter()
    with transaction.atomic():
        for start in range(0, len(rows), CHUNK_ROWS):
            bulk_insert(FeedbackItem, ITEM_COLUMNS, rows[start : start + CHUNK_ROWS])
    seconds = time.perf_counter() - started
    return {
        "rows": len(rows),
        "seconds": round(seconds, 2),
        "rows_per_second": round(len(rows) / seconds),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument(
        "--database", choices=["sqlite", "postgres", "both"], default="both"
    )
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--bulk", help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        print(json.dumps(phase(args.phase, Path(args.file))))
        return
    if args.bulk:
        print(json.dumps(bulk_phase(args.bulk, Path(args.file))))
        return

    path = generate(args.rows)
    size_mb = path.stat().st_size / 1024 / 1024
    databases = ["sqlite", "postgres"] if args.database == "both" else [args.database]
    table = []
    for database in databases:
        reset_database(database, DATABASE_NAME)
        reset_database(database, BULK_DATABASE_NAME)
        shutil.rmtree(WORK / "media", ignore_errors=True)
        results = {}
        for label in ("first import", "bulk insert", "re-import"):
            option = "--bulk" if label == "bulk insert" else "--phase"
            results[label] = run_phase(
                "bench.import_feedback", option, database, "--file", str(path)
            )
        limit = results["bulk insert"]["rows_per_second"]
        for label, result in results.items():
            share = result["rows_per_second"] / limit
            save_results(
                "import_feedback",
                f"{database} {label} {args.rows}",
                result | {"file_mb": round(size_mb, 1), "share_of_bulk_insert": share},
            )
            table.append(
                [
                    database,
                    label,
                    f"{result['rows']:,}",
                    f"{result['seconds']:.1f}",
                    f"{result['rows_per_second']:,}",
                    f"{share:.0%}",
                    result.get("peak_memory_mb", ""),
                    result.get("summary", "the rows only, cleaned beforehand"),
                ]
            )
    print_table(
        f"Feedback import of {path.name} ({size_mb:.0f} MB); target: the first "
        "import at 40 % or more of the bulk insert",
        [
            "database",
            "run",
            "rows",
            "seconds",
            "rows/s",
            "of bulk insert",
            "peak MB",
            "result",
        ],
        table,
    )


if __name__ == "__main__":
    sys.exit(main())
