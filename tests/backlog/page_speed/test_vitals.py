import pytest
from hypothesis import given
from hypothesis import strategies as st

from backlog.page_speed.vitals import (
    Rating,
    Vital,
    conversions_at_stake,
    overall,
    rate,
)


@pytest.mark.parametrize(
    ("vital", "value", "rating"),
    [
        (Vital.LCP, 2500, Rating.GOOD),  # at the threshold is still good
        (Vital.LCP, 2501, Rating.NEEDS_IMPROVEMENT),
        (Vital.LCP, 4000, Rating.NEEDS_IMPROVEMENT),
        (Vital.LCP, 4001, Rating.POOR),
        (Vital.INP, 200, Rating.GOOD),
        (Vital.INP, 201, Rating.NEEDS_IMPROVEMENT),
        (Vital.INP, 500, Rating.NEEDS_IMPROVEMENT),
        (Vital.INP, 501, Rating.POOR),
        (Vital.CLS, 0.1, Rating.GOOD),
        (Vital.CLS, 0.11, Rating.NEEDS_IMPROVEMENT),
        (Vital.CLS, 0.25, Rating.NEEDS_IMPROVEMENT),
        (Vital.CLS, 0.26, Rating.POOR),
    ],
)
def test_ratings_at_the_edges_of_googles_thresholds(vital, value, rating):
    assert rate(vital, value) == rating


def test_a_page_is_as_good_as_its_worst_vital_and_missing_ones_do_not_count():
    assert overall({Vital.LCP: 2000, Vital.INP: None, Vital.CLS: 0.3}) == Rating.POOR
    assert overall({Vital.LCP: 2000, Vital.INP: None, Vital.CLS: 0.05}) == Rating.GOOD
    assert overall({Vital.LCP: None}) is None


def test_conversions_at_stake_worked_out_by_hand():
    # 1.5 s beyond 2.5 s at 7 % a second: 10.5 % of 2 000 conversions a month.
    stake = conversions_at_stake(4000, 2000, 0.07)
    assert stake.seconds_over == pytest.approx(1.5)
    assert stake.share == pytest.approx(0.105)
    assert stake.conversions == pytest.approx(210)
    assert conversions_at_stake(2400, 2000, 0.07).conversions == 0
    assert conversions_at_stake(60_000, 2000, 0.07).share == 1.0


def test_a_negative_sensitivity_is_refused():
    with pytest.raises(ValueError, match="cannot be negative"):
        conversions_at_stake(4000, 100, -0.1)


@given(
    st.floats(min_value=0, max_value=60_000),
    st.floats(min_value=0, max_value=1e6),
    st.floats(min_value=0, max_value=1),
)
def test_what_is_at_stake_never_exceeds_the_conversions(lcp, conversions, loss):
    stake = conversions_at_stake(lcp, conversions, loss)
    assert 0 <= stake.conversions <= conversions * (1 + 1e-12)
