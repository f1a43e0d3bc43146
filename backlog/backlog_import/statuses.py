"""The words a sheet uses for where an idea stands, matched to the pipeline.

A sheet's status column holds its team's own words: Trello list names, Jira
workflow statuses, Notion's "Not started". Common ones are recognised; each word
of a file gets a row in the status table, which people can change. A choice is
a status, or *concluded* with a result ("won" sets the result too).
"""

import re

from backlog.models import Kind, Result, Status

CONCLUDED_WITH = {result: f"{Status.CONCLUDED}:{result}" for result in Result.values}
CHOICES: list[tuple[str, str]] = [
    (Status.IDEA, "Idea"),
    (Status.BACKLOG, "Backlog"),
    (Status.READY, "Ready"),
    (Status.RUNNING, "Running"),
    (Status.ANALYSING, "Analysing"),
    (Status.CONCLUDED, "Concluded (result from the result column)"),
    (CONCLUDED_WITH[Result.WON], "Concluded: won"),
    (CONCLUDED_WITH[Result.LOST], "Concluded: lost"),
    (CONCLUDED_WITH[Result.INCONCLUSIVE], "Concluded: inconclusive"),
    (Status.PARKED, "Parked"),
    (Status.REJECTED, "Rejected"),
]
CHOICE_VALUES = [value for value, _ in CHOICES]
# The choice for a cell left empty, and for a word nobody recognised.
DEFAULT_CHOICE = Status.IDEA

KNOWN_WORDS: dict[str, list[str]] = {
    Status.IDEA: [
        "idea",
        "ideas",
        "new",
        "open",
        "proposed",
        "submitted",
        "inbox",
        "draft",
        "not started",
        "triage",
        "to be reviewed",
        "hypothesis",
    ],
    Status.BACKLOG: [
        "backlog",
        "to do",
        "todo",
        "next",
        "next up",
        "up next",
        "prioritised",
        "prioritized",
        "planned",
        "selected for development",
        "shortlist",
        "shortlisted",
    ],
    Status.READY: [
        "ready",
        "ready to test",
        "ready for test",
        "ready to launch",
        "ready for dev",
        "ready for development",
        "in development",
        "in dev",
        "development",
        "building",
        "in build",
        "in design",
        "design",
        "qa",
        "in qa",
        "approved",
        "scheduled",
    ],
    Status.RUNNING: [
        "running",
        "in progress",
        "doing",
        "live",
        "live test",
        "testing",
        "in test",
        "test running",
        "active",
        "launched",
        "started",
    ],
    Status.ANALYSING: [
        "analysing",
        "analyzing",
        "analysis",
        "in analysis",
        "in review",
        "review",
        "under review",
        "evaluating",
        "measuring",
        "reporting",
    ],
    Status.CONCLUDED: [
        "done",
        "complete",
        "completed",
        "concluded",
        "finished",
        "closed",
        "resolved",
        "shipped",
        "implemented",
        "rolled out",
    ],
    CONCLUDED_WITH[Result.WON]: [
        "won",
        "win",
        "winner",
        "winning",
        "done won",
        "concluded won",
        "positive",
        "success",
        "successful",
    ],
    CONCLUDED_WITH[Result.LOST]: [
        "lost",
        "loss",
        "loser",
        "losing",
        "done lost",
        "concluded lost",
        "negative",
        "failed",
    ],
    CONCLUDED_WITH[Result.INCONCLUSIVE]: [
        "inconclusive",
        "flat",
        "no difference",
        "no result",
        "neutral",
        "done inconclusive",
        "concluded inconclusive",
    ],
    Status.PARKED: [
        "parked",
        "on hold",
        "hold",
        "paused",
        "parking lot",
        "icebox",
        "later",
        "someday",
        "blocked",
        "deferred",
        "waiting",
    ],
    Status.REJECTED: [
        "rejected",
        "won't do",
        "wont do",
        "won't fix",
        "cancelled",
        "canceled",
        "declined",
        "discarded",
        "dropped",
        "killed",
        "archived",
        "abandoned",
        "not doing",
        "duplicate",
    ],
}
WORD_CHOICES = {word: choice for choice, words in KNOWN_WORDS.items() for word in words}

RESULT_WORDS: dict[str, list[str]] = {
    Result.WON: ["won", "win", "winner", "positive", "success", "successful", "yes"],
    Result.LOST: ["lost", "loss", "loser", "negative", "failed", "fail", "no"],
    Result.INCONCLUSIVE: [
        "inconclusive",
        "flat",
        "neutral",
        "no difference",
        "no change",
        "no result",
        "null",
        "draw",
    ],
}
RESULT_LOOKUP = {
    word: result for result, words in RESULT_WORDS.items() for word in words
}

KIND_WORDS: dict[str, list[str]] = {
    Kind.TEST: [
        "test",
        "test idea",
        "a/b test",
        "ab test",
        "a/b",
        "split test",
        "mvt",
        "experiment",
        "hypothesis",
        "idea",
    ],
    Kind.IMPROVEMENT: [
        "improvement",
        "fix",
        "just do it",
        "jdi",
        "quick win",
        "bug",
        "task",
        "chore",
        "change",
    ],
}
KIND_LOOKUP = {word: kind for kind, words in KIND_WORDS.items() for word in words}


def normalise_word(word: str) -> str:
    """How words are compared: case, spacing, quotes and emoji do not count."""
    word = word.strip().casefold().replace("’", "'")
    word = re.sub(r"[^\w'/ -]+", " ", word)
    word = re.sub(r"[\s_-]+", " ", word)
    return word.strip()


def suggest_choice(word: str) -> str | None:
    """The table's pre-filled choice for a word, or None when it is not known."""
    normalised = normalise_word(word)
    if not normalised:
        return DEFAULT_CHOICE
    if normalised in WORD_CHOICES:
        return WORD_CHOICES[normalised]
    # "Done – Won", "✅ Shipped", "03 Running": the longest known word inside.
    found = [
        known
        for known in WORD_CHOICES
        if re.search(rf"(?<!\w){re.escape(known)}(?!\w)", normalised)
    ]
    if found:
        return WORD_CHOICES[max(found, key=len)]
    return None


def status_of(choice: str) -> tuple[Status, str]:
    """The status and result (or "") a choice of the table stands for."""
    status, _, result = choice.partition(":")
    return Status(status), Result(result).value if result else ""


def choice_for(text: str) -> str | None:
    """A choice from what people type: a status, its label, or a result (which
    concludes): "concluded", "Analysing", "won", "concluded:lost"."""
    value = normalise_word(text).replace(" ", "")
    if value in CHOICE_VALUES:
        return value
    for choice, label in CHOICES:
        if normalise_word(label).replace(" ", "") == value:
            return choice
    if value in Result.values:
        return CONCLUDED_WITH[value]
    return WORD_CHOICES.get(normalise_word(text))


def parse_status_map(items: list[str]) -> dict[str, str]:
    """WORD=STATUS pairs as given on the command line, keyed by normalised word.

    Raises ValueError with a message for people.
    """
    chosen = {}
    for item in items:
        word, sep, target = item.rpartition("=")
        choice = choice_for(target) if sep else None
        if choice is None:
            raise ValueError(
                f"--status-map {item!r}: write WORD=STATUS with STATUS one of "
                f"{', '.join(CHOICE_VALUES)}."
            )
        chosen[normalise_word(word)] = choice
    return chosen


def parse_result(text: str) -> str | None:
    """ "won", "lost", "inconclusive", "" for an empty cell, or None when the
    word is not a result."""
    word = normalise_word(text)
    if not word:
        return ""
    return RESULT_LOOKUP.get(word)


def parse_kind(text: str) -> str | None:
    """ "test", "improvement", "" for an empty cell, or None when unknown."""
    word = normalise_word(text)
    if not word:
        return ""
    return KIND_LOOKUP.get(word)
