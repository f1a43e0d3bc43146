"""The experiment page: the decision first, numbers equal to the analysis, CI bars
drawn on the server, and a failed guardrail red wherever the experiment appears."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from backlog.evidence import link_feedback
from backlog.experiments import interval_charts
from backlog.experiments.registration import (
    PlannedVariant,
    PlanSettings,
    RegisteredMetric,
    ResultInput,
    change_plan,
    record_results,
)
from backlog.experiments.reports import analysis_of, with_analysis_data
from backlog.models import Experiment, Status
from backlog.templatetags.backlog_tags import (
    amount,
    percent,
    points,
    pvalue,
)
from cromaturity.models import Role
from tests.access import assert_access
from tests.backlog.experiments.stories import (
    HARMLESS,
    WON_BUT_HARMFUL,
    register_story,
    story_metrics,
)
from tests.backlog.factories import make_experiment, make_registered_experiment

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"backlog:{name}", args=["acme", *args])


@pytest.fixture
def harmful(org, make_hypothesis, admin_user):
    hypothesis = make_hypothesis(status=Status.ANALYSING)
    return register_story(hypothesis, org, admin_user)


def analysis(experiment):
    return analysis_of(with_analysis_data(Experiment.objects).get(pk=experiment.pk))


def test_experiment_page_access_matrix(harmful, org):
    response = assert_access(
        url("experiment-detail", harmful.pk), organisation=org, role=Role.VIEWER
    )
    assert response.context["report"].experiment == harmful


def test_the_page_puts_the_recommendation_first_with_its_reasons(harmful, admin_client):
    text = admin_client.get(url("experiment-detail", harmful.pk)).text
    decision = analysis(harmful).decision
    assert decision.recommendation == "dont_ship"
    assert 'data-recommendation="dont_ship">Don&#x27;t ship</span>' in text
    for reason in decision.reasons:
        assert reason.replace("'", "&#x27;") in text
    # The decision comes before the progress, the tables and the hypothesis.
    order = [
        text.index('id="decision"'),
        text.index('id="progress"'),
        text.index('id="metrics"'),
        text.index('id="sample-ratio"'),
        text.index('id="hypothesis"'),
        text.index('id="evidence"'),
        text.index('id="history"'),
    ]
    assert order == sorted(order)


def test_a_failed_guardrail_is_red_on_the_page(harmful, admin_client):
    text = admin_client.get(url("experiment-detail", harmful.pk)).text
    assert (
        '<div class="alert alert-danger guardrail-failed mt-3 mb-0 py-2" role="alert">'
        in text
    )
    assert "Support contacts is worse than its margin allows for Dates." in text
    assert 'class="guardrail-failed-row" data-variant="Dates"' in text
    assert "<strong>Failed</strong>: worse than the 2 % margin" in text


def _cell(text, metric_key, experiment, variant, label):
    table = text.split(f'id="metric-{experiment.pk}-{metric_key}"', 1)[1]
    table = table.split("</article>", 1)[0]
    row = table.split(f'data-variant="{variant}"', 1)[1].split("</tr>", 1)[0]
    found = re.search(rf'data-label="{re.escape(label)}">(.*?)</td>', row, re.S)
    assert found, f"{metric_key} {variant} {label}"
    return found.group(1)


def test_the_numbers_on_the_page_are_the_analysis(harmful, admin_client):
    text = admin_client.get(url("experiment-detail", harmful.pk)).text
    by_key = {m.metric.key: m for m in analysis(harmful).metrics}
    cart = next(r for r in by_key["add_to_cart"].rows if r.variant == "Dates")
    assert _cell(text, "add_to_cart", harmful, "Dates", "Rate") == percent(cart.mean)
    assert _cell(text, "add_to_cart", harmful, "Dates", "Difference") == points(
        cart.difference
    )
    assert _cell(text, "add_to_cart", harmful, "Dates", "p-value") == pvalue(
        cart.p_value
    ).replace("<", "&lt;")
    assert _cell(text, "add_to_cart", harmful, "Dates", "Adjusted p").startswith(
        pvalue(cart.adjusted_p_value).replace("<", "&lt;")
    )
    interval = _cell(text, "add_to_cart", harmful, "Dates", "95 % interval")
    assert re.sub(r"<[^>]+>", "", interval) == (
        f"{points(cart.ci_low)} to {points(cart.ci_high)}"
    )
    revenue = next(r for r in by_key["revenue"].rows if r.variant == "Dates")
    assert _cell(text, "revenue", harmful, "Dates", "Mean") == amount(revenue.mean)
    assert revenue.adjusted_p_value >= revenue.p_value
    assert _cell(text, "revenue", harmful, "Dates", "Adjusted p").startswith(
        pvalue(revenue.adjusted_p_value)
    )
    assert _cell(text, "revenue", harmful, "Control", "Sum") == amount(15_000.0)


def test_each_challenger_has_a_ci_bar_drawn_at_its_numbers(harmful, admin_client):
    text = admin_client.get(url("experiment-detail", harmful.pk)).text
    cart = next(
        r
        for m in analysis(harmful).metrics
        if m.metric.key == "add_to_cart"
        for r in m.rows
        if r.variant == "Dates"
    )
    svg = re.search(
        rf'<svg[^>]*id="ci-{harmful.pk}-add_to_cart-1".*?</svg>', text, re.S
    ).group(0)
    scale = interval_charts.scale_for([cart.ci_low, cart.ci_high, cart.difference])
    interval = re.search(r'data-part="interval" x1="([\d.]+)"[^>]*x2="([\d.]+)"', svg)
    assert float(interval.group(1)) == pytest.approx(scale.x(cart.ci_low), abs=0.06)
    assert float(interval.group(2)) == pytest.approx(scale.x(cart.ci_high), abs=0.06)
    estimate = re.search(r'data-part="estimate" cx="([\d.]+)"', svg)
    assert float(estimate.group(1)) == pytest.approx(scale.x(cart.difference), abs=0.06)
    zero = re.search(r'data-part="zero" x1="([\d.]+)"', svg)
    assert float(zero.group(1)) == pytest.approx(scale.x(0), abs=0.06)
    # A significant win for the better is green, and the zero line is left of it.
    assert f'stroke="{interval_charts.GOOD}"' in svg
    assert float(zero.group(1)) < float(interval.group(1))
    # The guardrail's bar marks its margin and is red.
    guard = re.search(
        rf'<svg[^>]*id="ci-{harmful.pk}-support_contacts-1".*?</svg>', text, re.S
    ).group(0)
    assert 'data-part="margin"' in guard
    assert f'stroke="{interval_charts.BAD}"' in guard
    assert "<script" not in svg
    assert "style=" not in svg


def test_the_bar_positions_for_a_known_interval():
    scale = interval_charts.scale_for([-0.01, 0.03, 0.01])
    # 0 is 0.01 above the low end of a 0.04 span, padded by 8 % on each side.
    assert scale.low == pytest.approx(-0.0132)
    assert scale.high == pytest.approx(0.0332)
    svg = interval_charts.interval_bar(
        low=-0.01,
        high=0.03,
        estimate=0.01,
        scale=scale,
        colour=interval_charts.NEUTRAL,
        title="B",
        description="B minus A",
        chart_id="t",
    )
    width = interval_charts.WIDTH - 2 * interval_charts.PAD
    x = lambda v: interval_charts.PAD + (v + 0.0132) / 0.0464 * width  # noqa: E731
    assert f'x1="{x(-0.01):.1f}" y1="17" x2="{x(0.03):.1f}"' in svg
    assert f'cx="{x(0.01):.1f}"' in svg
    assert f'data-part="zero" x1="{x(0):.1f}"' in svg
    assert 'data-part="margin"' not in svg


def test_progress_shows_days_visitors_and_what_is_left(
    org, make_hypothesis, admin_user, admin_client
):
    hypothesis = make_hypothesis(status=Status.RUNNING)
    experiment = register_story(
        hypothesis,
        org,
        admin_user,
        results=HARMLESS,
        planned_visitors_per_variant=40_000,
        maximum_weeks=4,
    )
    progress = analysis(experiment).progress
    text = admin_client.get(url("experiment-detail", experiment.pk)).text
    assert progress.days_running == 21
    assert "<dd>21 <span" in text
    assert '10,000 <span class="small text-body-secondary">of 40,000 planned' in text
    assert f"{progress.days_left} <span" in text
    assert "Under-powered:" in text
    assert "Read before the planned sample." in text
    assert 'data-recommendation="keep_running"' in text


def test_a_sequential_test_says_its_p_values_are_always_valid(
    org, make_hypothesis, admin_user, admin_client
):
    hypothesis = make_hypothesis(status=Status.RUNNING)
    experiment = register_story(
        hypothesis,
        org,
        admin_user,
        results=HARMLESS,
        planned_visitors_per_variant=40_000,
        sequential=True,
    )
    text = admin_client.get(url("experiment-detail", experiment.pk)).text
    assert "its p-values and intervals are always valid" in text
    assert "Read before the planned sample." not in text


def test_the_page_shows_the_hypothesis_evidence_and_the_history(
    harmful, admin_user, admin_client, make_feedback
):
    hypothesis = harmful.hypothesis
    item = make_feedback("The delivery date is a guess")
    link_feedback(hypothesis, item, by=admin_user)
    record_results(
        harmful,
        [ResultInput(*row[:3], conversions=row[3]) for row in WON_BUT_HARMFUL[:2]],
        by=admin_user,
        source="the plain CSV",
    )
    change_plan(
        harmful,
        variants=[PlannedVariant("Control", is_control=True), PlannedVariant("Dates")],
        metrics=[
            RegisteredMetric(r.metric, r.role, r.margin)
            for r in harmful.registered_metrics.select_related("metric")
        ],
        settings=PlanSettings(
            significance=Decimal("5"),
            planned_visitors_per_variant=12_000,
            minimum_weeks=1,
            maximum_weeks=8,
        ),
        by=admin_user,
        reason="The traffic estimate was too high.",
    )
    text = admin_client.get(url("experiment-detail", harmful.pk)).text
    assert "The delivery date is a guess" in text
    assert "Attach feedback" not in text
    assert "Unlink<span" not in text
    history = text.split('id="history"', 1)[1]
    assert "Plan changed" in history
    assert "The traffic estimate was too high." in history
    assert "Planned visitors per variant: 9000 → 12000" in history
    assert "Results from the plain CSV replaced the earlier ones" in history
    assert "Plan registered" in history
    assert admin_user.display_name in history


@pytest.mark.parametrize(
    ("name", "label"),
    [
        ("experiment-plan", "Edit the plan"),
        ("experiment-results", "Enter results"),
        ("experiment-results-import", "Import results"),
    ],
)
def test_a_registered_test_links_its_plan_results_and_import(
    harmful, admin_client, name, label
):
    text = admin_client.get(url("experiment-detail", harmful.pk)).text
    assert f'href="{url(name, harmful.pk)}"' in text
    assert label in text
    assert "Edit the numbers" not in text  # the legacy form is for legacy tests


def test_a_legacy_experiment_reads_as_one_conversion_goal(
    make_hypothesis, admin_user, admin_client
):
    hypothesis = make_hypothesis(status=Status.ANALYSING)
    experiment = make_experiment(
        hypothesis, ("Control", 10_000, 1_000), ("B", 10_000, 1_112), by=admin_user
    )
    text = admin_client.get(url("experiment-detail", experiment.pk)).text
    assert 'data-recommendation="ship"' in text
    assert url("experiment-update", experiment.pk) in text
    assert url("experiment-update", experiment.pk).endswith(
        f"/experiments/{experiment.pk}/edit/"
    )


def test_the_hypothesis_page_links_each_experiment_with_its_badge(
    harmful, admin_client
):
    text = admin_client.get(url("hypothesis-detail", harmful.hypothesis.pk)).text
    results = text.split('id="results"', 1)[1].split('id="evidence"', 1)[0]
    assert url("experiment-detail", harmful.pk) in results
    assert 'data-recommendation="dont_ship">Don&#x27;t ship</span>' in results
    assert "guardrail-failed" in results
    assert "Support contacts is worse than its margin allows for Dates." in results


def _failed_flag_in(text, hypothesis_pk, marker):
    block = text.split(marker.format(pk=hypothesis_pk), 1)[1][:3000]
    return "Guardrail failed" in block.split("</li>", 1)[0].split("</tr>", 1)[0]


def test_a_failed_guardrail_is_red_on_the_board_card_and_the_list_row(
    org, harmful, make_hypothesis, admin_user, admin_client
):
    fine = make_hypothesis(title="Bigger photos", status=Status.ANALYSING)
    register_story(fine, org, admin_user, results=HARMLESS)
    board = admin_client.get(reverse("backlog:board", args=["acme"])).text
    assert _failed_flag_in(board, harmful.hypothesis.pk, 'id="card-{pk}"')
    assert not _failed_flag_in(board, fine.pk, 'id="card-{pk}"')
    listing = admin_client.get(url("hypothesis-list") + "?status=any").text
    assert _failed_flag_in(listing, harmful.hypothesis.pk, 'id="hypothesis-{pk}"')
    assert not _failed_flag_in(listing, fine.pk, 'id="hypothesis-{pk}"')
    assert "Support contacts failed for Dates in Dates A/B" in listing


def test_the_cached_list_shows_a_guardrail_as_soon_as_results_fail_it(
    org, make_hypothesis, admin_user, admin_client
):
    hypothesis = make_hypothesis(status=Status.ANALYSING)
    experiment = register_story(hypothesis, org, admin_user, results=HARMLESS)
    list_url = url("hypothesis-list") + "?status=any"
    assert not _failed_flag_in(
        admin_client.get(list_url).text, hypothesis.pk, 'id="hypothesis-{pk}"'
    )
    record_results(
        experiment,
        [
            ResultInput(v, k, n, sum=x[0], sum_squares=x[1])
            if isinstance(x, tuple)
            else ResultInput(v, k, n, conversions=x)
            for v, k, n, x in WON_BUT_HARMFUL
        ],
        by=admin_user,
        source="the plain CSV",
    )
    assert _failed_flag_in(
        admin_client.get(list_url).text, hypothesis.pk, 'id="hypothesis-{pk}"'
    )


@pytest.mark.parametrize("view", ["hypothesis-list", "board"])
def test_list_and_board_take_the_same_queries_with_more_experiments(
    org, make_hypothesis, admin_user, admin_client, django_assert_max_num_queries, view
):
    metrics = story_metrics(org)

    def fill(count, start):
        for n in range(start, start + count):
            hypothesis = make_hypothesis(title=f"Test {n}", status=Status.ANALYSING)
            make_registered_experiment(
                hypothesis,
                by=admin_user,
                metrics=metrics,
                results=WON_BUT_HARMFUL if n % 2 else HARMLESS,
                started_on=timezone.localdate() - timedelta(days=20),
                planned_visitors_per_variant=9_000,
            )

    target = (
        url("hypothesis-list") + "?status=any"
        if view == "hypothesis-list"
        else reverse("backlog:board", args=["acme"])
    )
    fill(2, 0)
    admin_client.get(target)
    with CaptureQueriesContext(connection) as few:
        admin_client.get(target + "&fresh=1" if "?" in target else target + "?x=1")
    fill(8, 2)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = admin_client.get(
            target + "&fresh=2" if "?" in target else target + "?x=2"
        )
    assert response.text.count("Guardrail failed") >= 5
