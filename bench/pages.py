"""Server time and query count of the main pages of a large demo workspace.

    python -m bench.pages [--scale 25 250] [--database sqlite postgres] [--repeat 30]

For each database and scale, a benchmark database of its own is seeded once with
`manage.py seed_demo --scale N` (the time it took is recorded), then each page is
requested through Django's full stack (middleware, sessions, templates) by the
signed-in demo admin: once to warm up, then `--repeat` times, with the cache
emptied before each request so that every page is rendered afresh. The backlog
list, which is cached until the organisation's content changes, is measured a
second time served from the cache. Prints p50 and p95 of the server time and the
query count, and records them in bench/results.json.
"""

import argparse
import json
import statistics
import subprocess
import sys
import time

from bench.harness import (
    ROOT,
    WORK,
    database_url,
    ensure_postgres_database,
    print_table,
    run_phase,
    save_results,
    setup_django,
)

TARGET_P95_MS = 150
CACHED_LIST = "backlog list, page 1, from the cache"


def database_name(scale: int) -> str:
    return f"cromaturity_bench_scale{scale}"


def seed(database: str, scale: int) -> float | None:
    """Seed the benchmark database unless it already holds this scale's demo."""
    name = database_name(scale)
    if database == "postgres":
        ensure_postgres_database(name)
    env = {
        "DATABASE_URL": database_url(database, name),
        "DEBUG": "0",
        "SECRET_KEY": "benchmark-only-" + "x" * 40,
        "ALLOWED_HOSTS": "localhost",
        "PATH": "/usr/bin:/bin",
        "MEDIA_ROOT": str(WORK / "media"),
    }
    python = sys.executable
    manage = [python, "manage.py"]
    check = subprocess.run(  # noqa: S603 - our own command
        [
            *manage,
            "shell",
            "-c",
            "from backlog.models import Hypothesis;print(Hypothesis.objects.count())",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    existing = check.stdout.strip().splitlines()[-1:] if check.returncode == 0 else []
    if existing and existing[0].isdigit() and int(existing[0]) >= 39 * scale:
        return None
    subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True)  # noqa: S603
    started = time.perf_counter()
    subprocess.run(  # noqa: S603
        [*manage, "seed_demo", "--scale", str(scale)],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    return round(time.perf_counter() - started, 1)


def pages() -> list[tuple[str, str]]:
    """The measured pages of the demo organisation, as (label, path)."""
    from django.db.models import Count
    from django.urls import reverse

    from assessments.models import Assessment, AssessmentStatus
    from backlog.models import Hypothesis

    slug = "demo"
    hypothesis = (
        Hypothesis.objects.filter(organisation__slug=slug, evidence_items__gt=0)
        .annotate(experiment_count=Count("experiments"))
        .filter(experiment_count__gt=0)
        .order_by("-evidence_items")
        .first()
    ) or Hypothesis.objects.filter(organisation__slug=slug).first()
    scorecard = (
        Assessment.objects.filter(
            organisation__slug=slug, status=AssessmentStatus.CLOSED
        )
        .order_by("-closed_at")
        .first()
    )
    current = Assessment.objects.filter(
        organisation__slug=slug, status=AssessmentStatus.OPEN
    ).first()
    backlog = reverse("backlog:hypothesis-list", args=[slug])
    return [
        ("home dashboard", reverse("home", args=[slug])),
        ("backlog list, page 1", backlog),
        ("backlog list, page 50", backlog + "?page=50"),
        ("backlog list, by PIE", backlog + "?sort=pie"),
        ("backlog list, filtered", backlog + "?status=backlog&kind=test"),
        ("board", reverse("backlog:board", args=[slug])),
        (
            "hypothesis with results and evidence",
            reverse("backlog:hypothesis-detail", args=[slug, hypothesis.pk]),
        ),
        (
            "feedback list, text search",
            reverse("feedback:item-list", args=[slug]) + "?q=delivery",
        ),
        ("feedback themes", reverse("feedback:theme-list", args=[slug])),
        ("assessments with trend", reverse("assessments:assessment-list", args=[slug])),
        (
            "scorecard, 30 respondents",
            reverse("assessments:assessment-detail", args=[slug, scorecard.pk]),
        ),
        (
            "questionnaire step",
            reverse("assessments:questionnaire-step", args=[slug, current.pk, "S"]),
        ),
    ]


def measure(database: str, scale: int, repeat: int) -> dict:
    setup_django(database, database_name(scale), pages=True)
    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(get_user_model().objects.get(username="demo"))

    def timed(path: str, *, cached: bool) -> dict:
        response = client.get(path)
        if response.status_code != 200:
            raise SystemExit(f"{path}: HTTP {response.status_code}")
        times = []
        with CaptureQueriesContext(connection) as queries:
            for _ in range(repeat):
                if not cached:
                    cache.clear()
                before = len(queries.captured_queries)
                started = time.perf_counter()
                client.get(path)
                times.append((time.perf_counter() - started) * 1000)
                count = len(queries.captured_queries) - before
        times.sort()
        return {
            "path": path,
            "p50_ms": round(statistics.median(times), 1),
            "p95_ms": round(times[max(0, round(0.95 * len(times)) - 1)], 1),
            "queries": count,
        }

    # Every page is rendered afresh each time (as after any change in the
    # organisation); the backlog list is then also measured served from the cache.
    results = {label: timed(path, cached=False) for label, path in pages()}
    first = results["backlog list, page 1"]["path"]
    results[CACHED_LIST] = timed(first, cached=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, nargs="+", default=[25, 250])
    parser.add_argument(
        "--database",
        nargs="+",
        choices=["sqlite", "postgres"],
        default=["sqlite", "postgres"],
    )
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--phase", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        database, scale = args.phase[0], int(args.phase[1])
        print(json.dumps(measure(database, scale, args.repeat)))
        return

    measured = {}
    for database in args.database:
        for scale in args.scale:
            seconds = seed(database, scale)
            if seconds is not None:
                print(f"seeded --scale {scale} on {database} in {seconds} s")
                save_results("seed", f"{database} scale {scale}", {"seconds": seconds})
            result = run_phase(
                "bench.pages",
                "--phase",
                database,
                str(scale),
                "--repeat",
                str(args.repeat),
            )
            measured[(database, scale)] = result
            save_results("pages", f"{database} scale {scale}", result)

    for database in args.database:
        rows = []
        labels = list(measured[(database, args.scale[0])])
        for label in labels:
            row = [label]
            counts = set()
            for scale in args.scale:
                page = measured[(database, scale)][label]
                row += [page["p50_ms"], page["p95_ms"], page["queries"]]
                counts.add(page["queries"])
            top = measured[(database, max(args.scale))][label]["p95_ms"]
            verdict = "ok" if top < TARGET_P95_MS and len(counts) == 1 else "MISSED"
            rows.append([*row, verdict])
        header = ["page"]
        for scale in args.scale:
            header += [f"p50 ms @{scale}", f"p95 ms @{scale}", f"queries @{scale}"]
        print_table(
            f"Server time on {database} (target: p95 < {TARGET_P95_MS} ms at the "
            "largest scale, same query count at every scale)",
            [*header, "target"],
            rows,
        )


if __name__ == "__main__":
    sys.exit(main())
