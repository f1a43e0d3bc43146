import importlib

import pytest
from django.apps import apps as django_apps
from django.db import IntegrityError, transaction
from django.utils import timezone

from backlog.configuration import settings_for, update_backlog_settings
from backlog.evidence import link_feedback
from backlog.models import Hypothesis, Result, Score, Status
from backlog.scoring.frameworks import Framework, IceMode
from backlog.scoring.recording import ScoringError, refresh_scores, score_hypothesis
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


def _older_and_newer(org):
    now = timezone.now()
    older = Hypothesis.objects.create(
        organisation=org, title="Older", created_at=now - timezone.timedelta(days=3)
    )
    newer = Hypothesis.objects.create(organisation=org, title="Newer", created_at=now)
    return older, newer


def _ranked_titles(org) -> list[str]:
    return list(
        Hypothesis.objects.for_org(org).ranked().values_list("title", flat=True)
    )


def test_equal_ice_means_tie_and_the_older_hypothesis_ranks_first(
    org, admin_user, make_member, admin_client
):
    colleague = make_member(org)
    older, newer = _older_and_newer(org)
    ice(older, admin_user, 7, 7, 7)  # 7 and 7 1/3
    ice(older, colleague, 7, 7, 8)
    ice(newer, admin_user, 6, 7, 7)  # 6 2/3 and 7 2/3
    ice(newer, colleague, 8, 8, 7)
    older.refresh_from_db()
    newer.refresh_from_db()
    assert older.ice_score == newer.ice_score
    assert _ranked_titles(org) == ["Older", "Newer"]
    rows = admin_client.get("/o/acme/backlog/").context["rows"]
    assert [row.hypothesis.title for row in rows] == ["Older", "Newer"]


def test_equal_ice_means_go_to_the_stronger_evidence_before_age(
    org, admin_user, make_member, make_feedback
):
    colleague = make_member(org)
    older, newer = _older_and_newer(org)
    link_feedback(newer, make_feedback(), by=admin_user)
    ice(older, admin_user, 6, 7, 7)
    ice(older, colleague, 8, 8, 7)
    ice(newer, admin_user, 7, 7, 7)
    ice(newer, colleague, 7, 7, 8)
    assert _ranked_titles(org) == ["Newer", "Older"]


def test_the_migration_recomputes_kept_means_so_that_equal_ones_tie(
    org, admin_user, make_member
):
    colleague = make_member(org)
    older, newer = _older_and_newer(org)
    ice(older, admin_user, 7, 7, 7)
    ice(older, colleague, 7, 7, 8)
    ice(newer, admin_user, 6, 7, 7)
    ice(newer, colleague, 8, 8, 7)
    # What the float means kept before.
    Hypothesis.objects.filter(pk=older.pk).update(ice_score=7.166666666666666)
    Hypothesis.objects.filter(pk=newer.pk).update(ice_score=7.166666666666667)
    assert _ranked_titles(org) == ["Newer", "Older"]
    migration = importlib.import_module("backlog.migrations.0014_exact_score_means")
    migration.recompute_means(django_apps, None)
    assert set(
        Hypothesis.objects.values_list("ice_score", "ice_count", "pie_score")
    ) == {(7.166667, 2, None)}
    assert _ranked_titles(org) == ["Older", "Newer"]


def test_the_migration_recomputes_with_the_organisations_ice_formula(
    org, hypothesis, admin_user, make_member
):
    colleague = make_member(org)
    update_backlog_settings(org, ice_mode=IceMode.PRODUCT)
    ice(hypothesis, admin_user, 2, 5, 10, mode=IceMode.PRODUCT)
    ice(hypothesis, colleague, 3, 3, 3, mode=IceMode.PRODUCT)
    Hypothesis.objects.filter(pk=hypothesis.pk).update(ice_score=63.50000000000001)
    migration = importlib.import_module("backlog.migrations.0014_exact_score_means")
    migration.recompute_means(django_apps, None)
    hypothesis.refresh_from_db()
    assert hypothesis.ice_score == 63.5


def test_ranked_ahead_of_counts_what_the_ranking_puts_first(org):
    day = timezone.now()
    rows = [
        (7.166667, 0, 0, 2),
        (7.166667, 0, 0, 1),
        (7.166667, 3, 1, 5),
        (7.166667, 3, 2, 5),
        (9.0, 0, 0, 9),
        (None, 0, 0, 4),
        (None, 4, 1, 6),
        (None, 0, 0, 4),
        (2.0, 0, 0, 0),
    ]
    for n, (score, strength, items, days_old) in enumerate(rows):
        Hypothesis.objects.create(
            organisation=org,
            title=f"H{n}",
            ice_score=score,
            evidence_strength=strength,
            evidence_items=items,
            created_at=day - timezone.timedelta(days=days_old),
        )
    hypotheses = Hypothesis.objects.for_org(org)
    ranked = list(hypotheses.ranked(Framework.ICE))
    for position, hypothesis in enumerate(ranked):
        assert hypotheses.ranked_ahead_of(hypothesis, Framework.ICE).count() == (
            position
        ), hypothesis.title
