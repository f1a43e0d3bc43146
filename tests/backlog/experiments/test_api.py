"""The metrics and experiments API: define, pre-register, report results, read."""

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from statsmodels.stats.proportion import proportions_ztest

from backlog.configuration import update_backlog_settings
from backlog.experiments.reports import analysis_of, with_analysis_data
from backlog.experiments.sample_size import plan_test
from backlog.models import (
    ChangeKind,
    Experiment,
    ExperimentChange,
    Metric,
    MetricKind,
    MetricResult,
)
from cromaturity.api_keys import create_api_key
from cromaturity.models import Role
from tests.backlog.factories import (
    make_experiment,
    make_hypothesis,
    make_metric,
    make_page,
)

pytestmark = pytest.mark.django_db

RESULT_KEYS = {
    "visitors",
    "conversions",
    "sum",
    "sum_squares",
    "mean",
    "difference",
    "relative_uplift",
    "p_value",
    "adjusted_p_value",
    "ci_low",
    "ci_high",
    "probability_to_beat",
}


@pytest.fixture
def key(org, admin_user):
    return create_api_key(org, name="Testing tool", by=admin_user)[1]


@pytest.fixture
def metrics(org):
    return {
        "add_to_cart": make_metric(org, "add_to_cart", goal_level="micro"),
        "revenue": make_metric(org, "revenue", kind=MetricKind.MEAN),
        "contacts": make_metric(
            org,
            "contacts",
            "Support contacts",
            kind=MetricKind.COUNT,
            direction="down",
            default_role="guardrail",
            default_margin=Decimal("2.0"),
        ),
    }


@pytest.fixture
def hypothesis(org, admin_user):
    return make_hypothesis(org, by=admin_user)


def call(client, method, path, key, payload=None):
    return getattr(client, method)(
        path,
        json.dumps(payload) if payload is not None else None,
        content_type="application/json",
        headers={"X-API-Key": key},
    )


def strict_json(response):
    """The body as a strict JSON parser reads it: Infinity and NaN are errors."""

    def refuse(token):
        raise ValueError(f"not JSON: {token}")

    return json.loads(response.content, parse_constant=refuse)


def plan(**fields):
    return {
        "name": "Dates A/B",
        "variants": [
            {"name": "Control", "control": True},
            {"name": "Dates", "planned_share": 1},
        ],
        "metrics": [
            {"key": "add_to_cart", "role": "primary"},
            {"key": "revenue"},
            {"key": "contacts"},
        ],
        "planned_visitors_per_variant": 9000,
        "minimum_weeks": 2,
        **fields,
    }


def register(client, key, hypothesis, **fields):
    response = call(
        client,
        "post",
        f"/api/v1/hypotheses/{hypothesis.pk}/experiments",
        key,
        plan(**fields),
    )
    assert response.status_code == 201, response.content
    return response.json()


RESULTS = [
    {
        "variant": "Control",
        "metric": "add_to_cart",
        "visitors": 10000,
        "conversions": 1200,
    },
    {
        "variant": "Dates",
        "metric": "add_to_cart",
        "visitors": 10000,
        "conversions": 1400,
    },
    {
        "variant": "Control",
        "metric": "revenue",
        "visitors": 10000,
        "sum": 15000.0,
        "sum_squares": 900000.0,
    },
    {
        "variant": "Dates",
        "metric": "revenue",
        "visitors": 10000,
        "sum": 16500.0,
        "sum_squares": 990000.0,
    },
    {
        "variant": "Control",
        "metric": "contacts",
        "visitors": 10000,
        "sum": 500.0,
        "sum_squares": 700.0,
    },
    {
        "variant": "Dates",
        "metric": "contacts",
        "visitors": 10000,
        "sum": 800.0,
        "sum_squares": 1100.0,
    },
]


# Metrics


def test_a_metric_is_defined_and_listed(client, key, org):
    response = call(
        client,
        "post",
        "/api/v1/metrics",
        key,
        {
            "key": "checkout_start",
            "name": "Checkout started",
            "goal_level": "micro",
            "value": "1.50",
            "default_role": "secondary",
        },
    )
    assert response.status_code == 201, response.content
    created = response.json()
    metric = Metric.objects.get(pk=created["id"])
    assert metric.organisation == org
    assert (metric.kind, metric.goal_level, metric.value) == (
        "conversion",
        "micro",
        Decimal("1.50"),
    )
    assert created["value"] == 1.5
    listed = call(client, "get", "/api/v1/metrics", key).json()
    assert listed == [created]


def test_a_guardrail_metric_keeps_its_default_margin(client, key):
    response = call(
        client,
        "post",
        "/api/v1/metrics",
        key,
        {
            "key": "refunds",
            "name": "Refunds per visitor",
            "kind": "mean",
            "direction": "down",
            "default_role": "guardrail",
            "default_margin": 2.5,
        },
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["direction"], body["default_margin"]) == ("down", 2.5)
    assert body["goal_level"] is None


def test_a_key_already_used_is_a_conflict(client, key, metrics):
    before = Metric.objects.count()
    response = call(
        client,
        "post",
        "/api/v1/metrics",
        key,
        {"key": "add_to_cart", "name": "Cart again"},
    )
    assert response.status_code == 409
    assert "add_to_cart" in response.json()["detail"]
    assert Metric.objects.count() == before


def test_the_same_key_in_another_organisation_is_no_conflict(client, key, other_org):
    make_metric(other_org, "purchase")
    response = call(
        client, "post", "/api/v1/metrics", key, {"key": "purchase", "name": "Order"}
    )
    assert response.status_code == 201


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"key": "Add To Cart", "name": "x"}, "key"),
        ({"key": "", "name": "x"}, "key"),
        ({"key": "cart", "name": ""}, "name"),
        ({"key": "cart", "name": "x", "kind": "ratio"}, "kind"),
        ({"key": "cart", "name": "x", "direction": "sideways"}, "direction"),
        ({"key": "cart", "name": "x", "value": -1}, "value"),
        ({"key": "cart", "name": "x", "default_margin": 0}, "default_margin"),
        ({"key": "cart", "name": "x", "default_margin": 101}, "default_margin"),
        ({"key": "cart", "name": "x", "default_role": "boss"}, "default_role"),
        (
            {"key": "aov", "name": "x", "kind": "mean", "goal_level": "macro"},
            "goal_level",
        ),
        ({"name": "x"}, "key"),
    ],
)
def test_an_invalid_metric_is_refused_with_the_field_named(client, key, payload, field):
    response = call(client, "post", "/api/v1/metrics", key, payload)
    assert response.status_code == 422, response.content
    locations = [e["loc"][-1] for e in response.json()["detail"]]
    assert field in locations
    assert not Metric.objects.exists()


def test_metrics_need_a_key(client, metrics):
    assert client.get("/api/v1/metrics").status_code == 401
    response = client.post(
        "/api/v1/metrics",
        {"key": "x", "name": "x"},
        content_type="application/json",
    )
    assert response.status_code == 401
    assert Metric.objects.count() == len(metrics)


def test_another_organisations_metrics_are_not_listed(
    client, metrics, other_org, make_member
):
    other_admin = make_member(other_org, role=Role.ADMIN)
    _, other_key = create_api_key(other_org, name="Desk", by=other_admin)
    assert call(client, "get", "/api/v1/metrics", other_key).json() == []


# Pre-registration


def test_an_experiment_is_registered_with_the_organisations_defaults(
    client, key, org, hypothesis, metrics
):
    update_backlog_settings(org, significance=Decimal("10.0"), power=Decimal("90.0"))
    settings = org.backlog_settings
    settings.correction = "benjamini_hochberg"
    settings.maximum_weeks = 6
    settings.save()
    body = register(client, key, hypothesis)
    experiment = Experiment.objects.get(pk=body["id"])
    assert experiment.hypothesis == hypothesis
    assert (experiment.significance, experiment.power) == (
        Decimal("10.0"),
        Decimal("90.0"),
    )
    assert experiment.minimum_detectable_effect == Decimal("10.0")
    assert (experiment.correction, experiment.maximum_weeks) == (
        "benjamini_hochberg",
        6,
    )
    assert body["plan"] == {
        "baseline_rate": None,
        "minimum_detectable_effect": 10.0,
        "significance": 10.0,
        "power": 90.0,
        "sequential": False,
        "correction": "benjamini_hochberg",
        "planned_visitors_per_variant": 9000,
        "minimum_weeks": 2,
        "maximum_weeks": 6,
    }
    roles = {m["key"]: (m["role"], m["margin"]) for m in body["metrics"]}
    # Roles and a guardrail's margin default to the metric's.
    assert roles == {
        "add_to_cart": ("primary", None),
        "revenue": ("secondary", None),
        "contacts": ("guardrail", 2.0),
    }
    assert [(v["name"], v["control"]) for v in body["variants"]] == [
        ("Control", True),
        ("Dates", False),
    ]
    assert body["recommendation"] == "keep_running"
    change = ExperimentChange.objects.get(experiment=experiment)
    assert change.kind == ChangeKind.REGISTERED


def test_a_plan_given_in_full_is_kept(client, key, hypothesis, metrics):
    body = register(
        client,
        key,
        hypothesis,
        minimum_detectable_effect=5,
        significance=1,
        power=95,
        sequential=True,
        correction="none",
        maximum_weeks=12,
        started_on="2026-11-02",
        metrics=[
            {"key": "add_to_cart", "role": "primary"},
            {"key": "contacts", "role": "guardrail", "margin": 5},
        ],
    )
    assert body["plan"]["correction"] == "none"
    assert body["plan"]["sequential"] is True
    assert body["started_on"] == "2026-11-02"
    assert [m["margin"] for m in body["metrics"]] == [None, 5.0]


def test_without_a_planned_sample_the_page_traffic_sizes_the_test(
    client, key, org, admin_user, metrics
):
    page = make_page(org, daily_visitors=3000, baseline_conversion_rate="4.0")
    hypothesis = make_hypothesis(org, by=admin_user, page=page)
    fields = plan()
    del fields["planned_visitors_per_variant"], fields["minimum_weeks"]
    response = call(
        client, "post", f"/api/v1/hypotheses/{hypothesis.pk}/experiments", key, fields
    )
    assert response.status_code == 201, response.content
    planned = response.json()["plan"]
    # The planner page's figure for 4 %, +10 %, α 5 %, power 80 %, 2 variants.
    sized = plan_test(baseline_rate=0.04, relative_mde=0.1, daily_visitors=3000)
    assert planned["planned_visitors_per_variant"] == sized.visitors_per_variant
    assert sized.visitors_per_variant == 39475
    assert planned["minimum_weeks"] == 4  # 78 950 visitors at 3 000 a day
    assert planned["baseline_rate"] == 4.0


def test_a_baseline_sent_sizes_the_test_instead_of_the_pages(
    client, key, org, admin_user, metrics
):
    page = make_page(org, daily_visitors=3000, baseline_conversion_rate="4.0")
    hypothesis = make_hypothesis(org, by=admin_user, page=page)
    fields = plan() | {"baseline_rate": "8.5"}
    del fields["planned_visitors_per_variant"], fields["minimum_weeks"]
    response = call(
        client, "post", f"/api/v1/hypotheses/{hypothesis.pk}/experiments", key, fields
    )
    assert response.status_code == 201, response.content
    planned = response.json()["plan"]
    sized = plan_test(baseline_rate=0.085, relative_mde=0.1, daily_visitors=3000)
    assert planned["planned_visitors_per_variant"] == sized.visitors_per_variant
    assert planned["baseline_rate"] == 8.5
    assert Experiment.objects.get().baseline_rate == Decimal("8.5")


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        (
            {
                "metrics": [
                    {"key": "add_to_cart", "role": "primary"},
                    {"key": "revenue", "role": "primary"},
                ]
            },
            "exactly one primary",
        ),
        ({"metrics": [{"key": "nope", "role": "primary"}]}, "“nope”"),
        (
            {
                "variants": [
                    {"name": "A", "control": True},
                    {"name": "B", "control": True},
                ]
            },
            "exactly one variant as the control",
        ),
        (
            {"variants": [{"name": "A", "control": True}, {"name": "a"}]},
            "different name",
        ),
        (
            {
                "metrics": [
                    {"key": "add_to_cart", "role": "primary", "margin": 2},
                ]
            },
            "Only guardrails have a margin",
        ),
        (
            {"sequential": True, "planned_visitors_per_variant": None},
            "planned visitors",
        ),
        ({"minimum_weeks": 9, "maximum_weeks": 4}, "maximum runtime"),
    ],
)
def test_a_plan_that_cannot_stand_is_refused_with_the_reason(
    client, key, hypothesis, metrics, fields, words
):
    response = call(
        client,
        "post",
        f"/api/v1/hypotheses/{hypothesis.pk}/experiments",
        key,
        plan(**fields),
    )
    assert response.status_code == 400, response.content
    assert words in response.json()["detail"]
    assert not Experiment.objects.exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        (
            {"variants": [{"name": f"V{i}", "control": i == 0} for i in range(11)]},
            "variants",
        ),
        ({"variants": [{"name": "A", "control": True}]}, "variants"),
        ({"metrics": []}, "metrics"),
        ({"metrics": [{"key": f"m{i}"} for i in range(21)]}, "metrics"),
        ({"significance": 25}, "significance"),
        ({"power": 40}, "power"),
        ({"minimum_weeks": 0}, "minimum_weeks"),
        ({"correction": "bonferroni"}, "correction"),
        ({"planned_visitors_per_variant": 10**9 + 1}, "planned_visitors_per_variant"),
        ({"started_on": "soon"}, "started_on"),
    ],
)
def test_an_invalid_plan_is_refused_with_the_field_named(
    client, key, hypothesis, metrics, fields, field
):
    response = call(
        client,
        "post",
        f"/api/v1/hypotheses/{hypothesis.pk}/experiments",
        key,
        plan(**fields),
    )
    assert response.status_code == 422, response.content
    assert field in [e["loc"][2] for e in response.json()["detail"]]
    assert not Experiment.objects.exists()


def test_another_organisations_metric_cannot_be_registered(
    client, key, hypothesis, metrics, other_org
):
    make_metric(other_org, "their_goal")
    response = call(
        client,
        "post",
        f"/api/v1/hypotheses/{hypothesis.pk}/experiments",
        key,
        plan(metrics=[{"key": "their_goal", "role": "primary"}]),
    )
    assert response.status_code == 400
    assert not Experiment.objects.exists()


def test_another_organisations_hypothesis_is_not_found(
    client, hypothesis, metrics, other_org, make_member
):
    other_admin = make_member(other_org, role=Role.ADMIN)
    _, other_key = create_api_key(other_org, name="Desk", by=other_admin)
    make_metric(other_org, "add_to_cart")
    response = call(
        client,
        "post",
        f"/api/v1/hypotheses/{hypothesis.pk}/experiments",
        other_key,
        plan(metrics=[{"key": "add_to_cart", "role": "primary"}]),
    )
    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found"}
    assert not Experiment.objects.exists()


# Results


def test_results_are_stored_and_the_same_results_again_change_nothing(
    client, key, hypothesis, metrics
):
    experiment_id = register(client, key, hypothesis)["id"]
    path = f"/api/v1/experiments/{experiment_id}/results"
    first = call(client, "put", path, key, RESULTS)
    assert first.status_code == 200, first.content
    assert first.json()["changed"] is True
    stored = MetricResult.objects.filter(variant__experiment_id=experiment_id)
    assert stored.count() == len(RESULTS)
    changes = ExperimentChange.objects.filter(kind=ChangeKind.RESULTS)
    assert changes.get().summary == "Results from the API (key “Testing tool”)"

    again = call(client, "put", path, key, list(reversed(RESULTS)))
    assert again.json()["changed"] is False
    assert changes.count() == 1
    assert again.json()["experiment"] == first.json()["experiment"]

    newer = [dict(r) for r in RESULTS]
    newer[1]["conversions"] = 1450
    third = call(client, "put", path, key, newer)
    assert third.json()["changed"] is True
    assert changes.count() == 2
    row = third.json()["experiment"]["metrics"][0]["results"]["Dates"]
    assert row["conversions"] == 1450


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"variant": "Nope"}, "“Nope” is not a variant"),
        ({"metric": "nope"}, "“nope” is not a metric registered"),
        ({"conversions": 20000}, "conversions must be between 0 and the visitors"),
        ({"conversions": None}, "give the conversions"),
        ({"sum": 3.0}, "not a sum"),
    ],
)
def test_results_that_cannot_stand_are_refused_and_nothing_is_stored(
    client, key, hypothesis, metrics, change, words
):
    experiment_id = register(client, key, hypothesis)["id"]
    path = f"/api/v1/experiments/{experiment_id}/results"
    call(client, "put", path, key, RESULTS)
    before = list(MetricResult.objects.values_list())
    bad = [dict(r) for r in RESULTS]
    bad[0].update(change)
    response = call(client, "put", path, key, bad)
    assert response.status_code == 400, response.content
    assert words in response.json()["detail"]
    assert list(MetricResult.objects.values_list()) == before


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity"])
def test_results_with_a_number_json_has_not_are_refused(
    client, key, hypothesis, metrics, number
):
    experiment_id = register(client, key, hypothesis)["id"]
    body = json.dumps(RESULTS).replace("15000.0", number)
    response = client.put(
        f"/api/v1/experiments/{experiment_id}/results",
        body,
        content_type="application/json",
        headers={"X-API-Key": key},
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == "sum"
    assert not MetricResult.objects.exists()


def test_too_many_results_are_refused(client, key, hypothesis, metrics):
    experiment_id = register(client, key, hypothesis)["id"]
    response = call(
        client,
        "put",
        f"/api/v1/experiments/{experiment_id}/results",
        key,
        RESULTS * 34,
    )
    assert response.status_code == 422


def test_another_organisations_experiment_is_not_found(
    client, key, hypothesis, metrics, other_org, make_member
):
    experiment_id = register(client, key, hypothesis)["id"]
    other_admin = make_member(other_org, role=Role.ADMIN)
    _, other_key = create_api_key(other_org, name="Desk", by=other_admin)
    path = f"/api/v1/experiments/{experiment_id}"
    assert call(client, "get", path, other_key).status_code == 404
    response = call(client, "put", path + "/results", other_key, RESULTS)
    assert response.status_code == 404
    assert not MetricResult.objects.exists()
    assert call(client, "put", path + "/results", "", RESULTS).status_code == 401


# Reading


def test_the_experiment_states_what_the_page_states(client, key, hypothesis, metrics):
    started = timezone.localdate() - timedelta(days=20)
    experiment_id = register(client, key, hypothesis, started_on=str(started))["id"]
    call(client, "put", f"/api/v1/experiments/{experiment_id}/results", key, RESULTS)
    response = call(client, "get", f"/api/v1/experiments/{experiment_id}", key)
    assert response.status_code == 200
    body = strict_json(response)
    analysis = analysis_of(
        with_analysis_data(Experiment.objects.all()).get(pk=experiment_id)
    )
    for metric, expected in zip(body["metrics"], analysis.metrics, strict=True):
        assert metric["key"] == expected.metric.key
        assert list(metric["results"]) == ["Control", "Dates"]
        for row in expected.rows:
            given = metric["results"][row.variant]
            assert set(given) == RESULT_KEYS
            assert given == {k: getattr(row, k) for k in RESULT_KEYS}
    cart = body["metrics"][0]["results"]
    assert cart["Control"]["difference"] is None
    assert cart["Control"]["mean"] == 0.12
    assert cart["Dates"]["probability_to_beat"] > 0.99
    revenue = body["metrics"][1]["results"]["Dates"]
    assert revenue["probability_to_beat"] is None
    assert revenue["conversions"] is None
    assert body["guardrails"] == [
        {
            "metric": "contacts",
            "variant": "Dates",
            "verdict": "failed",
            "margin": 2.0,
            "relative_change": pytest.approx(0.6),
            "p_non_inferior": pytest.approx(1.0),
            "p_inferior": pytest.approx(0.0, abs=1e-6),
        }
    ]
    assert body["recommendation"] == "dont_ship"
    assert body["recommendation"] == analysis.decision.recommendation
    assert body["reasons"] == list(analysis.decision.reasons)
    assert "Dates: the guardrail Support contacts failed." in body["reasons"]
    assert body["progress"] == {
        "days_running": 21,
        "visitors": 10000,
        "planned_visitors": 9000,
        "minimum_days": 14,
        "maximum_days": 56,
        "days_left": 0,
        "plan_reached": True,
        "under_powered": False,
        "looked_early": False,
    }
    assert body["sample_ratio"]["mismatch"] is False
    assert body["sample_ratio"]["expected"] == [10000.0, 10000.0]


def test_an_unbounded_interval_is_null_not_infinity(client, key, hypothesis, metrics):
    experiment_id = register(
        client,
        key,
        hypothesis,
        metrics=[
            {"key": "add_to_cart", "role": "primary"},
            {"key": "revenue", "role": "secondary"},
        ],
    )["id"]
    flat = [
        {
            "variant": "Control",
            "metric": "add_to_cart",
            "visitors": 1000,
            "conversions": 100,
        },
        {
            "variant": "Dates",
            "metric": "add_to_cart",
            "visitors": 1000,
            "conversions": 101,
        },
        {
            "variant": "Control",
            "metric": "revenue",
            "visitors": 1000,
            "sum": 1000.0,
            "sum_squares": 5000.0,
        },
        {
            "variant": "Dates",
            "metric": "revenue",
            "visitors": 1000,
            "sum": 1001.0,
            "sum_squares": 5010.0,
        },
    ]
    call(client, "put", f"/api/v1/experiments/{experiment_id}/results", key, flat)
    response = call(client, "get", f"/api/v1/experiments/{experiment_id}", key)
    assert b"Infinity" not in response.content
    assert b"NaN" not in response.content
    body = strict_json(response)
    for metric in body["metrics"]:
        row = metric["results"]["Dates"]
        # Holm: both p-values are above ½, so both adjusted ones are 1.
        assert row["adjusted_p_value"] == 1.0
        assert (row["ci_low"], row["ci_high"]) == (None, None)
        assert row["difference"] is not None
    assert body["recommendation"] == "keep_running"


def test_an_experiment_without_registered_metrics_reads_as_one_conversion_goal(
    client, key, hypothesis, admin_user
):
    experiment = make_experiment(
        hypothesis, ("Control", 1000, 40), ("Dates", 1000, 52), by=admin_user
    )
    body = call(client, "get", f"/api/v1/experiments/{experiment.pk}", key).json()
    (metric,) = body["metrics"]
    assert metric["key"] == "conversions"
    assert metric["results"]["Dates"]["conversions"] == 52
    _, p_value = proportions_ztest([52, 40], [1000, 1000])
    assert metric["results"]["Dates"]["p_value"] == pytest.approx(p_value, rel=1e-9)
    assert body["recommendation"] == "inconclusive"


@pytest.mark.parametrize("experiment_id", ["9223372036854775808", "0"])
def test_an_experiment_id_out_of_range_is_not_found_as_json(client, key, experiment_id):
    response = call(client, "get", f"/api/v1/experiments/{experiment_id}", key)
    assert response.status_code in (404, 422)
    assert "detail" in response.json()


def test_the_schema_lists_the_new_endpoints(client):
    schema = client.get("/api/v1/openapi.json").json()
    paths = schema["paths"]
    assert set(paths["/api/v1/metrics"]) == {"get", "post"}
    assert set(paths["/api/v1/hypotheses/{hypothesis_id}/experiments"]) == {"post"}
    assert set(paths["/api/v1/experiments/{experiment_id}"]) == {"get", "patch"}
    assert set(paths["/api/v1/experiments/{experiment_id}/results"]) == {"put"}
    result = schema["components"]["schemas"]["ResultOut"]
    assert set(result["properties"]) == RESULT_KEYS
    created = paths["/api/v1/metrics"]["post"]["responses"]
    assert {"201", "409"} <= set(created)


def test_patch_renames_and_dates_a_test_keeping_the_history(
    client, key, hypothesis, admin_user, metrics
):
    body = register(client, key, hypothesis)
    path = f"/api/v1/experiments/{body['id']}"
    response = call(
        client,
        "patch",
        path,
        key,
        {"name": "Dates A/B, final", "started_on": "2026-11-02"},
    )
    assert response.status_code == 200, response.content
    patched = response.json()
    assert (patched["name"], patched["started_on"], patched["ended_on"]) == (
        "Dates A/B, final",
        "2026-11-02",
        None,
    )
    experiment = Experiment.objects.get(pk=body["id"])
    change = experiment.changes.get(kind=ChangeKind.RUN)
    assert change.summary == "Changed: name, start date"
    assert change.changed_by == admin_user
    # Only what is sent changes: the end alone, then the same again is no change.
    call(client, "patch", path, key, {"ended_on": "2026-11-30"})
    experiment.refresh_from_db()
    assert (experiment.name, str(experiment.started_on), str(experiment.ended_on)) == (
        "Dates A/B, final",
        "2026-11-02",
        "2026-11-30",
    )
    call(client, "patch", path, key, {"ended_on": "2026-11-30"})
    assert experiment.changes.filter(kind=ChangeKind.RUN).count() == 2


@pytest.mark.parametrize(
    ("fields", "status", "words"),
    [
        ({"started_on": "2026-11-10", "ended_on": "2026-11-01"}, 400, "cannot end"),
        ({"started_on": "2026-11-10", "ended_on": "2999-01-01"}, 400, "future"),
        ({"ended_on": "2026-11-01"}, 400, "Give the start date"),
        ({"name": ""}, 422, "at least 1 character"),
        ({"started_on": "yesterday"}, 422, "date"),
    ],
)
def test_patch_refuses_bad_dates_and_changes_nothing(
    client, key, hypothesis, metrics, fields, status, words
):
    body = register(client, key, hypothesis)
    response = call(client, "patch", f"/api/v1/experiments/{body['id']}", key, fields)
    assert response.status_code == status
    assert words in response.content.decode()
    experiment = Experiment.objects.get(pk=body["id"])
    assert (experiment.name, experiment.started_on, experiment.ended_on) == (
        "Dates A/B",
        None,
        None,
    )
