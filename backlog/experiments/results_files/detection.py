"""Which tool wrote a results export, from its header row.

A tool's layout recognises a header when the header has a column for each role
the layout needs (variant, visitors, a measure, ...). When several recognise
it, the one whose distinctive labels the header has most of wins; a tie is no
answer, rather than a guess, and the person is asked to choose the tool.
"""

from backlog.experiments.results_files import (
    convert,
    growthbook,
    optimizely,
    plain,
    vwo,
)
from backlog.experiments.results_files.cells import normalize_label
from backlog.experiments.results_files.layout import Layout

LAYOUTS: dict[str, Layout] = {
    layout.key: layout
    for layout in (
        growthbook.LAYOUT,
        optimizely.LAYOUT,
        vwo.LAYOUT,
        convert.LAYOUT,
        plain.LAYOUT,
    )
}
TOOLS: dict[str, str] = {key: layout.label for key, layout in LAYOUTS.items()}


def detect_tool(header: list[str]) -> str | None:
    """The key of the tool whose export has this header row, or None."""
    labels = [normalize_label(cell) for cell in header]
    scored = sorted(
        (
            (layout.score(labels), key)
            for key, layout in LAYOUTS.items()
            if layout.recognises(labels)
        ),
        reverse=True,
    )
    if not scored:
        return None
    if len(scored) > 1 and scored[0][0] == scored[1][0]:
        return None
    return scored[0][1]


def supported_tools() -> str:
    """The tools' names in words, for messages."""
    names = list(TOOLS.values())
    return ", ".join(names[:-1]) + " or " + names[-1]
