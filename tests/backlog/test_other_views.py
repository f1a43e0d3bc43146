import pytest
from django.urls import reverse

from backlog.configuration import settings_for
from backlog.models import (
    BacklogSettings,
    Experiment,
    Hypothesis,
    Page,
    Status,
    Variant,
)
from backlog.scoring.frameworks import IceMode
from cromaturity.models import Role
from tests.access import assert_access, member_client
from tests.backlog.conftest import give_ice

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"backlog:{name}", args=["acme", *args])


def _experiments():
    return sorted(
        Variant.objects.values_list(
            "experiment__name", "name", "visitors", "conversions", "is_control"
        )
    )


def _pages():
    return sorted(Page.objects.values_list("pk", "name", "daily_visitors"))


def _settings():
    return list(BacklogSettings.objects.values_list("primary_framework", "ice_mode"))


def variant_data(rows, control=0, **experiment):
    data = {
        "experiment-name": experiment.get("name", "Dates A/B"),
        "experiment-started_on": experiment.get("started_on", "2026-03-01"),
        "experiment-ended_on": experiment.get("ended_on", "2026-03-21"),
        "variants-TOTAL_FORMS": str(len(rows)),
        "variants-INITIAL_FORMS": "0",
        "variants-MIN_NUM_FORMS": "2",
        "variants-MAX_NUM_FORMS": "10",
        "control": str(control),
    }
    for index, (name, visitors, conversions) in enumerate(rows):
        data[f"variants-{index}-name"] = name
        data[f"variants-{index}-visitors"] = str(visitors)
        data[f"variants-{index}-conversions"] = str(conversions)
        data[f"variants-{index}-planned_weight"] = "1"
    return data


def test_experiment_create_access_matrix(org, make_hypothesis):
    hypothesis = make_hypothesis(status=Status.ANALYSING)
    response = assert_access(
        url("experiment-create", hypothesis.pk), organisation=org, role=Role.EDITOR
    )
    assert response.context["variants"].total_form_count() == 2
    assert_access(
        url("experiment-create", hypothesis.pk),
        organisation=org,
        role=Role.EDITOR,
        method="post",
        data=variant_data(
            [("Control", 41230, 3092), ("Delivery date", 41105, 3292), ("", "", "")]
        ),
        ok=302,
        unchanged=_experiments,
    )
    experiment = Experiment.objects.get()
    assert [(v.name, v.is_control) for v in experiment.variants.all()] == [
        ("Control", True),
        ("Delivery date", False),
    ]


def test_hypothesis_page_shows_the_statistics_of_its_results(
    make_hypothesis, admin_client
):
    hypothesis = make_hypothesis(status=Status.ANALYSING)
    admin_client.post(
        url("experiment-create", hypothesis.pk),
        variant_data([("Control", 41230, 3092), ("Delivery date", 41105, 3292)]),
    )
    text = admin_client.get(url("hypothesis-detail", hypothesis.pk)).text
    assert "7.50 %" in text
    assert "8.01 %" in text
    assert "+6.8 %" in text
    assert "0.006" in text
    assert "99.7 %" in text
    assert "Traffic split as planned" in text


def test_a_broken_traffic_split_is_flagged(make_hypothesis, admin_client):
    hypothesis = make_hypothesis(status=Status.ANALYSING)
    admin_client.post(
        url("experiment-create", hypothesis.pk),
        variant_data([("Control", 15400, 1155), ("Icons", 14120, 1072)]),
    )
    text = admin_client.get(url("hypothesis-detail", hypothesis.pk)).text
    assert "Sample ratio mismatch." in text


@pytest.mark.parametrize(
    ("rows", "control", "message"),
    [
        ([("Control", 100, 10)], 0, "at least two variants"),
        ([("A", 100, 10), ("a", 100, 12)], 0, "different name"),
        ([("A", 100, 10), ("B", 100, 120)], 0, "Cannot be more than the visitors"),
        ([("A", 100, 10), ("B", 100, 12), ("", "", "")], 2, "exactly one variant"),
        ([("A", -5, 10), ("B", 100, 12)], 0, "greater than or equal to 0"),
    ],
)
def test_bad_results_are_refused_with_a_reason_and_nothing_is_stored(
    make_hypothesis, admin_client, rows, control, message
):
    hypothesis = make_hypothesis()
    response = admin_client.post(
        url("experiment-create", hypothesis.pk), variant_data(rows, control)
    )
    assert response.status_code == 400
    assert message in response.text
    assert not Experiment.objects.exists()


def test_an_end_before_the_start_is_refused(make_hypothesis, admin_client):
    hypothesis = make_hypothesis()
    response = admin_client.post(
        url("experiment-create", hypothesis.pk),
        variant_data(
            [("A", 100, 10), ("B", 100, 12)],
            started_on="2026-03-10",
            ended_on="2026-03-01",
        ),
    )
    assert response.status_code == 400
    assert "cannot end before it started" in response.text


@pytest.fixture
def experiment(make_hypothesis, admin_client):
    hypothesis = make_hypothesis(status=Status.ANALYSING)
    admin_client.post(
        url("experiment-create", hypothesis.pk),
        variant_data([("Control", 1000, 100), ("B", 1000, 130)]),
    )
    return Experiment.objects.get()


def test_experiment_update_access_matrix_replaces_the_variants(org, experiment):
    response = assert_access(
        url("experiment-update", experiment.pk), organisation=org, role=Role.EDITOR
    )
    assert response.context["variants"].initial[1]["conversions"] == 130
    data = variant_data(
        [("Control", 2000, 200), ("B", 2000, 260), ("C", 2000, 230)], control=0
    )
    data["variants-INITIAL_FORMS"] = "2"
    assert_access(
        url("experiment-update", experiment.pk),
        organisation=org,
        role=Role.EDITOR,
        method="post",
        data=data,
        ok=302,
        unchanged=_experiments,
    )
    assert [(v.name, v.visitors) for v in experiment.variants.all()] == [
        ("Control", 2000),
        ("B", 2000),
        ("C", 2000),
    ]


def test_experiment_delete_access_matrix(org, experiment):
    assert_access(
        url("experiment-delete", experiment.pk),
        organisation=org,
        role=Role.EDITOR,
        method="post",
        ok=302,
        unchanged=_experiments,
    )
    assert not Experiment.objects.exists()
    assert not Variant.objects.exists()


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


def test_learnings_access_matrix_and_search(org, make_hypothesis, checkout_page):
    make_hypothesis(
        "Delivery dates",
        status=Status.CONCLUDED,
        result="won",
        learning="Concrete dates beat windows.",
        page=checkout_page,
        tags=["shipping"],
    )
    make_hypothesis(
        "Sticky bar",
        status=Status.CONCLUDED,
        result="lost",
        learning="It covered the reviews.",
    )
    make_hypothesis("Still running", status=Status.RUNNING)
    response = assert_access(url("learning-list"), organisation=org)
    titles = [h.title for h in response.context["page_obj"]]
    assert sorted(titles) == ["Delivery dates", "Sticky bar"]
    client = member_client(org, Role.VIEWER)
    for query, expected in [
        ("q=windows", ["Delivery dates"]),
        ("result=lost", ["Sticky bar"]),
        (f"step={checkout_page.pk}", ["Delivery dates"]),
        (
            "tag=" + str(checkout_page.organisation.backlog_tags.get().pk),
            ["Delivery dates"],
        ),
        ("q=nothing+like+this", []),
    ]:
        response = client.get(f"{url('learning-list')}?{query}")
        assert [h.title for h in response.context["page_obj"]] == expected, query


def test_page_list_access_matrix_and_add(org):
    assert_access(url("page-list"), organisation=org)
    assert_access(
        url("page-list"),
        organisation=org,
        role=Role.EDITOR,
        method="post",
        data={
            "name": "Cart",
            "url": "/cart",
            "position": 3,
            "daily_visitors": 1800,
            "baseline_conversion_rate": "48.5",
        },
        ok=302,
        unchanged=_pages,
    )
    page = Page.objects.get()
    assert (page.name, page.daily_visitors, str(page.baseline_conversion_rate)) == (
        "Cart",
        1800,
        "48.500",
    )


def test_a_duplicate_page_name_is_refused(org, checkout_page, admin_client):
    response = admin_client.post(url("page-list"), {"name": "checkout", "position": 0})
    assert response.status_code == 400
    assert "already a page called" in response.text
    assert Page.objects.count() == 1


def test_page_update_access_matrix(org, checkout_page):
    assert_access(
        url("page-update", checkout_page.pk),
        organisation=org,
        role=Role.EDITOR,
        method="post",
        data={"name": "Checkout", "position": 1, "daily_visitors": 5000},
        ok=302,
        unchanged=_pages,
    )
    checkout_page.refresh_from_db()
    assert checkout_page.daily_visitors == 5000


def test_page_delete_keeps_its_hypotheses(org, checkout_page, make_hypothesis):
    hypothesis = make_hypothesis(page=checkout_page)
    assert_access(
        url("page-delete", checkout_page.pk),
        organisation=org,
        role=Role.EDITOR,
        method="post",
        ok=302,
        unchanged=_pages,
    )
    hypothesis.refresh_from_db()
    assert hypothesis.page is None


def test_settings_access_matrix_and_ice_formula_change(
    org, make_hypothesis, admin_user
):
    hypothesis = make_hypothesis()
    give_ice(hypothesis, admin_user, 2, 5, 10)
    assert_access(url("settings"), organisation=org, role=Role.ADMIN)
    response = assert_access(
        url("settings"),
        organisation=org,
        role=Role.ADMIN,
        method="post",
        data={
            "primary_framework": "pie",
            "ice_mode": "product",
            "minimum_detectable_effect": "5",
            "significance": "5",
            "power": "90",
            "variants": "3",
            "upload_retention_days": "14",
        },
        ok=302,
        unchanged=_settings,
    )
    assert response["Location"].endswith("/o/acme/settings/#backlog")
    current = settings_for(org)
    assert (current.primary_framework, current.ice_mode, current.variants) == (
        "pie",
        IceMode.PRODUCT,
        3,
    )
    assert current.upload_retention_days == 14
    hypothesis.refresh_from_db()
    assert hypothesis.ice_score == 100


def test_bad_settings_are_refused_next_to_the_field(org, admin_client):
    response = admin_client.post(
        url("settings"),
        {
            "primary_framework": "ice",
            "ice_mode": "mean",
            "minimum_detectable_effect": "0",
            "significance": "5",
            "power": "80",
            "variants": "1",
        },
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert {"minimum_detectable_effect", "variants"} <= set(errors)
    assert not BacklogSettings.objects.exists()


def test_the_organisation_settings_page_has_the_backlog_section(admin_client):
    text = admin_client.get(reverse("organisation-settings", args=["acme"])).text
    assert 'id="backlog"' in text
    assert "Save backlog settings" in text
    assert 'action="/o/acme/backlog/settings/"' in text


def test_navigation_leads_to_every_backlog_view(org, admin_client):
    text = admin_client.get(reverse("home", args=["acme"])).text
    for name in ("hypothesis-list", "board", "learning-list", "planner", "page-list"):
        assert f'href="{url(name)}"' in text


def test_hypotheses_of_another_organisation_never_show(
    org, other_org, make_hypothesis, admin_client
):
    make_hypothesis("Ours")
    make_hypothesis("Theirs", organisation=other_org)
    for name in ("hypothesis-list", "board", "learning-list"):
        text = admin_client.get(url(name)).text
        assert "Theirs" not in text
    assert Hypothesis.objects.count() == 2
