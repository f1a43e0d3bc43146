"""VWO (Wingify): a test campaign's report table, downloaded as CSV.

Based on VWO's documentation of the report table and its views:
https://help.vwo.com/hc/en-us/articles/31077060277913 (Know What is Where on
Your Report Table: the "Show 'total' row" option) and
https://help.wingify.com/hc/en-us/articles/58840387909273 (Navigate and
Customize Your Campaign Report: the "Raw data (visitors)" view has the columns
Visitors, Conversions (v), Conversion Rate (v), Improvement % (v), Conversion
Per Visitor and Conversion Per Visitor Improvement %; the "Raw data
(sessions)" view counts sessions instead). The stored pages do not show a
downloaded file's header row, so these documented column names are matched
without regard to case.

Recognised columns: Variation or Variation Name; Goal, Goal Name, Metric or
Metric Name (or a goal's title on a line of its own above its table);
Visitors; Conversions (v), else Conversions; Conversion Rate (v), else
Conversion Rate; Revenue or Total Revenue; Revenue per Visitor; and, where a
team added one, Standard Deviation or Variance. The sessions view has no
Visitors column, so it is not read: sessions are not visitors.

The Total row VWO can add is rejected, being no variation. A conversion metric
takes its count, failing that round(rate · visitors); a revenue metric without
a standard deviation is rejected with that reason.
"""

from backlog.experiments.results_files.layout import (
    SPREAD_LABELS,
    TOTAL_ROWS,
    VARIANCE_LABELS,
    Layout,
    counted_or_derived,
)

LAYOUT = Layout(
    key="vwo",
    label="VWO",
    columns={
        "variant": ("variation", "variation name"),
        "metric": ("goal", "goal name", "metric", "metric name"),
        "visitors": ("visitors",),
        "conversions": ("conversions (v)", "conversions"),
        "rate": ("conversion rate (v)", "conversion rate"),
        "sum": ("revenue", "total revenue"),
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
        {
            "conversions (v)",
            "conversion rate (v)",
            "improvement % (v)",
            "conversion per visitor",
            "conversion per visitor improvement %",
            "probability to be better",
            "expected conversion rate",
            "expected improvement",
        }
    ),
    measures=counted_or_derived,
    total_rows=TOTAL_ROWS,
)
