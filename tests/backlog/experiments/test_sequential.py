import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats as scipy_stats

from backlog.experiments.sequential import (
    GBSTATS_DEFAULT_TUNING,
    sequential_rho,
    sequential_test,
)


def _gbstats(estimate, se, n, tuning, alpha):
    """gbstats' sequential_rho, sequential_interval_halfwidth and p_value."""
    rho = np.sqrt((-2 * np.log(alpha) + np.log(-2 * np.log(alpha) + 1)) / tuning)
    s2 = se**2 * n
    half = np.sqrt(s2) * np.sqrt(
        (2 * (n * np.power(rho, 2) + 1))
        * np.log(np.sqrt(n * np.power(rho, 2) + 1) / alpha)
        / (np.power(n * rho, 2))
    )
    st2 = np.power(estimate, 2) * n / se**2
    tr2p1 = n * np.power(rho, 2) + 1
    evalue = np.exp(np.power(rho, 2) * st2 / (2 * tr2p1)) / np.sqrt(tr2p1)
    return min(1 / evalue, 1), estimate - half, estimate + half


# (estimate, standard error, visitors in both arms, planned sample, alpha)
CASES = [
    (0.012, 0.004, 20_000, 20_000, 0.05),
    (0.012, 0.004, 2_000, 20_000, 0.05),
    (0.012, 0.004, 200_000, 20_000, 0.05),
    (-0.03, 0.01, 5_000, GBSTATS_DEFAULT_TUNING, 0.05),
    (0.0, 0.01, 5_000, 5_000, 0.05),
    (1.4, 1.39, 2_000, 10_000, 0.05),
    (0.5, 0.1, 100, 1_000, 0.1),
    (0.5, 0.1, 1, 1_000, 0.01),
    (2e-5, 1e-5, 2_000_000_000, 2_000_000_000, 0.05),
    (3e-5, 1e-5, 2_000_000_000, 100_000_000, 0.05),
    (0.1, 0.05, 10, 10, 0.05),
    (0.02, 0.001, 50_000, 80_000, 0.01),
    (-0.2, 0.15, 600, 600, 0.2),
    (0.07, 0.02, 12_000, 6_000, 0.05),
    (0.0001, 0.5, 3_000, 3_000, 0.05),
    (0.9, 0.1, 1_000, 1_000, 0.05),
]


@pytest.mark.parametrize("case", CASES)
def test_matches_gbstats_formulas(case):
    estimate, se, n, planned, alpha = case
    result = sequential_test(estimate, se, n, planned, alpha)
    p, low, high = _gbstats(estimate, se, n, planned, alpha)
    assert result.p_value == pytest.approx(p, rel=1e-9, abs=1e-12)
    assert result.ci_low == pytest.approx(low, rel=1e-9, abs=1e-12)
    assert result.ci_high == pytest.approx(high, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("case", CASES)
def test_sequence_is_wider_than_the_fixed_horizon_interval(case):
    estimate, se, n, planned, alpha = case
    result = sequential_test(estimate, se, n, planned, alpha)
    fixed = scipy_stats.norm.isf(alpha / 2) * se
    assert result.ci_high - estimate > fixed


def test_a_huge_effect_has_a_tiny_p_value_without_overflow():
    # gbstats' exp overflows here; the logarithm of the e-value does not.
    assert sequential_test(5.0, 0.1, 1_000, 1_000).p_value < 1e-300


def test_nothing_to_test_without_visitors_or_spread():
    assert sequential_test(0.1, 0.0, 100, 1000) is None
    assert sequential_test(0.1, 0.1, 0, 1000) is None
    with pytest.raises(ValueError, match="planned sample"):
        sequential_rho(0.05, 0)


@given(
    st.floats(min_value=1e-4, max_value=10),
    st.integers(min_value=1, max_value=2_000_000_000),
    st.integers(min_value=1, max_value=2_000_000_000),
    st.floats(min_value=0.001, max_value=0.3),
)
def test_p_value_is_alpha_where_the_sequence_touches_the_null(se, n, planned, alpha):
    rho_result = sequential_test(0.0, se, n, planned, alpha)
    half = rho_result.ci_high
    on_the_edge = sequential_test(half, se, n, planned, alpha)
    assert on_the_edge.p_value == pytest.approx(alpha, rel=1e-9)
    assert on_the_edge.ci_low == pytest.approx(0.0, abs=1e-9 * half)
    assert math.isfinite(on_the_edge.ci_high)
