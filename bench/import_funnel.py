"""Import two years of a funnel's daily counts, as the app does, beside a plain
bulk insert of the same counts.

    python -m bench.import_funnel [--database sqlite|postgres|both]

The file is a GA4-shaped plain CSV: 6 steps × 3 devices × 730 days (13 140
counts). Each import runs in a fresh process through the same code as the
upload page and `manage.py import_funnel` (prepare_funnel_import, then
apply_funnel_import with the proposed mapping): first into an empty funnel, then
the same file again (every count unchanged). The target is under 2 s. Beside it
stands the database's own limit, measured in the same process: the counts the
import wrote, inserted again by one plain bulk insert and rolled back.
"""

import argparse
import json
import random
import sys
import time
from datetime import date, timedelta

from bench.harness import (
    print_table,
    reset_database,
    run_phase,
    save_results,
    setup_django,
)

DATABASE_NAME = "cromaturity_bench_funnel"
ORG_SLUG = "bench-funnel"
TARGET_SECONDS = 2
STEPS = ["Landing", "Product view", "Add to cart", "Checkout", "Payment", "Purchase"]
DEVICES = ["mobile", "desktop", "tablet"]
DAYS = 730


def generate() -> bytes:
    rng = random.Random(DAYS)  # noqa: S311 - repeatable test data
    lines = ["date,step,device,count"]
    start = date(2024, 1, 1)
    for offset in range(DAYS):
        day = start + timedelta(days=offset)
        for device in DEVICES:
            count = rng.randint(2000, 9000)
            for step in STEPS:
                lines.append(f"{day},{step},{device},{count}")
                count = int(count * rng.uniform(0.3, 0.9))
    return ("\n".join(lines) + "\n").encode()


def plain_insert_rows_per_second(funnel_id: int) -> float:
    from django.db import transaction

    from backlog.models import FunnelCount
    from cromaturity.bulk_writes import bulk_insert

    fields = [f.name for f in FunnelCount._meta.concrete_fields if not f.primary_key]
    attnames = [FunnelCount._meta.get_field(name).attname for name in fields]
    rows = list(
        FunnelCount.objects.filter(step__funnel_id=funnel_id)
        .order_by("pk")
        .values_list(*attnames)
    )
    with transaction.atomic():
        FunnelCount.objects.filter(step__funnel_id=funnel_id).delete()
        started = time.perf_counter()
        bulk_insert(FunnelCount, fields, rows)
        seconds = time.perf_counter() - started
        transaction.set_rollback(True)
    return len(rows) / seconds


def phase(database: str, label: str) -> dict:
    setup_django(database, DATABASE_NAME)
    from django.contrib.auth import get_user_model

    from backlog.funnels.definition import save_funnel
    from backlog.funnels.importing import apply_funnel_import, prepare_funnel_import
    from backlog.models import Funnel, FunnelCount
    from cromaturity.models import Organisation
    from cromaturity.workspaces import create_organisation

    organisation = Organisation.objects.filter(slug=ORG_SLUG).first()
    if organisation is None:
        lead = get_user_model().objects.create_user("bench-funnel-lead")
        organisation = create_organisation(
            name="Funnel benchmark", slug=ORG_SLUG, creator=lead
        )
        save_funnel(Funnel(organisation=organisation, name="Checkout"), STEPS)
    funnel = Funnel.objects.get(organisation=organisation)
    data = generate()
    started = time.perf_counter()
    prepared = prepare_funnel_import(funnel, data, filename="ga4-two-years.csv")
    outcome = apply_funnel_import(prepared, prepared.mapping)
    seconds = time.perf_counter() - started
    result = {
        "counts": len(prepared.rows)
        if prepared.rows
        else outcome.created + outcome.updated + outcome.unchanged,
        "seconds": round(seconds, 3),
        "summary": outcome.line(),
        "stored": FunnelCount.objects.filter(step__funnel=funnel).count(),
    }
    if label == "first import":
        result["plain_insert_rows_per_second"] = round(
            plain_insert_rows_per_second(funnel.pk)
        )
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database", choices=["sqlite", "postgres", "both"], default="both"
    )
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.phase:
        print(json.dumps(phase(options.database, options.phase)))
        return 0
    databases = (
        ["sqlite", "postgres"] if options.database == "both" else [options.database]
    )
    rows, slowest = [], 0.0
    for database in databases:
        reset_database(database, DATABASE_NAME)
        for label in ("first import", "same file again"):
            result = run_phase(
                "bench.import_funnel", "--database", database, "--phase", label
            )
            save_results("import_funnel", f"{database}: {label}", result)
            slowest = max(slowest, result["seconds"])
            plain = result.get("plain_insert_rows_per_second")
            ratio = (
                f"{plain * result['seconds'] / result['stored']:.2f}" if plain else ""
            )
            rows.append(
                [
                    database,
                    label,
                    result["stored"],
                    result["seconds"],
                    result["summary"],
                ]
                + ([f"{plain:,} /s", ratio] if plain else ["", ""])
            )
    print_table(
        f"Funnel import: {len(STEPS)} steps × {len(DEVICES)} devices × {DAYS} days "
        f"(target {TARGET_SECONDS} s)",
        ["database", "import", "counts", "s", "summary", "plain insert", "plain × s"],
        rows,
    )
    print(
        "plain × s: the import's time as a multiple of a plain bulk insert of the "
        "same counts in the same run."
    )
    return 0 if slowest < TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
