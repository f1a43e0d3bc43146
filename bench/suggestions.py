"""Suggested evidence for a hypothesis among 20 000 feedback items, beside a
trivial query.

    python -m bench.suggestions [--items N] [--database sqlite|postgres|both]
                                [--repeat R]

A workspace of its own gets N feedback items (five kinds of ticket, each text
made distinct by its number) through the import's set-based writes, so the
full-text index is kept as an import keeps it. Then ``feedback_like`` ranks the
items for "Faster category pages on mobile", and beside it, in the same process,
the trivial query: the five newest items. Each figure is the best of R runs;
the suggestions' time is stated as a ratio to the trivial query's, and the target
is under 5 s.
"""

import argparse
import json
import sys
import time
from collections.abc import Callable

from bench.harness import (
    ROOT,
    print_table,
    reset_database,
    run_phase,
    save_results,
    setup_django,
)

DATABASE_NAME = "cromaturity_bench_suggestions"
ORG_SLUG = "bench-suggestions"
TARGET_SECONDS = 5
CHUNK = 5000
TEXTS = [
    "Apple Pay button spins forever on iPhone, had to switch to card.",
    "The site is really slow tonight, product pages take ages to load.",
    "Price on the category page was £39 but £45 in the basket.",
    "The size guide is in cm only and doesn't say if it's body or garment.",
    "Where is my order? The tracking link says 'label created'.",
]
WANTED = "site is really slow"


def best_of(repeat: int, call: Callable[[], object]) -> float:
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        timings.append(time.perf_counter() - started)
    return min(timings)


def phase(database: str, items: int, repeat: int) -> dict:
    setup_django(database, DATABASE_NAME)
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from backlog.authoring import save_hypothesis
    from backlog.evidence import feedback_like
    from backlog.feedback.importing.rows import CleanRow, digest
    from backlog.feedback.importing.saving import FeedbackImportSummary, upsert_feedback
    from backlog.models import FeedbackItem, Hypothesis
    from cromaturity.workspaces import create_organisation

    user = get_user_model().objects.create_user("bench-suggestions")
    organisation = create_organisation(
        name="Suggestions benchmark", slug=ORG_SLUG, creator=user
    )
    now = timezone.now()
    rows = []
    for n in range(items):
        row = CleanRow(
            line=n + 2,
            external_id=str(n),
            received_at=now,
            text=f"{TEXTS[n % len(TEXTS)]} Ticket {n}.",
            source="ticket",
            customer=f"c-{n % 500}",
            page="",
            product_area="",
            themes=[],
            sentiment="",
        )
        row.digest = digest(row)
        rows.append(row)
    upsert_feedback(
        organisation.pk,
        "Zendesk",
        [rows[start : start + CHUNK] for start in range(0, items, CHUNK)],
        FeedbackImportSummary(),
    )
    hypothesis = save_hypothesis(
        Hypothesis(
            organisation=organisation,
            title="Faster category pages on mobile",
            observation="Largest contentful paint on mobile categories is 4.1 s.",
            change="lazy-loading images below the fold",
            metric="Orders",
        ),
        by=user,
        new_tag_names=[],
    )
    newest = FeedbackItem.objects.for_org(organisation).order_by("-received_at")
    suggestions = feedback_like(hypothesis)
    if not any(WANTED in suggestion.item.text for suggestion in suggestions):
        raise SystemExit(f"no suggestion says “{WANTED}”")
    list(newest[:5])  # warms up
    baseline = best_of(repeat, lambda: list(newest[:5]))
    seconds = best_of(repeat, lambda: feedback_like(hypothesis))
    return {
        "items": FeedbackItem.objects.for_org(organisation).count(),
        "suggestions": len(suggestions),
        "seconds": seconds,
        "baseline": baseline,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument(
        "--database", choices=["sqlite", "postgres", "both"], default="both"
    )
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    options = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    if options.phase:
        print(json.dumps(phase(options.phase, options.items, options.repeat)))
        return 0
    databases = (
        ["sqlite", "postgres"] if options.database == "both" else [options.database]
    )
    rows, slowest = [], 0.0
    for database in databases:
        reset_database(database, DATABASE_NAME)
        result = run_phase(
            "bench.suggestions",
            "--phase", database,
            "--items", str(options.items),
            "--repeat", str(options.repeat),
        )  # fmt: skip
        save_results("suggestions", f"{database} {options.items}", result)
        seconds, baseline = result["seconds"], result["baseline"]
        slowest = max(slowest, seconds)
        rows.append(
            [
                database,
                f"{result['items']:,}",
                result["suggestions"],
                f"{seconds * 1000:.0f}",
                f"{baseline * 1000:.2f}",
                f"{seconds / baseline:,.0f}",
                "ok" if seconds < TARGET_SECONDS else "MISSED",
            ]
        )
    print_table(
        f"Suggested evidence, best of {options.repeat}",
        ["database", "items", "suggested", "ms", "trivial query ms", "× trivial",
         f"< {TARGET_SECONDS} s"],
        rows,
    )  # fmt: skip
    return 0 if slowest < TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
