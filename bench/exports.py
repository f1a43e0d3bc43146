"""How long the heavy downloads take, through the same views as the browser.

    python -m bench.exports [--scale 25 250] [--database sqlite postgres] [--repeat 5]

Uses the benchmark databases that `bench.pages` seeds (it seeds them too when
missing). Measures the scorecard PDF and XLSX of the latest closed assessment (30
respondents), and the backlog list as XLSX and CSV with every hypothesis (about
10 000 at --scale 250).
"""

import argparse
import json
import statistics
import sys
import time

from bench.harness import print_table, run_phase, save_results, setup_django
from bench.pages import database_name, seed

TARGETS_S = {"scorecard PDF": 1.5, "backlog XLSX, all hypotheses": 5.0}


def downloads() -> list[tuple[str, str]]:
    from django.urls import reverse

    from assessments.models import Assessment, AssessmentStatus

    slug = "demo"
    scorecard = (
        Assessment.objects.filter(
            organisation__slug=slug, status=AssessmentStatus.CLOSED
        )
        .order_by("-closed_at")
        .first()
    )
    backlog = reverse("backlog:hypothesis-export-xlsx", args=[slug]) + "?status=any"
    return [
        (
            "scorecard PDF",
            reverse("assessments:scorecard-pdf", args=[slug, scorecard.pk]),
        ),
        (
            "scorecard XLSX",
            reverse("assessments:scorecard-xlsx", args=[slug, scorecard.pk]),
        ),
        ("backlog XLSX, all hypotheses", backlog),
        (
            "backlog CSV, all hypotheses",
            reverse("backlog:hypothesis-export-csv", args=[slug]) + "?status=any",
        ),
    ]


def measure(database: str, scale: int, repeat: int) -> dict:
    setup_django(database, database_name(scale), pages=True)
    from django.contrib.auth import get_user_model
    from django.test import Client

    from backlog.models import Hypothesis

    client = Client()
    client.force_login(get_user_model().objects.get(username="demo"))
    results = {}
    for label, path in downloads():
        seconds, size = [], 0
        for _ in range(repeat + 1):
            started = time.perf_counter()
            response = client.get(path)
            body = (
                b"".join(response.streaming_content)
                if response.streaming
                else response.content
            )
            seconds.append(time.perf_counter() - started)
            if response.status_code != 200:
                raise SystemExit(f"{path}: HTTP {response.status_code}")
            size = len(body)
        seconds = sorted(seconds[1:])  # the first request warms up
        results[label] = {
            "path": path,
            "median_s": round(statistics.median(seconds), 3),
            "max_s": round(seconds[-1], 3),
            "bytes": size,
        }
    results["hypotheses"] = Hypothesis.objects.filter(organisation__slug="demo").count()
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
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--phase", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        database, scale = args.phase[0], int(args.phase[1])
        print(json.dumps(measure(database, scale, args.repeat)))
        return

    rows = []
    for database in args.database:
        for scale in args.scale:
            seed(database, scale)
            result = run_phase(
                "bench.exports",
                "--phase",
                database,
                str(scale),
                "--repeat",
                str(args.repeat),
            )
            save_results("exports", f"{database} scale {scale}", result)
            for label, figures in result.items():
                if label == "hypotheses":
                    continue
                target = TARGETS_S.get(label)
                verdict = ""
                if target is not None and scale == max(args.scale):
                    verdict = "ok" if figures["max_s"] < target else "MISSED"
                rows.append(
                    [
                        database,
                        scale,
                        label,
                        f"{figures['median_s']:.2f}",
                        f"{figures['max_s']:.2f}",
                        f"{figures['bytes'] / 1024:,.0f}",
                        f"< {target} s {verdict}" if target else "",
                    ]
                )
    print_table(
        "Downloads (server time, seconds)",
        ["database", "scale", "download", "median", "max", "KiB", "target"],
        rows,
    )


if __name__ == "__main__":
    sys.exit(main())
