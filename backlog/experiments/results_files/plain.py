"""The plain layout: one row per variant and metric, the sums already made.

    variant, metric, visitors, conversions, sum, sum_squares

A conversion metric fills conversions and leaves sum and sum_squares blank; a
mean or count metric (revenue, items per visitor) fills sum — the metric added
up over the variant's visitors — and sum_squares — its square added up — and
leaves conversions blank. The layout is this project's own, the inputs of
backlog.experiments.statistics and backlog.experiments.means.
"""

from backlog.experiments.results_files.layout import (
    Cells,
    Layout,
    Measures,
    RowProblem,
)


def measures(cells: Cells) -> Measures:
    visitors = cells.count("visitors")
    if visitors is None:
        raise RowProblem("visitors is blank")
    conversions = cells.count("conversions")
    total, squares = cells.number("sum"), cells.number("sum_squares")
    if conversions is not None:
        if total is not None or squares is not None:
            raise RowProblem(
                "the row fills both conversions and sum or sum_squares; a "
                "conversion metric leaves sum and sum_squares blank, a mean "
                "metric leaves conversions blank"
            )
        if conversions > visitors:
            raise RowProblem(
                f"conversions ({conversions}) is more than visitors ({visitors})"
            )
        return Measures(visitors, conversions, None, None)
    if total is None and squares is None:
        raise RowProblem("the row fills neither conversions nor sum and sum_squares")
    if total is None or squares is None:
        missing = "sum" if total is None else "sum_squares"
        raise RowProblem(f"{missing} is blank; a mean metric needs sum and sum_squares")
    if squares < 0:
        raise RowProblem("sum_squares is below zero")
    if visitors and squares < total * total / visitors * (1 - 1e-9):
        raise RowProblem(
            "sum_squares is smaller than sum² / visitors, which no values can give"
        )
    return Measures(visitors, None, total, squares)


LAYOUT = Layout(
    key="plain",
    label="Plain CSV",
    columns={
        "variant": ("variant",),
        "metric": ("metric",),
        "visitors": ("visitors",),
        "conversions": ("conversions",),
        "sum": ("sum",),
        "sum_squares": ("sum_squares", "sum squares"),
    },
    required=(
        ("variant",),
        ("metric",),
        ("visitors",),
        ("conversions",),
        ("sum",),
        ("sum_squares",),
    ),
    markers=frozenset({"sum_squares", "sum squares"}),
    measures=measures,
)
