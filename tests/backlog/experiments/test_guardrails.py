import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats as scipy_stats

from backlog.experiments.guardrails import (
    Direction,
    Verdict,
    conversion_guardrail,
    mean_guardrail,
)
from backlog.experiments.means import MeanArm
from backlog.experiments.statistics import Arm


def mean_arm(visitors, mean, sd):
    total = mean * visitors
    return MeanArm(visitors, total, sd * sd * (visitors - 1) + total * total / visitors)


def test_support_contacts_rising_far_past_the_margin_fail():
    result = conversion_guardrail(
        Arm(20_000, 400), Arm(20_000, 520), Direction.DOWN_IS_GOOD, 0.05
    )
    assert result.verdict == Verdict.FAILED
    assert result.relative_change == pytest.approx(0.3)


def test_the_same_rise_passes_when_up_is_good():
    result = conversion_guardrail(
        Arm(20_000, 400), Arm(20_000, 520), Direction.UP_IS_GOOD, 0.05
    )
    assert result.verdict == Verdict.PASSED


def test_a_small_test_has_not_decided_yet():
    result = conversion_guardrail(
        Arm(200, 10), Arm(200, 11), Direction.DOWN_IS_GOOD, 0.05
    )
    assert result.verdict == Verdict.NOT_DECIDED


def test_a_change_inside_a_big_sample_passes_its_margin():
    result = conversion_guardrail(
        Arm(1_000_000_000, 50_000_000),
        Arm(1_000_000_000, 50_100_000),
        Direction.DOWN_IS_GOOD,
        0.01,
    )
    assert result.verdict == Verdict.PASSED


def _reference_z(control, variant, margin, down):
    """Non-inferiority z statistic from the delta method, spelled out."""
    p_c, p_v = control[1] / control[0], variant[1] / variant[0]
    r = p_v / p_c - 1
    var = (
        p_v * (1 - p_v) / variant[0] / p_c**2
        + (p_c * (1 - p_c) / control[0]) * p_v**2 / p_c**4
    )
    good = -r if down else r
    return (good + margin) / var**0.5


CONVERSIONS = [
    ((10_000, 500), (10_000, 480), 0.1, False),
    ((10_000, 500), (10_000, 560), 0.02, True),
    ((5_000, 50), (5_100, 40), 0.2, True),
    ((813, 4), (790, 0), 0.1, False),
    ((40_000, 3_000), (40_000, 2_800), 0.05, False),
    ((1, 1), (1, 0), 0.1, False),
]


@pytest.mark.parametrize(("control", "variant", "margin", "down"), CONVERSIONS)
def test_conversion_p_values_follow_the_normal_tail(control, variant, margin, down):
    direction = Direction.DOWN_IS_GOOD if down else Direction.UP_IS_GOOD
    result = conversion_guardrail(Arm(*control), Arm(*variant), direction, margin)
    if result.p_non_inferior is None:
        assert result.verdict == Verdict.NOT_DECIDED
        return
    z = _reference_z(control, variant, margin, down)
    assert result.p_non_inferior == pytest.approx(scipy_stats.norm.sf(z), abs=1e-12)
    assert result.p_inferior == pytest.approx(scipy_stats.norm.cdf(z), abs=1e-12)


def test_mean_guardrail_uses_welch_degrees_of_freedom():
    control, variant = mean_arm(30, 10.0, 3.0), mean_arm(40, 9.0, 4.0)
    result = mean_guardrail(control, variant, Direction.UP_IS_GOOD, 0.05)
    v, c = 16 / 40, 9 / 30
    df = (v + c) ** 2 / (v * v / 39 + c * c / 29)
    se = (v / 100 + c * 81 / 10_000) ** 0.5
    statistic = (-0.1 + 0.05) / se
    assert result.p_non_inferior == pytest.approx(
        scipy_stats.t.sf(statistic, df), abs=1e-10
    )
    assert result.verdict == Verdict.NOT_DECIDED


def test_refunds_doubling_fail_the_mean_guardrail():
    control, variant = mean_arm(5_000, 1.0, 3.0), mean_arm(5_000, 2.0, 4.0)
    result = mean_guardrail(control, variant, Direction.DOWN_IS_GOOD, 0.1)
    assert result.verdict == Verdict.FAILED


def test_nothing_to_judge_without_visitors_or_control_conversions():
    assert (
        conversion_guardrail(Arm(0, 0), Arm(10, 1), Direction.UP_IS_GOOD, 0.05).verdict
        == Verdict.NOT_DECIDED
    )
    assert (
        conversion_guardrail(
            Arm(100, 0), Arm(100, 3), Direction.DOWN_IS_GOOD, 0.05
        ).verdict
        == Verdict.NOT_DECIDED
    )
    assert (
        mean_guardrail(
            MeanArm(1, 2.0, 4.0), mean_arm(10, 2.0, 1.0), Direction.UP_IS_GOOD, 0.05
        ).verdict
        == Verdict.NOT_DECIDED
    )


def test_a_margin_of_one_or_more_is_refused():
    with pytest.raises(ValueError, match="margin"):
        conversion_guardrail(Arm(100, 10), Arm(100, 9), Direction.UP_IS_GOOD, 1.5)


@given(
    st.integers(min_value=1, max_value=10**9),
    st.integers(min_value=1, max_value=10**9),
    st.floats(min_value=0.001, max_value=0.999),
    st.floats(min_value=0.001, max_value=0.999),
    st.sampled_from(Direction),
    st.floats(min_value=0, max_value=0.5),
)
def test_a_guardrail_never_both_passes_and_fails(n_c, n_v, rate_c, rate_v, d, m):
    control = Arm(n_c, max(1, round(n_c * rate_c)))
    variant = Arm(n_v, round(n_v * rate_v))
    result = conversion_guardrail(control, variant, d, m)
    if result.p_non_inferior is not None:
        assert result.p_non_inferior + result.p_inferior == pytest.approx(1.0)
        assert not (result.p_non_inferior < 0.05 and result.p_inferior < 0.05)
