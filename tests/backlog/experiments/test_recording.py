import pytest
from django.urls import reverse

from backlog.experiments.statistics import MAX_VISITORS
from backlog.models import Experiment, Status, Variant
from backlog.templatetags.backlog_tags import probability, pvalue
from tests.backlog.factories import make_experiment

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"backlog:{name}", args=["acme", *args])


@pytest.fixture
def legacy(make_hypothesis, admin_user):
    """A test recorded without registered metrics: its numbers are per variant."""
    return make_experiment(
        make_hypothesis(), ("Control", 1, 0), ("B", 1, 0), by=admin_user
    )


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
    legacy, admin_client
):
    response = admin_client.post(
        url("experiment-update", legacy.pk),
        variant_data(
            [
                ("Control", MAX_VISITORS, MAX_VISITORS - 1),
                ("Dates", MAX_VISITORS + 1, MAX_VISITORS),
            ]
        ),
    )
    assert response.status_code == 400
    assert "At most 1,000,000,000 visitors per variant." in response.text
    assert list(Variant.objects.values_list("name", "visitors")) == [
        ("Control", 1),
        ("B", 1),
    ]


def test_a_billion_visitors_per_variant_are_saved_and_analysed(legacy, admin_client):
    response = admin_client.post(
        url("experiment-update", legacy.pk),
        variant_data(
            [
                ("Control", MAX_VISITORS, MAX_VISITORS - 1),
                ("Dates", MAX_VISITORS, MAX_VISITORS),
            ]
        ),
    )
    assert response.status_code == 302
    page = admin_client.get(url("hypothesis-detail", legacy.hypothesis.pk))
    assert "75.0 %" in page.text


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (0.995, "99.5 %"),
        (0.9994, "99.9 %"),
        (0.9995, "> 99.9 %"),
        (0.99999999, "> 99.9 %"),
        (1.0, "> 99.9 %"),
        (0.5, "50.0 %"),
        (0.0006, "0.1 %"),
        (0.0004, "< 0.1 %"),
        (0.0, "< 0.1 %"),
        (None, "–"),
    ],
)
def test_a_probability_never_reads_as_certain(value, shown):
    assert probability(value) == shown


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (0.0101, "0.010"),
        (0.0009, "< 0.001"),
        (1e-12, "< 0.001"),
        (0.9994, "0.999"),
        (0.9996, "> 0.999"),
        (1.0, "1.000"),
        (None, "–"),
    ],
)
def test_a_p_value_is_bounded_where_three_decimals_would_round_it(value, shown):
    assert pvalue(value) == shown


def test_learnings_show_the_chance_to_beat_at_p_one_percent_without_rounding_up(
    make_hypothesis, admin_user, admin_client
):
    hypothesis = make_hypothesis(status=Status.CONCLUDED)
    make_experiment(
        hypothesis,
        ("Control", 10_000, 1_000),
        ("Variant B", 10_000, 1_112),
        by=admin_user,
    )
    text = admin_client.get(url("learning-list")).text
    assert "p 0.010" in text
    assert "99.5 % chance to beat control" in text
    assert "100 %" not in text


def test_an_overwhelming_result_reads_as_bounds_on_both_pages(
    make_hypothesis, admin_user, admin_client
):
    hypothesis = make_hypothesis(status=Status.CONCLUDED)
    make_experiment(
        hypothesis,
        ("Control", 10_000, 1_000),
        ("Variant B", 10_000, 1_300),
        by=admin_user,
    )
    learnings = admin_client.get(url("learning-list")).text
    assert "(p &lt; 0.001, &gt; 99.9 % chance to beat control)" in learnings
    detail = admin_client.get(url("hypothesis-detail", hypothesis.pk)).text
    assert (
        '<td class="text-end" data-label="Chance to beat control">&gt; 99.9 %</td>'
        in detail
    )
    assert "100.0 %" not in detail


def test_a_third_variant_row_is_added_without_saving_and_keeps_what_was_typed(
    legacy, admin_client
):
    data = variant_data(
        [("Control", 1000, 100), ("Dates", 1000, 120)],
        control=1,
        add_variant="1",
    )
    data["experiment-name"] = "Delivery dates"
    response = admin_client.post(url("experiment-update", legacy.pk), data)
    assert response.status_code == 200
    assert Experiment.objects.get().name == "Dates A/B"
    variants = response.context["variants"]
    assert len(variants.forms) == 3
    assert variants.management_form["TOTAL_FORMS"].value() == 3
    assert [f["name"].value() for f in variants.forms] == ["Control", "Dates", None]
    assert 'id="id_variants-2-name" value="" maxlength="80" autofocus' in response.text
    assert 'value="1" id="control-1" checked' in response.text
    assert 'value="Delivery dates"' in response.text
    assert "This field is required" not in response.text


def test_the_htmx_request_for_a_row_answers_with_the_variants_only(
    legacy, admin_client
):
    data = variant_data(
        [("Control", 1000, 100), ("B", 1000, 120), ("C", 1000, 130)],
        add_variant="1",
    )
    response = admin_client.post(
        url("experiment-update", legacy.pk), data, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div class="card-body" id="variants">')
    assert "<html" not in response.text
    assert 'name="variants-3-name"' in response.text
    assert 'value="C"' in response.text
    assert Variant.objects.count() == 2


def test_an_added_row_can_be_filled_in_and_saved_with_the_others(legacy, admin_client):
    response = admin_client.post(
        url("experiment-update", legacy.pk),
        variant_data([("Control", 1000, 100), ("B", 1000, 120), ("C", 990, 140)]),
    )
    assert response.status_code == 302
    assert list(Variant.objects.values_list("name", "visitors", "conversions")) == [
        ("Control", 1000, 100),
        ("B", 1000, 120),
        ("C", 990, 140),
    ]


def test_an_added_row_left_empty_is_no_variant(legacy, admin_client):
    data = variant_data([("Control", 1000, 100), ("B", 1000, 120), ("", "", "")])
    response = admin_client.post(url("experiment-update", legacy.pk), data)
    assert response.status_code == 302
    assert list(Variant.objects.values_list("name", flat=True)) == ["Control", "B"]


def test_editing_keeps_a_third_variant_that_did_not_change(legacy, admin_client):
    rows = [("Control", 1000, 100), ("B", 1000, 120), ("C", 990, 140)]
    admin_client.post(url("experiment-update", legacy.pk), variant_data(rows))
    data = variant_data(rows)
    data["variants-INITIAL_FORMS"] = "3"
    response = admin_client.post(url("experiment-update", legacy.pk), data)
    assert response.status_code == 302
    assert Variant.objects.count() == 3


def test_no_row_is_offered_past_ten_variants(legacy, admin_client):
    rows = [(f"V{n}", 100, 10) for n in range(10)]
    response = admin_client.post(
        url("experiment-update", legacy.pk),
        variant_data(rows, add_variant="1"),
    )
    assert len(response.context["variants"].forms) == 10
    assert 'name="add_variant"' not in response.text
    assert "A test has at most 10 variants." in response.text
