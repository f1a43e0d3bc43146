"""The experiments' statistics for the hardest inputs the form and the API accept.

    python -m bench.experiment_stats [--repeat R]

The cases run from reading a testing tool's results file of 1 000 rows and
single functions up to the whole ``analyse`` of the
largest plan accepted (10 variants × 20 metrics), at 10⁹ visitors and where
the chance to beat's exact sum and Student's t continued fraction are longest.
Each case is timed as the best of R calls and shown as a ratio to a trivial
baseline measured in the same run (summing a thousand floats), so the figures
compare across machines; the slowest case must stay under 50 ms. No database
is used.
"""

import argparse
import math
import sys
import time
from collections.abc import Callable
from datetime import date

from bench.harness import ROOT, print_table, save_results

N = 10**9


def best_of(repeat: int, call: Callable[[], object]) -> float:
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        timings.append(time.perf_counter() - started)
    return min(timings)


def cases() -> dict[str, Callable[[], object]]:
    from backlog.experiments.analysis import (
        CONVERSION,
        GUARDRAIL,
        MEAN,
        PRIMARY,
        SECONDARY,
        ExperimentPlan,
        MetricPlan,
        Numbers,
        VariantPlan,
        analyse,
    )
    from backlog.experiments.corrections import (
        Correction,
        adjust,
        widened_interval,
    )
    from backlog.experiments.decisions import ChallengerEvidence, Progress, decide
    from backlog.experiments.guardrails import (
        Direction,
        conversion_guardrail,
        mean_guardrail,
    )
    from backlog.experiments.means import MeanArm, compare_means
    from backlog.experiments.sequential import sequential_test
    from backlog.experiments.statistics import Arm
    from backlog.experiments.student_t import t_isf, t_sf

    def arm(visitors: int, mean: float, sd: float) -> MeanArm:
        total = mean * visitors
        return MeanArm(visitors, total, sd * sd * (visitors - 1) + total**2 / visitors)

    family = [i / 61 for i in range(60)]  # 20 metrics × 5 challengers, roughly
    challengers = [
        ChallengerEvidence(f"V{i}", 0.01 * i, 0.1, {"support": "passed"})
        for i in range(5)
    ]
    progress = Progress(20_000, 20_000, 14, 14)

    def hardest(
        sequential: bool, conversions: int, visitors: int = N, challengers: int = N
    ) -> Callable[[], object]:
        """10 variants × 20 metrics (10 conversion goals, 10 means; 1 primary,
        4 guardrails), the most the API and form accept; the control has
        `visitors`, each challenger `challengers`, and converts in proportion."""
        metrics = [
            MetricPlan(
                key=f"m{i}",
                name=f"Metric {i}",
                kind=CONVERSION if i % 2 == 0 else MEAN,
                direction=Direction.UP_IS_GOOD,
                role=PRIMARY if i == 0 else GUARDRAIL if i % 5 == 4 else SECONDARY,
                margin=0.02 if i % 5 == 4 else None,
            )
            for i in range(20)
        ]
        variants = []
        for v in range(10):
            n = N if v == 0 else challengers
            numbers = {}
            for i, metric in enumerate(metrics):
                if metric.kind == CONVERSION:
                    numbers[metric.key] = Numbers(
                        n, conversions=conversions * n // N + v * 10 + i
                    )
                else:
                    total = (4.2 + v * 1e-4) * n
                    numbers[metric.key] = Numbers(
                        n, sum=total, sum_squares=225.0 * (n - 1) + total**2 / n
                    )
            variants.append(VariantPlan(f"V{v}", v == 0, 1, n, numbers))
        plan = ExperimentPlan(
            sequential=sequential,
            planned_visitors_per_variant=visitors,
            minimum_weeks=2,
            maximum_weeks=8,
            started_on=date(2026, 1, 1),
        )
        return lambda: analyse(plan, metrics, variants, date(2026, 2, 1))

    from backlog.experiments.results_files import detect_tool, read_results

    header = (
        '"metric","variation","riskOfChoosing","users","totalValue","perUserValue",'
        '"perUserValueStdDev","chanceToBeatControl","percentChange",'
        '"percentChangePValue","percentChangePValueAdjusted","percentChangeCILower",'
        '"percentChangeCIUpper","percentChangeCILowerAdjusted",'
        '"percentChangeCIUpperAdjusted"'
    )
    growthbook = "\n".join(
        [header]
        + [
            f'"m{i}","Control",0,50,1234.5,24.69,30.1,0.5,0.01,0.2,0.3,-0.1,0.12,'
            "-0.11,0.13"
            for i in range(1000)
        ]
    ).encode()
    german = (
        "variant;metric;visitors;conversions;sum;sum_squares\n"
        + "\n".join(f"v{i};m;1.234;;15.425,5;1.000.000,25" for i in range(1000))
    ).encode("utf-16")
    header_cells = header.replace('"', "").split(",")

    return {
        "results file, 1 000 GrowthBook rows": lambda: read_results(growthbook),
        "results file, 1 000 rows of German Excel UTF-16": lambda: read_results(german),
        "results file, which tool wrote it": lambda: detect_tool(header_cells),
        "t tail, ν just below Hill's switch": lambda: t_sf(3.1, 9_999.0),
        "t tail, ν = 1.01, far tail": lambda: t_sf(1e6, 1.01),
        "t tail, ν = 2·10⁹": lambda: t_sf(5.0, 2e9),
        "t quantile, ν = 9 999, 10⁻⁹": lambda: t_isf(1e-9, 9_999.0),
        "t quantile, ν = 1, 10⁻⁹": lambda: t_isf(1e-9, 1.0),
        "Welch, 10⁹ visitors each": lambda: compare_means(
            arm(N, 4.2, 15.0), arm(N, 4.2003, 15.0)
        ),
        "Welch, 2 against 10⁹ visitors": lambda: compare_means(
            arm(2, 4.0, 1.0), arm(N, 4.2, 15.0)
        ),
        "Welch, ν near the switch": lambda: compare_means(
            arm(5_000, 10.0, 3.0), arm(5_001, 10.1, 3.0)
        ),
        "guardrail, conversions, 10⁹": lambda: conversion_guardrail(
            Arm(N, N // 20), Arm(N, N // 20 + 10_000), Direction.DOWN_IS_GOOD, 0.01
        ),
        "guardrail, mean, ν near the switch": lambda: mean_guardrail(
            arm(5_000, 1.0, 3.0), arm(5_001, 1.1, 3.0), Direction.DOWN_IS_GOOD, 0.05
        ),
        "Holm, 60 comparisons": lambda: adjust(family),
        "Benjamini–Hochberg, 60 comparisons": lambda: adjust(
            family, Correction.BENJAMINI_HOCHBERG
        ),
        "widened t interval": lambda: widened_interval(
            0.1, (0.01, 0.19), 1e-9, degrees_of_freedom=9_999.0
        ),
        "sequential, 2·10⁹ visitors": lambda: sequential_test(2e-5, 1e-5, 2 * N, 2 * N),
        "decision, 5 challengers": lambda: decide(
            challengers, Direction.UP_IS_GOOD, progress
        ),
        "analyse, 10 × 20 at 10⁹, 5 % convert": hardest(False, N // 20),
        "analyse, 10 × 20 at 10⁹, 5 %, sequential": hardest(True, N // 20),
        # The chance to beat's exact sum is longest here (bench.stats).
        "analyse, 10 × 20 at 10⁹, 50 000 convert": hardest(False, 50_000),
        "analyse, 10 × 20 at 10⁹, 99 990, sequential": hardest(True, 99_990),
        # Welch's ν just below Hill's switch: t's continued fraction is longest.
        "analyse, 10 × 20 at 5 000 visitors": hardest(False, 500, 5_000),
        # A lopsided split: the chance to beat's peak term needs decimals.
        "analyse, 10 × 20, 10⁹ against 2·10⁶ each": hardest(
            False, N // 20, challengers=2_000_000
        ),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    options = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    floats = [n / 7 for n in range(1000)]
    baseline = best_of(options.repeat, lambda: math.fsum(floats))
    rows, slowest, slowest_name = [], 0.0, ""
    for name, call in cases().items():
        seconds = best_of(options.repeat, call)
        if seconds > slowest:
            slowest, slowest_name = seconds, name
        save_results(
            "experiment_stats", name, {"seconds": seconds, "baseline": baseline}
        )
        rows.append([name, f"{seconds * 1000:.3f}", f"{seconds / baseline:,.0f}"])
    print_table(
        f"Experiment statistics, best of {options.repeat} "
        f"(baseline {baseline * 1e6:.1f} µs)",
        ["case", "ms", "× baseline"],
        rows,
    )
    print(
        f"Slowest: {slowest_name}, {slowest * 1000:.2f} ms = "
        f"{slowest / baseline:,.0f} × baseline (bound 50 ms)."
    )
    return 0 if slowest < 0.05 else 1


if __name__ == "__main__":
    sys.exit(main())
