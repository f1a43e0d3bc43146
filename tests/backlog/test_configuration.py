"""The backlog settings: the frameworks, the planner's defaults, upload retention and
the customer-feedback fields (country and time zone)."""

import phonenumbers
import pytest
from django.urls import reverse

from backlog.configuration import settings_for, update_backlog_settings
from backlog.feedback.importing.zones import time_zone_names
from backlog.forms.configuration import BacklogSettingsForm
from backlog.models import BacklogSettings
from backlog.scoring.frameworks import IceMode
from cromaturity.models import Role
from tests.access import assert_access
from tests.backlog.factories import give_ice

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"backlog:{name}", args=["acme", *args])


def _data(**changes):
    return {
        "primary_framework": "ice",
        "ice_mode": "mean",
        "minimum_detectable_effect": "10",
        "significance": "5",
        "power": "80",
        "variants": "2",
        "mask_contact_details": "on",
        "country": "",
        "time_zone": "",
        "upload_retention_days": "30",
        "correction": "holm",
        "maximum_weeks": "8",
    } | changes


def _form(org, **changes):
    return BacklogSettingsForm(_data(**changes), instance=settings_for(org))


def _stored():
    return list(BacklogSettings.objects.values_list("country", "time_zone"))


def test_countries_are_the_regions_phonenumbers_knows_sorted_by_english_name(org):
    choices = _form(org).fields["country"].choices
    labels = [label for _, label in choices[1:]]
    assert {code for code, _ in choices[1:]} == phonenumbers.SUPPORTED_REGIONS
    assert ("DE", "Germany (DE)") in choices
    assert ("GB", "United Kingdom (GB)") in choices
    assert labels.index("Afghanistan (AF)") + 1 == labels.index("Åland Islands (AX)")
    assert labels.index("Åland Islands (AX)") + 1 == labels.index("Albania (AL)")
    assert labels[-1] == "Zimbabwe (ZW)"


def test_time_zones_are_the_import_zones(org):
    choices = _form(org).fields["time_zone"].choices
    assert [value for value, _ in choices[1:]] == time_zone_names()
    assert ("Europe/Berlin", "Europe/Berlin") in choices


@pytest.mark.parametrize(
    ("region", "zone"), [("GB", "UTC"), ("DE", "Europe/Berlin"), ("US", "UTC")]
)
def test_the_blank_choices_name_the_servers_settings(org, settings, region, zone):
    settings.PHONE_REGION, settings.TIME_ZONE = region, zone
    fields = _form(org).fields
    assert fields["country"].choices[0] == ("", f"The server's ({region})")
    assert fields["time_zone"].choices[0] == ("", f"The server's ({zone})")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("country", "ZZ", "Pick a country from the list: “ZZ” is not one."),
        ("country", "gb", "Pick a country from the list: “gb” is not one."),
        ("country", "UK", "Pick a country from the list: “UK” is not one."),
        (
            "time_zone",
            "Mars/Olympus",
            "Pick a time zone from the list: “Mars/Olympus” is not one.",
        ),
        ("time_zone", "CET", "Pick a time zone from the list: “CET” is not one."),
    ],
)
def test_a_country_or_zone_not_on_the_list_is_refused(org, field, value, message):
    form = _form(org, **{field: value})
    assert not form.is_valid()
    assert form.errors[field] == [message]


def test_a_country_and_zone_from_the_list_are_accepted(org):
    form = _form(org, country="DE", time_zone="Europe/Berlin")
    assert form.is_valid(), form.errors
    assert (form.cleaned_data["country"], form.cleaned_data["time_zone"]) == (
        "DE",
        "Europe/Berlin",
    )


def test_the_settings_page_saves_country_and_time_zone(org, settings):
    settings.PHONE_REGION = "GB"
    url = reverse("backlog:settings", args=["acme"])
    assert_access(
        url,
        organisation=org,
        role=Role.ADMIN,
        method="post",
        data=_data(country="US", time_zone="America/New_York"),
        ok=302,
        unchanged=_stored,
    )
    current = settings_for(org)
    assert (current.country, current.time_zone) == ("US", "America/New_York")
    assert (current.phone_region, current.import_time_zone) == (
        "US",
        "America/New_York",
    )


def test_blank_country_and_zone_follow_the_server(org, admin_client, settings):
    settings.PHONE_REGION, settings.TIME_ZONE = "FR", "Europe/Paris"
    update_backlog_settings(org, country="US", time_zone="America/New_York")
    response = admin_client.post(reverse("backlog:settings", args=["acme"]), _data())
    assert response.status_code == 302
    current = settings_for(org)
    assert (current.country, current.time_zone) == ("", "")
    assert (current.phone_region, current.import_time_zone) == ("FR", "Europe/Paris")


def test_a_bad_country_is_refused_next_to_the_field_and_nothing_saved(
    org, admin_client
):
    update_backlog_settings(org, country="DE", time_zone="Europe/Berlin")
    response = admin_client.post(
        reverse("backlog:settings", args=["acme"]),
        _data(country="XX", time_zone="Europe/Atlantis"),
    )
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"country", "time_zone"}
    assert "Pick a country from the list: “XX” is not one." in response.text
    assert _stored() == [("DE", "Europe/Berlin")]


def test_the_settings_page_shows_the_chosen_country_and_zone(org, admin_client):
    update_backlog_settings(org, country="DE", time_zone="Europe/Berlin")
    text = admin_client.get(reverse("organisation-settings", args=["acme"])).text
    feedback = text[text.index("Customer feedback") :]
    assert 'name="country"' in feedback
    assert 'name="time_zone"' in feedback
    assert '<option value="DE" selected>Germany (DE)</option>' in text
    assert '<option value="Europe/Berlin" selected>Europe/Berlin</option>' in text
    assert "The server&#x27;s (GB)" in text


def _settings():
    return list(BacklogSettings.objects.values_list("primary_framework", "ice_mode"))


def test_settings_access_matrix_and_ice_formula_change(
    org, make_hypothesis, admin_user
):
    hypothesis = make_hypothesis()
    give_ice(hypothesis, admin_user, 2, 5, 10)
    assert_access(url("settings"), organisation=org, role=Role.ADMIN)
    response = assert_access(
        url("settings"),
        organisation=org,
        role=Role.ADMIN,
        method="post",
        data={
            "primary_framework": "pie",
            "ice_mode": "product",
            "minimum_detectable_effect": "5",
            "significance": "5",
            "power": "90",
            "variants": "3",
            "upload_retention_days": "14",
            "correction": "benjamini_hochberg",
            "maximum_weeks": "12",
        },
        ok=302,
        unchanged=_settings,
    )
    assert response["Location"].endswith("/o/acme/settings/#backlog")
    current = settings_for(org)
    assert (current.primary_framework, current.ice_mode, current.variants) == (
        "pie",
        IceMode.PRODUCT,
        3,
    )
    assert current.upload_retention_days == 14
    assert (current.correction, current.maximum_weeks) == ("benjamini_hochberg", 12)
    hypothesis.refresh_from_db()
    assert hypothesis.ice_score == 100


def test_bad_settings_are_refused_next_to_the_field(org, admin_client):
    response = admin_client.post(
        url("settings"),
        {
            "primary_framework": "ice",
            "ice_mode": "mean",
            "minimum_detectable_effect": "0",
            "significance": "5",
            "power": "80",
            "variants": "1",
            "correction": "bonferroni",
            "maximum_weeks": "0",
        },
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert {
        "minimum_detectable_effect",
        "variants",
        "correction",
        "maximum_weeks",
    } <= set(errors)
    assert not BacklogSettings.objects.exists()


def test_the_organisation_settings_page_has_the_backlog_section(admin_client):
    text = admin_client.get(reverse("organisation-settings", args=["acme"])).text
    assert 'id="backlog"' in text
    assert "Save backlog settings" in text
    assert 'action="/o/acme/backlog/settings/"' in text
