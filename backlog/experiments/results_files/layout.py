"""How one tool lays out its results export, and the numbers a row gives.

A Layout names, for each role a column can play (variant, metric, visitors,
conversions, rate, ...), the header labels that play it, in order of
preference; which roles a header must have to be this tool's; the labels that
point to this tool rather than another one; and how a row's cells become
visitors, conversions, sum and sum of squares.

Derivation from a mean and a standard deviation. With n visitors, sample
standard deviation s (the n − 1 kind) and mean x̄ = S / n,

    s² = (Q − S²/n) / (n − 1)   so   Q = (n − 1)·s² + S²/n = (n − 1)·s² + n·x̄²

and S = x̄·n when the file gives the mean rather than the sum. A variance
column is s² itself. With one visitor (n − 1 = 0) Q = x̄², whatever s says.
"""

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from backlog.experiments.results_files.cells import (
    CellProblem,
    number,
    quoted,
    rate,
    whole_number,
)

# Generic labels of a spread column, which no tool's documentation names but a
# team may add to an export before importing it.
SPREAD_LABELS = ("standard deviation", "std dev", "stddev", "std. dev.", "sd")
VARIANCE_LABELS = ("variance",)
TOTAL_ROWS = frozenset({"total", "totals", "grand total", "all variations"})


class RowProblem(ValueError):
    """A row cannot give a result; the message is for people."""


@dataclass(frozen=True)
class Measures:
    visitors: int
    conversions: int | None
    sum: float | None
    sum_squares: float | None


class Cells:
    """A row's cells by role, read as the file's decimal separator says."""

    def __init__(
        self, values: Mapping[str, str], labels: Mapping[str, str], decimal: str
    ) -> None:
        self._values = values
        self._labels = labels
        self.decimal = decimal

    def has(self, role: str) -> bool:
        return bool(self._values.get(role, "").strip())

    def text(self, role: str) -> str:
        return self._values.get(role, "").strip()

    def label(self, role: str) -> str:
        return self._labels.get(role, role)

    def count(self, role: str) -> int | None:
        if not self.has(role):
            return None
        try:
            return whole_number(self.text(role), self.decimal, self.label(role))
        except CellProblem as problem:
            raise RowProblem(str(problem)) from None

    def number(self, role: str) -> float | None:
        if not self.has(role):
            return None
        try:
            return number(self.text(role), self.decimal, self.label(role))
        except CellProblem as problem:
            raise RowProblem(str(problem)) from None

    def rate(self, role: str) -> float | None:
        if not self.has(role):
            return None
        try:
            return rate(self.text(role), self.decimal, self.label(role))
        except CellProblem as problem:
            raise RowProblem(str(problem)) from None


@dataclass(frozen=True)
class Layout:
    key: str
    label: str
    # role -> header labels (normalized) that play it, preferred first
    columns: Mapping[str, tuple[str, ...]]
    # the roles a header must have; each inner tuple needs one of its roles
    required: tuple[tuple[str, ...], ...]
    # labels (normalized) that point to this tool rather than to another one
    markers: frozenset[str]
    measures: Callable[[Cells], Measures]
    # rows whose variant is a total of the others, which a tool may append
    total_rows: frozenset[str] = frozenset()
    # a header this tool writes but that cannot be imported as it is: the reason
    refuse_header: Callable[[list[str]], str | None] = field(
        default=lambda header: None
    )

    def roles(self, header: list[str]) -> dict[str, int]:
        """Which column plays each role, by the preferred label found."""
        found: dict[str, int] = {}
        for role, labels in self.columns.items():
            for label in labels:
                if label in header:
                    found[role] = header.index(label)
                    break
        return found

    def recognises(self, header: list[str]) -> bool:
        roles = self.roles(header)
        return all(any(r in roles for r in need) for need in self.required)

    def score(self, header: list[str]) -> int:
        return sum(1 for label in header if label in self.markers)


def sum_squares_from_spread(visitors: int, total: float, spread: float) -> float:
    """Q = (n − 1)·s² + S²/n, from the sum S and the sample variance s²."""
    if visitors == 0:
        return 0.0
    return (visitors - 1) * spread + total * total / visitors


def counted_or_derived(cells: Cells) -> Measures:
    """The measures of a row of a report table: a conversion metric from its
    conversions (else its conversion rate times its visitors), a mean metric
    from its sum or mean and its standard deviation or variance."""
    visitors = cells.count("visitors")
    if visitors is None:
        raise RowProblem(f"{cells.label('visitors')} is blank")
    conversions = cells.count("conversions")
    if conversions is not None:
        if conversions > visitors:
            raise RowProblem(
                f"{cells.label('conversions')} ({conversions}) is more than "
                f"{cells.label('visitors')} ({visitors})"
            )
        return Measures(visitors, conversions, None, None)
    total, mean = cells.number("sum"), cells.number("mean")
    if total is not None or mean is not None:
        return _mean_metric(cells, visitors, total, mean)
    share = cells.rate("rate")
    if share is not None:
        return Measures(visitors, round(share * visitors), None, None)
    raise RowProblem(
        "the row gives neither conversions, a conversion rate nor a value "
        "with its standard deviation"
    )


def _mean_metric(
    cells: Cells, visitors: int, total: float | None, mean: float | None
) -> Measures:
    spread: float | None
    if cells.has("variance"):
        spread = cells.number("variance")
        name = cells.label("variance")
    else:
        sd = cells.number("sd")
        spread = None if sd is None else sd * sd
        name = cells.label("sd")
        if sd is not None and sd < 0:
            raise RowProblem(f"{name} is below zero: {quoted(cells.text('sd'))}")
    if spread is None:
        given = cells.label("sum") if total is not None else cells.label("mean")
        raise RowProblem(
            f"the row gives {given} but no standard deviation, so the spread of "
            "the metric (its sum of squares) cannot be known"
        )
    if spread < 0:
        raise RowProblem(f"{name} is below zero: {quoted(cells.text('variance'))}")
    if total is None:
        assert mean is not None  # noqa: S101 - one of the two was given
        total = mean * visitors
    squares = sum_squares_from_spread(visitors, total, spread)
    if not math.isfinite(squares):
        raise RowProblem(f"{name} is too large to use")
    return Measures(visitors, None, total, squares)
