"""The legacy experiment pages: numbers per variant, and the results shown."""

import pytest
from django.urls import reverse

from backlog.models import Experiment, Status, Variant
from cromaturity.models import Role
from tests.access import assert_access
from tests.backlog.factories import make_experiment

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"backlog:{name}", args=["acme", *args])


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


def _experiments():
    return sorted(
        Variant.objects.values_list(
            "experiment__name", "name", "visitors", "conversions", "is_control"
        )
    )


@pytest.fixture
def legacy(make_hypothesis, admin_user):
    """A test recorded without registered metrics, to be edited."""
    hypothesis = make_hypothesis(status=Status.ANALYSING)
    return make_experiment(hypothesis, ("Control", 1, 0), ("B", 1, 0), by=admin_user)


def test_hypothesis_page_shows_the_statistics_of_its_results(legacy, admin_client):
    hypothesis = legacy.hypothesis
    admin_client.post(
        url("experiment-update", legacy.pk),
        variant_data([("Control", 41230, 3092), ("Delivery date", 41105, 3292)]),
    )
    text = admin_client.get(url("hypothesis-detail", hypothesis.pk)).text
    assert "7.50 %" in text
    assert "8.01 %" in text
    assert "+6.8 %" in text
    assert "0.006" in text
    assert "99.7 %" in text
    assert "Traffic split as planned" in text


def test_a_broken_traffic_split_is_flagged(legacy, admin_client):
    hypothesis = legacy.hypothesis
    admin_client.post(
        url("experiment-update", legacy.pk),
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
    legacy, admin_client, rows, control, message
):
    before = _experiments()
    response = admin_client.post(
        url("experiment-update", legacy.pk), variant_data(rows, control)
    )
    assert response.status_code == 400
    assert message in response.text
    assert _experiments() == before


def test_an_end_before_the_start_is_refused(legacy, admin_client):
    response = admin_client.post(
        url("experiment-update", legacy.pk),
        variant_data(
            [("A", 100, 10), ("B", 100, 12)],
            started_on="2026-03-10",
            ended_on="2026-03-01",
        ),
    )
    assert response.status_code == 400
    assert "cannot end before it started" in response.text


@pytest.fixture
def experiment(make_hypothesis, admin_user):
    hypothesis = make_hypothesis(status=Status.ANALYSING)
    return make_experiment(
        hypothesis, ("Control", 1000, 100), ("B", 1000, 130), by=admin_user
    )


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
