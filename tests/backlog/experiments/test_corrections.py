import math

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats as scipy_stats
from statsmodels.stats.multitest import multipletests

from backlog.experiments.corrections import (
    Correction,
    adjust,
    benjamini_hochberg,
    holm,
    widened_interval,
)

# Families: primary and secondary metrics × challengers, up to 6 variants.
FAMILIES = [
    [0.01],
    [0.01, 0.04],
    [0.04, 0.01],
    [0.5, 0.5],
    [0.0, 1.0],
    [0.0, 0.0, 0.0],
    [1.0, 1.0, 1.0],
    [0.001, 0.008, 0.039, 0.041, 0.042, 0.06, 0.074, 0.205, 0.212, 0.216],
    [0.049, 0.049, 0.049, 0.049, 0.049],  # ties
    [1e-12, 3e-9, 0.2, 0.9],
    [0.03, 0.02, 0.01, 0.04, 0.05],  # 5 challengers, one metric
    [0.012, 0.3, 0.0004, 0.07, 0.5, 0.91, 0.033, 0.0201, 0.66, 0.005],
    # 6 variants (5 challengers) × 3 metrics
    [0.01 * k for k in range(1, 16)],
    [
        0.2,
        0.0001,
        0.04,
        0.8,
        0.3,
        0.0,
        0.6,
        0.05,
        0.049,
        0.051,
        0.07,
        0.99,
        0.01,
        0.015,
        0.5,
    ],
    [0.9999999, 1e-300],
    [0.5] * 30,
    [0.025, 0.024, 0.026],
    [0.33, 0.33, 0.34, 0.0],
    [0.0499999, 0.0500001],
    [1e-5, 2e-5, 3e-5, 4e-5, 5e-5, 6e-5],
    [0.7, 0.01, 0.9, 0.02, 0.8, 0.03],
    [0.2] * 6,
    [0.001, 0.999],
    [0.04, 0.04, 0.9],
    [0.11, 0.012, 0.0123, 0.4],
    [0.06, 0.045, 0.03, 0.015],
    [0.3, 0.2, 0.1, 0.05, 0.025, 0.0125],
    [0.0007, 0.8, 0.0008, 0.7, 0.0009, 0.6],
    [0.05],
    [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.0],
]


@pytest.mark.parametrize("family", FAMILIES)
def test_holm_matches_statsmodels(family):
    expected = multipletests(family, method="holm")[1]
    assert holm(family) == pytest.approx(list(expected), abs=1e-12)


@pytest.mark.parametrize("family", FAMILIES)
def test_benjamini_hochberg_matches_statsmodels(family):
    expected = multipletests(family, method="fdr_bh")[1]
    assert benjamini_hochberg(family) == pytest.approx(list(expected), abs=1e-12)


def test_the_default_is_holm_and_none_changes_nothing():
    family = [0.01, 0.04, 0.03]
    assert adjust(family) == holm(family)
    assert adjust(family, Correction.BENJAMINI_HOCHBERG) == benjamini_hochberg(family)
    assert adjust(family, Correction.NONE) == family
    assert adjust([]) == []


def test_p_values_outside_zero_and_one_are_refused():
    with pytest.raises(ValueError, match="between 0 and 1"):
        holm([0.2, 1.2])


def _growthbook_adjusted_ci(adjusted_p, lift, threshold, ci):
    """GrowthBook's getAdjustedCI (packages/shared/src/experiments)."""
    if adjusted_p > 0.999999:
        return (-math.inf, math.inf)
    if not lift:
        return ci
    z = scipy_stats.norm.ppf(1 - threshold / 2)
    sd = abs(lift / scipy_stats.norm.ppf(1 - adjusted_p / 2))
    low, high = lift - z * sd, lift + z * sd
    return (low, high) if low < ci[0] and high > ci[1] else ci


INTERVALS = [
    (0.08, (0.01, 0.15), 0.04),
    (0.08, (0.01, 0.15), 0.2),
    (-0.03, (-0.05, -0.01), 0.03),
    (0.0, (-0.02, 0.02), 0.5),
    (0.2, (0.1, 0.3), 1.0),
    (0.2, (0.1, 0.3), 1e-8),
    (1.5, (-0.5, 3.5), 0.9),
]


@pytest.mark.parametrize(("estimate", "interval", "adjusted_p"), INTERVALS)
def test_widened_interval_is_growthbooks(estimate, interval, adjusted_p):
    expected = _growthbook_adjusted_ci(adjusted_p, estimate, 0.05, interval)
    assert widened_interval(estimate, interval, adjusted_p) == pytest.approx(
        expected, rel=1e-12
    )


def test_widened_t_interval_touches_zero_at_the_threshold():
    low, high = widened_interval(2.0, (0.5, 3.5), 0.05, degrees_of_freedom=7.5)
    assert low == pytest.approx(0.0, abs=1e-12)
    assert high == pytest.approx(4.0)


@given(st.lists(st.floats(min_value=0, max_value=1), min_size=1, max_size=40))
def test_adjusted_p_values_keep_the_order_and_never_shrink(family):
    for method in (holm, benjamini_hochberg):
        adjusted = method(family)
        assert all(
            a >= p - 1e-15 and a <= 1 for a, p in zip(adjusted, family, strict=True)
        )
        for i, j in ((i, j) for i in range(len(family)) for j in range(len(family))):
            if family[i] < family[j]:
                assert adjusted[i] <= adjusted[j]
    assert all(
        b <= h + 1e-15
        for b, h in zip(benjamini_hochberg(family), holm(family), strict=True)
    )


@given(
    st.floats(min_value=-10, max_value=10).filter(lambda x: abs(x) > 1e-6),
    st.floats(min_value=1e-9, max_value=0.99),
)
def test_widened_normal_interval_excludes_zero_exactly_below_alpha(estimate, p):
    low, high = widened_interval(estimate, (estimate, estimate), p)
    if abs(p - 0.05) > 1e-9:
        assert (low > 0 or high < 0) == (p < 0.05)


@pytest.mark.parametrize("adjusted_p", [1e-17, 1e-60, 1e-300])
def test_a_vanishing_adjusted_p_value_still_has_its_interval(adjusted_p):
    """10⁹ visitors with a real lift give such p-values; 1 − p/2 rounds to 1."""
    low, high = widened_interval(3e-4, (2.99e-4, 3.01e-4), adjusted_p)
    implied = 3e-4 / scipy_stats.norm.isf(adjusted_p / 2)
    half = scipy_stats.norm.isf(0.025) * implied
    assert (low, high) == (2.99e-4, 3.01e-4) or (
        low == pytest.approx(3e-4 - half, rel=1e-9)
        and high == pytest.approx(3e-4 + half, rel=1e-9)
    )
    assert low > 0
