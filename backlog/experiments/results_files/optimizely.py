"""Optimizely Web and Feature Experimentation: the results page's CSV export.

Based on Optimizely's documentation of the Experiment Results page, which
offers the export ("Export campaign or experiment results in a comma-separated
value (CSV) format") and names its columns per metric and variation:
https://support.optimizely.com/hc/en-us/articles/4410284017421 (Optimizely
Experiment Results page) and
https://www.optimizely.com/academy/courses/information-on-the-results-page/lm-analyze-the-metrics/
("Unique Conversions/Total Conversions & Visitors", conversion rate,
improvement, confidence interval, statistical significance). The stored copies
of those pages do not spell out the CSV's header row, so the labels below are
the documented column names, matched without regard to case; a file whose
header has none of them is not taken for Optimizely's.

Recognised columns: Variation or Variation Name; Metric or Metric Name (or a
metric's title on a line of its own above its table); Visitors or Unique
Visitors; Unique Conversions, else Conversions; Conversion Rate; Total Revenue
or Revenue; Revenue per Visitor; and, where a team added one, Standard
Deviation or Variance. Total Conversions is not read as conversions: it counts
a visitor's repeat conversions, so it is no share of the visitors.

A conversion metric takes its count; failing a count, round(rate · visitors).
A revenue metric needs a standard deviation, which the page does not show, so
without one its rows are rejected with that reason rather than guessed.
"""

from backlog.experiments.results_files.layout import (
    SPREAD_LABELS,
    TOTAL_ROWS,
    VARIANCE_LABELS,
    Layout,
    counted_or_derived,
)

LAYOUT = Layout(
    key="optimizely",
    label="Optimizely",
    columns={
        "variant": ("variation", "variation name"),
        "metric": ("metric", "metric name"),
        "visitors": ("visitors", "unique visitors"),
        "conversions": ("unique conversions", "conversions"),
        "rate": ("conversion rate",),
        "sum": ("total revenue", "revenue"),
        "mean": ("revenue per visitor",),
        "sd": SPREAD_LABELS,
        "variance": VARIANCE_LABELS,
    },
    required=(
        ("variant",),
        ("visitors",),
        ("conversions", "rate", "sum", "mean"),
    ),
    markers=frozenset(
        {"unique conversions", "unique visitors", "statistical significance"}
    ),
    measures=counted_or_derived,
    total_rows=TOTAL_ROWS,
)
