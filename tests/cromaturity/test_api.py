import pytest
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


def test_the_api_docs_fit_a_phone_and_link_back_to_the_app(client):
    page = client.get("/api/v1/docs").content.decode()
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in (
        page
    )
    assert '<a class="api-docs-back" href="/">Back to the app</a>' in page
