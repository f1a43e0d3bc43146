import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from backlog.authoring import save_hypothesis
from backlog.experiments.recording import VariantNumbers, record_experiment
from backlog.experiments.sample_size import plan_test
from backlog.models import (
    Experiment,
    Hypothesis,
    MetricKind,
    MetricRole,
    Status,
    Variant,
)
from tests.backlog.factories import make_experiment, make_metric, make_page
from tests.browser.conftest import assert_accessible

pytestmark = pytest.mark.django_db(transaction=True)


def test_results_of_an_a_b_c_test_are_entered_in_one_go(
    page, live_server, sign_in, org, admin_user
):
    hypothesis = save_hypothesis(
        Hypothesis(organisation=org, title="Show delivery dates", metric="Orders"),
        by=admin_user,
    )
    # Recorded before plans were registered: its numbers are per variant.
    make_experiment(hypothesis, ("Control", 1, 0), ("Variant B", 1, 0), by=admin_user)
    sign_in(page, admin_user.username)
    page.goto(f"{live_server.url}/o/acme/backlog/{hypothesis.pk}/")
    page.get_by_role("link", name="Edit results of Dates A/B").click()
    assert_accessible(page)
    page.locator("#id_experiment-name").fill("Dates A/B/C")
    page.get_by_label("Visitors of variant 1").fill("10000")
    page.get_by_label("Conversions of variant 1").fill("1000")
    page.get_by_label("Visitors of variant 2").fill("10000")
    page.get_by_label("Conversions of variant 2").fill("1112")
    page.get_by_role("button", name="Add a variant").click()
    third = page.get_by_label("Name of variant 3")
    expect(third).to_be_focused()
    expect(page.get_by_label("Conversions of variant 2")).to_have_value("1112")
    assert_accessible(page)
    third.fill("Date and countdown")
    page.get_by_label("Visitors of variant 3").fill("9950")
    page.get_by_label("Conversions of variant 3").fill("1150")
    page.get_by_role("button", name="Save results").click()
    expect(page.get_by_text("Results of “Dates A/B/C” saved.")).to_be_visible()
    results = page.get_by_role("region", name="Results of Dates A/B/C")
    expect(results.get_by_role("rowheader", name="Date and countdown")).to_be_visible()
    assert_accessible(page)
    assert list(Variant.objects.values_list("name", "visitors")) == [
        ("Control", 10000),
        ("Variant B", 10000),
        ("Date and countdown", 9950),
    ]


def test_a_win_the_numbers_do_not_carry_is_concluded_with_a_reason(
    page, live_server, sign_in, org, admin_user
):
    hypothesis = save_hypothesis(
        Hypothesis(
            organisation=org,
            title="Show delivery dates",
            metric="Orders",
            status=Status.ANALYSING,
        ),
        by=admin_user,
    )
    record_experiment(
        Experiment(hypothesis=hypothesis, name="Dates A/B"),
        [
            VariantNumbers("Control", 10_000, 1_000, is_control=True),
            VariantNumbers("Dates", 10_000, 1_073),
        ],
        by=admin_user,
    )
    sign_in(page, admin_user.username)
    page.goto(f"{live_server.url}/o/acme/backlog/{hypothesis.pk}/conclude/")
    results = page.get_by_role("region", name="Results on Conversions")
    expect(results.get_by_role("row", name="Dates")).to_contain_text("0.090")
    expect(page.locator("#doubts-won")).to_contain_text("Calling it Won needs a reason")
    assert_accessible(page)
    page.get_by_label("Won").check()
    page.get_by_label("Learning").fill("A concrete date beats a window.")
    page.get_by_role("button", name="Conclude").click()
    reason = page.get_by_label("Why the result stands")
    expect(reason).to_have_accessible_description(
        re.compile("goes against the recommendation")
    )
    assert_accessible(page)
    reason.fill("The same change won on three other pages.")
    page.get_by_role("button", name="Conclude").click()
    expect(page.get_by_text("is concluded: Won")).to_be_visible()
    assert_accessible(page)
    page.goto(f"{live_server.url}/o/acme/backlog/learnings/")
    expect(
        page.get_by_text("Called won against the recommendation “Inconclusive”")
    ).to_be_visible()
    assert_accessible(page)
    assert_accessible(page)
    page.goto(f"{live_server.url}/o/acme/backlog/learnings/")
    expect(page.locator(".result-reason")).to_contain_text(
        "The same change won on three other pages."
    )
    assert_accessible(page)


def test_a_plan_is_registered_with_a_third_variant_and_recomputed_as_it_changes(
    page, live_server, sign_in, org, admin_user
):
    product_page = make_page(
        org, "Product page", daily_visitors=9500, baseline_conversion_rate="7.5"
    )
    hypothesis = save_hypothesis(
        Hypothesis(organisation=org, title="Show delivery dates", page=product_page),
        by=admin_user,
    )
    make_metric(org, "purchase", "Purchase", default_role=MetricRole.PRIMARY)
    make_metric(
        org,
        "contacts",
        "Support contacts",
        kind=MetricKind.COUNT,
        direction="down",
        default_role=MetricRole.GUARDRAIL,
        default_margin=Decimal("2"),
    )
    sign_in(page, admin_user.username)
    page.goto(f"{live_server.url}/o/acme/backlog/{hypothesis.pk}/")
    assert_accessible(page)
    page.get_by_role("link", name="New experiment").click()
    visitors = page.locator("#planned-visitors")
    two = plan_test(baseline_rate=0.075, relative_mde=0.1)
    expect(visitors).to_have_text(f"{two.visitors_per_variant:,}")
    assert_accessible(page)
    page.locator("#id_plan-name").fill("Dates A/B/C")
    page.get_by_role("button", name="Add a variant").click()
    third = page.get_by_label("Name of variant 3")
    expect(third).to_be_focused()
    # Naming the row makes it a variant: the plan is recomputed for three.
    with page.expect_response(lambda r: r.request.method == "POST"):
        third.fill("Date and countdown")
        third.press("Tab")
    three = plan_test(baseline_rate=0.075, relative_mde=0.1, variants=3)
    expect(visitors).to_have_text(f"{three.visitors_per_variant:,}")
    effect = page.get_by_label("Minimum detectable effect (% relative)")
    effect.fill("20")
    page.get_by_role("button", name="Recompute").click()
    page.mouse.move(0, 0)  # no hover colours left on the button for the check
    bolder = plan_test(baseline_rate=0.075, relative_mde=0.2, variants=3)
    expect(visitors).to_have_text(f"{bolder.visitors_per_variant:,}")
    expect(page.get_by_label("Planned visitors per variant")).to_have_value(
        str(bolder.visitors_per_variant)
    )
    planned = page.get_by_label("Planned visitors per variant")
    with page.expect_response(lambda r: r.request.method == "POST"):
        planned.fill("30000")
        planned.press("Tab")
    expect(page.locator("#plan-sample")).to_contain_text(
        f"The planner gives {bolder.visitors_per_variant:,}."
    )
    assert_accessible(page)
    page.get_by_role("button", name="Register the plan").click()
    expect(page.get_by_text("The plan of “Dates A/B/C” is registered.")).to_be_visible()
    assert_accessible(page)
    experiment = Experiment.objects.get()
    assert experiment.planned_visitors_per_variant == 30000
    page.get_by_role("link", name="Results of Dates A/B/C", exact=True).click()
    expect(page.get_by_label("Conversions of Control on Purchase")).to_be_empty()
    assert_accessible(page)
    assert list(experiment.variants.values_list("name", flat=True)) == [
        "Control",
        "Variant B",
        "Date and countdown",
    ]
    assert list(experiment.registered_metrics.values_list("role", "margin")) == [
        ("primary", None),
        ("guardrail", Decimal("2.0")),
    ]
