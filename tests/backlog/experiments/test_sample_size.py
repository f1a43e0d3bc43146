import math

import pytest
from hypothesis import given
from hypothesis import strategies as st
from statsmodels.stats.proportion import samplesize_proportions_2indep_onetail

from backlog.experiments.sample_size import (
    MAX_WEEKS,
    PlanError,
    days_to_reach,
    plan_test,
    visitors_per_variant,
    weeks_of,
)


def test_textbook_ten_to_twelve_percent_needs_3841_visitors_per_variant():
    # Fleiss' formula without continuity correction, α = 0.05 two-sided, power 0.8.
    assert visitors_per_variant(0.10, 0.20, 0.05, 0.80) == 3841


@pytest.mark.parametrize(
    ("baseline", "mde", "alpha", "power"),
    [
        (0.10, 0.20, 0.05, 0.80),
        (0.032, 0.10, 0.05, 0.80),
        (0.075, 0.05, 0.05, 0.90),
        (0.48, 0.03, 0.01, 0.80),
        (0.005, 0.50, 0.10, 0.95),
        (0.83, 0.02, 0.05, 0.80),
    ],
)
def test_sample_size_matches_statsmodels(baseline, mde, alpha, power):
    expected = samplesize_proportions_2indep_onetail(
        diff=baseline * mde, prop2=baseline, power=power, alpha=alpha
    )
    assert abs(visitors_per_variant(baseline, mde, alpha, power) - expected) < 1
    assert visitors_per_variant(baseline, mde, alpha, power) == math.ceil(
        expected - 1e-9
    )


def test_days_and_weeks_are_rounded_up():
    plan = plan_test(
        baseline_rate=0.10, relative_mde=0.20, variants=2, daily_visitors=1000
    )
    assert plan.visitors_per_variant == 3841
    assert plan.total_visitors == 7682
    assert plan.days == 8
    assert plan.weeks == 2
    assert not plan.too_long


def test_more_variants_need_more_visitors_and_a_stricter_level():
    plan = plan_test(
        baseline_rate=0.10, relative_mde=0.20, variants=3, daily_visitors=1000
    )
    assert plan.alpha_per_comparison == pytest.approx(0.025)
    assert plan.visitors_per_variant == visitors_per_variant(0.10, 0.20, 0.025, 0.8)
    assert plan.total_visitors == 3 * plan.visitors_per_variant
    uncorrected = plan_test(
        baseline_rate=0.10,
        relative_mde=0.20,
        variants=3,
        correct_for_comparisons=False,
    )
    assert uncorrected.visitors_per_variant == 3841


def test_more_than_eight_weeks_is_too_long():
    plan = plan_test(baseline_rate=0.032, relative_mde=0.10, daily_visitors=120)
    assert plan.weeks > MAX_WEEKS
    assert plan.too_long


def test_without_daily_visitors_there_is_no_duration():
    plan = plan_test(baseline_rate=0.05, relative_mde=0.1)
    assert plan.days is None
    assert plan.weeks is None
    assert not plan.too_long


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"baseline_rate": 0, "relative_mde": 0.1}, "baseline"),
        ({"baseline_rate": 1.2, "relative_mde": 0.1}, "baseline"),
        ({"baseline_rate": 0.1, "relative_mde": 0}, "detectable effect"),
        ({"baseline_rate": 0.6, "relative_mde": 1.0}, "exceed"),
        ({"baseline_rate": 0.1, "relative_mde": 0.1, "alpha": 0}, "significance"),
        ({"baseline_rate": 0.1, "relative_mde": 0.1, "power": 1}, "power"),
        ({"baseline_rate": 0.1, "relative_mde": 0.1, "variants": 1}, "two variants"),
        (
            {"baseline_rate": 0.1, "relative_mde": 0.1, "daily_visitors": 0},
            "Daily visitors",
        ),
    ],
)
def test_impossible_plans_are_refused_with_a_reason(kwargs, message):
    with pytest.raises(PlanError, match=message):
        plan_test(**kwargs)


rates = st.floats(min_value=0.001, max_value=0.6)
effects = st.floats(min_value=0.01, max_value=0.5)


@given(rates, effects)
def test_a_smaller_effect_never_needs_fewer_visitors(baseline, mde):
    assert visitors_per_variant(baseline, mde / 2, 0.05, 0.8) >= visitors_per_variant(
        baseline, mde, 0.05, 0.8
    )


@given(rates, effects, st.integers(min_value=1, max_value=1_000_000))
def test_weeks_cover_the_days_needed(baseline, mde, daily):
    plan = plan_test(baseline_rate=baseline, relative_mde=mde, daily_visitors=daily)
    assert plan.days * daily >= plan.total_visitors
    assert (plan.weeks - 1) * 7 < plan.days <= plan.weeks * 7


@pytest.mark.parametrize(
    ("visitors", "shares", "daily", "days"),
    [
        (1000, [1, 1], 100, 20),
        (1000, [1, 1, 1], 100, 30),
        (1000, [2, 1], 100, 30),  # the smaller share gets a third
        (1000, [1, 1, 2], 100, 40),
        (1001, [1, 1], 100, 21),
        (1, [1, 1], 10**9, 1),
    ],
)
def test_days_to_reach_wait_for_the_smallest_planned_share(
    visitors, shares, daily, days
):
    assert days_to_reach(visitors, shares, daily) == days


def test_days_to_reach_equal_shares_agree_with_the_planner():
    plan = plan_test(
        baseline_rate=0.032, relative_mde=0.1, variants=3, daily_visitors=5000
    )
    days = days_to_reach(plan.visitors_per_variant, [1, 1, 1], 5000)
    assert (days, weeks_of(days)) == (plan.days, plan.weeks)


@pytest.mark.parametrize(("shares", "daily"), [([], 10), ([0, 1], 10), ([1, 1], 0)])
def test_days_to_reach_refuses_shares_or_traffic_that_cannot_be(shares, daily):
    with pytest.raises(PlanError):
        days_to_reach(100, shares, daily)
