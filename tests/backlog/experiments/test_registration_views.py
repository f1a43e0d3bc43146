"""The pre-registration form, the plan change and the results grid."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from backlog.experiments.registration import (
    PlannedVariant,
    PlanSettings,
    RegisteredMetric,
    ResultInput,
    record_results,
    register_experiment,
)
from backlog.experiments.sample_size import plan_test
from backlog.models import (
    BacklogSettings,
    ChangeKind,
    Experiment,
    ExperimentChange,
    ExperimentMetric,
    MetricKind,
    MetricResult,
    MetricRole,
    Variant,
)
from cromaturity.models import Role
from tests.access import assert_access
from tests.backlog.factories import make_experiment, make_metric, make_page

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"backlog:{name}", args=["acme", *args])


@pytest.fixture
def product_page(org):
    return make_page(
        org, "Product page", daily_visitors=5000, baseline_conversion_rate="3.2"
    )


@pytest.fixture
def hypothesis(make_hypothesis, product_page):
    return make_hypothesis(page=product_page)


@pytest.fixture
def metrics(org):
    return {
        "purchase": make_metric(
            org, "purchase", "Purchase", default_role=MetricRole.PRIMARY
        ),
        "add_to_cart": make_metric(org, "add_to_cart", "Add to cart"),
        "revenue": make_metric(
            org, "revenue", "Revenue per visitor", kind=MetricKind.MEAN
        ),
        "contacts": make_metric(
            org,
            "contacts",
            "Support contacts",
            kind=MetricKind.COUNT,
            direction="down",
            default_role=MetricRole.GUARDRAIL,
            default_margin=Decimal("2.0"),
        ),
        "old": make_metric(org, "old", "Old goal", archived_at=timezone.now()),
    }


def sent(response, **changes):
    """What the browser sends back from the page as shown, with `changes`."""
    context = response.context
    data = {}
    for form in (context["plan"], context["metrics"]):
        for field in form:
            value = field.value()
            if value is True:
                data[field.html_name] = "on"
            elif value not in (None, False):
                data[field.html_name] = str(value)
    variants = context["variants"]
    for field in variants.management_form:
        data[field.html_name] = str(field.value())
    for form in variants:
        for field in form:
            data[field.html_name] = str(field.value() or "")
    data["control"] = str(context["control_index"])
    for name, value in changes.items():
        key = name.replace("__", "-")
        if value is None:
            data.pop(key, None)
        else:
            data[key] = str(value)
    return data


def shown(form, name):
    """A field's value as the page shows it."""
    return str(form[name].value())


def role_field(metric):
    return f"role_{metric.pk}"


def margin_field(metric):
    return f"margin_{metric.pk}"


def role(metric):
    return f"metrics-role_{metric.pk}"


def margin(metric):
    return f"metrics-margin_{metric.pk}"


def planned(**fields):
    defaults = {
        "baseline_rate": 0.032,
        "relative_mde": 0.1,
        "alpha": 0.05,
        "power": 0.8,
        "variants": 2,
    }
    return plan_test(**(defaults | fields))


# Pre-registration


def test_the_new_experiment_form_is_prefilled_from_settings_metrics_and_planner(
    org, hypothesis, metrics, admin_client
):
    BacklogSettings.objects.create(
        organisation=org,
        minimum_detectable_effect=Decimal("15"),
        significance=Decimal("10"),
        power=Decimal("90"),
        correction="bh",
        maximum_weeks=6,
    )
    response = admin_client.get(url("experiment-create", hypothesis.pk))
    assert response.status_code == 200
    plan = response.context["plan"]
    assert shown(plan, "minimum_detectable_effect") == "15.0"
    assert shown(plan, "significance") == "10.0"
    assert shown(plan, "power") == "90.0"
    assert shown(plan, "correction") == "bh"
    assert shown(plan, "maximum_weeks") == "6"
    assert shown(plan, "baseline") == "3.2"
    roles = response.context["metrics"]
    assert roles[role_field(metrics["purchase"])].value() == MetricRole.PRIMARY
    assert roles[role_field(metrics["add_to_cart"])].value() == MetricRole.SECONDARY
    assert roles[role_field(metrics["contacts"])].value() == MetricRole.GUARDRAIL
    assert shown(roles, margin_field(metrics["contacts"])) == "2.0"
    assert metrics["old"] not in roles.metrics
    expected = planned(relative_mde=0.15, alpha=0.1, power=0.9, daily_visitors=5000)
    assert str(plan["planned_visitors_per_variant"].value()) == str(
        expected.visitors_per_variant
    )
    assert shown(plan, "minimum_weeks") == str(expected.weeks)
    assert f"{expected.visitors_per_variant:,}" in response.text
    assert "From the planner." in response.text
    assert "Under-powered" not in response.text


def test_registering_stores_the_metrics_with_their_roles_and_guardrail_margins(
    hypothesis, metrics, admin_client, admin_user
):
    shown = admin_client.get(url("experiment-create", hypothesis.pk))
    data = sent(
        shown,
        plan__name="Delivery dates",
        plan__started_on="2030-05-04",
        plan__sequential="on",
        variants__1__name="Dates",
        **{
            role(metrics["revenue"]): MetricRole.GUARDRAIL,
            margin(metrics["revenue"]): "1.5",
            role(metrics["add_to_cart"]): "",
        },
    )
    response = admin_client.post(url("experiment-create", hypothesis.pk), data)
    assert response.status_code == 302
    assert response["Location"] == f"{hypothesis.get_absolute_url()}#results"
    experiment = Experiment.objects.get()
    assert (experiment.name, str(experiment.started_on)) == (
        "Delivery dates",
        "2030-05-04",
    )
    assert experiment.sequential is True
    assert experiment.registered_at is not None
    assert list(
        ExperimentMetric.objects.values_list("metric__key", "role", "margin")
    ) == [
        ("purchase", "primary", None),
        ("revenue", "guardrail", Decimal("1.5")),
        ("contacts", "guardrail", Decimal("2.0")),
    ]
    assert list(
        experiment.variants.values_list("name", "is_control", "planned_weight")
    ) == [("Control", True, 1), ("Dates", False, 1)]
    expected = planned(daily_visitors=5000)
    assert experiment.planned_visitors_per_variant == expected.visitors_per_variant
    assert experiment.minimum_weeks == expected.weeks
    assert experiment.maximum_weeks == 8
    assert experiment.baseline_rate == Decimal("3.2")  # the page's, as shown
    change = experiment.changes.get()
    assert change.kind == ChangeKind.REGISTERED
    assert change.summary == "Plan registered before the start"
    assert change.changed_by == admin_user


def test_a_baseline_typed_is_registered_and_shown_again_with_the_plan(
    hypothesis, metrics, admin_client
):
    form_page = admin_client.get(url("experiment-create", hypothesis.pk))
    admin_client.post(
        url("experiment-create", hypothesis.pk),
        sent(
            form_page,
            plan__baseline="8.25",
            plan__planned_visitors_per_variant=None,
            plan__minimum_weeks=None,
        ),
    )
    experiment = Experiment.objects.get()
    assert experiment.baseline_rate == Decimal("8.25")
    expected = planned(baseline_rate=0.0825, daily_visitors=5000)
    assert experiment.planned_visitors_per_variant == expected.visitors_per_variant
    assert experiment.changes.get().after["baseline_rate"] == "8.250"
    plan = admin_client.get(url("experiment-plan", experiment.pk)).context["plan"]
    assert shown(plan, "baseline") == "8.25"
    # The page's rate is 3.2: the plan keeps the one it was sized from.
    assert (
        not admin_client.get(url("experiment-plan", experiment.pk))
        .context["proposal"]
        .visitors_overridden
    )


def test_recompute_shows_the_planner_for_the_plan_as_typed_and_saves_nothing(
    hypothesis, metrics, admin_client
):
    shown = admin_client.get(url("experiment-create", hypothesis.pk))
    data = sent(
        shown,
        recompute="1",
        plan__minimum_detectable_effect="20",
        plan__baseline="8",
        plan__correction="none",
        variants__TOTAL_FORMS="3",
        variants__2__name="Countdown",
        variants__2__planned_weight="2",
    )
    response = admin_client.post(url("experiment-create", hypothesis.pk), data)
    assert response.status_code == 200
    assert not Experiment.objects.exists()
    expected = planned(
        baseline_rate=0.08, relative_mde=0.2, variants=3, correct_for_comparisons=False
    )
    proposal = response.context["proposal"]
    assert proposal.visitors == expected.visitors_per_variant
    assert not proposal.visitors_overridden
    # Shares 1, 1, 2: the smallest variants get a quarter of the traffic each.
    days = -(-expected.visitors_per_variant * 4 // 5000)
    assert proposal.days_needed == days
    assert proposal.weeks == -(-days // 7)
    plan = response.context["plan"]
    assert str(plan["planned_visitors_per_variant"].value()) == str(
        expected.visitors_per_variant
    )
    assert "(the page's rate)" not in response.text
    # Corrected for two challengers, the planner needs more.
    corrected = admin_client.post(
        url("experiment-create", hypothesis.pk), data | {"plan-correction": "holm"}
    )
    assert corrected.context["proposal"].visitors == (
        planned(baseline_rate=0.08, relative_mde=0.2, variants=3).visitors_per_variant
    )


def test_the_htmx_recompute_answers_with_the_sample_section_only(
    hypothesis, metrics, admin_client
):
    shown = admin_client.get(url("experiment-create", hypothesis.pk))
    response = admin_client.post(
        url("experiment-create", hypothesis.pk),
        sent(shown, recompute="1", plan__minimum_detectable_effect="5"),
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section class="card card-section')
    assert 'id="plan-sample"' in response.text
    assert "<html" not in response.text
    visitors = planned(relative_mde=0.05).visitors_per_variant
    assert f'value="{visitors}"' in response.text


def test_an_override_is_kept_through_a_recompute_said_so_and_saved(
    hypothesis, metrics, admin_client
):
    shown = admin_client.get(url("experiment-create", hypothesis.pk))
    computed = planned(daily_visitors=5000)
    data = sent(
        shown,
        recompute="1",
        plan__planned_visitors_per_variant="60000",
        plan__minimum_weeks="5",
    )
    response = admin_client.post(url("experiment-create", hypothesis.pk), data)
    proposal = response.context["proposal"]
    assert (proposal.visitors, proposal.visitors_overridden) == (60000, True)
    assert (proposal.weeks, proposal.weeks_overridden) == (5, True)
    assert f"The planner gives {computed.visitors_per_variant:,}." in response.text
    # A change elsewhere recomputes the planner's numbers, not the editor's.
    again = admin_client.post(
        url("experiment-create", hypothesis.pk),
        sent(response, recompute="1", plan__minimum_detectable_effect="20"),
    )
    proposal = again.context["proposal"]
    assert proposal.visitors == 60000
    assert proposal.computed_visitors == planned(relative_mde=0.2).visitors_per_variant
    saved = admin_client.post(url("experiment-create", hypothesis.pk), sent(again))
    assert saved.status_code == 302
    experiment = Experiment.objects.get()
    assert (experiment.planned_visitors_per_variant, experiment.minimum_weeks) == (
        60000,
        5,
    )


def test_a_number_left_as_the_planner_gave_it_follows_a_changed_plan_on_save(
    hypothesis, metrics, admin_client
):
    shown = admin_client.get(url("experiment-create", hypothesis.pk))
    response = admin_client.post(
        url("experiment-create", hypothesis.pk),
        sent(shown, plan__minimum_detectable_effect="20"),
    )
    assert response.status_code == 302
    expected = planned(relative_mde=0.2, daily_visitors=5000)
    experiment = Experiment.objects.get()
    assert experiment.planned_visitors_per_variant == expected.visitors_per_variant
    assert experiment.minimum_weeks == expected.weeks


def test_a_page_too_quiet_for_the_maximum_runtime_is_under_powered(
    org, make_hypothesis, metrics, admin_client
):
    quiet = make_page(org, "FAQ", daily_visitors=100, baseline_conversion_rate="3.2")
    hypothesis = make_hypothesis(page=quiet)
    response = admin_client.get(url("experiment-create", hypothesis.pk))
    assert response.context["proposal"].under_powered
    assert "Under-powered." in response.text
    assert "longer than the maximum runtime of 8 weeks" in response.text


def test_a_mean_metric_as_primary_needs_its_planned_sample_given(
    hypothesis, metrics, admin_client
):
    shown = admin_client.get(url("experiment-create", hypothesis.pk))
    response = admin_client.post(
        url("experiment-create", hypothesis.pk),
        sent(
            shown,
            recompute="1",
            plan__planned_visitors_per_variant=None,
            plan__planner_visitors=None,
            **{
                role(metrics["purchase"]): MetricRole.SECONDARY,
                role(metrics["revenue"]): MetricRole.PRIMARY,
            },
        ),
    )
    assert response.context["proposal"].visitors is None
    assert "The planner sizes conversion goals" in response.text


def test_a_variant_row_is_added_without_saving_and_keeps_what_was_typed(
    hypothesis, metrics, admin_client
):
    shown = admin_client.get(url("experiment-create", hypothesis.pk))
    data = sent(shown, add_variant="1", plan__name="Dates", control="1")
    response = admin_client.post(url("experiment-create", hypothesis.pk), data)
    assert response.status_code == 200
    assert not Experiment.objects.exists()
    assert len(response.context["variants"].forms) == 3
    assert 'value="1" id="control-1" checked' in response.text
    assert 'value="Dates"' in response.text
    htmx = admin_client.post(
        url("experiment-create", hypothesis.pk), data, HTTP_HX_REQUEST="true"
    )
    assert htmx.text.lstrip().startswith('<div class="card-body" id="variants">')
    assert 'name="variants-2-name"' in htmx.text


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"purchase": ""}, "Choose exactly one primary metric."),
        ({"add_to_cart": MetricRole.PRIMARY}, "Choose exactly one primary metric."),
        ({"contacts_margin": ""}, "Give the guardrail “Support contacts” a non-"),
        ({"contacts_margin": "150"}, "between 0.1 % and 100 %"),
        ({"variants__1__name": "control"}, "Give every variant a different name."),
        ({"variants__1__name": ""}, "Give every variant a name."),
        ({"variants__1__planned_weight": "0"}, "planned share must be at least 1"),
        ({"control": "5"}, "Mark exactly one variant as the control."),
        (
            {"plan__minimum_weeks": "9", "plan__maximum_weeks": "4"},
            "The maximum runtime cannot be shorter than the minimum runtime.",
        ),
        ({"plan__significance": "30"}, "less than or equal to 20"),
        ({"plan__minimum_detectable_effect": ""}, "This field is required."),
        (
            {"plan__sequential": "on", "plan__planned_visitors_per_variant": "x"},
            "Enter a whole number.",
        ),
    ],
)
def test_a_plan_that_cannot_stand_is_refused_with_its_reason_and_nothing_is_stored(
    hypothesis, metrics, admin_client, changes, message
):
    shown = admin_client.get(url("experiment-create", hypothesis.pk))
    named = {
        "purchase": role(metrics["purchase"]),
        "add_to_cart": role(metrics["add_to_cart"]),
        "contacts_margin": margin(metrics["contacts"]),
    }
    changes = {named.get(k, k): v for k, v in changes.items()}
    response = admin_client.post(
        url("experiment-create", hypothesis.pk), sent(shown, **changes)
    )
    assert response.status_code == 400
    assert message in response.text
    assert not Experiment.objects.exists()
    assert not ExperimentChange.objects.exists()


def test_without_metrics_the_form_says_where_to_define_them(hypothesis, admin_client):
    response = admin_client.get(url("experiment-create", hypothesis.pk))
    assert response.status_code == 200
    assert "Your organisation has no metrics yet." in response.text
    assert 'name="plan-name"' not in response.text
    posted = admin_client.post(url("experiment-create", hypothesis.pk), {})
    assert posted.status_code == 400
    assert not Experiment.objects.exists()


def test_creating_needs_an_editor_and_a_viewer_is_refused(
    org, hypothesis, metrics, client, admin_client
):
    shown = admin_client.get(url("experiment-create", hypothesis.pk))
    assert_access(
        url("experiment-create", hypothesis.pk), organisation=org, role=Role.EDITOR
    )
    assert_access(
        url("experiment-create", hypothesis.pk),
        organisation=org,
        role=Role.EDITOR,
        method="post",
        data=sent(shown),
        ok=302,
        unchanged=lambda: list(Experiment.objects.values_list("pk", flat=True)),
    )
    assert Experiment.objects.count() == 1


# Changing the plan


@pytest.fixture
def registered(hypothesis, metrics, admin_user):
    def register(started_days_ago=None):
        started = (
            timezone.localdate() - timedelta(days=started_days_ago)
            if started_days_ago is not None
            else None
        )
        return register_experiment(
            hypothesis,
            name="Dates A/B",
            started_on=started,
            variants=[
                PlannedVariant("Control", is_control=True),
                PlannedVariant("Dates"),
            ],
            metrics=[
                RegisteredMetric(metrics["purchase"], MetricRole.PRIMARY),
                RegisteredMetric(metrics["revenue"], MetricRole.SECONDARY),
                RegisteredMetric(
                    metrics["contacts"], MetricRole.GUARDRAIL, Decimal("2")
                ),
            ],
            settings=PlanSettings(
                minimum_detectable_effect=Decimal("10"),
                significance=Decimal("5"),
                power=Decimal("80"),
                planned_visitors_per_variant=9000,
                minimum_weeks=2,
                maximum_weeks=8,
            ),
            by=admin_user,
        )

    return register


def test_the_plan_form_shows_the_registered_plan(registered, metrics, admin_client):
    experiment = registered()
    response = admin_client.get(url("experiment-plan", experiment.pk))
    assert response.status_code == 200
    plan = response.context["plan"]
    assert shown(plan, "planned_visitors_per_variant") == "9000"
    assert shown(plan, "minimum_weeks") == "2"
    assert "name" not in plan.fields
    assert "reason" not in plan.fields
    roles = response.context["metrics"]
    assert roles[role_field(metrics["revenue"])].value() == MetricRole.SECONDARY
    assert roles[role_field(metrics["add_to_cart"])].value() in ("", None)
    assert shown(roles, margin_field(metrics["contacts"])) == "2.0"
    # 9,000 is not what the planner gives today: it is shown as the editor's.
    assert response.context["proposal"].visitors_overridden
    assert "your number" in response.text


def test_a_running_test_refuses_a_plan_change_without_a_reason(
    registered, admin_client
):
    experiment = registered(started_days_ago=3)
    shown = admin_client.get(url("experiment-plan", experiment.pk))
    assert "Why does the plan change?" in shown.text
    response = admin_client.post(
        url("experiment-plan", experiment.pk),
        sent(shown, plan__minimum_detectable_effect="12"),
    )
    assert response.status_code == 400
    assert "The test is running: say why its plan changes." in response.text
    experiment.refresh_from_db()
    assert experiment.minimum_detectable_effect == Decimal("10.0")
    assert list(experiment.changes.values_list("kind", flat=True)) == ["registered"]


def test_a_running_test_changes_its_plan_with_the_reason_in_its_history(
    registered, metrics, admin_client, admin_user
):
    experiment = registered(started_days_ago=3)
    shown = admin_client.get(url("experiment-plan", experiment.pk))
    response = admin_client.post(
        url("experiment-plan", experiment.pk),
        sent(
            shown,
            plan__minimum_detectable_effect="12",
            plan__reason="Traffic doubled after the campaign.",
            **{role(metrics["add_to_cart"]): MetricRole.SECONDARY},
        ),
    )
    assert response.status_code == 302
    experiment.refresh_from_db()
    assert experiment.minimum_detectable_effect == Decimal("12.0")
    assert experiment.registered_metrics.count() == 4
    change = experiment.changes.filter(kind=ChangeKind.PLAN).get()
    assert change.reason == "Traffic doubled after the campaign."
    assert change.changed_by == admin_user
    assert change.before["minimum_detectable_effect"] == "10.0"
    assert change.after["minimum_detectable_effect"] == "12.0"


def test_a_test_not_started_changes_its_plan_without_a_reason(registered, admin_client):
    experiment = registered()
    shown = admin_client.get(url("experiment-plan", experiment.pk))
    response = admin_client.post(
        url("experiment-plan", experiment.pk),
        sent(shown, variants__1__planned_weight="2"),
    )
    assert response.status_code == 302
    assert list(experiment.variants.values_list("planned_weight", flat=True)) == [1, 2]


def test_the_plan_form_needs_an_editor(org, registered):
    experiment = registered()
    assert_access(
        url("experiment-plan", experiment.pk), organisation=org, role=Role.EDITOR
    )


# Results by hand


def grid(experiment, rows):
    """Form data for (variant, metric key) → numbers."""
    variants = {v.name: v.pk for v in experiment.variants.all()}
    metric_ids = {
        r.metric.key: r.metric_id
        for r in experiment.registered_metrics.select_related("metric")
    }
    data = {}
    for (variant, metric), numbers in rows.items():
        for part, value in numbers.items():
            data[f"r{variants[variant]}_{metric_ids[metric]}_{part}"] = str(value)
    return data


RESULTS = {
    ("Control", "purchase"): {"visitors": 10000, "conversions": 320},
    ("Dates", "purchase"): {"visitors": 10010, "conversions": 371},
    ("Control", "revenue"): {"visitors": 10000, "sum": 15000, "sum_squares": 900000},
    ("Dates", "revenue"): {"visitors": 10010, "sum": 16500, "sum_squares": 990000},
}


def test_the_results_grid_saves_the_numbers_of_every_variant_and_metric(
    registered, admin_client, admin_user
):
    experiment = registered(started_days_ago=10)
    shown = admin_client.get(url("experiment-results", experiment.pk))
    assert shown.status_code == 200
    assert "Where the sum and the sum of squares come from" in shown.text
    assert (
        'Visitors<span class="visually-hidden"> of Dates on Support contacts</span>'
        in shown.text
    )
    response = admin_client.post(
        url("experiment-results", experiment.pk), grid(experiment, RESULTS)
    )
    assert response.status_code == 302
    assert response["Location"] == f"{experiment.hypothesis.get_absolute_url()}#results"
    assert sorted(
        MetricResult.objects.values_list(
            "variant__name", "metric__key", "visitors", "conversions", "sum"
        )
    ) == [
        ("Control", "purchase", 10000, 320, None),
        ("Control", "revenue", 10000, None, 15000.0),
        ("Dates", "purchase", 10010, 371, None),
        ("Dates", "revenue", 10010, None, 16500.0),
    ]
    change = experiment.changes.get(kind=ChangeKind.RESULTS)
    assert change.summary == "Results from the results form"
    assert change.changed_by == admin_user
    again = admin_client.get(url("experiment-results", experiment.pk))
    assert (
        again.context["form"][
            f"r{experiment.variants.get(name='Dates').pk}_"
            f"{experiment.registered_metrics.get(role='primary').metric_id}_conversions"
        ].value()
        == 371
    )


def test_equal_numbers_change_nothing_and_say_so(registered, admin_client, admin_user):
    experiment = registered(started_days_ago=10)
    record_results(
        experiment,
        [
            ResultInput(variant, metric, **numbers)
            for (variant, metric), numbers in RESULTS.items()
        ],
        by=admin_user,
        source="a test",
    )
    response = admin_client.post(
        url("experiment-results", experiment.pk),
        grid(experiment, RESULTS),
        follow=True,
    )
    assert "are the ones already stored: nothing changed" in response.text
    assert experiment.changes.filter(kind=ChangeKind.RESULTS).count() == 1


@pytest.mark.parametrize(
    ("cell", "numbers", "message"),
    [
        (
            ("Dates", "purchase"),
            {"visitors": 100, "conversions": 120},
            "Dates · purchase: conversions must be between 0 and the visitors.",
        ),
        (
            ("Dates", "purchase"),
            {"visitors": 100},
            "Dates · purchase: give the conversions.",
        ),
        (
            ("Dates", "revenue"),
            {"visitors": 100, "sum": 500, "sum_squares": 10},
            "the sum of squares is too small for the sum",
        ),
        (("Dates", "revenue"), {"sum": 500, "sum_squares": 9000}, "Give the visitors."),
        (
            ("Dates", "purchase"),
            {"visitors": "many", "conversions": 3},
            "Enter a whole number.",
        ),
        (
            ("Dates", "purchase"),
            {"visitors": -4, "conversions": 0},
            "visitors must be between 0 and 1,000,000,000",
        ),
    ],
)
def test_bad_numbers_are_refused_with_their_reason_and_nothing_is_stored(
    registered, admin_client, cell, numbers, message
):
    experiment = registered(started_days_ago=10)
    response = admin_client.post(
        url("experiment-results", experiment.pk),
        grid(experiment, RESULTS | {cell: numbers}),
    )
    assert response.status_code == 400
    assert message in response.text
    assert not MetricResult.objects.exists()
    assert not experiment.changes.filter(kind=ChangeKind.RESULTS).exists()


def test_the_results_grid_needs_an_editor_and_refuses_a_viewer(org, registered):
    experiment = registered(started_days_ago=10)
    assert_access(
        url("experiment-results", experiment.pk),
        organisation=org,
        role=Role.EDITOR,
        method="post",
        data=grid(experiment, RESULTS),
        ok=302,
        unchanged=lambda: list(MetricResult.objects.values_list("pk", flat=True)),
    )
    assert MetricResult.objects.count() == 4


# The legacy edit


def test_a_test_without_registered_metrics_is_still_edited_per_variant(
    org, make_hypothesis, admin_user, admin_client
):
    experiment = make_experiment(
        make_hypothesis(), ("Control", 1000, 100), ("B", 1000, 130), by=admin_user
    )
    assert url("experiment-update", experiment.pk).endswith(
        f"/experiments/{experiment.pk}/edit/"
    )
    response = assert_access(
        url("experiment-update", experiment.pk), organisation=org, role=Role.EDITOR
    )
    assert response.context["variants"].initial[1]["conversions"] == 130
    results = admin_client.get(url("experiment-results", experiment.pk))
    assert "This test has no registered metrics" in results.text
    data = {
        "experiment-name": "Dates A/B",
        "variants-TOTAL_FORMS": "2",
        "variants-INITIAL_FORMS": "2",
        "control": "0",
        "variants-0-name": "Control",
        "variants-0-visitors": "2000",
        "variants-0-conversions": "200",
        "variants-0-planned_weight": "1",
        "variants-1-name": "B",
        "variants-1-visitors": "2000",
        "variants-1-conversions": "250",
        "variants-1-planned_weight": "1",
    }
    saved = admin_client.post(url("experiment-update", experiment.pk), data)
    assert saved.status_code == 302
    assert list(Variant.objects.values_list("visitors", "conversions")) == [
        (2000, 200),
        (2000, 250),
    ]


def test_the_legacy_edit_of_a_registered_test_sends_to_its_name_and_dates(
    registered, admin_client
):
    experiment = registered()
    response = admin_client.get(url("experiment-update", experiment.pk))
    assert response.status_code == 302
    assert response["Location"] == url("experiment-run", experiment.pk)


def _run(experiment, **changes):
    return {
        "name": experiment.name,
        "started_on": experiment.started_on.isoformat()
        if experiment.started_on
        else "",
        "ended_on": "",
        "notes": experiment.notes,
    } | changes


def test_a_registered_test_gets_its_start_end_and_name_with_history(
    registered, org, admin_user, admin_client
):
    experiment = registered(started_days_ago=2)
    page = assert_access(
        url("experiment-run", experiment.pk), organisation=org, role=Role.EDITOR
    )
    # A date field shows its date the way the browser's date picker reads it.
    assert f'value="{experiment.started_on.isoformat()}"' in page.text
    started = timezone.localdate() - timedelta(days=20)
    ended = timezone.localdate() - timedelta(days=1)
    response = assert_access(
        url("experiment-run", experiment.pk),
        organisation=org,
        role=Role.EDITOR,
        method="post",
        data=_run(
            experiment,
            name="Dates A/B, round 2",
            started_on=started.isoformat(),
            ended_on=ended.isoformat(),
            notes="Paused on Black Friday.",
        ),
        ok=302,
        unchanged=lambda: list(
            Experiment.objects.values_list("name", "started_on", "ended_on", "notes")
        ),
    )
    assert response["Location"] == url("experiment-detail", experiment.pk)
    experiment.refresh_from_db()
    assert (experiment.name, experiment.started_on, experiment.ended_on) == (
        "Dates A/B, round 2",
        started,
        ended,
    )
    change = experiment.changes.get(kind=ChangeKind.RUN)
    assert change.summary == "Changed: name, start date, end date, notes"
    assert change.before["name"] == "Dates A/B"
    assert change.after["started_on"] == started.isoformat()
    # The plan is untouched, and sending the same again changes nothing.
    assert experiment.changes.filter(kind=ChangeKind.PLAN).count() == 0
    again = admin_client.post(
        url("experiment-run", experiment.pk),
        _run(experiment, ended_on=ended.isoformat()),
        follow=True,
    )
    assert "Nothing changed." in again.text
    assert experiment.changes.filter(kind=ChangeKind.RUN).count() == 1


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": "  "}, "This field is required."),
        ({"ended_on": "2026-01-01", "started_on": ""}, "Give the start date"),
        ({"started_on": "2026-02-01", "ended_on": "2026-01-01"}, "cannot end before"),
        ({"started_on": "2026-01-01", "ended_on": "2999-01-01"}, "in the future"),
    ],
)
def test_bad_dates_are_refused_and_nothing_is_stored(
    registered, admin_client, changes, message
):
    experiment = registered(started_days_ago=3)
    response = admin_client.post(
        url("experiment-run", experiment.pk), _run(experiment, **changes)
    )
    assert response.status_code == 400
    assert message in response.text
    stored = Experiment.objects.get(pk=experiment.pk)
    assert (stored.name, stored.started_on, stored.ended_on) == (
        "Dates A/B",
        experiment.started_on,
        None,
    )
    assert not stored.changes.filter(kind=ChangeKind.RUN).exists()
    # The page still names the test as stored.
    assert "When “Dates A/B” started" in response.text
