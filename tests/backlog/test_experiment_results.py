import pytest
from django.urls import reverse

from backlog.models import Variant
from backlog.stats import MAX_VISITORS

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"backlog:{name}", args=["acme", *args])


def variant_data(rows, control=0, **extra):
    data = {
        "experiment-name": "Dates A/B",
        "experiment-started_on": "2026-03-01",
        "experiment-ended_on": "2026-03-21",
        "variants-TOTAL_FORMS": str(len(rows)),
        "variants-INITIAL_FORMS": "0",
        "variants-MIN_NUM_FORMS": "2",
        "variants-MAX_NUM_FORMS": "10",
        "control": str(control),
        **extra,
    }
    for index, (name, visitors, conversions) in enumerate(rows):
        data[f"variants-{index}-name"] = name
        data[f"variants-{index}-visitors"] = str(visitors)
        data[f"variants-{index}-conversions"] = str(conversions)
        data[f"variants-{index}-planned_weight"] = "1"
    return data


def test_more_visitors_than_the_documented_maximum_are_refused_next_to_the_field(
    make_hypothesis, admin_client
):
    hypothesis = make_hypothesis()
    response = admin_client.post(
        url("experiment-create", hypothesis.pk),
        variant_data(
            [
                ("Control", MAX_VISITORS, MAX_VISITORS - 1),
                ("Dates", MAX_VISITORS + 1, MAX_VISITORS),
            ]
        ),
    )
    assert response.status_code == 400
    assert "At most 1,000,000,000 visitors per variant." in response.text
    assert not Variant.objects.exists()


def test_a_billion_visitors_per_variant_are_saved_and_analysed(
    make_hypothesis, admin_client
):
    hypothesis = make_hypothesis()
    response = admin_client.post(
        url("experiment-create", hypothesis.pk),
        variant_data(
            [
                ("Control", MAX_VISITORS, MAX_VISITORS - 1),
                ("Dates", MAX_VISITORS, MAX_VISITORS),
            ]
        ),
    )
    assert response.status_code == 302
    page = admin_client.get(url("hypothesis-detail", hypothesis.pk))
    assert "75.0 %" in page.text
