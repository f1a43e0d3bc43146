import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats as scipy_stats

from backlog.experiments.means import (
    MeanArm,
    compare_means,
    difference_interval,
    relative_interval,
    welch_degrees_of_freedom,
    welch_test,
)

TOLERANCE = 1e-9


def arm(visitors: int, mean: float, sd: float) -> MeanArm:
    """An arm with the given mean and sample standard deviation."""
    total = mean * visitors
    squares = sd * sd * (visitors - 1) + total * total / visitors
    return MeanArm(visitors, total, squares)


# (control, variant) as (visitors, mean, sample sd)
CASES = [
    ((1000, 12.5, 30.1), (1000, 13.9, 31.7)),
    ((41_230, 2.31, 9.8), (41_105, 2.44, 10.3)),
    ((20, 100.0, 5.0), (25, 103.0, 9.0)),
    ((2, 1.0, 1.0), (2, 3.0, 0.5)),
    ((2, 0.0, 1.0), (3, 0.5, 2.0)),
    ((5, 10.0, 0.0), (7, 11.0, 2.0)),
    ((7, 11.0, 2.0), (5, 10.0, 0.0)),
    ((500, 0.9, 3.0), (480, 0.6, 2.5)),
    ((10_000, 55.0, 120.0), (10_000, 55.0, 120.0)),
    ((10_000, 55.0, 120.0), (9_000, 56.5, 80.0)),
    ((150, 3.2, 0.4), (160, 3.1, 0.45)),
    ((3, 100.0, 50.0), (300, 120.0, 60.0)),
    ((1_000_000, 4.2, 15.0), (1_000_000, 4.21, 15.1)),
    ((1_000_000_000, 4.2, 15.0), (1_000_000_000, 4.2003, 15.0)),
    ((1_000_000_000, 0.05, 1.0), (1_000, 0.06, 1.2)),
    ((60, -5.0, 4.0), (60, -4.0, 4.0)),
    ((12, 1e6, 3e5), (13, 1.2e6, 2e5)),
    ((30, 0.001, 0.01), (30, 0.004, 0.02)),
    ((8_000, 1.0, 0.999), (8_100, 1.02, 1.001)),
    ((250, 20.0, 40.0), (260, 35.0, 70.0)),
    ((99, 7.0, 1.0), (101, 7.0, 3.0)),
    ((4, 2.0, 1.0), (4, 6.0, 1.0)),
    ((2_000, 0.2, 0.4), (2_000, 0.26, 0.45)),
    ((45, 300.0, 1.0), (46, 300.5, 1.1)),
    ((100_000, 80.0, 200.0), (100_500, 79.0, 195.0)),
    ((10, 1.0, 1e-3), (10, 1.0, 1e-3)),
    ((777, 9.0, 2.0), (700, 8.7, 2.2)),
    ((18, 50.0, 12.0), (1_800, 49.0, 11.0)),
    ((5_000, 3.0, 2.0), (4_000, 3.2, 0.0)),
    ((33, 0.0, 0.0), (34, 0.2, 0.5)),
]


def _scipy(case):
    (n_c, m_c, s_c), (n_v, m_v, s_v) = case
    return scipy_stats.ttest_ind_from_stats(
        m_v, s_v, n_v, m_c, s_c, n_c, equal_var=False
    )


@pytest.mark.parametrize("case", CASES)
def test_welch_test_matches_scipy(case):
    control, variant = arm(*case[0]), arm(*case[1])
    result = welch_test(control, variant)
    expected = _scipy(case)
    assert result.t == pytest.approx(expected.statistic, rel=1e-9, abs=TOLERANCE)
    assert result.p_value == pytest.approx(expected.pvalue, rel=1e-9, abs=TOLERANCE)
    greater = scipy_stats.ttest_ind_from_stats(
        *(case[1][1], case[1][2], case[1][0], case[0][1], case[0][2], case[0][0]),
        equal_var=False,
        alternative="greater",
    )
    assert result.p_value_greater == pytest.approx(greater.pvalue, abs=TOLERANCE)


@pytest.mark.parametrize("case", CASES)
def test_interval_matches_scipy(case):
    control, variant = arm(*case[0]), arm(*case[1])
    (n_c, _, s_c), (n_v, _, s_v) = case
    v, c = s_v**2 / n_v, s_c**2 / n_c
    df = (v + c) ** 2 / (v * v / (n_v - 1) + c * c / (n_c - 1))
    assert welch_degrees_of_freedom(control, variant) == pytest.approx(df, rel=1e-9)
    difference = variant.mean - control.mean
    half = scipy_stats.t.isf(0.025, df) * math.sqrt(v + c)
    low, high = difference_interval(control, variant)
    assert low == pytest.approx(difference - half, rel=1e-9, abs=TOLERANCE)
    assert high == pytest.approx(difference + half, rel=1e-9, abs=TOLERANCE)


def _gbstats_relative(case):
    """gbstats' relative effect: frequentist_diff and variance_of_ratios."""
    (n_a, m_a, s_a), (n_b, m_b, s_b) = case
    var_m, var_d = s_b**2 / n_b, s_a**2 / n_a
    variance = var_m / m_a**2 + var_d * m_b**2 / m_a**4
    v, c = var_m, var_d
    dof = (v + c) ** 2 / (v * v / (n_b - 1) + c * c / (n_a - 1))
    half = scipy_stats.t.ppf(1 - 0.05 / 2, dof) * np.sqrt(variance)
    point = (m_b - m_a) / abs(m_a)
    return point - half, point + half


@pytest.mark.parametrize("case", [c for c in CASES if c[0][1] != 0])
def test_relative_interval_is_gbstats_delta_method(case):
    low, high = relative_interval(arm(*case[0]), arm(*case[1]))
    expected = _gbstats_relative(case)
    assert low == pytest.approx(expected[0], rel=1e-9, abs=TOLERANCE)
    assert high == pytest.approx(expected[1], rel=1e-9, abs=TOLERANCE)


def test_known_revenue_example():
    result = compare_means(arm(1000, 12.5, 30.1), arm(1000, 13.9, 31.7))
    assert result.difference == pytest.approx(1.4)
    assert result.relative_uplift == pytest.approx(0.112)
    assert result.ci_low < 1.4 < result.ci_high
    assert not result.significant


def test_variance_keeps_its_digits_with_a_billion_visitors():
    # Every visitor spends 1 or 2: S = 1.5e9, Q = 2.5e9, s² = n / (4 (n − 1)).
    n = 1_000_000_000
    billion = MeanArm(n, 1.5 * n, 2.5 * n)
    assert billion.variance == pytest.approx(n / (4 * (n - 1)), rel=1e-15)


def test_no_spread_in_either_arm_leaves_the_test_undefined():
    control, variant = MeanArm(10, 50.0, 250.0), MeanArm(12, 72.0, 432.0)
    result = compare_means(control, variant)
    assert result.difference == pytest.approx(1.0)
    assert result.p_value is None
    assert result.ci_low is None
    assert result.relative_ci_low is None
    assert not result.significant


def test_one_visitor_has_a_mean_but_no_variance():
    one = MeanArm(1, 30.0, 900.0)
    assert one.mean == 30.0
    assert one.variance is None
    assert welch_test(one, arm(100, 25.0, 10.0)) is None


def test_no_visitors_means_no_numbers():
    result = compare_means(MeanArm(0, 0, 0), arm(100, 25.0, 10.0))
    assert result.control_mean is None
    assert result.difference is None
    assert result.p_value is None


def test_zero_control_mean_has_no_relative_uplift():
    result = compare_means(arm(33, 0.0, 0.0), arm(34, 0.2, 0.5))
    assert result.relative_uplift is None
    assert result.relative_ci_low is None
    assert result.p_value is not None


@pytest.mark.parametrize(
    ("visitors", "total", "squares", "message"),
    [
        (-1, 0, 0, "negative"),
        (0, 5, 25, "nothing to sum"),
        (10, 100, 50, "too small"),
        (10, math.nan, 50, "numbers"),
    ],
)
def test_impossible_sums_are_refused(visitors, total, squares, message):
    with pytest.raises(ValueError, match=message):
        MeanArm(visitors, total, squares)


@st.composite
def mean_arms(draw):
    n = draw(st.integers(min_value=2, max_value=1_000_000_000))
    mean = draw(st.floats(min_value=-1e4, max_value=1e4))
    sd = draw(st.floats(min_value=1e-3, max_value=1e4))
    return n, mean, sd


@given(mean_arms(), mean_arms())
def test_interval_excludes_zero_exactly_when_significant(control, variant):
    result = compare_means(arm(*control), arm(*variant))
    if result.p_value is None or abs(result.p_value - 0.05) < 1e-9:
        return
    excludes_zero = result.ci_low > 0 or result.ci_high < 0
    assert excludes_zero == result.significant
    assert 0 <= result.p_value <= 1
