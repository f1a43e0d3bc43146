import pytest
from hypothesis import given
from hypothesis import strategies as st

from backlog.experiments.decisions import (
    ChallengerEvidence,
    Progress,
    Recommendation,
    decide,
)
from backlog.experiments.guardrails import Direction, Verdict

DONE = Progress(
    visitors=20_000, planned_visitors=20_000, days_running=14, minimum_days=14
)
EARLY = Progress(
    visitors=5_000, planned_visitors=20_000, days_running=4, minimum_days=14
)
ENOUGH_VISITORS_TOO_SOON = Progress(
    visitors=25_000, planned_visitors=20_000, days_running=6, minimum_days=14
)


def challenger(p=0.01, difference=0.02, name="B", **guardrails):
    return ChallengerEvidence(name, p, difference, dict(guardrails))


UP = Direction.UP_IS_GOOD
DOWN = Direction.DOWN_IS_GOOD

# (challengers, direction, progress, SRM, expected)
RULES = [
    ([challenger()], UP, DONE, False, Recommendation.SHIP),
    ([challenger(difference=-0.02)], DOWN, DONE, False, Recommendation.SHIP),
    ([challenger(difference=-0.02)], UP, DONE, False, Recommendation.DONT_SHIP),
    ([challenger(difference=-0.02)], UP, EARLY, False, Recommendation.DONT_SHIP),
    ([challenger(support=Verdict.FAILED)], UP, DONE, False, Recommendation.DONT_SHIP),
    ([challenger(support=Verdict.FAILED)], UP, EARLY, False, Recommendation.DONT_SHIP),
    ([challenger()], UP, EARLY, False, Recommendation.KEEP_RUNNING),
    ([challenger()], UP, ENOUGH_VISITORS_TOO_SOON, False, Recommendation.KEEP_RUNNING),
    ([challenger(p=0.2)], UP, DONE, False, Recommendation.INCONCLUSIVE),
    (
        [challenger(p=None, difference=None)],
        UP,
        DONE,
        False,
        Recommendation.INCONCLUSIVE,
    ),
    ([challenger()], UP, DONE, True, Recommendation.INCONCLUSIVE),
    ([challenger(p=0.05)], UP, DONE, False, Recommendation.INCONCLUSIVE),
    (
        [challenger(support=Verdict.NOT_DECIDED, speed=Verdict.PASSED)],
        UP,
        DONE,
        False,
        Recommendation.SHIP,
    ),
    (
        [challenger(name="B", p=0.2), challenger(name="C", p=0.001)],
        UP,
        DONE,
        False,
        Recommendation.SHIP,
    ),
    (
        [challenger(name="B", support=Verdict.FAILED), challenger(name="C", p=0.3)],
        UP,
        DONE,
        False,
        Recommendation.DONT_SHIP,
    ),
    (
        [challenger(name="B", support=Verdict.FAILED), challenger(name="C", p=0.3)],
        UP,
        EARLY,
        False,
        Recommendation.KEEP_RUNNING,
    ),
]


@pytest.mark.parametrize(
    ("challengers", "direction", "progress", "srm", "expected"), RULES
)
def test_pre_registered_rules(challengers, direction, progress, srm, expected):
    decision = decide(challengers, direction, progress, srm)
    assert decision.recommendation == expected
    assert decision.reasons


def test_the_best_winner_is_the_one_to_ship():
    decision = decide(
        [challenger(name="B", p=0.03), challenger(name="C", p=0.001)], UP, DONE
    )
    assert decision.challenger == "C"


def test_reasons_name_the_failed_guardrail_and_the_missing_sample():
    decision = decide([challenger(support_contacts=Verdict.FAILED)], UP, DONE)
    assert decision.reasons == ("B: the guardrail support_contacts failed.",)
    waiting = decide([challenger()], UP, EARLY)
    assert waiting.reasons == (
        "5,000 of 20,000 planned visitors per variant so far.",
        "4 of at least 14 days run so far.",
    )


def test_a_harm_seen_while_waiting_is_said():
    decision = decide(
        [challenger(name="B", support=Verdict.FAILED), challenger(name="C", p=0.3)],
        UP,
        EARLY,
    )
    assert "B: the guardrail support failed." in decision.reasons


def test_an_experiment_needs_a_challenger():
    with pytest.raises(ValueError, match="challenger"):
        decide([], UP, DONE)


@given(
    st.lists(
        st.builds(
            ChallengerEvidence,
            name=st.sampled_from("BCDEF"),
            primary_adjusted_p=st.none() | st.floats(min_value=0, max_value=1),
            primary_difference=st.none() | st.floats(min_value=-1, max_value=1),
            guardrails=st.dictionaries(
                st.sampled_from(["support", "refunds"]), st.sampled_from(Verdict)
            ),
        ),
        min_size=1,
        max_size=5,
        unique_by=lambda c: c.name,
    ),
    st.sampled_from(Direction),
    st.booleans(),
    st.booleans(),
)
def test_ship_only_when_every_rule_holds(challengers, direction, reached, srm):
    progress = DONE if reached else EARLY
    decision = decide(challengers, direction, progress, srm)
    if decision.recommendation == Recommendation.SHIP:
        assert reached
        assert not srm
        shipped = next(c for c in challengers if c.name == decision.challenger)
        assert Verdict.FAILED not in shipped.guardrails.values()
        assert shipped.primary_adjusted_p < 0.05
    if not reached:
        assert decision.recommendation in {
            Recommendation.KEEP_RUNNING,
            Recommendation.DONT_SHIP,
        }
