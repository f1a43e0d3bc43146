from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from backlog.experiments.conclusions import ConclusionEvidence, overrides
from backlog.experiments.decisions import Recommendation
from backlog.models import Experiment, Hypothesis, MetricRole, Result, Status
from backlog.pipeline import MoveRefused, conclusion_evidence, move_hypothesis
from cromaturity.models import Role
from tests.access import member_client
from tests.backlog.factories import (
    make_experiment,
    make_metric,
    make_registered_experiment,
)


def url(name, *args):
    return reverse(f"backlog:{name}", args=["acme", *args])


NOT_SIGNIFICANT = ((10_000, 1_000), (10_000, 1_073))  # p 0.090, variant ahead
SIGNIFICANT_WIN = ((10_000, 1_000), (10_000, 1_112))  # p 0.010
SIGNIFICANT_LOSS = ((10_000, 1_112), (10_000, 1_000))
BROKEN_SPLIT = ((10_000, 1_000), (9_000, 1_100))  # p < 0.001 on the split

R = Recommendation


@pytest.mark.parametrize(
    ("recommendation", "result", "against"),
    [
        (R.SHIP, Result.WON, False),
        (R.SHIP, Result.LOST, True),
        (R.SHIP, Result.INCONCLUSIVE, True),
        (R.DONT_SHIP, Result.LOST, False),
        (R.DONT_SHIP, Result.WON, True),
        (R.DONT_SHIP, Result.INCONCLUSIVE, True),
        (R.INCONCLUSIVE, Result.INCONCLUSIVE, False),
        (R.INCONCLUSIVE, Result.WON, True),
        (R.INCONCLUSIVE, Result.LOST, True),
        (R.KEEP_RUNNING, Result.WON, True),
        (R.KEEP_RUNNING, Result.LOST, True),
        (R.KEEP_RUNNING, Result.INCONCLUSIVE, False),
        (None, Result.WON, False),
    ],
)
def test_a_result_other_than_the_recommendations_goes_against_it(
    recommendation, result, against
):
    assert overrides(recommendation, result) is against


def test_without_an_experiment_nothing_is_doubted():
    assert ConclusionEvidence(report=None).doubts(Result.WON) == []


@pytest.fixture
def analysing(make_hypothesis, admin_user):
    def make(*numbers, page=None):
        hypothesis = make_hypothesis(status=Status.ANALYSING, page=page)
        make_experiment(
            hypothesis,
            *[
                ("Control" if index == 0 else "Dates", visitors, conversions)
                for index, (visitors, conversions) in enumerate(numbers)
            ],
            by=admin_user,
        )
        return hypothesis

    return make


def _stored(hypothesis):
    return Hypothesis.objects.values_list(
        "status", "result", "learning", "result_reason"
    ).get(pk=hypothesis.pk)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("numbers", "recommendation", "follows"),
    [
        (NOT_SIGNIFICANT, R.INCONCLUSIVE, Result.INCONCLUSIVE),
        (SIGNIFICANT_WIN, R.SHIP, Result.WON),
        (SIGNIFICANT_LOSS, R.DONT_SHIP, Result.LOST),
        (BROKEN_SPLIT, R.INCONCLUSIVE, Result.INCONCLUSIVE),
    ],
)
def test_only_the_recommended_result_needs_no_reason(
    analysing, numbers, recommendation, follows
):
    evidence = conclusion_evidence(analysing(*numbers))
    assert evidence.recommendation == recommendation
    assert evidence.suggested_result == follows
    for result in Result:
        doubts = evidence.doubts(result)
        assert bool(doubts) is (result != follows)
        for doubt in doubts:
            assert doubt.startswith("The pre-registered rules recommend ")


@pytest.mark.django_db
def test_a_broken_split_makes_a_win_inconclusive_and_says_why(analysing):
    evidence = conclusion_evidence(analysing(*BROKEN_SPLIT))
    (doubt,) = evidence.doubts(Result.WON)
    assert "sample-ratio mismatch" in doubt


@pytest.mark.django_db
def test_the_conclude_form_starts_from_the_recommendation(analysing, admin_client):
    hypothesis = analysing(*NOT_SIGNIFICANT)
    response = admin_client.get(url("hypothesis-conclude", hypothesis.pk))
    text = response.text
    assert response.status_code == 200
    assert response.context["form"].initial["result"] == Result.INCONCLUSIVE
    for shown in (
        'data-recommendation="inconclusive">Inconclusive</span>',
        "Dates: the plan is reached and the primary metric is not significant.",
        '<td class="text-end" data-label="Rate">10.73 %</td>',
        '<td class="text-end fw-semibold" data-label="Uplift">+7.3 %</td>',
        '<td class="text-end" data-label="p-value">0.090</td>',
        "+0.73 pp",
        '<td class="text-end" data-label="Chance to beat">95.5 %</td>',
        "Calling it Won needs a reason:",
        "Calling it Lost needs a reason:",
        "Inconclusive follows the recommendation.",
        'name="result_reason"',
    ):
        assert shown in text
    assert 'value="inconclusive" checked' in text or (
        'value="inconclusive"' in text and "checked" in text
    )
    assert "Delete<span" not in text


@pytest.mark.django_db
def test_won_at_p_0_09_is_refused_without_a_reason_next_to_the_field(
    analysing, admin_client
):
    hypothesis = analysing(*NOT_SIGNIFICANT)
    before = _stored(hypothesis)
    response = admin_client.post(
        url("hypothesis-conclude", hypothesis.pk),
        {"result": "won", "learning": "Dates sell.", "result_reason": "  "},
    )
    assert response.status_code == 400
    error = response.context["form"].errors["result_reason"][0]
    assert error.startswith(
        "“Won” goes against the recommendation: The pre-registered rules "
        "recommend inconclusive:"
    )
    assert error.endswith("Write why the result stands.")
    assert "Dates sell." in response.text
    assert _stored(hypothesis) == before


@pytest.mark.django_db
def test_a_reason_lets_the_result_stand_and_the_library_shows_what_it_overrides(
    analysing, admin_client
):
    hypothesis = analysing(*NOT_SIGNIFICANT)
    response = admin_client.post(
        url("hypothesis-conclude", hypothesis.pk),
        {
            "result": "won",
            "learning": "Dates sell.",
            "result_reason": "Three earlier tests on the same page all won.",
        },
    )
    assert response.status_code == 302
    assert _stored(hypothesis) == (
        Status.CONCLUDED,
        "won",
        "Dates sell.",
        "Three earlier tests on the same page all won.",
    )
    library = admin_client.get(url("learning-list")).text
    assert 'data-recommendation="inconclusive">Inconclusive</span>' in library
    assert (
        "Called won against the recommendation “Inconclusive”, because:</strong> "
        "Three earlier" in library
    )
    detail = admin_client.get(url("hypothesis-detail", hypothesis.pk)).text
    assert "Three earlier tests on the same page all won." in detail


@pytest.mark.django_db
def test_a_result_that_follows_the_recommendation_needs_no_reason(
    analysing, admin_client
):
    hypothesis = analysing(*SIGNIFICANT_WIN)
    response = admin_client.post(
        url("hypothesis-conclude", hypothesis.pk),
        {"result": "won", "learning": "Dates sell."},
    )
    assert response.status_code == 302
    assert _stored(hypothesis) == (Status.CONCLUDED, "won", "Dates sell.", "")
    library = admin_client.get(url("learning-list")).text
    assert "against the recommendation" not in library
    assert 'data-recommendation="ship">Ship</span>' in library


@pytest.mark.django_db
def test_calling_a_winner_inconclusive_needs_a_reason_too(analysing, admin_client):
    hypothesis = analysing(*SIGNIFICANT_WIN)
    response = admin_client.post(
        url("hypothesis-conclude", hypothesis.pk),
        {"result": "inconclusive", "learning": "Not sure."},
    )
    assert response.status_code == 400
    assert "recommend ship" in response.context["form"].errors["result_reason"][0]


@pytest.mark.django_db
def test_the_experiments_registered_significance_decides(analysing, admin_client):
    hypothesis = analysing(*NOT_SIGNIFICANT)
    Experiment.objects.filter(hypothesis=hypothesis).update(
        significance=Decimal("10.0")
    )
    page = admin_client.get(url("hypothesis-conclude", hypothesis.pk)).text
    assert "Won follows the recommendation." in page
    response = admin_client.post(
        url("hypothesis-conclude", hypothesis.pk),
        {"result": "won", "learning": "Dates sell."},
    )
    assert response.status_code == 302


@pytest.fixture
def short_of_plan(org, make_hypothesis, admin_user):
    """A registered test at 10,000 of 14,751 planned visitors per variant."""
    hypothesis = make_hypothesis(status=Status.ANALYSING)
    cart = make_metric(org, "add_to_cart", "Add to cart")
    make_registered_experiment(
        hypothesis,
        by=admin_user,
        metrics=[(cart, MetricRole.PRIMARY, None)],
        results=[
            ("Control", "add_to_cart", 10_000, 1_000),
            ("Dates", "add_to_cart", 10_000, 1_112),
        ],
        planned_visitors_per_variant=14_751,
        started_on=timezone.localdate() - timedelta(days=10),
    )
    return hypothesis


@pytest.mark.django_db
def test_before_the_plan_is_reached_the_form_warns_and_a_win_needs_a_reason(
    short_of_plan, admin_client
):
    page = admin_client.get(url("hypothesis-conclude", short_of_plan.pk))
    assert "The plan is not reached." in page.text
    assert "10,000 of 14,751 planned visitors per variant so far." in page.text
    assert not page.context["form"].initial["result"]
    response = admin_client.post(
        url("hypothesis-conclude", short_of_plan.pk),
        {"result": "won", "learning": "Dates sell."},
    )
    assert response.status_code == 400
    assert (
        "The plan is not reached, and the pre-registered rules say keep running"
        in response.context["form"].errors["result_reason"][0]
    )
    response = admin_client.post(
        url("hypothesis-conclude", short_of_plan.pk),
        {"result": "inconclusive", "learning": "Stopped early: the page changed."},
    )
    assert response.status_code == 302


@pytest.mark.django_db
def test_a_failed_guardrail_starts_the_form_at_lost(
    org, make_hypothesis, admin_user, admin_client
):
    hypothesis = make_hypothesis(status=Status.ANALYSING)
    cart = make_metric(org, "add_to_cart", "Add to cart")
    contacts = make_metric(
        org, "contacts", "Support contacts", kind="count", direction="down"
    )
    make_registered_experiment(
        hypothesis,
        by=admin_user,
        metrics=[
            (cart, MetricRole.PRIMARY, None),
            (contacts, MetricRole.GUARDRAIL, Decimal("2")),
        ],
        results=[
            ("Control", "add_to_cart", 10_000, 1_200),
            ("Dates", "add_to_cart", 10_000, 1_400),
            ("Control", "contacts", 10_000, (800.0, 1_000.0)),
            ("Dates", "contacts", 10_000, (1_000.0, 1_300.0)),
        ],
        planned_visitors_per_variant=9_000,
        started_on=timezone.localdate() - timedelta(days=20),
    )
    response = admin_client.get(url("hypothesis-conclude", hypothesis.pk))
    assert response.context["form"].initial["result"] == Result.LOST
    assert "Dates: the guardrail Support contacts failed." in response.text
    assert "guardrail-failed" in response.text


@pytest.mark.django_db
def test_a_broken_split_needs_a_reason_to_call_it_won(analysing, admin_client):
    hypothesis = analysing(*BROKEN_SPLIT)
    response = admin_client.post(
        url("hypothesis-conclude", hypothesis.pk),
        {"result": "won", "learning": "Dates sell."},
    )
    assert response.status_code == 400
    assert (
        "sample-ratio mismatch" in response.context["form"].errors["result_reason"][0]
    )
    response = admin_client.post(
        url("hypothesis-conclude", hypothesis.pk),
        {"result": "inconclusive", "learning": "The split broke; rerun it."},
    )
    assert response.status_code == 302


@pytest.mark.django_db
def test_concluding_refuses_a_doubtful_result_without_a_reason_outside_the_form(
    analysing, admin_user
):
    hypothesis = analysing(*NOT_SIGNIFICANT)
    with pytest.raises(MoveRefused, match="Write why the result stands"):
        move_hypothesis(
            hypothesis, Status.CONCLUDED, by=admin_user, result="won", learning="L"
        )
    assert _stored(hypothesis)[0] == Status.ANALYSING


@pytest.mark.django_db
def test_reopening_clears_the_reason_with_the_result(analysing, admin_user):
    hypothesis = analysing(*NOT_SIGNIFICANT)
    move_hypothesis(
        hypothesis,
        Status.CONCLUDED,
        by=admin_user,
        result="won",
        learning="Dates sell.",
        result_reason="Earlier tests agree.",
    )
    move_hypothesis(hypothesis, Status.ANALYSING, by=admin_user)
    assert _stored(hypothesis) == (Status.ANALYSING, "", "Dates sell.", "")


@pytest.mark.django_db
def test_a_reason_cannot_be_stored_on_a_hypothesis_that_is_not_concluded(
    make_hypothesis,
):
    hypothesis = make_hypothesis()
    with pytest.raises(IntegrityError), transaction.atomic():
        Hypothesis.objects.filter(pk=hypothesis.pk).update(result_reason="Because.")


@pytest.mark.django_db
def test_an_outsider_cannot_see_another_organisations_numbers_on_the_conclude_form(
    other_org, analysing
):
    hypothesis = analysing(*NOT_SIGNIFICANT)
    client = member_client(other_org, Role.ADMIN)
    response = client.get(url("hypothesis-conclude", hypothesis.pk))
    assert response.status_code == 404
