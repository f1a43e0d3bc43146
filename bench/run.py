"""Every benchmark, one after the other: `make bench`.

Prints each table and leaves all figures in bench/results.json. The databases
are the benchmark's own (var/bench/ for SQLite, cromaturity_bench_* on the local
PostgreSQL); `make run`'s database is never touched.
"""

import sys
import time

from bench.harness import RESULTS, run_module


def main() -> None:
    RESULTS.unlink(missing_ok=True)
    started = time.perf_counter()
    for module in (
        "bench.import_feedback",
        "bench.import_hostile",
        "bench.masking",
        "bench.stats",
        "bench.experiment_stats",
        "bench.results_import",
        "bench.import_backlog",
        "bench.import_funnel",
        "bench.suggestions",
        "bench.pages",
        "bench.exports",
        "bench.load",
    ):
        print(f"\n=== {module} ===", flush=True)
        run_module(module)
    minutes = (time.perf_counter() - started) / 60
    print(f"\nAll benchmarks done in {minutes:.1f} min; figures in {RESULTS}.")


if __name__ == "__main__":
    sys.exit(main())
