import io

import pytest
from django.core.management import call_command

from backlog import demo
from backlog.demo_content import HYPOTHESES
from backlog.models import Experiment, Hypothesis, Score, Status
from backlog.pipeline import check_move
from backlog.prioritization import IceMode
from backlog.scoring import refresh_scores
from cromaturity.demo import seed_workspace

pytestmark = pytest.mark.django_db


def _aggregates():
    return sorted(
        Hypothesis.objects.values_list(
            "pk",
            "ice_score",
            "ice_count",
            "ice_disagreement",
            "pie_score",
            "pie_count",
            "pxl_score",
            "pxl_count",
            "pxl_disagreement",
        )
    )


def test_seed_demo_fills_a_living_backlog_once():
    call_command("seed_demo", stdout=io.StringIO())
    hypotheses = Hypothesis.objects.all()
    assert hypotheses.count() == len(HYPOTHESES)
    statuses = set(hypotheses.values_list("status", flat=True))
    assert statuses == set(Status)
    assert hypotheses.filter(status=Status.CONCLUDED).exclude(learning="").count() >= 5
    assert Experiment.objects.count() >= 5
    assert Score.objects.values("scorer").distinct().count() >= 4
    assert hypotheses.filter(ice_disagreement=True).exists()
    assert hypotheses.filter(kind="improvement").exists()

    before = (Hypothesis.objects.count(), Score.objects.count())
    summary = demo.seed(seed_workspace())
    assert "kept" in summary
    assert (Hypothesis.objects.count(), Score.objects.count()) == before


def test_demo_aggregates_are_those_the_scoring_rules_give():
    demo.seed(seed_workspace())
    stored = _aggregates()
    refresh_scores(Hypothesis.objects.all(), ice_mode=IceMode.MEAN)
    assert _aggregates() == stored


def test_demo_hypotheses_obey_the_pipeline_rules():
    demo.seed(seed_workspace())
    for hypothesis in Hypothesis.objects.filter(status=Status.READY):
        assert hypothesis.metric
        assert hypothesis.score_total >= 1
        assert (
            check_move(
                Status.BACKLOG,
                Status.READY,
                metric=hypothesis.metric,
                score_count=hypothesis.score_total,
            )
            is None
        )


def test_scale_multiplies_the_demo_backlog():
    workspace = seed_workspace(scale=3)
    demo.seed(workspace, scale=3)
    assert Hypothesis.objects.count() == 3 * len(HYPOTHESES)
    demo.seed(workspace, scale=3)
    assert Hypothesis.objects.count() == 3 * len(HYPOTHESES)
