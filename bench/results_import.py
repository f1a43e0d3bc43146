"""Upload an experiment's 1 000-row results file and open its preview, as a
person does, beside a trivial view.

    python -m bench.results_import [--database sqlite|postgres|both] [--repeat R]

The experiment has the most variants a plan accepts (10); the file, a plain
CSV, holds 1 000 rows: 100 goals for each variant. Through Django's full stack
(middleware, sessions, templates), the signed-in admin posts the file to the
import page and opens the preview it leads to, whose mapping form lists the 100
goals. Beside it, in the same process, `/healthz`: a trivial view, which the
upload's time is stated against. Each figure is the best of R runs; the target
is under 1 s for the upload and the preview together.
"""

import argparse
import json
import re
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

DATABASE_NAME = "cromaturity_bench_results_import"
ORG_SLUG = "bench-results"
TARGET_SECONDS = 1.0
VARIANTS = 10
ROWS = 1000
# The preview's mapping form has a field for each goal in the file.
GOAL_FIELD = re.compile(r'name="metric_(\d+)"')


def best_of(repeat: int, call: Callable[[], object]) -> float:
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        timings.append(time.perf_counter() - started)
    return min(timings)


def results_file() -> bytes:
    lines = ["variant,metric,visitors,conversions,sum,sum_squares"]
    lines += [
        f"Variant {i % VARIANTS},goal {i // VARIANTS},1000,{i % 97},,"
        for i in range(ROWS)
    ]
    return "\n".join(lines).encode()


def phase(database: str, repeat: int) -> dict:
    setup_django(database, DATABASE_NAME, pages=True)
    from django.contrib.auth import get_user_model
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client
    from django.urls import reverse

    from backlog.authoring import save_hypothesis
    from backlog.experiments.registration import (
        PlannedVariant,
        PlanSettings,
        RegisteredMetric,
        register_experiment,
    )
    from backlog.models import Hypothesis, Metric, MetricRole
    from cromaturity.workspaces import create_organisation

    user = get_user_model().objects.create_user("bench-results")
    organisation = create_organisation(
        name="Results benchmark", slug=ORG_SLUG, creator=user
    )
    metric = Metric.objects.create(
        organisation=organisation, key="add_to_cart", name="Add to cart"
    )
    hypothesis = save_hypothesis(
        Hypothesis(organisation=organisation, title="Many goals", metric="Orders"),
        by=user,
        new_tag_names=[],
    )
    experiment = register_experiment(
        hypothesis,
        name="Ten variants",
        variants=[
            PlannedVariant(f"Variant {i}", is_control=i == 0) for i in range(VARIANTS)
        ],
        metrics=[RegisteredMetric(metric, MetricRole.PRIMARY)],
        settings=PlanSettings(),
        by=user,
    )
    client = Client()
    client.force_login(user)
    upload_url = reverse(
        "backlog:experiment-results-import", args=[ORG_SLUG, experiment.pk]
    )
    data = results_file()
    goals = []

    def upload_and_preview() -> None:
        response = client.post(
            upload_url,
            {"file": SimpleUploadedFile("results.csv", data, "text/csv"), "tool": ""},
        )
        if response.status_code != 302:
            raise SystemExit(f"upload: HTTP {response.status_code}")
        preview = client.get(response["Location"])
        if preview.status_code != 200:
            raise SystemExit(f"preview: HTTP {preview.status_code}")
        goals.append(len(set(GOAL_FIELD.findall(preview.content.decode()))))

    def trivial() -> None:
        if client.get("/healthz").status_code != 200:
            raise SystemExit("/healthz: not 200")

    trivial()  # the first request of each warms up
    upload_and_preview()
    baseline = best_of(repeat, trivial)
    seconds = best_of(repeat, upload_and_preview)
    return {
        "seconds": seconds,
        "baseline": baseline,
        "rows": ROWS,
        "goals": sorted(set(goals)),
        "bytes": len(data),
    }


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
            "bench.results_import", "--phase", database, "--repeat", str(options.repeat)
        )
        save_results("results_import", database, result)
        if result["goals"] != [ROWS // VARIANTS]:
            raise SystemExit(f"the preview listed {result['goals']} goals, not 100")
        seconds, baseline = result["seconds"], result["baseline"]
        slowest = max(slowest, seconds)
        rows.append(
            [
                database,
                f"{seconds * 1000:.0f}",
                f"{baseline * 1000:.2f}",
                f"{seconds / baseline:,.0f}",
                "ok" if seconds < TARGET_SECONDS else "MISSED",
            ]
        )
    print_table(
        f"Results file of {ROWS:,} rows ({VARIANTS} variants × {ROWS // VARIANTS} "
        f"goals): upload and preview, best of {options.repeat}",
        ["database", "ms", "/healthz ms", "× /healthz", f"< {TARGET_SECONDS:g} s"],
        rows,
    )
    return 0 if slowest < TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
