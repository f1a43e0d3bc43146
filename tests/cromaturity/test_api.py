import pytest
from django.test import Client
from django.urls import reverse

from cromaturity.api_keys import create_api_key, revoke_api_key
from cromaturity.models import ApiKey, AuditAction, AuditEvent, Role
from tests.access import assert_access

pytestmark = pytest.mark.django_db


@pytest.fixture
def key(org, admin_user):
    return create_api_key(org, name="Zendesk", by=admin_user)


def test_a_key_reaches_its_own_organisation_by_bearer_or_header(client, key):
    _, raw = key
    for headers in ({"Authorization": f"Bearer {raw}"}, {"X-API-Key": raw}):
        response = client.get("/api/v1/organisation", headers=headers)
        assert response.status_code == 200
        assert response.json() == {"slug": "acme", "name": "Acme Shop"}


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer cro_not-a-key"},
        {"X-API-Key": "garbage"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
    ],
)
def test_requests_without_a_valid_key_are_refused(client, key, headers):
    response = client.get("/api/v1/organisation", headers=headers)
    assert response.status_code == 401


def test_a_revoked_key_stops_working(client, key, admin_user):
    api_key, raw = key
    revoke_api_key(api_key, by=admin_user)
    response = client.get("/api/v1/organisation", headers={"X-API-Key": raw})
    assert response.status_code == 401


def test_keys_of_two_organisations_see_only_their_own(
    client, key, other_org, make_member
):
    other_admin = make_member(other_org, role=Role.ADMIN)
    _, other_raw = create_api_key(other_org, name="Desk", by=other_admin)
    response = client.get("/api/v1/organisation", headers={"X-API-Key": other_raw})
    assert response.json()["slug"] == "rival"


def test_only_a_hash_of_the_key_is_stored(key):
    api_key, raw = key
    stored = ApiKey.objects.filter(pk=api_key.pk).values_list()[0]
    assert all(raw not in str(value) for value in stored)
    assert raw.startswith("cro_" + api_key.prefix)


def test_use_is_recorded_without_a_write_per_request(client, key):
    api_key, raw = key
    client.get("/api/v1/organisation", headers={"X-API-Key": raw})
    api_key.refresh_from_db()
    first_use = api_key.last_used_at
    assert first_use is not None
    client.get("/api/v1/organisation", headers={"X-API-Key": raw})
    api_key.refresh_from_db()
    assert api_key.last_used_at == first_use


def test_create_key_from_settings_shows_it_once(org):
    response = assert_access(
        reverse("api-key-create", args=["acme"]),
        organisation=org,
        role=Role.ADMIN,
        method="post",
        data={"key-name": "Freshdesk"},
        unchanged=lambda: ApiKey.objects.count(),
    )
    api_key = ApiKey.objects.get(organisation=org)
    raw = response.context["new_key"]
    assert raw in response.text
    assert api_key.name == "Freshdesk"
    assert AuditEvent.objects.filter(
        action=AuditAction.API_KEY_CREATED, organisation=org
    ).exists()


def test_a_key_needs_a_name(admin_client, org):
    response = admin_client.post(
        reverse("api-key-create", args=["acme"]), {"key-name": ""}
    )
    assert response.status_code == 400
    assert "This field is required" in response.text
    assert not ApiKey.objects.exists()


def test_revoke_key_access_matrix(org, key):
    api_key, _ = key
    assert_access(
        reverse("api-key-revoke", args=["acme", api_key.pk]),
        organisation=org,
        role=Role.ADMIN,
        method="post",
        ok=302,
        unchanged=lambda: ApiKey.objects.get(pk=api_key.pk).revoked_at,
    )
    api_key.refresh_from_db()
    assert api_key.revoked_at is not None
    assert AuditEvent.objects.filter(action=AuditAction.API_KEY_REVOKED).count() == 1


def test_the_openapi_schema_is_served(client):
    schema = client.get("/api/v1/openapi.json").json()
    assert schema["info"]["title"] == "cromaturity API"
    assert "/api/v1/organisation" in schema["paths"]
    assert client.get("/api/v1/docs").status_code == 200


@pytest.mark.parametrize("path", ["/api/v1/feedback", "/api/v1/hypotheses"])
@pytest.mark.parametrize("offset", [9223372036854775808, 9223372036854775807])
def test_an_offset_beyond_any_list_is_refused_with_json(client, key, path, offset):
    _, raw = key
    response = client.get(path, {"offset": offset}, headers={"X-API-Key": raw})
    assert response.status_code == 422
    assert response["Content-Type"] == "application/json; charset=utf-8"
    (error,) = response.json()["detail"]
    assert error["loc"] == ["query", "offset"]
    assert "1000000000" in error["msg"]


def test_the_largest_offset_allowed_answers_an_empty_list(client, key):
    _, raw = key
    response = client.get(
        "/api/v1/hypotheses", {"offset": 1_000_000_000}, headers={"X-API-Key": raw}
    )
    assert response.status_code == 200
    assert response.json() == []


def test_a_body_over_the_size_limit_is_refused_with_json_naming_the_limit(
    client, key, settings
):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    _, raw = key
    response = client.post(
        "/api/v1/feedback/batch",
        {"source_system": "zendesk", "items": [{"text": "x" * 20_000}]},
        content_type="application/json",
        headers={"X-API-Key": raw},
    )
    assert response.status_code == 413
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {
        "detail": "The request body is larger than the limit of 9.8\xa0KB "
        "(10,000 bytes): send fewer items per batch."
    }


def test_unknown_paths_and_methods_answer_json(client, key):
    _, raw = key
    missing = client.get("/api/v1/nothing-here", headers={"X-API-Key": raw})
    assert missing.status_code == 404
    assert missing.json() == {"detail": "Not Found"}
    wrong_method = client.delete("/api/v1/feedback", headers={"X-API-Key": raw})
    assert wrong_method.status_code == 405
    assert wrong_method.json() == {"detail": "Method Not Allowed"}


def test_an_unexpected_error_answers_json(key, monkeypatch):
    _, raw = key
    client = Client(raise_request_exception=False)

    def broken(*args, **kwargs):
        raise RuntimeError("the database fell over")

    monkeypatch.setattr("backlog.api.settings_for", broken)
    response = client.get("/api/v1/hypotheses", headers={"X-API-Key": raw})
    assert response.status_code == 500
    assert response.json() == {"detail": "Internal Server Error"}


@pytest.mark.parametrize(
    "authorization",
    ["Bearer cro_not-a-key", "Bearer ", "Basic dXNlcjpwYXNz", "garbage"],
)
def test_an_invalid_authorization_header_is_refused_beside_a_valid_api_key(
    client, key, authorization
):
    _, raw = key
    response = client.get(
        "/api/v1/organisation",
        headers={"Authorization": authorization, "X-API-Key": raw},
    )
    assert response.status_code == 401
    assert response.json() == {"detail": "Unauthorized"}


def test_two_different_keys_in_one_request_are_refused(client, key, org, admin_user):
    _, raw = key
    _, second = create_api_key(org, name="Second", by=admin_user)
    response = client.get(
        "/api/v1/organisation",
        headers={"Authorization": f"Bearer {second}", "X-API-Key": raw},
    )
    assert response.status_code == 401


def test_the_same_key_in_both_headers_is_accepted(client, key):
    _, raw = key
    response = client.get(
        "/api/v1/organisation",
        headers={"Authorization": f"Bearer {raw}", "X-API-Key": raw},
    )
    assert response.status_code == 200


@pytest.mark.parametrize("hypothesis_id", ["9223372036854775808", "-1", "0"])
def test_a_hypothesis_id_out_of_range_is_not_found_as_json(client, key, hypothesis_id):
    _, raw = key
    response = client.get(
        f"/api/v1/hypotheses/{hypothesis_id}", headers={"X-API-Key": raw}
    )
    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found"}


def test_the_api_docs_fit_a_phone_and_link_back_to_the_app(client):
    page = client.get("/api/v1/docs").content.decode()
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in (
        page
    )
    assert '<a class="api-docs-back" href="/">Back to the app</a>' in page
