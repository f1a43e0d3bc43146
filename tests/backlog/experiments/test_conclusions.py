from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from backlog.configuration import update_backlog_settings
from backlog.experiments.conclusions import ConclusionEvidence
from backlog.models import Hypothesis, Page, Result, Status, Variant
from backlog.models.experiments import ExperimentAnalysis
from backlog.pipeline import MoveRefused, move_hypothesis
from cromaturity.models import Role
from tests.access import member_client
from tests.backlog.factories import make_experiment


def url(name, *args):
    return reverse(f"backlog:{name}", args=["acme", *args])


def analysis_of(*numbers, weights=None):
    """The analysis of unsaved variants: the first is the control."""
    return ExperimentAnalysis(
        [
            Variant(
                name="Control" if index == 0 else f"Variant {chr(65 + index)}",
                visitors=visitors,
                conversions=conversions,
                is_control=index == 0,
                planned_weight=(weights or [1] * len(numbers))[index],
            )
            for index, (visitors, conversions) in enumerate(numbers)
        ]
    )


NOT_SIGNIFICANT = ((10_000, 1_000), (10_000, 1_073))  # p 0.090, variant ahead
SIGNIFICANT_WIN = ((10_000, 1_000), (10_000, 1_112))  # p 0.010
SIGNIFICANT_LOSS = ((10_000, 1_112), (10_000, 1_000))
BROKEN_SPLIT = ((10_000, 1_000), (9_000, 1_100))  # p < 0.001 on the split


@pytest.mark.parametrize(
    ("numbers", "result", "alpha", "required", "expected"),
    [
        (NOT_SIGNIFICANT, Result.WON, 0.05, None, ["No variant beats the control"]),
        (NOT_SIGNIFICANT, Result.LOST, 0.05, None, ["No variant is behind"]),
        (NOT_SIGNIFICANT, Result.WON, 0.10, None, []),
        (NOT_SIGNIFICANT, Result.INCONCLUSIVE, 0.05, None, []),
        (SIGNIFICANT_WIN, Result.WON, 0.05, None, []),
        (SIGNIFICANT_WIN, Result.LOST, 0.05, None, ["No variant is behind"]),
        (
            ((10_000, 1_073), (10_000, 1_000)),
            Result.LOST,
            0.05,
            None,
            ["No variant falls behind the control significantly"],
        ),
        (SIGNIFICANT_WIN, Result.WON, 0.005, None, ["No variant beats the control"]),
        (SIGNIFICANT_LOSS, Result.LOST, 0.05, None, []),
        (SIGNIFICANT_LOSS, Result.WON, 0.05, None, ["No variant is ahead of"]),
        (BROKEN_SPLIT, Result.WON, 0.05, None, ["not split as planned"]),
        (BROKEN_SPLIT, Result.INCONCLUSIVE, 0.05, None, []),
        (SIGNIFICANT_WIN, Result.WON, 0.05, 14_751, ["Control and Variant B had"]),
        (SIGNIFICANT_WIN, Result.WON, 0.05, 10_000, []),
        (
            ((10_000, 1_000), (10_000, 1_094), (10_000, 1_000)),  # p 0.030
            Result.WON,
            0.05,
            None,
            ["(p below 0.025 with 2 challengers); the closest"],
        ),
    ],
)
def test_a_result_is_doubted_only_where_the_numbers_go_against_it(
    numbers, result, alpha, required, expected
):
    evidence = ConclusionEvidence(
        analysis=analysis_of(*numbers), alpha=alpha, required_visitors=required
    )
    doubts = evidence.doubts(result)
    assert len(doubts) == len(expected)
    for doubt, start in zip(doubts, expected, strict=True):
        assert start in doubt


def test_the_doubt_names_the_level_and_the_smallest_p_value():
    evidence = ConclusionEvidence(analysis=analysis_of(*NOT_SIGNIFICANT), alpha=0.05)
    assert evidence.doubts(Result.WON) == [
        "No variant beats the control significantly at the organisation's 5 % level;"
        " the closest, Variant B, has p 0.090."
    ]


def test_without_results_nothing_is_doubted():
    assert ConclusionEvidence(analysis=None).doubts(Result.WON) == []


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
def test_the_conclude_form_shows_the_results_table_and_what_each_call_needs(
    analysing, admin_client
):
    hypothesis = analysing(*NOT_SIGNIFICANT)
    response = admin_client.get(url("hypothesis-conclude", hypothesis.pk))
    text = response.text
    assert response.status_code == 200
    for shown in (
        '<td class="text-end" data-label="Rate">10.73 %</td>',
        '<td class="text-end fw-semibold" data-label="Uplift">+7.3 %</td>',
        '<td class="text-end" data-label="p-value">0.090</td>',
        "+0.73 pp",
        '<td class="text-end" data-label="Chance to beat control">95.5 %</td>',
        "Traffic split as planned (sample-ratio check p 1.000)",
        "Calling it Won needs a reason:",
        "Calling it Lost needs a reason:",
        'name="result_reason"',
    ):
        assert shown in text
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
    assert error.startswith("“Won” goes against the numbers: No variant beats")
    assert error.endswith("Write why the result stands.")
    assert 'value="Dates sell."' in response.text or "Dates sell." in response.text
    assert _stored(hypothesis) == before


@pytest.mark.django_db
def test_a_reason_lets_the_result_stand_and_the_library_shows_it(
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
    assert "Called won against the numbers, because:</strong> Three earlier" in library
    detail = admin_client.get(url("hypothesis-detail", hypothesis.pk)).text
    assert "Three earlier tests on the same page all won." in detail


@pytest.mark.django_db
def test_a_supported_result_needs_no_reason(analysing, admin_client):
    hypothesis = analysing(*SIGNIFICANT_WIN)
    response = admin_client.post(
        url("hypothesis-conclude", hypothesis.pk),
        {"result": "won", "learning": "Dates sell."},
    )
    assert response.status_code == 302
    assert _stored(hypothesis) == (Status.CONCLUDED, "won", "Dates sell.", "")
    assert "against the numbers" not in admin_client.get(url("learning-list")).text


@pytest.mark.django_db
def test_the_organisations_significance_level_decides(org, analysing, admin_client):
    update_backlog_settings(org, significance=Decimal("10.0"))
    hypothesis = analysing(*NOT_SIGNIFICANT)
    page = admin_client.get(url("hypothesis-conclude", hypothesis.pk)).text
    assert "The numbers support Won." in page
    assert "10 % significance level" in page
    response = admin_client.post(
        url("hypothesis-conclude", hypothesis.pk),
        {"result": "won", "learning": "Dates sell."},
    )
    assert response.status_code == 302


@pytest.mark.django_db
def test_fewer_visitors_than_the_planner_asks_for_need_a_reason(
    org, analysing, admin_client
):
    checkout = Page.objects.create(
        organisation=org, name="Checkout", baseline_conversion_rate="10.0"
    )
    hypothesis = analysing(*SIGNIFICANT_WIN, page=checkout)
    page = admin_client.get(url("hypothesis-conclude", hypothesis.pk)).text
    assert "the planner's 14,751 visitors per variant for Checkout" in page
    response = admin_client.post(
        url("hypothesis-conclude", hypothesis.pk),
        {"result": "won", "learning": "Dates sell."},
    )
    assert response.status_code == 400
    assert (
        "Control and Dates had fewer visitors than the 14,751 per variant the "
        "planner asks for." in response.context["form"].errors["result_reason"][0]
    )


@pytest.mark.django_db
def test_a_broken_split_needs_a_reason_to_call_it_won(analysing, admin_client):
    hypothesis = analysing(*BROKEN_SPLIT)
    response = admin_client.post(
        url("hypothesis-conclude", hypothesis.pk),
        {"result": "won", "learning": "Dates sell."},
    )
    assert response.status_code == 400
    assert "not split as planned" in response.context["form"].errors["result_reason"][0]
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
