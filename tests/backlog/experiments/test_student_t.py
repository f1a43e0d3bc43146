import math

import mpmath
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats as scipy_stats

from backlog.experiments.student_t import (
    HILL_FROM,
    incomplete_beta,
    log_beta,
    t_cdf,
    t_isf,
    t_ppf,
    t_sf,
    t_two_sided_p,
)

DEGREES = [0.5, 1, 1.5, 2, 3, 7.3, 30, 999.5, 9_999, 10_000, 123_456.7, 1e7, 2e9]
STATISTICS = [0.01, 0.5, 1, 1.96, 3, 6, 10, 40, 1e3]
TAILS = [0.4, 0.05, 0.025, 1e-3, 1e-5, 1e-9]


def _mpmath_sf(t: float, df: float) -> float:
    with mpmath.workdps(40):
        nu, t_ = mpmath.mpf(df), mpmath.mpf(t)
        x = nu / (nu + t_ * t_)
        return float(
            mpmath.betainc(nu / 2, mpmath.mpf(1) / 2, 0, x, regularized=True) / 2
        )


@pytest.mark.parametrize("df", DEGREES)
@pytest.mark.parametrize("t", STATISTICS)
def test_upper_tail_matches_scipy(t, df):
    expected = scipy_stats.t.sf(t, df)
    assert t_sf(t, df) == pytest.approx(expected, rel=1e-10, abs=1e-300)
    assert t_cdf(-t, df) == pytest.approx(expected, rel=1e-10, abs=1e-300)
    assert t_cdf(t, df) == pytest.approx(scipy_stats.t.cdf(t, df), abs=1e-13)


@pytest.mark.parametrize("df", [3.5, 999.5, 9_999.9, HILL_FROM, 54_321.0])
@pytest.mark.parametrize("t", [0.3, 2, 4, 8, 15])
def test_both_sides_of_the_switch_agree_with_forty_digits(t, df):
    assert t_sf(t, df) == pytest.approx(_mpmath_sf(t, df), rel=1e-12)


@pytest.mark.parametrize("df", DEGREES)
@pytest.mark.parametrize("q", TAILS)
def test_quantile_matches_scipy(q, df):
    assert t_isf(q, df) == pytest.approx(scipy_stats.t.isf(q, df), rel=1e-10)
    assert t_ppf(q, df) == pytest.approx(scipy_stats.t.ppf(q, df), rel=1e-10)


def test_a_tiny_statistic_keeps_its_digits():
    # SciPy 1.18's t.sf(1e-8, 1) is 1.6e-9 off the closed form ½ − arctan(t)/π.
    assert t_sf(1e-8, 1) == pytest.approx(0.5 - math.atan(1e-8) / math.pi, abs=1e-16)
    for df in (0.5, 3, 2e9):
        assert t_sf(1e-8, df) == pytest.approx(_mpmath_sf(1e-8, df), abs=1e-15)


def test_cauchy_quantile_has_its_closed_form():
    assert t_isf(0.025, 1) == pytest.approx(math.tan(math.pi * 0.475), rel=1e-12)


def test_two_sided_p_is_twice_the_tail_and_never_above_one():
    assert t_two_sided_p(-2.1, 12) == pytest.approx(2 * scipy_stats.t.sf(2.1, 12))
    assert t_two_sided_p(0, 5) == 1.0


@pytest.mark.parametrize(
    ("a", "b", "x"), [(0.5, 0.5, 0.3), (2, 3, 0.9), (50, 0.5, 0.99), (1e6, 0.5, 0.5)]
)
def test_incomplete_beta_matches_scipy(a, b, x):
    assert incomplete_beta(a, b, x) == pytest.approx(
        scipy_stats.beta.cdf(x, a, b), rel=1e-10, abs=1e-300
    )


def test_log_beta_of_a_huge_argument_keeps_its_digits():
    with mpmath.workdps(40):
        expected = float(mpmath.log(mpmath.beta(mpmath.mpf(1e9), mpmath.mpf(0.5))))
    assert log_beta(1e9, 0.5) == pytest.approx(expected, rel=1e-14)


def test_edges_of_the_domain():
    assert t_sf(math.inf, 3) == 0.0
    assert t_sf(-math.inf, 3) == 1.0
    assert t_sf(0, 3) == 0.5
    assert t_isf(0.5, 3) == 0.0
    with pytest.raises(ValueError, match="degrees of freedom"):
        t_sf(1.0, 0)
    with pytest.raises(ValueError, match="strictly between"):
        t_isf(0.0, 4)


@given(
    st.floats(min_value=-50, max_value=50),
    st.floats(min_value=0.5, max_value=1e9),
)
def test_tails_are_symmetric_and_sum_to_one(t, df):
    assert t_sf(t, df) + t_cdf(t, df) == pytest.approx(1.0, abs=1e-13)
    assert t_sf(t, df) == pytest.approx(t_cdf(-t, df), abs=1e-15)


@given(
    st.floats(min_value=1e-12, max_value=0.999),
    st.floats(min_value=0.5, max_value=1e9),
)
def test_quantile_inverts_the_tail(q, df):
    assert t_sf(t_isf(q, df), df) == pytest.approx(q, rel=1e-9)
