"""What reading a results export gives back: rows, rejections, the whole file."""

from dataclasses import dataclass


class ResultsFileError(ValueError):
    """The whole file cannot be read; the message is for people."""


@dataclass(frozen=True)
class ResultRow:
    line: int  # 1-based line in the file
    variant: str  # the tool's variant name as written
    metric: str  # the tool's metric name as written
    visitors: int
    conversions: int | None
    sum: float | None
    sum_squares: float | None


@dataclass(frozen=True)
class Rejection:
    line: int
    reason: str  # for people, e.g. "visitors is not a whole number: “12,5a”"


@dataclass(frozen=True)
class ResultsFile:
    tool: str  # one of TOOLS' keys
    rows: tuple[ResultRow, ...]
    rejected: tuple[Rejection, ...]

    @property
    def variants(self) -> list[str]:
        """The variants' names, each once, in the order the file gives them."""
        return list(dict.fromkeys(row.variant for row in self.rows))

    @property
    def metrics(self) -> list[str]:
        """The metrics' names, each once, in the order the file gives them."""
        return list(dict.fromkeys(row.metric for row in self.rows))
