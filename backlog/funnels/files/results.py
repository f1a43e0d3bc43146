"""What reading a funnel export gives back: counts, rejections, the whole file."""

from dataclasses import dataclass
from datetime import date


class FunnelFileError(ValueError):
    """The whole file cannot be read; the message is for people."""


@dataclass(frozen=True)
class CountRow:
    line: int  # 1-based line in the file (the record's number in a JSON report)
    start: date  # the first day the count covers
    end: date  # the last day it covers (the same day for a daily count)
    step: str  # the file's step name as written
    dimension: str  # a SegmentDimension value; "" for all traffic
    segment: str  # the segment as written, "" for all traffic
    count: int


@dataclass(frozen=True)
class Rejection:
    line: int
    reason: str  # for people, e.g. "the count is not a whole number: “12,5a”"


@dataclass(frozen=True)
class FunnelFile:
    tool: str  # one of FORMATS' keys
    rows: tuple[CountRow, ...]
    rejected: tuple[Rejection, ...]
    # The period the file says it covers (a report's date range), else the
    # first and last day of its counts; None when it has no counts.
    period: tuple[date, date] | None
    notes: tuple[str, ...] = ()  # what the tool said of its data (e.g. sampling)

    @property
    def steps(self) -> list[str]:
        """The file's step names, in the order they first appear."""
        return list(dict.fromkeys(row.step for row in self.rows))

    @property
    def dimensions(self) -> list[str]:
        return sorted({row.dimension for row in self.rows})
