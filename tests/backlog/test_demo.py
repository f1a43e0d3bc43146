import io

import pytest
from django.core.management import call_command

from backlog import demo
from backlog.demo import feedback as demo_feedback
from backlog.demo.content import HYPOTHESES
from backlog.experiments.conclusions import overrides
from backlog.experiments.decisions import Recommendation
from backlog.experiments.reports import analysis_of
from backlog.funnels.overview import funnel_overview
from backlog.models import (
    ChangeKind,
    Evidence,
    Experiment,
    FeedbackImport,
    FeedbackItem,
    Funnel,
    FunnelCount,
    Hypothesis,
    ImportStatus,
    Result,
    Score,
    Status,
)
from backlog.pipeline import move_refusal
from backlog.scoring.frameworks import IceMode
from backlog.scoring.recording import refresh_scores
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


def test_demo_tests_tell_their_stories_from_their_registered_rules():
    demo.seed(seed_workspace())
    found = {}
    for experiment in Experiment.objects.select_related("hypothesis"):
        analysis = analysis_of(experiment)
        hypothesis = experiment.hypothesis
        found[experiment.name] = (
            analysis.decision.recommendation,
            hypothesis.result,
            analysis.failed_guardrails,
            analysis.sample_ratio_mismatch,
        )
        registered = experiment.changes.get(kind=ChangeKind.REGISTERED)
        assert registered.summary == "Plan registered before the start"
        assert registered.changed_at.date() < experiment.started_on
        # A concluded test's result follows its recommendation.
        if hypothesis.status == Status.CONCLUDED:
            assert not overrides(analysis.decision.recommendation, hypothesis.result)
    assert found == {
        "Delivery date A/B": (Recommendation.SHIP, Result.WON, [], False),
        # Won on add to cart, but more customers asked about returns.
        "Returns badge A/B": (
            Recommendation.DONT_SHIP,
            Result.LOST,
            [("Support contacts", "Badge by size")],
            False,
        ),
        "Sticky bar A/B": (Recommendation.DONT_SHIP, Result.LOST, [], False),
        "Tent finder A/B/C": (
            Recommendation.INCONCLUSIVE,
            Result.INCONCLUSIVE,
            [],
            False,
        ),
        "No pop-up A/B": (Recommendation.SHIP, Result.WON, [], False),
        "Shipping in cart A/B": (Recommendation.DONT_SHIP, Result.LOST, [], False),
        "Weather rating A/B": (
            Recommendation.INCONCLUSIVE,
            Result.INCONCLUSIVE,
            [],
            True,
        ),
        "Wallets A/B (interim)": (Recommendation.KEEP_RUNNING, "", [], False),
    }
    badge = Experiment.objects.get(name="Returns badge A/B")
    primary = analysis_of(badge).primary
    assert primary.metric.key == "add_to_cart"
    assert primary.challengers[0].adjusted_p_value < 0.05
    assert primary.challengers[0].difference > 0


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
            move_refusal(
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


def test_demo_feedback_is_imported_linked_and_kept_on_a_second_run():
    call_command("seed_demo", stdout=io.StringIO())
    items = FeedbackItem.objects.all()
    assert items.count() >= 600
    assert set(items.values_list("source", flat=True)) >= {"email", "chat", "call"}
    assert FeedbackImport.objects.filter(status=ImportStatus.SUCCEEDED).count() == 2
    links = Evidence.objects.filter(unlinked_at__isnull=True)
    assert links.count() >= 50
    linked = Hypothesis.objects.filter(evidence_items__gt=0)
    assert linked.count() >= 5
    for hypothesis in linked:
        assert hypothesis.evidence_items == links.filter(hypothesis=hypothesis).count()
    # unaddressed themes exist for the themes view to show
    assert items.filter(themes__isnull=False).exists()

    before = (items.count(), Evidence.objects.count())
    output = io.StringIO()
    call_command("seed_demo", stdout=output)
    assert "demo feedback exists; kept it" in output.getvalue()
    assert (FeedbackItem.objects.count(), Evidence.objects.count()) == before


def test_demo_feedback_grows_with_the_scale():
    call_command("seed_demo", "--scale", "3", stdout=io.StringIO())
    generated = FeedbackItem.objects.filter(source_system="demo")
    assert generated.count() == 2 * demo_feedback.SCALED_ITEMS_PER_STEP
    assert Evidence.objects.filter(feedback_item__source_system="demo").count() > 0


CLEARLY_POSITIVE = ("super helpful", "lovely packaging", "thank you")
CLEARLY_NEGATIVE = (
    "gave up",
    "never arrives",
    "payment failed",
    "very annoying",
    "lost my basket",
    "spins forever",
    "bricht immer ab",
    "toujours pas arrivée",
    "rejects the code",
    "keeps saying my order number is invalid",
)


def test_demo_feedback_sentiment_agrees_with_what_the_customer_wrote():
    call_command("seed_demo", "--scale", "2", stdout=io.StringIO())
    items = list(FeedbackItem.objects.values_list("text", "sentiment"))
    assert len(items) > 1000  # the exports and the generated copies

    def saying(phrases):
        return [
            sentiment
            for text, sentiment in items
            if any(phrase in text.lower() for phrase in phrases)
        ]

    praise, complaints = saying(CLEARLY_POSITIVE), saying(CLEARLY_NEGATIVE)
    assert "negative" not in praise
    assert "positive" in praise
    assert "positive" not in complaints
    assert "negative" in complaints


def test_the_demo_funnel_leaks_at_payment_on_mobile_since_ten_weeks():
    demo.seed(seed_workspace())
    funnel = Funnel.objects.get(name="Checkout")
    assert FunnelCount.objects.filter(step__funnel=funnel).count() == 26 * 7 * 3 * 5
    overview = funnel_overview(funnel)
    assert (overview.leak.step, overview.leak.segment, overview.leak.compared_with) == (
        "Payment",
        "mobile",
        "desktop",
    )
    assert overview.leak_text.startswith("Payment on mobile loses 38 %")
    payment = [row for row in overview.trend if row.name == "Purchase"][0]
    # Purchases from payment: worse in the last ten weeks than before.
    assert payment.rates[0] > payment.rates[-1] + 0.05
    assert funnel.steps.get(name="Purchase").metric.key == "purchase"
    assert funnel.steps.get(name="Payment").page.name == "Checkout: payment"
    # A second run adds nothing.
    demo.seed(seed_workspace())
    assert Funnel.objects.count() == 1
