"""The scoring rules of §4, on plain values, without a database."""

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assessments import scoring
from assessments.scoring import AnswerKind, AnswerValue, PointSpec

LEVEL = AnswerKind.LEVEL
NA = AnswerKind.NOT_APPLICABLE
DK = AnswerKind.DONT_KNOW

# Four pillars of unequal size: S has 3 points, T 2, P 1, M 2.
SPECS = [
    PointSpec("S1", "S"),
    PointSpec("S2", "S"),
    PointSpec("S3", "S"),
    PointSpec("T1", "T"),
    PointSpec("T2", "T"),
    PointSpec("P1", "P"),
    PointSpec("M1", "M"),
    PointSpec("M2", "M"),
]


def a(respondent, team, point, level=None, kind=LEVEL):
    if level is None and kind == LEVEL:
        raise ValueError("a level answer needs a level")
    return AnswerValue(respondent, team, point, kind, level)


@pytest.mark.parametrize(
    ("levels", "expected"),
    [
        ([3], Fraction(3)),
        ([1, 2], Fraction(3, 2)),
        ([2, 3, 3], Fraction(8, 3)),
        ([2, None, 4], Fraction(3)),
        ([None, None], None),
        ([], None),
        ([5, 5, 5, 5], Fraction(5)),
    ],
    ids=[
        "one respondent",
        "mean of two",
        "mean of three",
        "n/a and don't know are left out",
        "all n/a has no score",
        "no answers has no score",
        "all top level",
    ],
)
def test_point_score_is_the_mean_of_levels(levels, expected):
    assert scoring.point_score(levels) == expected


@pytest.mark.parametrize(
    ("pairs", "expected"),
    [
        ([(Fraction(2), 1), (Fraction(4), 1)], Fraction(3)),
        ([(Fraction(2), 3), (Fraction(4), 1)], Fraction(5, 2)),
        ([(Fraction(2), 1), (None, 5)], Fraction(2)),
        ([(None, 1), (None, 1)], None),
        ([(Fraction(1), "0.5"), (Fraction(5), "1.5")], Fraction(4)),
    ],
    ids=[
        "equal weights",
        "a heavier weight pulls the mean",
        "a point without score is skipped with its weight",
        "no scored point gives no pillar score",
        "decimal weights",
    ],
)
def test_pillar_score_is_the_weighted_mean_of_point_scores(pairs, expected):
    pairs = [(s, Decimal(w) if isinstance(w, str) else w) for s, w in pairs]
    assert scoring.weighted_mean(pairs) == expected


@pytest.mark.parametrize(
    ("score", "level", "name", "index"),
    [
        (Fraction(1), 1, "Initial", 0.0),
        (Fraction(29, 10), 2, "Developing", 47.5),
        (Fraction(3), 3, "Defined", 50.0),
        (Fraction(399, 100), 3, "Defined", 74.75),
        (Fraction(4), 4, "Managed", 75.0),
        (Fraction(5), 5, "Optimising", 100.0),
        (None, None, "No score", None),
    ],
)
def test_level_rounds_down_and_index_maps_one_to_five_onto_0_to_100(
    score, level, name, index
):
    assert scoring.level_of(score) == level
    assert scoring.level_name(score) == name
    assert scoring.index_of(score) == index


def test_a_mean_of_exactly_three_is_defined_not_developing():
    # 2.9 + 3.1 in floating point; exact fractions keep the mean at 3.
    score = scoring.point_score([3, 3, 3])
    pillar = scoring.weighted_mean([(score, 1), (score, 1), (score, 1)])
    assert scoring.level_of(pillar) == 3


@pytest.mark.parametrize(
    ("levels", "minimum", "maximum", "std", "count"),
    [
        ([3], 3, 3, 0.0, 1),
        ([2, 4], 2, 4, 1.0, 2),
        ([1, 1, 5, 5], 1, 5, 2.0, 4),
        ([2, 3, 4], 2, 4, (2 / 3) ** 0.5, 3),
    ],
)
def test_spread_is_min_max_population_std_and_count(
    levels, minimum, maximum, std, count
):
    spread = scoring.spread(levels)
    assert (spread.minimum, spread.maximum, spread.count) == (minimum, maximum, count)
    assert spread.std == pytest.approx(std)


def test_spread_of_no_levels_is_none():
    assert scoring.spread([]) is None


@pytest.mark.parametrize(
    ("answers", "disputed"),
    [
        ([a(1, "CRO", "S1", 4), a(2, "CS", "S1", 2)], True),  # team gap 2
        ([a(1, "CRO", "S1", 4), a(2, "CS", "S1", 3)], False),  # gap 1
        (
            [a(1, "CRO", "S1", 4), a(2, "CRO", "S1", 3), a(3, "CS", "S1", 2)],
            True,  # CRO 3.5 vs CS 2: exactly 1.5
        ),
        (
            [a(1, "CRO", "S1", 4), a(2, "CRO", "S1", 2), a(3, "CS", "S1", 2)],
            False,  # CRO 3 vs CS 2: 1.0, range 2
        ),
        ([a(1, "CRO", "S1", 1), a(2, "CRO", "S1", 4)], True),  # range 3, one team
        ([a(1, "CRO", "S1", 2), a(2, "CRO", "S1", 4)], False),  # range 2
        ([a(1, "CRO", "S1", 5), a(2, "CS", "S1", kind=NA)], False),  # n/a no mean
    ],
    ids=[
        "team means 2 apart",
        "team means 1 apart",
        "team means exactly 1.5 apart",
        "team means 1 apart with range 2",
        "range of 3 within one team",
        "range of 2",
        "a team with only n/a has no mean",
    ],
)
def test_disagreement_rule(answers, disputed):
    result = scoring.score_point("S1", "S", answers)
    assert result.disagreement is disputed
    assert bool(result.disagreement_reasons) is disputed


def test_overall_is_mean_of_pillars_so_pillar_size_does_not_matter():
    answers = [a(1, "CRO", p.key, 4 if p.pillar == "S" else 2) for p in SPECS]
    result = scoring.score_assessment(SPECS, answers)
    assert {k: p.score for k, p in result.pillars.items()} == {
        "S": 4,
        "T": 2,
        "P": 2,
        "M": 2,
    }
    # Three S points at 4 and five other points at 2: a mean over points would
    # give 2.75, the mean over pillars gives 2.5.
    assert result.overall == Fraction(5, 2)
    assert result.level == 2
    assert result.index == 37.5


def test_weights_change_the_pillar_score():
    specs = [PointSpec("S1", "S", 3), PointSpec("S2", "S", 1)]
    answers = [a(1, "CRO", "S1", 2), a(1, "CRO", "S2", 4)]
    result = scoring.score_assessment(specs, answers)
    assert result.pillars["S"].score == Fraction(5, 2)


def test_all_na_point_has_no_score_and_its_pillar_skips_it():
    answers = [
        a(1, "CRO", "S1", kind=NA),
        a(2, "CS", "S1", kind=DK),
        a(1, "CRO", "S2", 4),
        a(2, "CS", "S2", 2),
        a(1, "CRO", "S3", 3),
    ]
    result = scoring.score_assessment(SPECS, answers)
    s1 = result.points["S1"]
    assert (s1.score, s1.spread, s1.level) == (None, None, None)
    assert (s1.not_applicable, s1.dont_know) == (1, 1)
    assert result.pillars["S"].score == Fraction(3)
    assert result.pillars["S"].scored_points == 2
    assert result.pillars["S"].total_points == 3
    assert "S1" in result.unscored_points


def test_a_pillar_without_any_score_is_left_out_of_the_overall():
    answers = [a(1, "CRO", "S1", 4), a(1, "CRO", "T1", 2)]
    result = scoring.score_assessment(SPECS, answers)
    assert result.pillars["P"].score is None
    assert result.overall == Fraction(3)


def test_no_answers_gives_no_scores():
    result = scoring.score_assessment(SPECS, [])
    assert (result.overall, result.level, result.index) == (None, None, None)
    assert result.respondents == 0
    assert len(result.unscored_points) == len(SPECS)


def test_one_respondent_scores_are_their_levels():
    answers = [a(1, "CRO", p.key, 3) for p in SPECS]
    result = scoring.score_assessment(SPECS, answers)
    assert result.overall == 3
    assert result.respondents == 1
    assert all(p.spread.std == 0 for p in result.points.values())


def test_team_scores_use_only_that_teams_answers():
    answers = [a(1, "CRO", p.key, 4) for p in SPECS] + [
        a(2, "CS", p.key, 2) for p in SPECS
    ]
    result = scoring.score_assessment(SPECS, answers)
    assert result.teams["CRO"].overall == 4
    assert result.teams["CS"].overall == 2
    assert result.teams["CS"].respondents == 1
    assert result.overall == 3
    assert result.points["S1"].team_means == {"CRO": 4, "CS": 2}


def test_weakest_points_are_the_three_lowest_scores_in_model_order_on_ties():
    levels = {"S1": 3, "S2": 1, "S3": 2, "T1": 2, "T2": 5, "P1": 4, "M1": 1}
    answers = [a(1, "CRO", key, level) for key, level in levels.items()]
    result = scoring.score_assessment(SPECS, answers)
    assert [p.key for p in scoring.weakest_points(result)] == ["S2", "M1", "S3"]


@pytest.mark.parametrize(
    ("function", "args", "expected"),
    [
        (scoring.change, (Fraction(3), Fraction(5, 2)), Fraction(1, 2)),
        (scoring.change, (Fraction(3), None), None),
        (scoring.gap, (4, Fraction(5, 2)), Fraction(3, 2)),
        (scoring.gap, (2, Fraction(3)), Fraction(-1)),
        (scoring.gap, (None, Fraction(3)), None),
    ],
)
def test_change_and_gap(function, args, expected):
    assert function(*args) == expected


def test_scores_from_point_means_match_scores_from_answers():
    answers = [a(1, "CRO", "S1", 2), a(2, "CS", "S1", 5), a(1, "CRO", "T1", 3)]
    full = scoring.score_assessment(SPECS, answers)
    means = {k: p.score for k, p in full.points.items() if p.score is not None}
    pillars, overall = scoring.score_from_point_means(SPECS, means)
    assert overall == full.overall
    assert pillars == {k: p.score for k, p in full.pillars.items()}


# Property tests -------------------------------------------------------------

teams = st.sampled_from(["CRO", "Customer Service", "Marketing"])
kinds = st.sampled_from([LEVEL, LEVEL, LEVEL, NA, DK])


@st.composite
def answer_sets(draw):
    respondents = draw(st.integers(min_value=0, max_value=6))
    answers = []
    for respondent in range(respondents):
        team = draw(teams)
        for spec in SPECS:
            if draw(st.booleans()) or respondents == 1:
                kind = draw(kinds)
                level = draw(st.integers(1, 5)) if kind == LEVEL else None
                answers.append(AnswerValue(respondent, team, spec.key, kind, level))
    return answers


def _scores(result):
    return (
        result.overall,
        {k: p.score for k, p in result.pillars.items()},
        {k: (p.score, p.spread, p.disagreement) for k, p in result.points.items()},
        {k: (t.overall, t.pillars) for k, t in result.teams.items()},
    )


@given(answer_sets())
def test_every_score_stays_within_one_to_five_and_index_within_0_to_100(answers):
    result = scoring.score_assessment(SPECS, answers)
    values = [result.overall]
    values += [p.score for p in result.pillars.values()]
    values += [p.score for p in result.points.values()]
    values += [t.overall for t in result.teams.values()]
    for value in values:
        if value is not None:
            assert 1 <= value <= 5
            assert 0 <= scoring.index_of(value) <= 100
            assert scoring.level_of(value) in (1, 2, 3, 4, 5)


@given(answer_sets(), st.sampled_from([NA, DK]), st.sampled_from(SPECS), teams)
def test_adding_a_not_applicable_or_dont_know_answer_never_changes_a_score(
    answers, kind, spec, team
):
    before = scoring.score_assessment(SPECS, answers)
    extra = AnswerValue("newcomer", team, spec.key, kind, None)
    after = scoring.score_assessment(SPECS, [*answers, extra])
    assert after.overall == before.overall
    assert {k: p.score for k, p in after.pillars.items()} == {
        k: p.score for k, p in before.pillars.items()
    }
    assert {
        k: (p.score, p.spread, p.disagreement) for k, p in after.points.items()
    } == {k: (p.score, p.spread, p.disagreement) for k, p in before.points.items()}


@given(answer_sets(), st.randoms(use_true_random=False))
def test_the_order_of_respondents_never_changes_the_results(answers, rng):
    shuffled = list(answers)
    rng.shuffle(shuffled)
    assert _scores(scoring.score_assessment(SPECS, shuffled)) == _scores(
        scoring.score_assessment(SPECS, answers)
    )


@given(answer_sets())
def test_overall_is_the_mean_of_the_scored_pillars(answers):
    result = scoring.score_assessment(SPECS, answers)
    scored = [p.score for p in result.pillars.values() if p.score is not None]
    if scored:
        assert result.overall == sum(scored) / len(scored)
    else:
        assert result.overall is None
