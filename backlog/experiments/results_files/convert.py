"""Convert Experiences: an experience report's table, exported as CSV.

Based on Convert's documentation of the report's columns,
https://support.convert.com/hc/en-us/articles/understanding-report-metrics-in-convert
(Understanding Report Metrics in Convert): Visitors (unique people bucketed
into each variation), Conversions (goal completions counted once per visitor),
Conversion Rate (Conversions ÷ Visitors), Total Conversions (with repeats),
Revenue, Revenue per Visitor (RPV), Average Products Per Visitor (APPV),
Improvement, Confidence, Statistical Significance, P-value, Confidence
Interval, Chance to Win, Expected Loss. The stored page does not show an
exported file's header row, so these documented names are matched without
regard to case.

Recognised columns: Variation or Variation Name; Goal or Goal Name (or a
goal's title on a line of its own above its table); Visitors; Conversions;
Conversion Rate; Revenue; Revenue per Visitor (RPV), Revenue per Visitor or
RPV; and, where a team added one, Standard Deviation or Variance. Total
Conversions is not read as conversions (it counts repeats).

A conversion metric takes its count, failing that round(rate · visitors); a
revenue metric without a standard deviation is rejected with that reason.
"""

from backlog.experiments.results_files.layout import (
    SPREAD_LABELS,
    TOTAL_ROWS,
    VARIANCE_LABELS,
    Layout,
    counted_or_derived,
)

LAYOUT = Layout(
    key="convert",
    label="Convert",
    columns={
        "variant": ("variation", "variation name"),
        "metric": ("goal", "goal name"),
        "visitors": ("visitors",),
        "conversions": ("conversions",),
        "rate": ("conversion rate",),
        "sum": ("revenue",),
        "mean": ("revenue per visitor (rpv)", "revenue per visitor", "rpv"),
        "sd": SPREAD_LABELS,
        "variance": VARIANCE_LABELS,
    },
    required=(
        ("variant",),
        ("visitors",),
        ("conversions", "rate", "sum", "mean"),
    ),
    markers=frozenset(
        {
            "revenue per visitor (rpv)",
            "rpv",
            "average products per visitor (appv)",
            "appv",
            "confidence",
            "chance to win",
            "expected loss",
            "p-value",
        }
    ),
    measures=counted_or_derived,
    total_rows=TOTAL_ROWS,
)
