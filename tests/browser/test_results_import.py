"""A CRO lead imports the testing tool's results into a registered experiment."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from backlog.authoring import save_hypothesis
from backlog.experiments.registration import (
    PlannedVariant,
    PlanSettings,
    RegisteredMetric,
    register_experiment,
)
from backlog.models import Hypothesis, Metric, MetricKind, MetricResult, MetricRole
from tests.browser.conftest import assert_accessible

pytestmark = pytest.mark.django_db(transaction=True)

OPTIMIZELY = (
    "Metric Name,Variation Name,Unique Visitors,Unique Conversions,"
    "Conversion Rate,Improvement,Statistical Significance\n"
    "Add to cart,Original,12408,1093,8.81%,,\n"
    "Add to cart,Variation #1,12377,1201,9.70%,+10.1%,97%\n"
    "Add to cart,Total,24785,2294,9.26%,,\n"
)


def test_results_are_uploaded_mapped_and_applied(
    page, live_server, sign_in, org, admin_user, tmp_path
):
    hypothesis = save_hypothesis(
        Hypothesis(organisation=org, title="Show delivery dates", metric="Cart"),
        by=admin_user,
    )
    cart = Metric.objects.create(
        organisation=org, key="add_to_cart", name="Add to cart"
    )
    contacts = Metric.objects.create(
        organisation=org,
        key="contacts",
        name="Support contacts",
        kind=MetricKind.COUNT,
        direction="down",
    )
    register_experiment(
        hypothesis,
        name="Dates A/B",
        variants=[
            PlannedVariant("Control", is_control=True),
            PlannedVariant("Delivery dates"),
        ],
        metrics=[
            RegisteredMetric(cart, MetricRole.PRIMARY),
            RegisteredMetric(contacts, MetricRole.GUARDRAIL, Decimal("2")),
        ],
        settings=PlanSettings(),
        by=admin_user,
    )
    export = tmp_path / "optimizely-results.csv"
    export.write_text(OPTIMIZELY, encoding="utf-8")
    sign_in(page, admin_user.username)
    page.goto(f"{live_server.url}/o/acme/backlog/{hypothesis.pk}/")
    assert_accessible(page)
    page.get_by_role("link", name="Import results of Dates A/B").click()
    assert_accessible(page)
    page.get_by_label("Results file").set_input_files(export)
    page.get_by_role("button", name="Upload and preview").click()
    expect(page.get_by_text("an export of Optimizely")).to_be_visible()
    expect(page.get_by_text("is a total of the variations")).to_be_visible()
    assert_accessible(page)
    expect(page.get_by_label("Original")).to_have_value("Control")
    expect(page.get_by_label("Add to cart")).to_have_value("add_to_cart")
    # "Variation #1" names nothing of the test, and the page says so.
    expect(page.get_by_label("Variation #1")).to_have_value("")
    expect(
        page.get_by_text("nothing from this file goes to the variant “Delivery dates”")
    ).to_be_visible()
    page.get_by_label("Variation #1").select_option("Delivery dates")
    page.get_by_role("button", name="Apply these results").click()
    expect(page.get_by_text("now come from optimizely-results.csv")).to_be_visible()
    assert_accessible(page)
    assert sorted(
        MetricResult.objects.values_list("variant__name", "visitors", "conversions")
    ) == [("Control", 12408, 1093), ("Delivery dates", 12377, 1201)]
    page.get_by_role("link", name="See the results on").click()
    expect(page.get_by_role("link", name="optimizely-results.csv")).to_be_visible()
    assert_accessible(page)
