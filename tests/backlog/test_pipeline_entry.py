"""A hypothesis that enters the pipeline at a later status stands where its
facts allow (pipeline.nearest_status)."""

import pytest

from backlog.models import Status
from backlog.pipeline import nearest_status, standing_problem

FULL = {"metric": "Orders", "score_count": 1, "result": "won", "learning": "Yes."}


@pytest.mark.parametrize(
    ("status", "facts", "expected", "reason"),
    [
        ("idea", {}, "idea", None),
        ("backlog", {}, "backlog", None),
        ("parked", {}, "parked", None),
        ("rejected", {}, "rejected", None),
        ("ready", FULL, "ready", None),
        ("ready", {**FULL, "metric": " "}, "backlog", "Ready needs a primary metric"),
        ("ready", {**FULL, "score_count": 0}, "backlog", "Ready needs at least one"),
        ("running", {**FULL, "score_count": 0}, "backlog", "Running needs at least"),
        ("analysing", FULL, "analysing", None),
        ("concluded", FULL, "concluded", None),
        # A concluded test is the record of its test: no score needed.
        ("concluded", {**FULL, "score_count": 0}, "concluded", None),
        (
            "concluded",
            {**FULL, "learning": ""},
            "analysing",
            "Concluded needs a learning",
        ),
        (
            "concluded",
            {**FULL, "result": "", "learning": ""},
            "analysing",
            "Concluded needs a result (won, lost or inconclusive) and a learning",
        ),
        (
            "concluded",
            {**FULL, "learning": "", "score_count": 0},
            "backlog",
            "Concluded needs a learning",
        ),
        ("concluded", {**FULL, "metric": ""}, "backlog", "a primary metric"),
    ],
)
def test_a_status_the_facts_do_not_allow_becomes_the_nearest_one_that_they_do(
    status, facts, expected, reason
):
    facts = {"metric": "", "score_count": 0, **facts}
    got, why = nearest_status(Status(status), **facts)
    assert got == expected
    if reason is None:
        assert why is None
    else:
        assert reason in why


@pytest.mark.parametrize("status", list(Status))
def test_what_nearest_status_returns_always_stands(status):
    for facts in (
        {"metric": "", "score_count": 0},
        {"metric": "Orders", "score_count": 0, "learning": "x"},
        {"metric": "Orders", "score_count": 2, "result": "lost"},
    ):
        got, _ = nearest_status(status, **facts)
        assert standing_problem(got, **facts) is None
