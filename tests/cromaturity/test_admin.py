import csv
import io

import pytest
from django.urls import reverse

from cromaturity.api_keys import create_api_key
from cromaturity.audit import record_event
from cromaturity.models import ApiKey, AuditAction, AuditEvent, Team
from tests.spreadsheet_locales import (
    SEMICOLON_HOSTILE,
    every_field_quoted,
    live_formulas,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_client(client, admin_user):
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    client.force_login(admin_user)
    return client


@pytest.fixture
def api_key(org, admin_user):
    return create_api_key(org, name="Zendesk", by=admin_user)[0]


def test_audit_events_are_listed_searchable_and_read_only_in_the_admin(
    superuser_client, org, admin_user
):
    event = record_event(
        AuditAction.MEMBER_REMOVED, "Removed sam", actor=admin_user, organisation=org
    )
    listing = reverse("admin:cromaturity_auditevent_changelist")
    page = superuser_client.get(listing, {"q": "removed sam"})
    assert page.status_code == 200
    assert "Removed sam" in page.text
    assert "Removed sam" not in superuser_client.get(listing, {"q": "nobody"}).text
    change = reverse("admin:cromaturity_auditevent_change", args=[event.pk])
    view = superuser_client.get(change)
    assert view.status_code == 200
    assert 'name="_save"' not in view.text
    superuser_client.post(change, {"summary": "Nothing happened"})
    assert (
        superuser_client.get(reverse("admin:cromaturity_auditevent_add")).status_code
        == 403
    )
    delete = reverse("admin:cromaturity_auditevent_delete", args=[event.pk])
    assert superuser_client.post(delete, {"post": "yes"}).status_code == 403
    assert AuditEvent.objects.get(pk=event.pk).summary == "Removed sam"


def test_api_keys_in_the_admin_keep_their_hash_and_revoking_is_audited(
    superuser_client, api_key
):
    stored_hash = api_key.key_hash
    change = reverse("admin:cromaturity_apikey_change", args=[api_key.pk])
    page = superuser_client.get(change)
    assert page.status_code == 200
    assert 'name="key_hash"' not in page.text
    response = superuser_client.post(
        change, {"name": "Help desk", "key_hash": "0" * 64, "prefix": "cro_x"}
    )
    assert response.status_code == 302
    api_key.refresh_from_db()
    assert (api_key.name, api_key.key_hash) == ("Help desk", stored_hash)
    assert (
        superuser_client.get(reverse("admin:cromaturity_apikey_add")).status_code == 403
    )

    superuser_client.post(
        reverse("admin:cromaturity_apikey_changelist"),
        {"action": "revoke_api_keys", "_selected_action": [api_key.pk]},
    )
    api_key.refresh_from_db()
    assert api_key.revoked_at is not None
    revoked = AuditEvent.objects.get(action=AuditAction.API_KEY_REVOKED)
    assert revoked.organisation == api_key.organisation
    active = superuser_client.get(
        reverse("admin:cromaturity_apikey_changelist"), {"state": "active"}
    )
    assert "Help desk" not in active.text


def test_the_admin_csv_export_leaves_out_key_hashes(superuser_client, api_key):
    response = superuser_client.post(
        reverse("admin:cromaturity_apikey_changelist"),
        {"action": "export_as_csv", "_selected_action": [api_key.pk]},
    )
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    header, row = list(csv.reader(io.StringIO(body)))
    assert "key_hash" not in header
    assert api_key.key_hash not in body
    assert row[header.index("name")] == "Zendesk"
    assert ApiKey.objects.count() == 1


def test_the_admin_csv_export_quotes_every_field_for_semicolon_locales(
    superuser_client, org
):
    team = Team.objects.create(organisation=org, name=SEMICOLON_HOSTILE, position=7)
    response = superuser_client.post(
        reverse("admin:cromaturity_team_changelist"),
        {"action": "export_as_csv", "_selected_action": [team.pk]},
    )
    content = b"".join(response.streaming_content)
    assert every_field_quoted(content)
    assert live_formulas(content) == []
    header, row = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert row[header.index("name")] == SEMICOLON_HOSTILE
    assert row[header.index("position")] == "7"
