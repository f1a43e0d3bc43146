"""Mask 200 000 feedback texts like the Zendesk sample's, as an import does.

    python -m bench.masking [--texts N] [--repeat R]

Two sets of texts: the sample's descriptions over and over, so that their phone
numbers repeat as a help desk's own numbers do in its replies; and the same texts
with every phone number made unique, so that libphonenumber reads each one.
Prints the best of R runs for each, in seconds, and records them in
bench/results.json. No database is used.
"""

import argparse
import csv
import os
import re
import sys
import time

from bench.harness import ROOT, print_table, save_results

SAMPLE = ROOT / "tests" / "fixtures" / "samples" / "zendesk_tickets.csv"
SAMPLE_PHONE = re.compile(r"\+44 7\d{3} \d{6}")


def sample_texts(count: int) -> list[str]:
    with SAMPLE.open(encoding="utf-8-sig", newline="") as handle:
        descriptions = [row["Description"] for row in csv.DictReader(handle)]
    return [descriptions[n % len(descriptions)] for n in range(count)]


def with_unique_numbers(texts: list[str], first: int) -> list[str]:
    """The texts with the phone numbers first, first + 1, ... in their place."""
    return [
        SAMPLE_PHONE.sub(f"+44 7{n // 10**6 % 1000:03d} {n % 10**6:06d}", text)
        for n, text in enumerate(texts, start=first)
    ]


def seconds_to_mask(texts: list[str]) -> float:
    from backlog.feedback.privacy import mask_contact_details

    started = time.perf_counter()
    for text in texts:
        mask_contact_details(text)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    options = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cromaturity.settings")
    os.environ.setdefault("DEBUG", "0")
    os.environ.setdefault("SECRET_KEY", "benchmark-only-" + "x" * 40)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    texts = sample_texts(options.texts)
    # Unique numbers are new in every run, so no run finds them cached.
    timings = {
        "sample texts": [seconds_to_mask(texts) for _ in range(options.repeat)],
        "unique numbers": [
            seconds_to_mask(with_unique_numbers(texts, run * len(texts)))
            for run in range(options.repeat)
        ],
    }
    rows = []
    for name, runs in timings.items():
        save_results("masking", name, {"texts": len(texts), "seconds": min(runs)})
        rows.append([name, f"{len(texts):,}", f"{min(runs):.2f}"])
    print_table(
        f"Masking, best of {options.repeat}", ["texts", "count", "seconds"], rows
    )


if __name__ == "__main__":
    sys.exit(main())
