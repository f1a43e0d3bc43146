import pytest
from playwright.sync_api import expect

from backlog.authoring import save_hypothesis
from backlog.models import Hypothesis, Metric, MetricRole
from tests.backlog.factories import make_metric, make_registered_experiment
from tests.browser.conftest import assert_accessible

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_editor_defines_archives_and_deletes_metrics_in_the_browser(
    page, live_server, sign_in, org, admin_user
):
    purchase = make_metric(org, "purchase", "Purchase", goal_level="macro")
    hypothesis = save_hypothesis(
        Hypothesis(organisation=org, title="Show delivery dates"), by=admin_user
    )
    make_registered_experiment(
        hypothesis, by=admin_user, metrics=[(purchase, MetricRole.PRIMARY, None)]
    )
    sign_in(page, admin_user.username)
    page.goto(f"{live_server.url}/o/acme/backlog/")
    assert_accessible(page)
    page.get_by_role("link", name="Metrics", exact=True).first.click()
    expect(page.get_by_role("heading", name="Metrics and goals")).to_be_visible()
    catalogue = page.get_by_role("region", name="Metrics and goals")
    used = catalogue.get_by_role("row").filter(has_text="Purchase")
    expect(used.get_by_role("button", name="Delete Purchase")).to_have_count(0)
    assert_accessible(page)

    form = page.get_by_role("region", name="Add a metric or goal")
    form.get_by_label("Name").fill("purchase")
    form.get_by_role("button", name="Add metric").click()
    expect(
        page.get_by_text("There is already a metric called “purchase”.")
    ).to_be_visible()
    assert_accessible(page)

    form.get_by_label("Name").fill("Add to cart")
    form.get_by_label("Goal", exact=True).select_option(label="Micro-conversion")
    form.get_by_role("button", name="Add metric").click()
    expect(
        page.get_by_text("Metric “Add to cart” (add_to_cart) added.")
    ).to_be_visible()
    added = catalogue.get_by_role("row").filter(has_text="Add to cart")
    expect(added).to_contain_text("Micro-conversion")
    assert_accessible(page)

    added.get_by_role("button", name="Archive Add to cart").click()
    expect(page.get_by_text("“Add to cart” archived")).to_be_visible()
    archived = page.get_by_role("region", name="Archived metrics")
    expect(archived.get_by_role("row").filter(has_text="Add to cart")).to_be_visible()
    assert_accessible(page)

    page.once("dialog", lambda dialog: dialog.accept())
    archived.get_by_role("button", name="Delete Add to cart").click()
    expect(page.get_by_text("Metric “Add to cart” deleted.")).to_be_visible()
    expect(page.get_by_role("region", name="Archived metrics")).to_have_count(0)
    assert_accessible(page)
    assert list(Metric.objects.values_list("key", flat=True)) == ["purchase"]
