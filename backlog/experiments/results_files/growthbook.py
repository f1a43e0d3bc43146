"""GrowthBook: the "Export CSV" of an experiment's results.

Based on the code that writes it, growthbook/growthbook
packages/front-end/components/Experiment/ResultsDownloadButton.tsx (the newest
stored snapshot, commit 8f1db44 of August 2026): json2csv writes one row per
metric and variation, with these columns in this order, the names quoted:

    metric, variation, riskOfChoosing, users, totalValue, perUserValue,
    perUserValueStdDev, chanceToBeatControl, percentChange,
    percentChangePValue, percentChangePValueAdjusted, percentChangeCILower,
    percentChangeCIUpper, percentChangeCILowerAdjusted,
    percentChangeCIUpperAdjusted

(older versions lack the *Adjusted columns). When the results are broken down
by a dimension, a first column named after the dimension comes before metric.

What the numbers are, from packages/stats/gbstats (gbstats.py
get_metric_response, models/statistics.py): users is the variation's users n;
totalValue is the metric summed over them (main_sum), S; perUserValue is the
unadjusted mean; perUserValueStdDev is the standard deviation of the
statistic — for a mean metric (SampleMeanStatistic) the sample one,
s² = (Q − S²/n) / (n − 1), for a binomial metric (ProportionStatistic)
√(p(1 − p)) with p = S / n. The export writes it blank when it is 0.

So a row is read as a conversion metric when totalValue is a whole number no
larger than users and the deviation is √(p(1 − p)) (or blank with p 0 or 1):
conversions = totalValue. Any other row is a mean metric: sum = totalValue and
sum_squares = (n − 1)·s² + S²/n (see layout). A row whose perUserValue is not
totalValue / users is a ratio or quantile metric, whose per-user spread the
file does not give: it is rejected. So is a mean row with a blank deviation.
With CUPED on, GrowthBook's deviation is the adjusted one; the file does not
say so, and the sum of squares then carries the adjustment.
"""

import math

from backlog.experiments.results_files.cells import normalize_label
from backlog.experiments.results_files.layout import (
    Cells,
    Layout,
    Measures,
    RowProblem,
    sum_squares_from_spread,
)

COLUMNS = (
    "metric",
    "variation",
    "riskofchoosing",
    "users",
    "totalvalue",
    "peruservalue",
    "peruservaluestddev",
    "chancetobeatcontrol",
    "percentchange",
    "percentchangepvalue",
    "percentchangepvalueadjusted",
    "percentchangecilower",
    "percentchangeciupper",
    "percentchangeciloweradjusted",
    "percentchangeciupperadjusted",
)
RELATIVE = 1e-6


def measures(cells: Cells) -> Measures:
    visitors = cells.count("visitors")
    if visitors is None:
        raise RowProblem("users is blank")
    total = cells.number("sum")
    if total is None:
        raise RowProblem("totalValue is blank")
    mean = cells.number("mean")
    sd = cells.number("sd")
    if sd is not None and sd < 0:
        raise RowProblem("perUserValueStdDev is below zero")
    if _binomial(visitors, total, sd):
        return Measures(visitors, round(total), None, None)
    if visitors == 0:
        return Measures(0, None, 0.0, 0.0)
    if mean is not None and not math.isclose(
        mean, total / visitors, rel_tol=RELATIVE, abs_tol=1e-12
    ):
        raise RowProblem(
            "perUserValue is not totalValue / users, so this is a ratio or "
            "quantile metric, whose spread per user the export does not give"
        )
    if sd is None:
        raise RowProblem(
            "perUserValueStdDev is blank (GrowthBook leaves it blank when it "
            "is 0 or unknown), so the spread of the metric cannot be known"
        )
    return Measures(
        visitors, None, total, sum_squares_from_spread(visitors, total, sd * sd)
    )


def _binomial(visitors: int, total: float, sd: float | None) -> bool:
    if total != round(total) or not 0 <= total <= visitors:
        return False
    if visitors == 0:
        return True
    p = total / visitors
    if sd is None:
        return p in (0.0, 1.0)
    return math.isclose(sd, math.sqrt(p * (1 - p)), rel_tol=RELATIVE, abs_tol=1e-12)


def refuse_header(header: list[str]) -> str | None:
    labels = [normalize_label(cell) for cell in header]
    if "metric" in labels and labels.index("metric") > 0:
        dimension = header[0].strip()
        return (
            f"This GrowthBook export is broken down by “{dimension}”, so each "
            "variation has one row per value of it. Export the results without "
            "a dimension and import that file."
        )
    return None


LAYOUT = Layout(
    key="growthbook",
    label="GrowthBook",
    columns={
        "variant": ("variation",),
        "metric": ("metric",),
        "visitors": ("users",),
        "sum": ("totalvalue",),
        "mean": ("peruservalue",),
        "sd": ("peruservaluestddev",),
    },
    required=(("variant",), ("metric",), ("visitors",), ("sum",), ("sd",)),
    markers=frozenset(COLUMNS) - {"metric", "variation", "users"},
    measures=measures,
    refuse_header=refuse_header,
)
