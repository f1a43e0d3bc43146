"""The help-desk API: keys, isolation, batch validation, idempotent re-sends."""

import pytest

from backlog.models import FeedbackItem
from cromaturity.api_keys import create_api_key
from cromaturity.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def key(org, admin_user):
    return create_api_key(org, name="Zendesk", by=admin_user)[1]


def item(n, **fields):
    return {
        "external_id": f"Z-{n}",
        "text": f"Checkout failed for me, call +44 7700 900{n:03d}",
        "received_at": "2026-09-01T10:00:00Z",
        "source": "chat",
        "themes": ["Checkout", "payment"],
        **fields,
    }


def push(client, key, payload):
    return client.post(
        "/api/v1/feedback/batch",
        payload,
        content_type="application/json",
        headers={"X-API-Key": key},
    )


def test_a_batch_creates_items_and_a_resend_changes_nothing(client, key, org):
    payload = {"source_system": "zendesk", "items": [item(1), item(2)]}
    first = push(client, key, payload)
    assert first.status_code == 200
    body = first.json()
    assert (body["created"], body["updated"], body["unchanged"]) == (2, 0, 0)
    ids = {entry["external_id"]: entry["id"] for entry in body["items"]}
    again = push(client, key, payload).json()
    assert (again["created"], again["unchanged"]) == (0, 2)
    assert {e["external_id"]: e["id"] for e in again["items"]} == ids
    stored = FeedbackItem.objects.get(pk=ids["Z-1"])
    assert stored.organisation == org
    assert stored.text == "Checkout failed for me, call [phone]"
    assert sorted(stored.themes.values_list("name", flat=True)) == [
        "checkout",
        "payment",
    ]


def test_a_changed_item_is_updated(client, key):
    push(client, key, {"source_system": "zendesk", "items": [item(1)]})
    body = push(
        client,
        key,
        {"source_system": "zendesk", "items": [item(1, text="Now it works")]},
    ).json()
    assert (body["created"], body["updated"]) == (0, 1)
    assert FeedbackItem.objects.get().text == "Now it works"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"source_system": "zendesk", "items": [item(1, text="")]}, "text"),
        (
            {"source_system": "zendesk", "items": [item(1, received_at="soon")]},
            "received_at",
        ),
        ({"source_system": "zendesk", "items": [item(1, source="pigeon")]}, "source"),
        ({"source_system": "Zen Desk", "items": [item(1)]}, "source_system"),
        ({"source_system": "zendesk", "items": []}, "items"),
        ({"items": [item(1)]}, "source_system"),
    ],
)
def test_validation_errors_name_the_field_and_nothing_is_saved(
    client, key, payload, field
):
    payload["items"] = payload.get("items", []) + (
        [item(2)] if payload.get("items") else []
    )
    response = push(client, key, payload)
    assert response.status_code == 422
    locations = [".".join(map(str, e["loc"])) for e in response.json()["detail"]]
    assert any(field in location for location in locations), locations
    assert not FeedbackItem.objects.exists()


@pytest.mark.parametrize(
    ("themes", "message"),
    [
        ([",".join(f"t{n}" for n in range(500))], "500 themes, more than the 30"),
        ([f"a{n};b{n};c{n}" for n in range(11)], "33 themes, more than the 30"),
        ([f"t{n}" for n in range(31)], "at most 30 items"),
    ],
)
def test_more_than_thirty_themes_after_splitting_are_refused(
    client, key, themes, message
):
    response = push(
        client, key, {"source_system": "zendesk", "items": [item(1, themes=themes)]}
    )
    assert response.status_code == 422
    (error,) = response.json()["detail"]
    assert error["loc"][-1] == "themes"
    assert message in error["msg"]
    assert not FeedbackItem.objects.exists()


def test_thirty_themes_written_in_one_string_are_taken(client, key):
    themes = [",".join(f"t{n}" for n in range(30))]
    response = push(
        client, key, {"source_system": "zendesk", "items": [item(1, themes=themes)]}
    )
    assert response.status_code == 200
    assert FeedbackItem.objects.get().themes.count() == 30


def test_the_same_id_twice_in_a_batch_is_refused(client, key):
    response = push(
        client, key, {"source_system": "zendesk", "items": [item(1), item(1)]}
    )
    assert response.status_code == 400
    assert "Z-1" in response.json()["detail"]
    assert not FeedbackItem.objects.exists()


def test_a_batch_larger_than_the_limit_is_refused(client, key):
    items = [item(n) for n in range(1001)]
    response = push(client, key, {"source_system": "zendesk", "items": items})
    assert response.status_code == 422
    assert not FeedbackItem.objects.exists()


def test_keys_never_reach_another_organisation(client, key, other_org, make_member):
    other_admin = make_member(other_org, role=Role.ADMIN)
    other_key = create_api_key(other_org, name="Desk", by=other_admin)[1]
    push(client, key, {"source_system": "zendesk", "items": [item(1)]})
    push(client, other_key, {"source_system": "zendesk", "items": [item(1)]})
    assert FeedbackItem.objects.count() == 2
    assert FeedbackItem.objects.filter(organisation=other_org).count() == 1
    listed = client.get("/api/v1/feedback", headers={"X-API-Key": other_key}).json()
    assert len(listed) == 1
    assert all(
        FeedbackItem.objects.get(pk=entry["id"]).organisation == other_org
        for entry in listed
    )


def test_requests_without_a_key_are_refused(client):
    response = push(client, "", {"source_system": "zendesk", "items": [item(1)]})
    assert response.status_code == 401
    assert client.get("/api/v1/feedback").status_code == 401


def test_list_is_paged(client, key):
    push(
        client, key, {"source_system": "zendesk", "items": [item(n) for n in range(5)]}
    )
    response = client.get(
        "/api/v1/feedback", {"limit": 2, "offset": 1}, headers={"X-API-Key": key}
    )
    assert len(response.json()) == 2
    bad = client.get("/api/v1/feedback", {"limit": 0}, headers={"X-API-Key": key})
    assert bad.status_code == 422


@pytest.mark.parametrize(
    ("fields", "where"),
    [
        ({"external_id": "   "}, "external_id"),
        ({"external_id": "\x00"}, "external_id"),
        ({"text": " \n "}, "text"),
        ({"received_at": "0001-01-01T00:00:00+14:00"}, "received_at"),
        ({"received_at": "9999-12-31T23:59:59-12:00"}, "received_at"),
    ],
)
def test_blank_ids_and_texts_and_dates_out_of_range_are_refused(
    client, key, fields, where
):
    payload = {"source_system": "zendesk", "items": [item(1, **fields)]}
    response = push(client, key, payload)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == where
    assert not FeedbackItem.objects.exists()


def test_nul_characters_are_dropped_from_every_field(client, key):
    payload = {
        "source_system": "zendesk",
        "items": [
            item(
                1,
                external_id="Z-\x001",
                text="Slow\x00 checkout",
                page="/check\x00out",
                product_area="Pay\x00ment",
                customer="ann\x00@example.com",
                themes=["check\x00out"],
            )
        ],
    }
    response = push(client, key, payload)
    assert response.status_code == 200, response.text
    stored = FeedbackItem.objects.get()
    assert (stored.external_id, stored.text, stored.page, stored.product_area) == (
        "Z-1",
        "Slow checkout",
        "/checkout",
        "Payment",
    )
    assert list(stored.themes.values_list("name", flat=True)) == ["checkout"]


def test_a_pushed_source_is_the_imported_source_of_the_same_name(client, key, org):
    FeedbackItem.objects.create(
        organisation=org, source_system="Zendesk", external_id="Z-1", text="Old"
    )
    body = push(client, key, {"source_system": "zendesk", "items": [item(1)]}).json()
    assert (body["created"], body["updated"]) == (0, 1)
    assert FeedbackItem.objects.get().source_system == "Zendesk"
