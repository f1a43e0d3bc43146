"""Reading the results exports of A/B testing tools into plain rows.

No database and no Django models: bytes in, rows out, for the import of an
experiment's results. Each row is one variant's numbers on one metric —
visitors, and conversions for a conversion metric or the sum and sum of
squares of the metric for a mean metric — as backlog.experiments.statistics
and backlog.experiments.means take them. A row the file gets wrong is
rejected with its line and the reason, in words for people; the rest are read.

reading: encodings, delimiters, the header and the rows; cells: numbers as
spreadsheets write them; layout: a tool's columns and the derivation of a sum
of squares from a mean and a standard deviation; detection: which tool wrote a
file; one module per tool — growthbook, optimizely, vwo, convert and plain —
each naming the source of its layout.
"""

from backlog.experiments.results_files.detection import TOOLS, detect_tool
from backlog.experiments.results_files.reading import read_results
from backlog.experiments.results_files.results import (
    Rejection,
    ResultRow,
    ResultsFile,
    ResultsFileError,
)

__all__ = [
    "TOOLS",
    "Rejection",
    "ResultRow",
    "ResultsFile",
    "ResultsFileError",
    "detect_tool",
    "read_results",
]
