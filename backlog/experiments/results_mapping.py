"""Which of an experiment's variants and metrics a results file's names stand for.

A testing tool names its variations and goals its own way ("Original",
"Variation #1", "Checkout click"); the experiment has its variants and its
registered metrics. The mapping sends each name of the file to one of them, or
to nothing (the rows are ignored). It is proposed from the experiment's last
applied import, then by name (case, spaces and punctuation aside; a metric by
its name or its key), and a tool's "Original" or "Baseline" goes to the
control. It is refused when it cannot give honest numbers: two names on one
target, conversions for a mean metric or sums for a conversion goal.
"""

import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from backlog.experiments.results_files import ResultRow

# What tools call the control when the experiment calls it something else.
CONTROL_NAMES = frozenset({"control", "original", "baseline", "default"})

Choices = dict[str, str | None]


@dataclass(frozen=True)
class Target:
    """A variant or metric of the experiment a file's name may be mapped to."""

    value: str  # what the mapping stores: the variant's name, the metric's key
    label: str  # how people see it
    names: tuple[str, ...]  # what a file's name is matched against
    is_control: bool = False
    conversions: bool = True  # metrics: a conversion goal (else a mean or count)
    kind_label: str = ""


def name_key(text: str) -> str:
    """A name as matched: case, spaces and punctuation left out."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in folded if ch.isalnum())


def propose(
    names: Sequence[str],
    targets: Sequence[Target],
    remembered: Mapping[str, str | None],
) -> Choices:
    """Each of the file's names to a target's value, or None to ignore it.

    A name the last applied import mapped (or ignored) keeps that choice while
    the target still exists; the others match by name. No target is proposed
    twice: a second name that would take it is left to ignore.
    """
    values = {target.value for target in targets}
    by_key: dict[str, str] = {}
    for target in targets:
        for name in target.names:
            by_key.setdefault(name_key(name), target.value)
    control = next((t.value for t in targets if t.is_control), None)
    chosen: Choices = dict.fromkeys(names)
    taken: set[str] = set()

    def take(name: str, choice: str | None) -> None:
        if choice is not None and choice not in taken:
            chosen[name] = choice
            taken.add(choice)

    # The last import's choices first, then exact names, then a tool's word
    # for the control: a weaker match never takes what a stronger one gets.
    for name in names:
        if name in remembered and remembered[name] in values:
            take(name, remembered[name])
    undecided = [
        name
        for name in names
        if name not in remembered
        or (remembered[name] is not None and remembered[name] not in values)
    ]
    for name in undecided:
        take(name, by_key.get(name_key(name)))
    for name in undecided:
        if chosen[name] is None and name_key(name) in CONTROL_NAMES:
            take(name, control)
    return chosen


def problems(
    rows: Iterable[ResultRow],
    variants: Mapping[str, str | None],
    metrics: Mapping[str, str | None],
    variant_targets: Sequence[Target],
    metric_targets: Sequence[Target],
) -> list[str]:
    """What is wrong with a mapping, in words for people; empty when it stands."""
    found: list[str] = []
    found += _unknown(variants, variant_targets, "variant")
    found += _unknown(metrics, metric_targets, "metric")
    found += _twice(variants, variant_targets, "variant")
    found += _twice(metrics, metric_targets, "metric")
    if not any(variants.values()) or not any(metrics.values()):
        found.append("Map at least one of the file's variants and one of its metrics.")
        return found
    control = next((t for t in variant_targets if t.is_control), None)
    if control is not None and control.value not in variants.values():
        found.append(
            f"Map one of the file's variants to the control “{control.label}”: "
            "the other variants are compared with it."
        )
    found += _kinds(rows, variants, metrics, metric_targets)
    return found


def _unknown(
    choices: Mapping[str, str | None], targets: Sequence[Target], what: str
) -> list[str]:
    values = {target.value for target in targets}
    return [
        f"“{value}” is not a {what} of this test (for “{name}”)."
        for name, value in choices.items()
        if value is not None and value not in values
    ]


def _twice(
    choices: Mapping[str, str | None], targets: Sequence[Target], what: str
) -> list[str]:
    labels = {target.value: target.label for target in targets}
    names_of: dict[str, list[str]] = {}
    for name, value in choices.items():
        if value is not None:
            names_of.setdefault(value, []).append(name)
    found = []
    for value, names in names_of.items():
        if len(names) > 1:
            quoted = ", ".join(f"“{n}”" for n in names[:-1]) + f" and “{names[-1]}”"
            found.append(
                f"{quoted} are {'both' if len(names) == 2 else 'all'} mapped to "
                f"the {what} "
                f"“{labels.get(value, value)}”: map each {what} of the test "
                "from one name of the file, and ignore the others."
            )
    return found


def _kinds(
    rows: Iterable[ResultRow],
    variants: Mapping[str, str | None],
    metrics: Mapping[str, str | None],
    targets: Sequence[Target],
) -> list[str]:
    by_value = {target.value: target for target in targets}
    wrong: dict[str, Target] = {}
    for row in rows:
        value = metrics.get(row.metric)
        if value is None or variants.get(row.variant) is None:
            continue
        target = by_value.get(value)
        if target is None or row.metric in wrong:
            continue
        if target.conversions != (row.conversions is not None):
            wrong[row.metric] = target
    found = []
    for name, target in wrong.items():
        if target.conversions:
            found.append(
                f"“{name}” has a sum and sum of squares in this file, not "
                f"conversions, so it cannot be the conversion goal “{target.label}”: "
                "map it to a mean or count metric, or ignore it."
            )
        else:
            found.append(
                f"“{name}” has conversions in this file, not a sum and sum of "
                f"squares, so it cannot be the {target.kind_label.lower()} metric "
                f"“{target.label}”: map it to a conversion goal, or ignore it."
            )
    return found
