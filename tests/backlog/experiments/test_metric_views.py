"""The metrics and goals page: editors define, edit, archive and delete them."""

from decimal import Decimal

import pytest
from django.urls import reverse

from backlog.models import Metric, MetricKind, MetricRole
from cromaturity.models import Role
from tests.access import assert_access
from tests.backlog.experiments.stories import story_metrics
from tests.backlog.factories import make_metric, make_registered_experiment

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"backlog:{name}", args=["acme", *args])


def _stored():
    return sorted(
        Metric.objects.values_list(
            "key", "name", "kind", "direction", "default_role", "archived_at"
        )
    )


def _data(**changes):
    return {
        "name": "Add to cart",
        "key": "",
        "kind": "conversion",
        "goal_level": "micro",
        "direction": "up",
        "value": "",
        "default_role": "primary",
        "default_margin": "",
        "description": "",
    } | changes


def test_the_list_is_for_members_and_adding_for_editors(org):
    assert_access(url("metric-list"), organisation=org, role=Role.VIEWER)
    response = assert_access(
        url("metric-list"),
        organisation=org,
        role=Role.EDITOR,
        method="post",
        data=_data(),
        ok=302,
        unchanged=_stored,
    )
    metric = Metric.objects.get()
    assert (metric.organisation, metric.key, metric.goal_level) == (
        org,
        "add_to_cart",
        "micro",
    )
    assert response["Location"] == url("metric-list")


def test_the_list_shows_each_metric_with_its_use(org, admin_client, make_hypothesis):
    metrics = story_metrics(org)
    make_metric(org, "newsletter", "Newsletter sign-up", goal_level="micro")
    make_registered_experiment(
        make_hypothesis(), by=None, metrics=metrics, planned_visitors_per_variant=1000
    )
    text = admin_client.get(url("metric-list")).text
    assert "Support contacts" in text
    assert "support_contacts" in text
    assert "Down is good" in text
    assert "margin" not in text.split("Newsletter")[1][:400]
    assert "Micro-conversion" in text
    # Used metrics cannot be deleted, the unused one can.
    add_to_cart = metrics[0][0]
    newsletter = Metric.objects.get(key="newsletter")
    assert url("metric-delete", add_to_cart.pk) not in text
    assert url("metric-delete", newsletter.pk) in text


def test_a_viewer_sees_the_list_without_the_editing(org, make_member, client):
    make_metric(org, "purchase", "Purchase", goal_level="macro")
    client.force_login(make_member(org, role=Role.VIEWER))
    text = client.get(url("metric-list")).text
    assert "Purchase" in text
    assert "Add a metric or goal" not in text
    assert "/archive/" not in text


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"kind": "mean"}, "goal_level", "Only conversion goals are"),
        (
            {"kind": "mean", "goal_level": "", "value": "10"},
            "value",
            "A mean is already a value per visitor",
        ),
        ({"default_role": "guardrail"}, "default_margin", "A guardrail needs a margin"),
        ({"key": "Add To Cart"}, "key", "Use lower-case letters"),
        ({"name": "   ", "key": ""}, "name", "This field is required"),
        ({"name": "!!!", "key": ""}, "key", "the name has none to make it from"),
        ({"default_margin": "0"}, "default_margin", "greater than or equal to 0.1"),
    ],
)
def test_bad_input_is_refused_next_to_its_field_and_nothing_is_stored(
    org, admin_client, changes, field, message
):
    response = admin_client.post(url("metric-list"), _data(**changes))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert field in errors, errors
    assert message in " ".join(errors[field])
    assert not Metric.objects.exists()


def test_a_key_or_name_taken_is_refused_archived_metrics_included(
    org, admin_client, other_org
):
    make_metric(other_org, "add_to_cart", "Add to cart")  # another organisation's
    old = make_metric(org, "add_to_cart", "Basket adds")
    old.archived_at = old.created_at
    old.save()
    response = admin_client.post(url("metric-list"), _data())
    assert response.status_code == 400
    assert (
        "The key “add_to_cart” is taken by “Basket adds” (archived)."
        in (response.context["form"].errors["key"])
    )
    response = admin_client.post(
        url("metric-list"), _data(name="basket  ADDS", key="basket")
    )
    assert (
        "There is already a metric called “basket ADDS”."
        in (response.context["form"].errors["name"])
    )
    assert Metric.objects.filter(organisation=org).count() == 1


def test_a_guardrail_is_added_with_its_margin(org, admin_client):
    admin_client.post(
        url("metric-list"),
        _data(
            name="Support contacts",
            kind="count",
            goal_level="",
            direction="down",
            default_role="guardrail",
            default_margin="2",
        ),
    )
    metric = Metric.objects.get()
    assert (metric.kind, metric.direction, metric.default_margin) == (
        MetricKind.COUNT,
        "down",
        Decimal("2.0"),
    )


def test_editing_needs_an_editor_and_saves(org):
    metric = make_metric(org, "purchase", "Purchase", goal_level="macro")
    assert_access(url("metric-update", metric.pk), organisation=org, role=Role.EDITOR)
    assert_access(
        url("metric-update", metric.pk),
        organisation=org,
        role=Role.EDITOR,
        method="post",
        data=_data(name="Order", key="order", goal_level="macro", value="42.50"),
        ok=302,
        unchanged=_stored,
    )
    metric.refresh_from_db()
    assert (metric.name, metric.key, metric.value) == (
        "Order",
        "order",
        Decimal("42.5"),
    )


def test_a_used_metric_keeps_what_its_numbers_mean(org, admin_client, make_hypothesis):
    metrics = story_metrics(org)
    make_registered_experiment(
        make_hypothesis(), by=None, metrics=metrics, planned_visitors_per_variant=1000
    )
    add_to_cart = metrics[0][0]
    page = admin_client.get(url("metric-update", add_to_cart.pk)).text
    assert "Fixed: 1 experiment is registered with this metric." in page
    response = admin_client.post(
        url("metric-update", add_to_cart.pk),
        _data(
            name="Basket adds",
            key="basket",
            kind="mean",
            goal_level="",
            direction="down",
            description="Clicks on Add to basket",
        ),
    )
    assert response.status_code == 302
    add_to_cart.refresh_from_db()
    assert (add_to_cart.key, add_to_cart.kind, add_to_cart.direction) == (
        "add_to_cart",
        MetricKind.CONVERSION,
        "up",
    )
    assert (add_to_cart.name, add_to_cart.description) == (
        "Basket adds",
        "Clicks on Add to basket",
    )


def test_archiving_and_restoring_need_an_editor(org, admin_client):
    metric = make_metric(org, "purchase", "Purchase")
    assert_access(
        url("metric-archive", metric.pk),
        organisation=org,
        role=Role.EDITOR,
        method="post",
        ok=302,
        unchanged=_stored,
    )
    metric.refresh_from_db()
    assert metric.archived_at is not None
    text = admin_client.get(url("metric-list")).text
    assert "Archived" in text
    assert url("metric-restore", metric.pk) in text
    assert_access(
        url("metric-restore", metric.pk),
        organisation=org,
        role=Role.EDITOR,
        method="post",
        ok=302,
        unchanged=_stored,
    )
    metric.refresh_from_db()
    assert metric.archived_at is None


def test_an_archived_metric_is_not_offered_to_a_new_test(
    org, admin_client, make_hypothesis
):
    kept = make_metric(org, "purchase", "Purchase", default_role=MetricRole.PRIMARY)
    gone = make_metric(org, "old_goal", "Old goal")
    admin_client.post(url("metric-archive", gone.pk), follow=True)
    hypothesis = make_hypothesis()
    text = admin_client.get(url("experiment-create", hypothesis.pk)).text
    assert kept.name in text
    assert "Old goal" not in text


def test_an_unused_metric_is_deleted_and_a_used_one_refused(
    org, admin_client, make_hypothesis
):
    unused = make_metric(org, "newsletter", "Newsletter")
    assert_access(
        url("metric-delete", unused.pk),
        organisation=org,
        role=Role.EDITOR,
        method="post",
        ok=302,
        unchanged=_stored,
    )
    assert not Metric.objects.filter(pk=unused.pk).exists()

    metrics = story_metrics(org)
    make_registered_experiment(
        make_hypothesis(), by=None, metrics=metrics, planned_visitors_per_variant=1000
    )
    used = metrics[2][0]
    response = admin_client.post(url("metric-delete", used.pk), follow=True)
    assert Metric.objects.filter(pk=used.pk).exists()
    assert "“Support contacts” is part of 1 experiment" in response.text
    assert "archive it instead" in response.text


def test_the_backlog_menu_and_tabs_lead_to_the_metrics(org, admin_client):
    text = admin_client.get(url("hypothesis-list")).text
    assert text.count(f'href="{url("metric-list")}"') == 2
