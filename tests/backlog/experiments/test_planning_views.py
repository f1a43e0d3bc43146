"""The sample-size planner, on its own and for a hypothesis's page."""

import pytest
from django.urls import reverse

from backlog.configuration import settings_for
from tests.access import assert_access

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"backlog:{name}", args=["acme", *args])


def test_planner_access_matrix_and_result(org):
    response = assert_access(
        url("planner")
        + "?baseline=10&mde=20&significance=5&power=80&variants=2"
        + "&daily_visitors=1000&correct=on",
        organisation=org,
    )
    plan = response.context["plan"]
    assert plan.visitors_per_variant == 3841
    assert (plan.days, plan.weeks) == (8, 2)
    assert "3,841" in response.text
    assert "Variants include the control" in response.text


def test_planner_starts_with_the_organisation_defaults(org, admin_client):
    response = admin_client.get(url("planner"))
    form = response.context["form"]
    assert not form.is_bound
    assert form.initial["mde"] == settings_for(org).minimum_detectable_effect
    assert response.context["plan"] is None


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("baseline=0&mde=10&significance=5&power=80&variants=2", "baseline"),
        ("baseline=60&mde=100&significance=5&power=80&variants=2", "mde"),
        ("baseline=5&mde=10&significance=5&power=80&variants=1", "variants"),
        ("baseline=5&mde=10&significance=5&power=120&variants=2", "power"),
    ],
)
def test_planner_explains_bad_input_next_to_the_field(admin_client, query, field):
    response = admin_client.get(f"{url('planner')}?{query}")
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert response.context["plan"] is None


def test_hypothesis_planner_uses_its_page_traffic(org, make_hypothesis, checkout_page):
    hypothesis = make_hypothesis(page=checkout_page)
    response = assert_access(url("hypothesis-planner", hypothesis.pk), organisation=org)
    plan = response.context["plan"]
    assert plan.baseline_rate == pytest.approx(0.40)
    assert plan.days is not None
    assert response.context["hypothesis"] == hypothesis


def test_a_page_too_small_to_test_in_eight_weeks_is_flagged_on_the_list(
    org, make_hypothesis, checkout_page, admin_client
):
    checkout_page.daily_visitors = 20
    checkout_page.save()
    slow = make_hypothesis("Slow page", page=checkout_page)
    make_hypothesis("Improvement there", page=checkout_page, kind="improvement")
    response = admin_client.get(url("hypothesis-list"))
    flags = {row.hypothesis.title: row.too_long for row in response.context["rows"]}
    assert flags == {"Slow page": True, "Improvement there": False}
    assert "over 8 weeks to test" in response.text
    detail = admin_client.get(url("hypothesis-detail", slow.pk)).text
    assert "cannot reach the sample within 8 weeks" in detail
