import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from backlog.configuration import settings_for, update_backlog_settings
from backlog.models import Hypothesis, Result, Score, Status
from backlog.prioritization import Framework, IceMode
from backlog.scoring import ScoringError, refresh_scores, score_hypothesis
from cromaturity.models import Role

pytestmark = pytest.mark.django_db

PXL_ALL_NO = {
    "above_the_fold": False,
    "noticeable_in_5_seconds": False,
    "adds_or_removes_element": False,
    "increases_motivation": False,
    "high_traffic_page": False,
    "found_in_user_testing": False,
    "found_in_qualitative_feedback": False,
    "found_in_analytics": False,
    "backed_by_heatmaps": False,
}


@pytest.fixture
def hypothesis(org):
    return Hypothesis.objects.create(organisation=org, title="Trust badges")


def ice(hypothesis, user, impact, confidence, ease, mode=IceMode.MEAN):
    return score_hypothesis(
        hypothesis,
        scorer=user,
        framework=Framework.ICE,
        values={"impact": impact, "confidence": confidence, "ease": ease},
        ice_mode=mode,
    )


def test_scoring_twice_updates_the_score_rather_than_adding_one(hypothesis, admin_user):
    ice(hypothesis, admin_user, 2, 2, 2)
    ice(hypothesis, admin_user, 8, 8, 8)
    assert Score.objects.filter(hypothesis=hypothesis).count() == 1
    hypothesis.refresh_from_db()
    assert hypothesis.ice_score == 8
    assert hypothesis.ice_count == 1


def test_aggregates_follow_every_scorer(hypothesis, admin_user, make_member, org):
    colleague = make_member(org, role=Role.CONTRIBUTOR)
    ice(hypothesis, admin_user, 9, 9, 9)
    ice(hypothesis, colleague, 3, 3, 3)
    hypothesis.refresh_from_db()
    assert hypothesis.ice_score == 6
    assert hypothesis.ice_count == 2
    assert hypothesis.ice_disagreement
    assert hypothesis.pie_score is None
    assert hypothesis.score_total == 2


def test_each_framework_has_its_own_score(hypothesis, admin_user):
    ice(hypothesis, admin_user, 5, 5, 5)
    score_hypothesis(
        hypothesis,
        scorer=admin_user,
        framework=Framework.PXL,
        values={**PXL_ALL_NO, "noticeable_in_5_seconds": True, "pxl_ease": 2},
    )
    hypothesis.refresh_from_db()
    assert (hypothesis.ice_score, hypothesis.pxl_score) == (5, 4)
    assert Score.objects.filter(hypothesis=hypothesis).count() == 2


def test_a_score_with_the_wrong_parts_is_refused(hypothesis, admin_user):
    with pytest.raises(ScoringError, match="ICE score needs exactly"):
        score_hypothesis(
            hypothesis,
            scorer=admin_user,
            framework=Framework.ICE,
            values={"impact": 5, "confidence": 5},
        )
    assert not Score.objects.exists()


def test_scoring_does_not_count_as_editing_the_hypothesis(hypothesis, admin_user):
    before = Hypothesis.objects.get(pk=hypothesis.pk).updated_at
    ice(hypothesis, admin_user, 5, 6, 7)
    assert Hypothesis.objects.get(pk=hypothesis.pk).updated_at == before


@pytest.mark.parametrize(
    "fields",
    [
        {"framework": "ice", "impact": 11, "confidence": 5, "ease": 5},
        {"framework": "ice", "impact": 0, "confidence": 5, "ease": 5},
        {"framework": "ice", "impact": 5, "confidence": 5},
        {"framework": "ice", "impact": 5, "confidence": 5, "ease": 5, "potential": 3},
        {"framework": "pie", "potential": 5, "importance": 5, "ease": 5, "impact": 1},
        {"framework": "pxl", **PXL_ALL_NO, "pxl_ease": 4},
        {"framework": "pxl", **PXL_ALL_NO},
        {"framework": "xyz", "impact": 5, "confidence": 5, "ease": 5},
    ],
)
def test_the_database_refuses_scores_that_break_the_framework(
    hypothesis, admin_user, fields
):
    with pytest.raises(IntegrityError), transaction.atomic():
        Score.objects.create(hypothesis=hypothesis, scorer=admin_user, **fields)


def test_the_database_keeps_one_score_per_scorer_and_framework(hypothesis, admin_user):
    values = {"framework": "pie", "potential": 5, "importance": 5, "ease": 5}
    Score.objects.create(hypothesis=hypothesis, scorer=admin_user, **values)
    with pytest.raises(IntegrityError), transaction.atomic():
        Score.objects.create(hypothesis=hypothesis, scorer=admin_user, **values)


@pytest.mark.parametrize(
    "fields",
    [
        {"status": Status.CONCLUDED, "learning": "x", "metric": "m"},
        {"status": Status.BACKLOG, "result": Result.WON},
        {
            "status": Status.CONCLUDED,
            "result": Result.WON,
            "metric": "m",
            "concluded_at": None,
            "learning": "",
        },
        {"status": Status.READY, "metric": ""},
        {"status": "someday"},
        {"kind": "chore"},
        {"ice_score": 0.5},
        {"pxl_score": 15},
    ],
)
def test_the_database_refuses_hypotheses_that_break_the_rules(org, fields):
    fields.setdefault("concluded_at", timezone.now())
    with pytest.raises(IntegrityError), transaction.atomic():
        Hypothesis.objects.create(organisation=org, title="Broken", **fields)


def test_changing_the_ice_formula_recomputes_every_ice_score(
    org, hypothesis, admin_user, make_member
):
    other = Hypothesis.objects.create(organisation=org, title="Other")
    colleague = make_member(org)
    ice(hypothesis, admin_user, 2, 5, 10)
    ice(hypothesis, colleague, 10, 10, 10)
    ice(other, admin_user, 4, 5, 6)
    update_backlog_settings(org, ice_mode=IceMode.PRODUCT)
    hypothesis.refresh_from_db()
    other.refresh_from_db()
    assert hypothesis.ice_score == (100 + 1000) / 2
    assert hypothesis.ice_disagreement
    assert other.ice_score == 120
    assert settings_for(org).ice_mode == IceMode.PRODUCT
    update_backlog_settings(org, ice_mode=IceMode.MEAN)
    other.refresh_from_db()
    assert other.ice_score == 5


def test_reading_settings_never_writes(org):
    current = settings_for(org)
    assert current.pk is None
    assert current.primary_framework == Framework.ICE
    assert current.ice_mode == IceMode.MEAN


def test_refresh_scores_recomputes_from_the_rows(hypothesis, admin_user):
    ice(hypothesis, admin_user, 6, 6, 6)
    Hypothesis.objects.filter(pk=hypothesis.pk).update(ice_score=None, ice_count=0)
    refresh_scores(Hypothesis.objects.all(), ice_mode=IceMode.MEAN)
    hypothesis.refresh_from_db()
    assert (hypothesis.ice_score, hypothesis.ice_count) == (6, 1)
