import itertools

import pytest
from django.utils import timezone

from backlog.models import Hypothesis, Result, Status
from backlog.pipeline import (
    TRANSITIONS,
    MoveRefused,
    conclusion_needs,
    hypothesis_move_refusal,
    move_hypothesis,
    move_refusal,
)
from backlog.scoring.frameworks import Framework
from backlog.scoring.recording import score_hypothesis

ALL_MOVES = list(itertools.product(Status, Status))


def test_the_transition_table_names_every_status():
    assert set(TRANSITIONS) == set(Status)
    for targets in TRANSITIONS.values():
        assert set(targets) <= set(Status)


def test_forward_path_and_the_ways_aside():
    forward = [
        Status.IDEA,
        Status.BACKLOG,
        Status.READY,
        Status.RUNNING,
        Status.ANALYSING,
        Status.CONCLUDED,
    ]
    for current, following in itertools.pairwise(forward):
        assert following in TRANSITIONS[current]
    for status in Status.open():
        assert Status.PARKED in TRANSITIONS[status]
        assert Status.REJECTED in TRANSITIONS[status]
    assert TRANSITIONS[Status.CONCLUDED] == (Status.ANALYSING,)


@pytest.mark.parametrize(
    ("status", "to_status"), ALL_MOVES, ids=[f"{a}->{b}" for a, b in ALL_MOVES]
)
def test_every_move_is_allowed_or_refused_with_words(status, to_status):
    reason = move_refusal(
        status,
        to_status,
        metric="Orders",
        score_count=1,
        result=Result.WON,
        learning="We learned something.",
    )
    if to_status in TRANSITIONS[status]:
        assert reason is None
    else:
        assert reason
        assert reason.endswith(".")


@pytest.mark.parametrize(
    ("metric", "scores", "expected"),
    [
        ("", 1, "a primary metric"),
        ("Orders", 0, "at least one score"),
        ("  ", 0, "a primary metric (“measured by”) and at least one score"),
    ],
)
def test_ready_needs_a_metric_and_a_score(metric, scores, expected):
    reason = move_refusal(
        Status.BACKLOG, Status.READY, metric=metric, score_count=scores
    )
    assert expected in reason
    assert reason.startswith("It cannot be ready yet")


@pytest.mark.parametrize(
    ("result", "learning", "expected"),
    [
        ("", "Learned.", "a result"),
        ("won", "", "a learning"),
        ("nope", " ", "a result (won, lost or inconclusive) and a learning"),
    ],
)
def test_concluding_needs_a_result_and_a_learning(result, learning, expected):
    reason = move_refusal(
        Status.ANALYSING,
        Status.CONCLUDED,
        metric="Orders",
        score_count=1,
        result=result,
        learning=learning,
    )
    assert expected in reason


@pytest.mark.parametrize(
    ("result", "learning", "needs"),
    [
        (Result.WON, "Learned.", []),
        (Result.INCONCLUSIVE, "Learned.", []),
        ("", "Learned.", ["a result (won, lost or inconclusive)"]),
        ("won", "  ", ["a learning"]),
    ],
)
def test_conclusion_needs_a_result_and_a_learning(result, learning, needs):
    assert conclusion_needs(result, learning) == needs


@pytest.mark.parametrize(
    ("status", "to_status", "refused"),
    [
        (Status.ANALYSING, Status.CONCLUDED, False),
        (Status.RUNNING, Status.ANALYSING, False),
        (Status.BACKLOG, Status.READY, True),
        (Status.ANALYSING, Status.IDEA, True),
    ],
)
def test_a_hypothesis_move_is_checked_on_what_it_has_not_on_the_conclusion(
    status, to_status, refused
):
    hypothesis = Hypothesis(status=status, metric="", result="", learning="")
    assert bool(hypothesis_move_refusal(hypothesis, to_status)) is refused


def test_a_move_not_in_the_table_names_the_possible_ones():
    reason = move_refusal(Status.IDEA, Status.RUNNING, metric="x", score_count=1)
    assert reason == (
        "A hypothesis cannot go from Idea to Running; from Idea it can go to "
        "Backlog, Parked or Rejected."
    )


def test_staying_put_is_not_a_move():
    assert move_refusal(Status.READY, Status.READY, metric="x", score_count=1) == (
        "It is already ready."
    )


def _hypothesis_in(status, organisation, scorer):
    fields = {"metric": "Orders"}
    if status == Status.CONCLUDED:
        fields.update(result=Result.LOST, learning="Earlier learning.")
        fields["concluded_at"] = timezone.now()
    hypothesis = Hypothesis.objects.create(
        organisation=organisation, title="Bigger buttons", status=status, **fields
    )
    score_hypothesis(
        hypothesis,
        scorer=scorer,
        framework=Framework.PIE,
        values={"potential": 5, "importance": 5, "ease": 5},
    )
    hypothesis.refresh_from_db()
    return hypothesis


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("status", "to_status"), ALL_MOVES, ids=[f"{a}->{b}" for a, b in ALL_MOVES]
)
def test_every_move_in_the_database(status, to_status, org, admin_user):
    hypothesis = _hypothesis_in(status, org, admin_user)
    if to_status in TRANSITIONS[status]:
        move_hypothesis(
            hypothesis,
            to_status,
            by=admin_user,
            result=Result.WON,
            learning="Bigger is better.",
        )
        hypothesis.refresh_from_db()
        assert hypothesis.status == to_status
        assert hypothesis.status_changed_by == admin_user
        assert (hypothesis.result == Result.WON) is (to_status == Status.CONCLUDED)
    else:
        with pytest.raises(MoveRefused):
            move_hypothesis(
                hypothesis,
                to_status,
                by=admin_user,
                result=Result.WON,
                learning="Bigger is better.",
            )
        hypothesis.refresh_from_db()
        assert hypothesis.status == status


@pytest.mark.django_db
def test_concluding_keeps_the_existing_learning_when_none_is_given(org, admin_user):
    hypothesis = _hypothesis_in(Status.ANALYSING, org, admin_user)
    hypothesis.learning = "Written while analysing."
    hypothesis.save(update_fields=["learning"])
    move_hypothesis(hypothesis, Status.CONCLUDED, by=admin_user, result=Result.WON)
    hypothesis.refresh_from_db()
    assert hypothesis.learning == "Written while analysing."
    assert hypothesis.concluded_at is not None


@pytest.mark.django_db
def test_reopening_clears_the_result_and_keeps_the_learning(org, admin_user):
    hypothesis = _hypothesis_in(Status.CONCLUDED, org, admin_user)
    move_hypothesis(hypothesis, Status.ANALYSING, by=admin_user)
    hypothesis.refresh_from_db()
    assert hypothesis.result == ""
    assert hypothesis.concluded_at is None
    assert hypothesis.learning == "Earlier learning."


@pytest.mark.django_db
def test_ready_is_refused_without_a_score(org, admin_user):
    hypothesis = Hypothesis.objects.create(
        organisation=org, title="No score", status=Status.BACKLOG, metric="Orders"
    )
    with pytest.raises(MoveRefused, match="at least one score"):
        move_hypothesis(hypothesis, Status.READY, by=admin_user)
