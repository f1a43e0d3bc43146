"""Import a generated 10 000-row backlog sheet, as the app does, beside a plain
bulk insert of the same rows.

    python -m bench.import_backlog [--rows N] [--database sqlite|postgres|both]

Each import runs in a fresh process through the same code as the browser and
`manage.py import_backlog` (prepare_import, confirm_columns, run_import): first
into an empty organisation, then the same sheet again (every row unchanged),
then with every row changed. The target is 10 000 rows in under 10 s. Beside
the import's rows per second stands the database's own limit, measured in the
same process: the hypotheses the import wrote, inserted again into the same
table by one plain bulk insert (executemany on SQLite, COPY on PostgreSQL) and
rolled back. Results go to bench/results.json.
"""

import argparse
import csv
import json
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.harness import (
    WORK,
    print_table,
    reset_database,
    run_phase,
    save_results,
    setup_django,
)

DATABASE_NAME = "cromaturity_bench_backlog"
ORG_SLUG = "bench-backlog"
TARGET_SECONDS = 10
HEADER = [
    "Record ID", "Name", "Hypothesis", "Status", "Owner", "Team", "Page", "Tags",
    "Type", "Impact", "Confidence", "Ease", "ICE Score", "Result", "Learnings",
    "Created",
]  # fmt: skip
STATUSES = ["Idea", "Backlog", "Ready", "Running", "Analysing", "Done", "Won",
            "Lost", "Parked", "Rejected"]  # fmt: skip
PAGES = ["Home", "Category page", "Product page", "Basket", "Checkout", "Account"]
TAGS = ["Checkout", "Mobile", "Trust", "Pricing", "Search", "Sizing", "Delivery"]
OWNERS = ["Carla Rossi", "sam@bench.example", "lena", "Bob Stranger", ""]


def generate(rows: int, variant: str) -> Path:
    """An Airtable-style backlog; the "changed" variant edits every row."""
    path = WORK / f"backlog-{rows}-{variant}.csv"
    if path.exists():
        return path
    WORK.mkdir(parents=True, exist_ok=True)
    rng = random.Random(rows)  # noqa: S311 - repeatable test data
    start = datetime(2024, 1, 1, tzinfo=UTC)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for n in range(rows):
            impact, confidence, ease = (rng.randint(1, 10) for _ in range(3))
            status = rng.choice(STATUSES)
            concluded = status in {"Won", "Lost"}
            created = start + timedelta(minutes=rng.randrange(0, 60 * 24 * 700))
            suffix = " (revised)" if variant == "changed" else ""
            writer.writerow(
                [
                    f"rec{n:06d}",
                    f"Idea {n}: {rng.choice(TAGS).lower()} on {rng.choice(PAGES)}"
                    + suffix,
                    f"Because we saw drop-offs on step {n % 9}, we expect that a "
                    f"clearer {rng.choice(TAGS).lower()} message for mobile "
                    f"shoppers will cause more orders. We'll measure this by "
                    f"conversion rate.",
                    status,
                    rng.choice(OWNERS),
                    rng.choice(["CRO", "Marketing", "Customer Service"]),
                    rng.choice(PAGES),
                    ",".join(rng.sample(TAGS, rng.randint(0, 3))),
                    rng.choice(["A/B test", "A/B test", "Improvement"]),
                    impact,
                    confidence,
                    ease,
                    f"{(impact + confidence + ease) / 3:.1f}",
                    "",
                    "Shoppers read the message." if concluded else "",
                    created.strftime("%Y-%m-%d %H:%M"),
                ]
            )
    return path


def plain_insert_rows_per_second(organisation_id: int) -> float:
    """The hypotheses of the organisation written again by one plain bulk insert
    into the same table, rolled back: what the database alone can do."""
    from django.db import transaction

    from backlog.models import Hypothesis
    from cromaturity.bulk_writes import bulk_insert

    fields = [f.name for f in Hypothesis._meta.concrete_fields if not f.primary_key]
    attnames = [Hypothesis._meta.get_field(name).attname for name in fields]
    rows = list(
        Hypothesis.objects.filter(organisation_id=organisation_id)
        .order_by("pk")
        .values_list(*attnames)
    )
    with transaction.atomic():
        started = time.perf_counter()
        bulk_insert(Hypothesis, fields, rows)
        seconds = time.perf_counter() - started
        transaction.set_rollback(True)
    return len(rows) / seconds


def phase(database: str, path: Path, label: str) -> dict:
    """One import in this process; returns the measurements."""
    setup_django(database, DATABASE_NAME)
    from django.contrib.auth import get_user_model
    from django.core.files import File

    from backlog.backlog_import.importing import confirm_columns, prepare_import
    from backlog.backlog_import.running import run_import
    from backlog.models import BacklogImportStatus, Hypothesis
    from cromaturity.models import Membership, Organisation, Role, Team
    from cromaturity.workspaces import create_organisation

    organisation = Organisation.objects.filter(slug=ORG_SLUG).first()
    user_model = get_user_model()
    if organisation is None:
        importer = user_model.objects.create_user("bench-lead")
        organisation = create_organisation(
            name="Backlog benchmark", slug=ORG_SLUG, creator=importer
        )
        for username, first, last in (
            ("carla", "Carla", "Rossi"),
            ("sam", "Sam", "Ray"),
            ("lena", "Lena", "Park"),
        ):
            Membership.objects.create(
                organisation=organisation,
                user=user_model.objects.create_user(
                    username, email=f"{username}@bench.example", first_name=first,
                    last_name=last,
                ),
                role=Role.EDITOR,
                team=Team.objects.for_org(organisation).first(),
            )  # fmt: skip
    importer = user_model.objects.get(username="bench-lead")
    started = time.perf_counter()
    with path.open("rb") as handle:
        backlog_import = prepare_import(
            organisation,
            uploaded=File(handle, name="Growth backlog.csv"),
            original_name="Growth backlog.csv",
            by=importer,
        )
    backlog_import = confirm_columns(
        backlog_import,
        mapping=backlog_import.mapping,
        source="Growth backlog",
        date_format=backlog_import.date_format,
        time_zone="Europe/Berlin",
        create_missing_pages=True,
        create_missing_tags=True,
    )
    backlog_import.status = BacklogImportStatus.QUEUED
    backlog_import.save()
    summary = run_import(backlog_import)
    seconds = time.perf_counter() - started
    rows = summary.created + summary.updated + summary.unchanged + summary.rejected
    result = {
        "rows": rows,
        "seconds": round(seconds, 2),
        "rows_per_second": round(rows / seconds),
        "summary": summary.line(),
        "hypotheses_stored": Hypothesis.objects.filter(
            organisation=organisation
        ).count(),
    }
    if label == "first import":
        result["plain_insert_rows_per_second"] = round(
            plain_insert_rows_per_second(organisation.pk)
        )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument(
        "--database", choices=["sqlite", "postgres", "both"], default="both"
    )
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    parser.add_argument("--label", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        print(json.dumps(phase(args.phase, Path(args.file), args.label)))
        return

    files = {
        "first import": generate(args.rows, "first"),
        "re-import, unchanged": generate(args.rows, "first"),
        "re-import, all changed": generate(args.rows, "changed"),
    }
    databases = ["sqlite", "postgres"] if args.database == "both" else [args.database]
    table = []
    for database in databases:
        reset_database(database, DATABASE_NAME)
        plain = ""
        for label, path in files.items():
            result = run_phase(
                "bench.import_backlog",
                "--phase", database, "--file", str(path), "--label", label,
            )  # fmt: skip
            save_results("import_backlog", f"{database} {label} {args.rows}", result)
            if "plain_insert_rows_per_second" in result:
                plain = f"{result['plain_insert_rows_per_second']:,}"
            table.append(
                [
                    database,
                    label,
                    f"{result['rows']:,}",
                    f"{result['seconds']:.1f}",
                    "yes" if result["seconds"] < TARGET_SECONDS else "NO",
                    f"{result['rows_per_second']:,}",
                    plain if label == "first import" else "",
                    result["summary"],
                ]
            )
    print_table(
        f"Backlog import of {args.rows:,} rows (target: under {TARGET_SECONDS} s)",
        ["database", "run", "rows", "seconds", "< 10 s", "rows/s",
         "plain insert rows/s", "result"],
        table,
    )  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
