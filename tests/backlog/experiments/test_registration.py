from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from backlog.experiments.registration import (
    PlannedVariant,
    PlanSettings,
    RegisteredMetric,
    RegistrationError,
    ResultInput,
    change_plan,
    record_results,
    register_experiment,
)
from backlog.experiments.reports import analysis_of, with_analysis_data
from backlog.models import (
    ChangeKind,
    Experiment,
    Metric,
    MetricKind,
    MetricRole,
)
from tests.backlog.factories import make_experiment

pytestmark = pytest.mark.django_db

VARIANTS = [PlannedVariant("Control", is_control=True), PlannedVariant("Dates")]


@pytest.fixture
def metrics(org):
    return {
        "add_to_cart": Metric.objects.create(
            organisation=org, key="add_to_cart", name="Add to cart"
        ),
        "revenue": Metric.objects.create(
            organisation=org, key="revenue", name="Revenue", kind=MetricKind.MEAN
        ),
        "contacts": Metric.objects.create(
            organisation=org,
            key="contacts",
            name="Support contacts",
            kind=MetricKind.COUNT,
            direction="down",
        ),
    }


def registered(metrics):
    return [
        RegisteredMetric(metrics["add_to_cart"], MetricRole.PRIMARY),
        RegisteredMetric(metrics["revenue"], MetricRole.SECONDARY),
        RegisteredMetric(metrics["contacts"], MetricRole.GUARDRAIL, Decimal("2")),
    ]


def register(hypothesis, metrics, admin_user, **fields):
    return register_experiment(
        hypothesis,
        name="Dates A/B",
        variants=VARIANTS,
        metrics=registered(metrics),
        settings=PlanSettings(
            significance=Decimal("5"),
            planned_visitors_per_variant=9000,
            minimum_weeks=2,
            maximum_weeks=8,
        ),
        by=admin_user,
        **fields,
    )


RESULTS = [
    ResultInput("Control", "add_to_cart", 10000, conversions=1200),
    ResultInput("Dates", "add_to_cart", 10000, conversions=1400),
    ResultInput("Control", "revenue", 10000, sum=15000.0, sum_squares=900000.0),
    ResultInput("Dates", "revenue", 10000, sum=16500.0, sum_squares=990000.0),
    ResultInput("Control", "contacts", 10000, sum=500.0, sum_squares=700.0),
    ResultInput("Dates", "contacts", 10000, sum=650.0, sum_squares=900.0),
]


def test_a_registered_plan_is_kept_with_its_history(
    make_hypothesis, metrics, admin_user
):
    experiment = register(make_hypothesis(), metrics, admin_user)
    assert experiment.registered_at is not None
    assert [r.role for r in experiment.registered_metrics.all()] == [
        "primary",
        "secondary",
        "guardrail",
    ]
    assert experiment.variants.get(is_control=True).name == "Control"
    change = experiment.changes.get()
    assert change.kind == ChangeKind.REGISTERED
    assert change.after["metrics"][2] == {
        "metric": "contacts",
        "role": "guardrail",
        "margin": "2.0",
    }


def test_a_running_test_changes_its_plan_only_with_a_reason(
    make_hypothesis, metrics, admin_user
):
    experiment = register(
        make_hypothesis(),
        metrics,
        admin_user,
        started_on=timezone.localdate() - timedelta(days=3),
    )
    longer = PlanSettings(
        significance=Decimal("5"),
        planned_visitors_per_variant=12000,
        minimum_weeks=2,
        maximum_weeks=8,
    )
    args = dict(variants=VARIANTS, metrics=registered(metrics), settings=longer)
    with pytest.raises(RegistrationError, match="say why"):
        change_plan(experiment, by=admin_user, **args)
    experiment.refresh_from_db()
    assert experiment.planned_visitors_per_variant == 9000
    assert experiment.registered_metrics.count() == 3
    assert change_plan(experiment, by=admin_user, reason="Traffic is lower", **args)
    change = experiment.changes.filter(kind=ChangeKind.PLAN).get()
    assert change.reason == "Traffic is lower"
    assert change.before["planned_visitors_per_variant"] == 9000
    assert change.after["planned_visitors_per_variant"] == 12000
    # The same plan again changes nothing and needs no reason.
    assert not change_plan(experiment, by=admin_user, **args)


@pytest.mark.parametrize(
    ("metrics_of", "message"),
    [
        (lambda m: [RegisteredMetric(m["revenue"], MetricRole.SECONDARY)], "primary"),
        (
            lambda m: [
                RegisteredMetric(m["add_to_cart"], MetricRole.PRIMARY),
                RegisteredMetric(m["contacts"], MetricRole.GUARDRAIL),
            ],
            "margin",
        ),
        (
            lambda m: [
                RegisteredMetric(m["add_to_cart"], MetricRole.PRIMARY),
                RegisteredMetric(m["add_to_cart"], MetricRole.SECONDARY),
            ],
            "once",
        ),
    ],
)
def test_plans_that_cannot_stand_are_refused_with_a_message(
    make_hypothesis, metrics, admin_user, metrics_of, message
):
    with pytest.raises(RegistrationError, match=message):
        register_experiment(
            make_hypothesis(),
            name="x",
            variants=VARIANTS,
            metrics=metrics_of(metrics),
            settings=PlanSettings(),
            by=admin_user,
        )
    assert not Experiment.objects.exists()


def test_another_organisations_metric_cannot_be_registered(
    make_hypothesis, metrics, admin_user, other_org
):
    foreign = Metric.objects.create(organisation=other_org, key="x", name="X")
    with pytest.raises(RegistrationError, match="not yours"):
        register_experiment(
            make_hypothesis(),
            name="x",
            variants=VARIANTS,
            metrics=[RegisteredMetric(foreign, MetricRole.PRIMARY)],
            settings=PlanSettings(),
            by=admin_user,
        )


def test_results_replace_the_old_ones_and_equal_results_change_nothing(
    make_hypothesis, metrics, admin_user
):
    experiment = register(make_hypothesis(), metrics, admin_user)
    assert record_results(experiment, RESULTS, by=admin_user, source="a file")
    assert not record_results(experiment, RESULTS, by=admin_user, source="a file")
    newer = [*RESULTS[:1], ResultInput("Dates", "add_to_cart", 11000, 1500)]
    assert record_results(experiment, newer, by=admin_user, source="a newer file")
    history = experiment.changes.filter(kind=ChangeKind.RESULTS)
    assert history.count() == 2
    latest = history.first()
    assert len(latest.before["results"]) == 6
    assert len(latest.after["results"]) == 2
    dates = experiment.variants.get(name="Dates")
    assert (dates.visitors, dates.conversions) == (11000, 1500)


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (ResultInput("Nope", "add_to_cart", 10, 1), "not a variant"),
        (ResultInput("Dates", "nope", 10, 1), "not a metric"),
        (ResultInput("Dates", "add_to_cart", 10, 11), "between 0 and the visitors"),
        (ResultInput("Dates", "revenue", 10, sum=10.0, sum_squares=1.0), "too small"),
        (ResultInput("Dates", "revenue", 10, conversions=3), "sum"),
    ],
)
def test_results_that_cannot_stand_are_refused_and_nothing_is_stored(
    make_hypothesis, metrics, admin_user, row, message
):
    experiment = register(make_hypothesis(), metrics, admin_user)
    record_results(experiment, RESULTS, by=admin_user, source="a file")
    with pytest.raises(RegistrationError, match=message):
        record_results(experiment, [row], by=admin_user, source="a file")
    assert experiment.changes.filter(kind=ChangeKind.RESULTS).count() == 1, (
        "the failed call left no trace"
    )


def test_the_analysis_reads_the_stored_plan_and_results(
    make_hypothesis, metrics, admin_user
):
    experiment = register(
        make_hypothesis(),
        metrics,
        admin_user,
        started_on=timezone.localdate() - timedelta(days=20),
    )
    record_results(experiment, RESULTS, by=admin_user, source="a file")
    experiment = with_analysis_data(Experiment.objects.all()).get(pk=experiment.pk)
    analysis = analysis_of(experiment)
    assert analysis.primary.metric.key == "add_to_cart"
    assert analysis.failed_guardrails == [("Support contacts", "Dates")]
    assert analysis.decision.recommendation == "dont_ship"
    assert analysis.progress.plan_reached
    assert analysis.progress.days_running == 21


def test_an_experiment_without_metrics_is_read_as_one_conversion_goal(
    make_hypothesis, admin_user
):
    experiment = make_experiment(
        make_hypothesis(), ("Control", 1000, 100), ("B", 1000, 150), by=admin_user
    )
    experiment = with_analysis_data(Experiment.objects.all()).get(pk=experiment.pk)
    analysis = analysis_of(experiment)
    assert analysis.primary.metric.name == "Conversions"
    assert analysis.decision.recommendation == "ship"


def test_a_plan_value_out_of_range_is_refused_with_its_field_named(
    make_hypothesis, metrics, admin_user
):
    with pytest.raises(RegistrationError, match="Minimum runtime"):
        register_experiment(
            make_hypothesis(),
            name="x",
            variants=VARIANTS,
            metrics=registered(metrics),
            settings=PlanSettings(minimum_weeks=60),
            by=admin_user,
        )
    assert not Experiment.objects.exists()


def test_a_plan_has_at_most_ten_variants_and_twenty_metrics(
    make_hypothesis, org, metrics, admin_user
):
    eleven = [PlannedVariant(f"V{i}", is_control=i == 0) for i in range(11)]
    many = [RegisteredMetric(metrics["add_to_cart"], MetricRole.PRIMARY)] + [
        RegisteredMetric(
            Metric.objects.create(organisation=org, key=f"m{i}", name=f"M{i}"),
            MetricRole.SECONDARY,
        )
        for i in range(20)
    ]
    hypothesis = make_hypothesis()
    for variants, chosen, message in (
        (eleven, registered(metrics), "at most 10 variants"),
        (VARIANTS, many, "at most 20 metrics"),
    ):
        with pytest.raises(RegistrationError, match=message):
            register_experiment(
                hypothesis,
                name="x",
                variants=variants,
                metrics=chosen,
                settings=PlanSettings(),
                by=admin_user,
            )
    assert (
        register_experiment(
            hypothesis,
            name="x",
            variants=eleven[:10],
            metrics=many[:20],
            settings=PlanSettings(),
            by=admin_user,
        ).variants.count()
        == 10
    )
