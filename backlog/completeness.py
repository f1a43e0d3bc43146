"""Which structured parts of a hypothesis are still missing."""

from collections.abc import Mapping

# Field name and how the page names it, in the order a hypothesis is read.
STRUCTURED_PARTS: list[tuple[str, str]] = [
    ("observation", "Because we saw"),
    ("change", "we expect that"),
    ("audience", "for"),
    ("impact", "will cause"),
    ("metric", "measured by"),
    ("page_id", "page or funnel step"),
]


def missing_parts(values: Mapping[str, object]) -> list[str]:
    """Labels of the structured parts that are empty (blank text counts as empty)."""
    missing = []
    for field, label in STRUCTURED_PARTS:
        value = values.get(field)
        if value is None or (isinstance(value, str) and not value.strip()):
            missing.append(label)
    return missing
