"""The chance to beat the control for the hardest results the form accepts.

    python -m bench.stats [--repeat R]

Each case is timed as the best of R calls of ``probability_to_beat`` and shown
as a ratio to a trivial baseline measured in the same run (summing a thousand
floats), so the figures compare across machines. Beside the hardest cases, the
slowest of 200 random tests the form accepts (seeded: up to 10⁹ visitors, any
conversions, and as many with almost none or almost all converting). The
slowest case must stay under 50 ms. No database is used.
"""

import argparse
import math
import random
import sys
import time

from bench.harness import ROOT, print_table, save_results

N = 10**9
# backlog.experiments.statistics.EXACT_TERMS_MAX, the exact sum's longest walk
LIMIT = 100_000

CASES = {
    "1e9 visitors, all convert but one": ((N, N - 1), (N, N)),
    "1e9 visitors, one conversion": ((N, 1), (N, 0)),
    "1e9 visitors, half convert": ((N, N // 2), (N, N // 2 + 30_000)),
    "1e9 visitors, 1 % convert": ((N, N // 100), (N, N // 100 + 2_000)),
    "exact sum at its limit": ((N, LIMIT - 1), (N, LIMIT)),
    "exact sum at its limit, even": ((2 * LIMIT, LIMIT - 1), (2 * LIMIT, LIMIT)),
    "expansion just past the limit": ((N, LIMIT + 1), (N, LIMIT + 300)),
    "1e9 against 1 visitor": ((N, N - LIMIT), (1, 1)),
    "lopsided split, exact sum in decimals": ((N, N // 20), (2_000_000, 99_000)),
    "typical test": ((41_230, 3_092), (41_105, 3_292)),
}


RANDOM_TESTS = 200


def random_arm(rng: random.Random) -> tuple[int, int]:
    """Visitors and conversions as the form accepts them: conversions anywhere,
    or within 5 of none or of every visitor."""
    visitors = rng.randint(1, N)
    conversions = rng.choice(
        [
            rng.randint(0, visitors),
            rng.randint(max(0, visitors - 5), visitors),
            rng.randint(0, min(visitors, 5)),
        ]
    )
    return visitors, conversions


def best_of(repeat: int, call) -> float:
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        timings.append(time.perf_counter() - started)
    return min(timings)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    options = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from backlog.experiments.statistics import Arm, probability_to_beat

    floats = [n / 7 for n in range(1000)]
    baseline = best_of(options.repeat, lambda: math.fsum(floats))
    rows, slowest = [], 0.0
    for name, (control, variant) in CASES.items():
        seconds = best_of(
            options.repeat,
            lambda c=control, v=variant: probability_to_beat(Arm(*c), Arm(*v)),
        )
        slowest = max(slowest, seconds)
        save_results("stats", name, {"seconds": seconds, "baseline": baseline})
        rows.append([name, f"{seconds * 1000:.2f}", f"{seconds / baseline:,.0f}"])
    rng = random.Random(RANDOM_TESTS)  # noqa: S311 - repeatable test data
    seconds, worst = 0.0, ((0, 0), (0, 0))
    for _ in range(RANDOM_TESTS):
        control, variant = random_arm(rng), random_arm(rng)
        timing = best_of(
            options.repeat,
            lambda c=control, v=variant: probability_to_beat(Arm(*c), Arm(*v)),
        )
        if timing > seconds:
            seconds, worst = timing, (control, variant)
    slowest = max(slowest, seconds)
    name = f"slowest of {RANDOM_TESTS} random tests the form accepts"
    save_results(
        "stats",
        name,
        {"seconds": seconds, "baseline": baseline, "arms": [list(a) for a in worst]},
    )
    rows.append([name, f"{seconds * 1000:.2f}", f"{seconds / baseline:,.0f}"])
    print_table(
        f"Chance to beat, best of {options.repeat} (baseline {baseline * 1e6:.1f} µs)",
        ["case", "ms", "× baseline"],
        rows,
    )
    print(f"Slowest: {slowest * 1000:.2f} ms (bound 50 ms).")
    return 0 if slowest < 0.05 else 1


if __name__ == "__main__":
    sys.exit(main())
