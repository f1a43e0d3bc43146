from datetime import UTC, datetime, timedelta
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backlog.scoring.frameworks import (
    PXL_MAX,
    PXL_QUESTIONS,
    PXL_WEIGHTS,
    SCORE_DECIMALS,
    Framework,
    IceMode,
    disagreement_threshold,
    ice_score,
    pie_score,
    pxl_score,
    rank_key,
    scale,
    summarise,
)

ratings = st.integers(min_value=1, max_value=10)


@pytest.mark.parametrize(
    ("impact", "confidence", "ease", "mode", "expected"),
    [
        (1, 1, 1, IceMode.MEAN, 1.0),
        (10, 10, 10, IceMode.MEAN, 10.0),
        (8, 5, 2, IceMode.MEAN, 5.0),
        (7, 6, 6, IceMode.MEAN, 19 / 3),
        (1, 1, 1, IceMode.PRODUCT, 1.0),
        (10, 10, 10, IceMode.PRODUCT, 1000.0),
        (8, 5, 2, IceMode.PRODUCT, 80.0),
    ],
)
def test_ice_score_is_the_mean_or_the_product(impact, confidence, ease, mode, expected):
    assert ice_score(impact, confidence, ease, mode) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("potential", "importance", "ease", "expected"),
    [(1, 1, 1, 1.0), (10, 10, 10, 10.0), (9, 3, 6, 6.0), (4, 5, 5, 14 / 3)],
)
def test_pie_score_is_the_mean(potential, importance, ease, expected):
    assert pie_score(potential, importance, ease) == pytest.approx(expected)


def test_pxl_weights_are_those_of_the_framework():
    assert PXL_WEIGHTS == {
        "above_the_fold": 1,
        "noticeable_in_5_seconds": 2,
        "adds_or_removes_element": 2,
        "increases_motivation": 1,
        "high_traffic_page": 1,
        "found_in_user_testing": 1,
        "found_in_qualitative_feedback": 1,
        "found_in_analytics": 1,
        "backed_by_heatmaps": 1,
    }
    assert PXL_MAX == 14


@pytest.mark.parametrize(("question", "weight"), list(PXL_WEIGHTS.items()))
def test_each_pxl_question_adds_its_weight(question, weight):
    assert pxl_score({question: True}, ease=0) == weight
    assert pxl_score({question: False}, ease=0) == 0


@pytest.mark.parametrize(("ease", "points"), [(3, 3), (2, 2), (1, 1), (0, 0)])
def test_pxl_ease_adds_three_two_one_or_nothing(ease, points):
    assert pxl_score({}, ease=ease) == points


def test_pxl_all_yes_and_quickest_build_is_the_maximum():
    assert pxl_score(dict.fromkeys(PXL_QUESTIONS, True), ease=3) == PXL_MAX


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: ice_score(0, 5, 5), "Impact"),
        (lambda: ice_score(5, 11, 5), "Confidence"),
        (lambda: pie_score(5, 5, 0), "Ease"),
        (lambda: pxl_score({}, ease=4), "ease"),
        (lambda: pxl_score({"looks_nice": True}, ease=1), "Unknown"),
    ],
)
def test_scores_out_of_range_are_refused(call, message):
    with pytest.raises(ValueError, match=message):
        call()


@pytest.mark.parametrize(
    ("framework", "mode", "low", "high", "threshold"),
    [
        (Framework.ICE, IceMode.MEAN, 1, 10, 2.7),
        (Framework.ICE, IceMode.PRODUCT, 1, 1000, 299.7),
        (Framework.PIE, IceMode.MEAN, 1, 10, 2.7),
        (Framework.PIE, IceMode.PRODUCT, 1, 10, 2.7),
        (Framework.PXL, IceMode.MEAN, 0, 14, 4.2),
    ],
)
def test_scale_and_disagreement_threshold_per_framework(
    framework, mode, low, high, threshold
):
    assert scale(framework, mode) == (low, high)
    assert disagreement_threshold(framework, mode) == pytest.approx(threshold)


@pytest.mark.parametrize(
    ("scores", "framework", "mode", "mean", "minimum", "maximum", "disagreement"),
    [
        ([6.0], Framework.ICE, IceMode.MEAN, 6.0, 6.0, 6.0, False),
        ([1.0, 10.0], Framework.ICE, IceMode.MEAN, 5.5, 1.0, 10.0, True),
        ([5.0, 7.0], Framework.ICE, IceMode.MEAN, 6.0, 5.0, 7.0, False),
        ([4.0, 6.7], Framework.PIE, IceMode.MEAN, 5.35, 4.0, 6.7, True),
        ([4.0, 6.6], Framework.PIE, IceMode.MEAN, 5.3, 4.0, 6.6, False),
        ([100.0, 399.0], Framework.ICE, IceMode.PRODUCT, 249.5, 100.0, 399.0, False),
        ([100.0, 400.0], Framework.ICE, IceMode.PRODUCT, 250.0, 100.0, 400.0, True),
        ([3.0, 7.0, 7.0], Framework.PXL, IceMode.MEAN, 17 / 3, 3.0, 7.0, False),
        ([3.0, 7.2], Framework.PXL, IceMode.MEAN, 5.1, 3.0, 7.2, True),
    ],
)
def test_summary_of_several_scorers(
    scores, framework, mode, mean, minimum, maximum, disagreement
):
    summary = summarise(scores, framework, mode)
    assert summary.count == len(scores)
    assert summary.mean == pytest.approx(mean)
    assert (summary.minimum, summary.maximum) == (minimum, maximum)
    assert summary.disagreement is disagreement


def test_equal_means_from_different_scorers_are_one_and_the_same_score():
    # 43/6 both times: (21 + 22) / 6 and (20 + 23) / 6.
    one = summarise([ice_score(7, 7, 7), ice_score(7, 7, 8)], Framework.ICE)
    other = summarise([ice_score(6, 7, 7), ice_score(8, 8, 7)], Framework.ICE)
    assert one.mean == other.mean == 7.166667


# No deadline: a shared test machine may pause any example.
@settings(deadline=None)
@given(
    st.lists(st.tuples(ratings, ratings, ratings), min_size=1, max_size=12),
    st.sampled_from(list(IceMode)),
)
def test_the_kept_mean_is_the_exact_mean_rounded_to_six_decimals(triples, mode):
    summary = summarise([ice_score(*triple, mode) for triple in triples], Framework.ICE)
    if mode == IceMode.PRODUCT:
        exact = Fraction(sum(a * b * c for a, b, c in triples), len(triples))
    else:
        exact = Fraction(sum(map(sum, triples)), 3 * len(triples))
    assert summary.mean == float(round(exact, 6))


def test_summary_standard_deviation_is_that_of_the_population():
    summary = summarise([2, 4, 4, 4, 5, 5, 7, 9], Framework.PXL)
    assert summary.std == pytest.approx(2.0)


def test_no_scores_have_no_summary():
    assert summarise([], Framework.ICE) is None


@given(ratings, ratings, ratings)
def test_ice_and_pie_scores_stay_in_their_scales(a, b, c):
    assert 1 <= ice_score(a, b, c) <= 10
    assert 1 <= ice_score(a, b, c, IceMode.PRODUCT) <= 1000
    assert 1 <= pie_score(a, b, c) <= 10


@given(
    st.fixed_dictionaries({key: st.booleans() for key in PXL_QUESTIONS}),
    st.integers(min_value=0, max_value=3),
)
def test_pxl_scores_stay_in_their_scale(answers, ease):
    assert 0 <= pxl_score(answers, ease) <= PXL_MAX


@given(
    st.lists(st.floats(min_value=0, max_value=14), min_size=1, max_size=12),
    st.sampled_from(list(Framework)),
)
def test_summary_mean_lies_within_the_spread(scores, framework):
    summary = summarise(scores, framework)
    # The kept mean is rounded, so it may lie half a unit of its last decimal out.
    rounding = 0.5 * 10**-SCORE_DECIMALS + 1e-12
    assert summary.minimum - rounding <= summary.mean <= summary.maximum + rounding
    assert summary.std >= 0
    expected = len(scores) > 1 and (
        max(scores) - min(scores) >= disagreement_threshold(framework) - 1e-9
    )
    assert summary.disagreement is expected


def test_rank_key_puts_best_first_unscored_last_and_ties_to_the_older():
    day = datetime(2026, 1, 1, tzinfo=UTC)
    items = [
        ("unscored", None, day, 1),
        ("good-new", 7.0, day + timedelta(days=2), 2),
        ("good-old", 7.0, day, 3),
        ("best", 9.0, day + timedelta(days=5), 4),
        ("good-old-higher-id", 7.0, day, 5),
        ("low", 2.0, day, 6),
    ]
    ranked = sorted(items, key=lambda item: rank_key(*item[1:]))
    assert [name for name, *_ in ranked] == [
        "best",
        "good-old",
        "good-old-higher-id",
        "good-new",
        "low",
        "unscored",
    ]
