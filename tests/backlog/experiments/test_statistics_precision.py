"""The chance to beat the control, against 30-digit references, for any test up
to the form's maximum of 10⁹ visitors per variant: error below 10⁻⁹. How long
it takes is measured by `python -m bench.stats`.

Two references, both in mpmath at 30 significant digits:

* Evan Miller's sum summed in full from its first term, for any test whose
  smallest posterior parameter is small enough to sum;
* for larger tests, where the code uses the Edgeworth expansion, the same
  expansion with exact polygamma values and one order more. Its terms shrink
  with the square of the smallest parameter, so the exact sums just above the
  threshold (where they are largest) bound the truncation error everywhere.
"""

import mpmath
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backlog.experiments.statistics import (
    EXACT_TERMS_MAX,
    MAX_VISITORS,
    Arm,
    probability_to_beat,
)

TOLERANCE = 1e-9
mpmath.mp.dps = 30


def _parameters(arm: Arm) -> tuple[int, int]:
    return 1 + arm.conversions, 1 + arm.visitors - arm.conversions


def _miller_in_full(a_a: int, b_a: int, a_b: int, b_b: int) -> mpmath.mpf:
    """P(X_B > X_A): every term of the sum from i = 0, in 30 digits."""

    def log_beta(a, b):
        return mpmath.loggamma(a) + mpmath.loggamma(b) - mpmath.loggamma(a + b)

    term = mpmath.exp(
        log_beta(a_a, b_a + b_b)
        - mpmath.log(b_b)
        - log_beta(1, b_b)
        - log_beta(a_a, b_a)
    )
    total = term
    for i in range(a_b - 1):
        term *= mpmath.mpf((a_a + i) * (b_b + i)) / ((a_a + b_a + b_b + i) * (1 + i))
        total += term
    return total


def exact_reference(control: Arm, variant: Arm) -> float:
    a_c, b_c = _parameters(control)
    a_v, b_v = _parameters(variant)
    # The sum runs over its third parameter; 1 − X is Beta(b, a).
    smallest = min(a_c, b_c, a_v, b_v)
    if smallest == a_v:
        return float(_miller_in_full(a_c, b_c, a_v, b_v))
    if smallest == a_c:
        return float(1 - _miller_in_full(a_v, b_v, a_c, b_c))
    if smallest == b_c:
        return float(_miller_in_full(b_v, a_v, b_c, a_c))
    return float(1 - _miller_in_full(b_c, a_c, b_v, a_v))


def edgeworth_reference(control: Arm, variant: Arm) -> float:
    """P(logit X_V − logit X_C > 0) by the fourth-order Edgeworth expansion."""
    a_c, b_c = _parameters(control)
    a_v, b_v = _parameters(variant)
    four = ((a_v, 1), (b_v, -1), (a_c, -1), (b_c, 1))
    mean = mpmath.fsum(sign * mpmath.psi(0, x) for x, sign in four)
    cumulants = {
        r: mpmath.fsum(
            (sign if r % 2 else 1) * mpmath.psi(r - 1, x) for x, sign in four
        )
        for r in range(2, 7)
    }
    sd = mpmath.sqrt(cumulants[2])
    l3, l4, l5, l6 = (cumulants[r] / sd**r for r in (3, 4, 5, 6))
    x = -mean / sd

    def he(n):
        return mpmath.hermite(n, x / mpmath.sqrt(2)) / mpmath.sqrt(2) ** n

    correction = (
        l3 / 6 * he(2)
        + l4 / 24 * he(3)
        + l3**2 / 72 * he(5)
        + l5 / 120 * he(4)
        + l3 * l4 / 144 * he(6)
        + l3**3 / 1296 * he(8)
        + l6 / 720 * he(5)
        + (l3 * l5 / 720 + l4**2 / 1152) * he(7)
        + l3**2 * l4 / 1728 * he(9)
        + l3**4 / 31104 * he(11)
    )
    return float(mpmath.ncdf(-x) + mpmath.npdf(x) * correction)


@st.composite
def lopsided_arms(draw):
    """Arms of up to 10⁹ visitors with few conversions or few failures."""
    visitors = draw(st.integers(min_value=1, max_value=MAX_VISITORS))
    few = draw(st.integers(min_value=0, max_value=min(visitors, 3000)))
    conversions = draw(st.sampled_from([few, visitors - few]))
    return Arm(visitors, conversions)


@st.composite
def large_arms(draw):
    """Arms whose conversions and failures are all above the exact sum's limit."""
    visitors = draw(
        st.integers(min_value=2 * EXACT_TERMS_MAX + 2, max_value=MAX_VISITORS)
    )
    conversions = draw(
        st.integers(min_value=EXACT_TERMS_MAX, max_value=visitors - EXACT_TERMS_MAX)
    )
    return Arm(visitors, conversions)


@st.composite
def any_arms(draw):
    visitors = draw(st.integers(min_value=1, max_value=MAX_VISITORS))
    conversions = draw(
        st.one_of(
            st.integers(min_value=0, max_value=visitors),
            st.integers(min_value=max(0, visitors - 5), max_value=visitors),
            st.integers(min_value=0, max_value=min(visitors, 5)),
        )
    )
    return Arm(visitors, conversions)


@pytest.mark.parametrize(
    ("control", "variant"),
    [
        (Arm(10**9, 1), Arm(10**9, 0)),
        (Arm(10**9, 0), Arm(10**9, 1)),
        (Arm(10**9, 999_999_999), Arm(10**9, 10**9)),
        (Arm(10**9, 10**9), Arm(10**9, 999_999_999)),
        (Arm(10**9, 12), Arm(3, 1)),
        (Arm(1, 1), Arm(10**9, 10**9 - 2)),
    ],
)
def test_chance_to_beat_is_exact_for_a_billion_visitors_at_the_edges(control, variant):
    assert probability_to_beat(control, variant) == pytest.approx(
        exact_reference(control, variant), abs=TOLERANCE
    )


def test_one_conversion_in_a_billion_against_none_is_a_quarter_less_a_trifle():
    # 1 − P: the variant's Beta(1, 10⁹ + 1) against the control's Beta(2, 10⁹).
    assert probability_to_beat(Arm(10**9, 1), Arm(10**9, 0)) == pytest.approx(
        0.249999999875, abs=1e-12
    )


@pytest.mark.parametrize(
    ("control", "variant"),
    [
        # Smallest parameter just above the threshold: the expansion's worst case.
        (
            Arm(2 * EXACT_TERMS_MAX + 10, EXACT_TERMS_MAX + 2),
            Arm(2 * EXACT_TERMS_MAX + 10, EXACT_TERMS_MAX + 600),
        ),
        (Arm(10**9, EXACT_TERMS_MAX + 1), Arm(10**9, EXACT_TERMS_MAX + 1300)),
        (
            Arm(10**9, 10**9 - EXACT_TERMS_MAX - 5),
            Arm(5 * 10**8, 5 * 10**8 - EXACT_TERMS_MAX // 2 - 40),
        ),
        (Arm(400_000, EXACT_TERMS_MAX + 3), Arm(400_000, EXACT_TERMS_MAX + 3)),
    ],
)
def test_expansion_agrees_with_the_exact_sum_where_its_error_is_largest(
    control, variant
):
    assert probability_to_beat(control, variant) == pytest.approx(
        exact_reference(control, variant), abs=TOLERANCE / 100
    )


@settings(max_examples=60, deadline=None)
@given(lopsided_arms(), lopsided_arms())
def test_chance_to_beat_matches_the_full_sum_for_lopsided_tests(control, variant):
    assert probability_to_beat(control, variant) == pytest.approx(
        exact_reference(control, variant), abs=TOLERANCE
    )


@settings(max_examples=60, deadline=None)
@given(large_arms(), large_arms())
def test_chance_to_beat_matches_the_expansion_for_large_tests(control, variant):
    assert probability_to_beat(control, variant) == pytest.approx(
        edgeworth_reference(control, variant), abs=TOLERANCE / 10
    )


@settings(max_examples=200, deadline=None)
@given(any_arms(), any_arms())
def test_chance_to_beat_is_a_probability_for_any_test_the_form_accepts(
    control, variant
):
    # How long such inputs take (they once ran for minutes): bench.stats.
    assert 0 <= probability_to_beat(control, variant) <= 1


@pytest.mark.parametrize(
    ("control", "variant"),
    [
        # The peak's logarithm in floating point just below its limit, and in
        # decimals just above it.
        (Arm(10**9, 190_000), Arm(5 * 10**8, 95_100)),
        (Arm(10**9, 210_000), Arm(5 * 10**8, 99_000)),
        # A lopsided split: the control hundreds of times larger.
        (Arm(10**9, 5 * 10**7), Arm(10**6, 50_100)),
        (Arm(10**9, 5 * 10**8), Arm(200_000, 99_950)),
        (Arm(10**9, 10**9 - 5 * 10**6), Arm(10**7, 10**7 - 49_900)),
        (Arm(999_999_937, 12_345_678), Arm(4_000_001, 49_321)),
    ],
)
def test_chance_to_beat_keeps_its_digits_for_large_and_lopsided_tests(control, variant):
    assert probability_to_beat(control, variant) == pytest.approx(
        exact_reference(control, variant), abs=TOLERANCE / 10
    )
