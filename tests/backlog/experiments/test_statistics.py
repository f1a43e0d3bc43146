import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate
from scipy import stats as scipy_stats
from statsmodels.stats.proportion import (
    confint_proportions_2indep,
    proportions_ztest,
)

from backlog.experiments.statistics import (
    Arm,
    chi_square_survival,
    compare,
    difference_interval,
    probability_to_beat,
    sample_ratio_check,
    z_test,
)

# (control visitors, control conversions, variant visitors, variant conversions)
CASES = [
    (10000, 1000, 10000, 1080),
    (41230, 3092, 41105, 3292),
    (100, 50, 100, 60),
    (2500, 30, 2400, 45),
    (813, 4, 790, 0),
    (120000, 3600, 119000, 3500),
    (37, 12, 41, 19),
    (5000, 4990, 5000, 4999),
]


@st.composite
def arms(draw, max_visitors=50_000):
    visitors = draw(st.integers(min_value=1, max_value=max_visitors))
    conversions = draw(st.integers(min_value=0, max_value=visitors))
    return Arm(visitors, conversions)


def _bayes_by_integration(control: Arm, variant: Arm) -> float:
    a_c, b_c = 1 + control.conversions, 1 + control.visitors - control.conversions
    a_v, b_v = 1 + variant.conversions, 1 + variant.visitors - variant.conversions

    def density(x):
        return scipy_stats.beta.pdf(x, a_v, b_v) * scipy_stats.beta.cdf(x, a_c, b_c)

    # Integrate where the posteriors live, so quad does not miss a narrow peak.
    low = min(scipy_stats.beta.ppf(1e-12, a, b) for a, b in ((a_c, b_c), (a_v, b_v)))
    high = max(
        scipy_stats.beta.ppf(1 - 1e-12, a, b) for a, b in ((a_c, b_c), (a_v, b_v))
    )
    value, _ = integrate.quad(density, low, high, limit=400, epsabs=1e-12)
    tail = scipy_stats.beta.sf(high, a_v, b_v)
    return value + tail


def test_textbook_z_test_fifty_against_sixty_percent():
    # Pooled rate 0.55; standard error sqrt(0.55 · 0.45 · (1/100 + 1/100)).
    z, p = z_test(Arm(100, 50), Arm(100, 60))
    assert z == pytest.approx(0.1 / math.sqrt(0.55 * 0.45 * 0.02))
    assert z == pytest.approx(1.4213, abs=1e-4)
    assert p == pytest.approx(0.1552, abs=1e-4)


def test_known_example_with_its_significance():
    result = compare(Arm(10000, 1000), Arm(10000, 1080))
    assert result.relative_uplift == pytest.approx(0.08)
    assert result.p_value == pytest.approx(0.06386, abs=1e-5)
    assert not result.significant
    assert compare(Arm(41230, 3092), Arm(41105, 3292)).significant


@pytest.mark.parametrize("case", CASES)
def test_z_test_matches_statsmodels(case):
    n_c, c_c, n_v, c_v = case
    z, p = z_test(Arm(n_c, c_c), Arm(n_v, c_v))
    expected_z, expected_p = proportions_ztest([c_v, c_c], [n_v, n_c])
    assert z == pytest.approx(expected_z, abs=1e-6)
    assert p == pytest.approx(expected_p, abs=1e-6)


@pytest.mark.parametrize("case", CASES)
def test_confidence_interval_matches_statsmodels_wald(case):
    n_c, c_c, n_v, c_v = case
    low, high = difference_interval(Arm(n_c, c_c), Arm(n_v, c_v))
    expected = confint_proportions_2indep(
        c_v, n_v, c_c, n_c, method="wald", compare="diff"
    )
    assert low == pytest.approx(expected[0], abs=1e-6)
    assert high == pytest.approx(expected[1], abs=1e-6)


@pytest.mark.parametrize("case", CASES)
def test_probability_to_beat_matches_numerical_integration(case):
    n_c, c_c, n_v, c_v = case
    control, variant = Arm(n_c, c_c), Arm(n_v, c_v)
    assert probability_to_beat(control, variant) == pytest.approx(
        _bayes_by_integration(control, variant), abs=1e-6
    )


@pytest.mark.parametrize(
    ("visitors", "weights"),
    [
        ([5000, 5200, 4900], None),
        ([10000, 10400], None),
        ([10000, 9000], [1, 1]),
        ([6700, 3300], [2, 1]),
        ([1, 2, 3, 4, 5, 6], None),
        ([800, 1000, 1200, 950], [1, 1, 1, 1]),
    ],
)
def test_sample_ratio_check_matches_scipy_chisquare(visitors, weights):
    check = sample_ratio_check(visitors, weights)
    total = sum(visitors)
    shares = weights or [1] * len(visitors)
    expected = [total * w / sum(shares) for w in shares]
    statistic, p = scipy_stats.chisquare(visitors, expected)
    assert check.statistic == pytest.approx(statistic, abs=1e-6)
    assert check.p_value == pytest.approx(p, abs=1e-6)


@pytest.mark.parametrize(
    ("statistic", "df", "expected"),
    [
        (3.841459, 1, 0.05),
        (5.991465, 2, 0.05),
        (7.814728, 3, 0.05),
        (10.827566, 1, 0.001),
        (0.0, 4, 1.0),
        (12.3, 5, None),
        (0.4, 7, None),
        (250.0, 9, None),
    ],
)
def test_chi_square_tail_matches_tables_and_scipy(statistic, df, expected):
    value = chi_square_survival(statistic, df)
    assert value == pytest.approx(scipy_stats.chi2.sf(statistic, df), abs=1e-9)
    if expected is not None:
        assert value == pytest.approx(expected, abs=1e-6)


def test_sample_ratio_mismatch_is_flagged_below_one_in_a_thousand():
    assert not sample_ratio_check([10000, 10150]).mismatch
    assert sample_ratio_check([10000, 10600]).mismatch
    assert not sample_ratio_check([6700, 3300], [2, 1]).mismatch
    assert sample_ratio_check([5000, 5000], [2, 1]).mismatch


def test_even_split_has_no_mismatch_at_all():
    check = sample_ratio_check([5000, 5000])
    assert check.statistic == 0
    assert check.p_value == 1


def test_equal_arms_have_an_even_chance_and_no_difference():
    result = compare(Arm(2000, 100), Arm(2000, 100))
    assert result.difference == 0
    assert result.p_value == pytest.approx(1.0)
    assert result.probability_to_beat == pytest.approx(0.5, abs=1e-9)


def test_no_conversions_anywhere_is_no_evidence_of_a_difference():
    result = compare(Arm(500, 0), Arm(500, 0))
    assert result.p_value == 1.0
    assert result.relative_uplift is None
    assert result.probability_to_beat == pytest.approx(0.5, abs=1e-9)


def test_arms_without_visitors_have_no_statistics():
    result = compare(Arm(0, 0), Arm(100, 5))
    assert result.p_value is None
    assert result.ci_low is None
    assert result.probability_to_beat is None
    assert sample_ratio_check([0, 0]) is None


def test_more_conversions_than_visitors_is_refused():
    with pytest.raises(ValueError, match="more conversions than visitors"):
        Arm(10, 11)


def test_probability_to_beat_is_exact_with_millions_of_visitors():
    control, variant = Arm(10_000_000, 300_000), Arm(10_000_000, 301_000)
    p = probability_to_beat(control, variant)
    # Normal approximation of the two posteriors, accurate at this size.
    mean = variant.rate - control.rate
    sd = math.sqrt(
        control.rate * (1 - control.rate) / control.visitors
        + variant.rate * (1 - variant.rate) / variant.visitors
    )
    assert p == pytest.approx(scipy_stats.norm.cdf(mean / sd), abs=1e-3)


@given(arms(), arms())
def test_p_values_and_probabilities_stay_between_zero_and_one(control, variant):
    result = compare(control, variant)
    assert 0 <= result.p_value <= 1
    assert 0 <= result.probability_to_beat <= 1


@given(arms(), arms())
def test_the_interval_contains_the_observed_difference(control, variant):
    result = compare(control, variant)
    assert result.ci_low <= result.difference <= result.ci_high


@given(arms(), arms())
def test_swapping_the_variants_mirrors_the_results(control, variant):
    forward, backward = compare(control, variant), compare(variant, control)
    assert backward.difference == pytest.approx(-forward.difference, abs=1e-12)
    assert backward.z == pytest.approx(-forward.z, abs=1e-9)
    assert backward.p_value == pytest.approx(forward.p_value, abs=1e-12)
    assert backward.ci_low == pytest.approx(-forward.ci_high, abs=1e-12)
    assert backward.ci_high == pytest.approx(-forward.ci_low, abs=1e-12)
    assert backward.probability_to_beat == pytest.approx(
        1 - forward.probability_to_beat, abs=1e-9
    )


@settings(max_examples=40, deadline=None)
@given(arms(max_visitors=3000), arms(max_visitors=3000))
def test_probability_to_beat_matches_integration_for_any_small_test(control, variant):
    assert probability_to_beat(control, variant) == pytest.approx(
        _bayes_by_integration(control, variant), abs=1e-6
    )


@given(st.lists(st.integers(min_value=0, max_value=100_000), min_size=2, max_size=6))
def test_sample_ratio_p_value_stays_between_zero_and_one(visitors):
    check = sample_ratio_check(visitors)
    if sum(visitors) == 0:
        assert check is None
    else:
        assert 0 <= check.p_value <= 1
