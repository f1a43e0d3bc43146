import json
from datetime import date

import pytest

from backlog.models import Funnel, FunnelCount, FunnelStep
from cromaturity.api_keys import create_api_key
from cromaturity.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def key(org, admin_user):
    return create_api_key(org, name="Analytics", by=admin_user)[1]


@pytest.fixture
def funnel(org):
    funnel = Funnel.objects.create(organisation=org, name="Checkout")
    for position, name in enumerate(["Cart", "Payment", "Purchase"]):
        FunnelStep.objects.create(funnel=funnel, position=position, name=name)
    return funnel


def call(client, method, path, key, payload=None, **query):
    if method == "get":
        return client.get(path, query, headers={"X-API-Key": key})
    return getattr(client, method)(
        path,
        json.dumps(payload),
        content_type="application/json",
        headers={"X-API-Key": key},
    )


def counts(day, mobile, desktop):
    out = []
    for device, values in (("mobile", mobile), ("desktop", desktop)):
        for step, value in zip(["Cart", "Payment", "Purchase"], values, strict=True):
            out.append(
                {
                    "date": day,
                    "step": step,
                    "dimension": "device",
                    "segment": device,
                    "count": value,
                }
            )
    return out


def put(client, key, funnel, entries, **period):
    return call(
        client,
        "put",
        f"/api/v1/funnels/{funnel.pk}/counts",
        key,
        {"counts": entries, **period},
    )


def test_counts_pushed_twice_are_stored_once(client, key, funnel):
    entries = counts("2024-03-01", (4000, 2000, 1240), (3000, 1600, 1136))
    first = put(client, key, funnel, entries)
    assert first.status_code == 200
    assert first.json() == {"created": 6, "updated": 0, "unchanged": 0, "removed": 0}
    again = put(client, key, funnel, entries)
    assert again.json() == {"created": 0, "updated": 0, "unchanged": 6, "removed": 0}
    assert FunnelCount.objects.count() == 6


def test_a_segment_reads_its_rates_and_drop_offs(client, key, funnel):
    put(
        client,
        key,
        funnel,
        counts("2024-03-01", (4000, 2000, 1240), (3000, 1600, 1136)),
    )
    put(client, key, funnel, counts("2024-03-02", (1000, 500, 310), (1000, 400, 264)))
    body = call(
        client,
        "get",
        f"/api/v1/funnels/{funnel.pk}",
        key,
        **{"from": "2024-03-01", "to": "2024-03-02", "segment": "mobile"},
    ).json()
    assert body["segment"] == "device:mobile"
    assert body["segments"] == {"device": ["mobile", "desktop"]}
    steps = body["steps"]
    assert [s["count"] for s in steps] == [5000, 2500, 1550]
    assert [s["rate_from_previous"] for s in steps] == [None, 0.5, 0.62]
    assert [s["rate_from_start"] for s in steps] == [1.0, 0.5, 0.31]
    assert [s["drop_off"] for s in steps] == [2500, 950, None]
    assert [s["drop_off_rate"] for s in steps] == [0.5, 0.38, None]


def test_all_traffic_without_totals_adds_up_the_devices_and_says_so(
    client, key, funnel
):
    put(
        client,
        key,
        funnel,
        counts("2024-03-01", (4000, 2000, 1240), (3000, 1600, 1136)),
    )
    body = call(client, "get", f"/api/v1/funnels/{funnel.pk}", key).json()
    assert (body["from"], body["to"]) == ("2024-03-01", "2024-03-01")
    assert body["summed_from"] == "device"
    assert [s["count"] for s in body["steps"]] == [7000, 3600, 2376]


def test_a_period_outside_the_counts_reads_as_zero(client, key, funnel):
    put(client, key, funnel, counts("2024-03-01", (4, 2, 1), (3, 1, 1)))
    body = call(
        client,
        "get",
        f"/api/v1/funnels/{funnel.pk}",
        key,
        **{"from": "2024-04-01", "to": "2024-04-30"},
    ).json()
    assert [s["count"] for s in body["steps"]] == [0, 0, 0]
    assert body["steps"][1]["rate_from_previous"] is None


def test_a_push_covering_a_period_removes_counts_not_sent_again(client, key, funnel):
    put(client, key, funnel, counts("2024-03-01", (4, 2, 1), (3, 1, 1)))
    put(client, key, funnel, counts("2024-03-02", (4, 2, 1), (3, 1, 1)))
    response = put(
        client,
        key,
        funnel,
        counts("2024-03-02", (5, 2, 1), (3, 1, 1)),
        **{"from": "2024-03-01", "to": "2024-03-02"},
    )
    assert response.json() == {"created": 0, "updated": 1, "unchanged": 5, "removed": 6}
    assert set(FunnelCount.objects.values_list("period_start", flat=True)) == {
        date(2024, 3, 2)
    }


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ([{"date": "2024-03-01", "step": "Basket", "count": 1}], "no step “Basket”"),
        (
            [
                {"date": "2024-03-01", "step": "Cart", "count": 1},
                {"date": "2024-03-01", "step": "cart", "count": 2},
            ],
            "is sent twice",
        ),
    ],
)
def test_bad_counts_are_refused_with_a_reason_and_nothing_is_stored(
    client, key, funnel, entries, message
):
    response = put(client, key, funnel, entries)
    assert response.status_code == 400
    assert message in response.json()["detail"]
    assert not FunnelCount.objects.exists()


@pytest.mark.parametrize(
    "entry",
    [
        {"date": "2024-03-01", "step": "Cart", "count": -1},
        {"date": "2024-03-01", "step": "Cart", "count": 1, "segment": "mobile"},
        {"date": "2024-03-02", "end": "2024-03-01", "step": "Cart", "count": 1},
        {"date": "yesterday", "step": "Cart", "count": 1},
    ],
)
def test_invalid_entries_are_refused_by_the_schema(client, key, funnel, entry):
    response = put(client, key, funnel, [entry])
    assert response.status_code == 422
    assert not FunnelCount.objects.exists()


def test_an_unknown_segment_is_refused(client, key, funnel):
    response = call(
        client, "get", f"/api/v1/funnels/{funnel.pk}", key, segment="smart fridge"
    )
    assert response.status_code == 400


def test_another_organisations_funnel_is_not_found(
    client, funnel, other_org, make_member
):
    other_admin = make_member(other_org, role=Role.ADMIN)
    _, other_key = create_api_key(other_org, name="Desk", by=other_admin)
    assert call(client, "get", "/api/v1/funnels", other_key).json() == []
    assert (
        call(client, "get", f"/api/v1/funnels/{funnel.pk}", other_key).status_code
        == 404
    )
    entries = counts("2024-03-01", (4, 2, 1), (3, 1, 1))
    assert put(client, other_key, funnel, entries).status_code == 404
    assert not FunnelCount.objects.exists()


def test_the_funnels_are_listed_with_their_steps(client, key, funnel):
    assert call(client, "get", "/api/v1/funnels", key).json() == [
        {"id": funnel.pk, "name": "Checkout", "steps": ["Cart", "Payment", "Purchase"]}
    ]
